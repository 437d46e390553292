"""课题认领 as a school account in the admin, reports in the school's collection, editors' export."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.documents import get_document_model

from cms.topics.claims import claim_topic
from cms.topics.models import ResearchTopic, School, TopicClaim
from tests.security.roles import PASSWORD
from tests.test_claims import race

URL = "/admin/school-topics/"


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def post(client, **data):
    return client.post(URL, data, follow=True)


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def topic(db):
    return ResearchTopic.objects.create(code="T90", title="家校共读课题", max_claims=2)


@pytest.mark.django_db
def test_a_school_claims_a_topic_moves_it_and_uploads_its_report(client, school_admin_a, school_a, topic):
    login(client, school_admin_a)
    page = client.get(URL).content.decode()
    assert "家校共读课题" in page and "2 / 2" in page
    response = post(client, action="claim", topic=topic.pk)
    assert "已认领课题「家校共读课题」。" in messages_of(response)
    claim = TopicClaim.objects.get(topic=topic, school=school_a.school)
    assert claim.status == "claimed"
    post(client, action="advance", claim=claim.pk)
    report = SimpleUploadedFile("report.pdf", b"%PDF-1.4 REPORT-OF-SCHOOL-A", content_type="application/pdf")
    response = client.post(URL, {"action": "report", "claim": claim.pk, "file": report}, follow=True)
    assert "已上传「家校共读课题」的报告。" in messages_of(response)
    post(client, action="advance", claim=claim.pk)
    claim.refresh_from_db()
    assert claim.status == "concluded" and claim.started_on and claim.concluded_on
    assert claim.report.collection_id == school_a.collection_id
    download = client.get(claim.report.url)
    assert download.status_code == 200 and b"REPORT-OF-SCHOOL-A" in b"".join(download.streaming_content)
    response = post(client, action="advance", claim=claim.pk)
    assert "「已结题」的认领不能再改状态。" in messages_of(response)


@pytest.mark.django_db
def test_another_school_cannot_touch_or_download_a_claim_it_does_not_own(client, school_admin_a, school_admin_b, school_a, topic):
    claim = claim_topic(school_a.school, topic)
    Document = get_document_model()
    report = Document(title="报告", collection=school_a.collection)
    report.file.save("r.txt", io.BytesIO(b"PRIVATE-REPORT-TEXT"), save=False)
    report.save()
    claim.report = report
    claim.save()
    login(client, school_admin_b)
    assert "家校共读课题" in client.get(URL).content.decode()  # open topic, not A's claim
    assert client.post(URL, {"action": "advance", "claim": claim.pk}).status_code == 404
    assert client.post(URL, {"action": "withdraw", "claim": claim.pk}).status_code == 404
    assert client.get(URL + f"?school={school_a.school_id}").status_code == 404
    response = client.get(report.url)
    assert response.status_code in (302, 403) and b"PRIVATE-REPORT-TEXT" not in response.content
    claim.refresh_from_db()
    assert claim.status == "claimed"


@pytest.mark.django_db
def test_refusals_are_chinese_messages_and_change_nothing(client, school_admin_a, school_a, topic):
    for code in ("X1", "X2"):
        claim_topic(School.objects.create(code=code, name=f"学校{code}"), topic)
    login(client, school_admin_a)
    assert "名额已满" in client.get(URL).content.decode()
    response = post(client, action="claim", topic=topic.pk)
    assert "课题「家校共读课题」最多可由 2 所学校认领,名额已满。" in messages_of(response)
    assert not TopicClaim.objects.filter(school=school_a.school, topic=topic).exists()

    other = ResearchTopic.objects.create(code="T91", title="另一个课题", max_claims=3)
    post(client, action="claim", topic=other.pk)
    claim = TopicClaim.objects.get(school=school_a.school, topic=other)
    bad = SimpleUploadedFile("report.exe", b"MZ...", content_type="application/octet-stream")
    response = client.post(URL, {"action": "report", "claim": claim.pk, "file": bad}, follow=True)
    assert any(m.startswith("报告只能是这些格式的文件") for m in messages_of(response))
    claim.refresh_from_db()
    assert claim.report is None


@pytest.mark.django_db
def test_only_school_accounts_get_the_claim_page(client, teacher_a):
    login(client, teacher_a)
    refused = client.get(URL)  # Wagtail turns PermissionDenied into a redirect home with a message
    assert refused.status_code == 302 and refused["Location"] == "/admin/"
    client.logout()
    assert "/admin/login/" in client.get(URL)["Location"]


@pytest.mark.django_db
def test_editors_export_every_claim_as_csv_and_xlsx(client, editor_user, topic):
    hostile = School.objects.create(code="X9", name='=HYPERLINK("http://evil.example","点我")')
    claim_topic(hostile, topic)
    login(client, editor_user)
    index = reverse("wagtailsnippets_topics_topicclaim:list")
    response = client.get(index + "?export=csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == TopicClaim.objects.count()
    mine = [r for r in rows if r["学校编码"] == "X9"]
    assert mine[0]["课题名称"] == "家校共读课题" and mine[0]["状态"] == "已认领"
    assert mine[0]["学校名称"].startswith("'=HYPERLINK")  # never a formula in a spreadsheet
    response = client.get(index + "?export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)).active
    values = list(sheet.values)
    assert values[0][:3] == ("课题编码", "课题名称", "学校编码")
    assert len(values) == TopicClaim.objects.count() + 1


@pytest.mark.django_db
def test_the_public_topic_bank_lists_claims_but_never_reports(client, school_a, topic):
    claim = claim_topic(school_a.school, topic)
    Document = get_document_model()
    report = Document(title="REPORT-TITLE-NEVER-PUBLIC", collection=school_a.collection)
    report.file.save("r.txt", io.BytesIO(b"x"), save=False)
    report.save()
    claim.report = report
    claim.save()
    html = client.get("/topics/").content.decode()
    assert f"{school_a.school.name}:已认领" in html
    assert "REPORT-TITLE-NEVER-PUBLIC" not in html and report.url not in html


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_concurrent_claims_on_three_places_give_exactly_three():
    topic = ResearchTopic.objects.create(code="T98", title="并发课题", max_claims=3)
    schools = [School.objects.create(code=f"R{i:03d}", name=f"并发学校{i}") for i in range(50)]
    results = race(50, lambda i: claim_topic(schools[i], topic))
    assert sum(isinstance(r, TopicClaim) for r in results) == 3
    assert all("名额已满" in str(r) for r in results if not isinstance(r, TopicClaim))
    assert topic.active_claims().count() == 3
