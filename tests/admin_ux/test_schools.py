"""Schools: topics offered fit the school's 学段; changes that cannot be undone ask first; the
claims export is a visible button."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from cms.taxonomy.models import Stage
from cms.topics.models import ResearchTopic, TopicClaim
from tests.security.roles import *  # noqa: F401,F403 - role fixtures

pytestmark = pytest.mark.django_db


def school_page(client, school_a):
    response = client.get(reverse("studios_school_topics") + f"?school={school_a.school_id}")
    assert response.status_code == 200
    return response.content.decode()


def offered(page):
    soup = BeautifulSoup(page, "html.parser")
    return {int(row["data-topic"]) for row in soup.select("[data-open-topics] tr[data-topic]")}


def test_a_school_is_offered_only_topics_of_its_stages(client, school_admin_a, school_a):
    stage = Stage.objects.order_by("sort_order").first()  # e.g. 幼儿园
    fitting = ResearchTopic.objects.filter(is_open=True, problems__stages=stage).distinct()
    other = ResearchTopic.objects.filter(is_open=True).exclude(problems__stages=stage).exclude(problems__isnull=True).first()
    assert other is not None, "the demo has topics for other stages"
    school_a.school.stages.set([stage])
    client.force_login(school_admin_a)
    shown = offered(school_page(client, school_a))
    claimed = set(TopicClaim.objects.filter(school=school_a.school).values_list("topic_id", flat=True))
    assert shown == {t.pk for t in fitting} - claimed
    assert other.pk not in shown
    response = client.post(reverse("studios_school_topics") + f"?school={school_a.school_id}",
                           {"action": "claim", "topic": other.pk, "school": school_a.school_id}, follow=True)
    assert f"课题「{other.title}」不适合本校的学段。" in response.content.decode()
    assert not TopicClaim.objects.filter(school=school_a.school, topic=other).exists()


def test_changes_that_cannot_be_undone_ask_first(client, school_admin_a, school_a):
    claim = TopicClaim.objects.filter(school=school_a.school, status__in=["claimed", "researching"]).select_related("topic").first()
    if claim is None:
        pytest.skip("the demo school has no open claim")
    claim.status = "researching"
    claim.save()
    client.force_login(school_admin_a)
    soup = BeautifulSoup(school_page(client, school_a), "html.parser")
    row = soup.select_one(f'tr[data-claim="{claim.pk}"]')
    advance = row.select_one('button[value="advance"]')
    withdraw = row.select_one('button[value="withdraw"]')
    assert advance.get_text(strip=True) == "改为已结题"
    assert advance["data-confirm"] == f"改为已结题后不能再改回。确定「{claim.topic.title}」已经结题了吗?"
    assert withdraw["data-confirm"] == f"撤回后这个认领就结束了,不能恢复。确定撤回「{claim.topic.title}」吗?"


def test_the_claims_export_is_a_visible_button(client, editor_user):
    client.force_login(editor_user)
    response = client.get(reverse("wagtailsnippets_topics_topicclaim:list"))
    soup = BeautifulSoup(response.content, "html.parser")
    buttons = {a.get_text(strip=True): a["href"] for a in soup.select("a[data-export]")}
    assert set(buttons) == {"导出 Excel", "导出 CSV"}
    assert "export=xlsx" in buttons["导出 Excel"] and "export=csv" in buttons["导出 CSV"]
    assert not any(a.find_parent(attrs={"data-controller": "w-dropdown"}) for a in soup.select("a[data-export]"))
    export = client.get(buttons["导出 CSV"])
    assert export.status_code == 200 and "课题编码" in b"".join(export.streaming_content).decode("utf-8-sig")
