"""The admin's homepage per role, the operator's ``manage.py status``, and mail without a mail
server (written to files, no traceback)."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from cms.catalogue.models import CoursePage
from cms.topics.models import TopicClaim
from tests.lesson_forms import lesson_form
from tests.security.roles import *  # noqa: F401,F403 - role fixtures
from tests.security.roles import studio_video
from transcoding.models import VideoAsset

pytestmark = pytest.mark.django_db
STEPS = ["video_intro", "discussion", "summary", "homework", "extension"]


def home(client, user):
    client.force_login(user)
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    return response.content.decode()


def test_an_editor_sees_reviews_videos_the_site_and_claims(client, editor_user, studio_a):
    video = studio_video(studio_a)
    VideoAsset.objects.filter(pk=video.pk).update(status=VideoAsset.Status.FAILED, error="源文件损坏,无法解码。")
    page = home(client, editor_user)
    assert "今日工作" in page and "篇等待审核" in page and "段视频转码失败" in page and "段视频等待或正在转码" in page
    assert f"「{video.title}」" in page or video.title in page
    assert reverse("wagtailsnippets_transcoding_videoasset:retry", args=(video.pk,)) in page  # 重新转码
    assert "重新转码" in page
    assert "data-gongyu-publish" in page and "家长网站" in page
    assert "gravatar" not in page  # no avatar from an outside host
    assert "共育 · 家长课程超市" in page


def test_a_teacher_sees_only_their_studio(client, teacher_a, studio_a, studio_b):
    mine, theirs = studio_video(studio_a), studio_video(studio_b)
    VideoAsset.objects.filter(pk__in=[mine.pk, theirs.pk]).update(status=VideoAsset.Status.FAILED, error="无法解码。")
    page = home(client, teacher_a)
    assert studio_a.studio.title in page and "我的草稿" in page and "审核结果" in page and "我的视频" in page
    assert mine.title in page
    assert reverse("wagtailsnippets_transcoding_videoasset:retry", args=(mine.pk,)) in page  # failed first, 重新转码
    assert theirs.title not in page and studio_b.studio.title not in page
    assert "今日工作" not in page  # the editors' panel is not theirs


def test_a_school_admin_sees_claims_and_the_next_step(client, school_admin_a, school_a):
    claim = TopicClaim.objects.filter(school=school_a.school).select_related("topic").first()
    page = home(client, school_admin_a)
    assert f"{school_a.school.name}的课题" in page and "打开课题认领" in page
    if claim:
        assert claim.topic.title in page and "下一步:" in page
    else:
        assert "还没有认领课题。下一步:" in page


def test_status_is_short_and_chinese(studio_a):
    video = studio_video(studio_a)
    VideoAsset.objects.filter(pk=video.pk).update(status=VideoAsset.Status.FAILED, error="源文件损坏,无法解码。")
    out = io.StringIO()
    call_command("status", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("后台队列:") or lines[0].startswith("后台队列")
    assert any(line.startswith("视频:共 ") and "失败 1" in line for line in lines)
    assert f"  失败:「{video.title}」:源文件损坏,无法解码。" in lines
    assert any(line.startswith("家长网站:") for line in lines)
    assert any(line.startswith("版本:共育 ") and "Wagtail 8." in line for line in lines)
    assert len(lines) <= 12


def test_submit_for_review_without_a_mail_server_writes_the_mail_to_a_file(client, settings, tmp_path, teacher_a,
                                                                          editor_user, studio_a):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    editor_user.email = "editor@example.edu.cn"
    editor_user.save()
    course = CoursePage.objects.descendant_of(studio_a.studio).first()
    client.force_login(teacher_a)
    data = lesson_form("送审的一课", "review-mail", STEPS, studio_video(studio_a).pk, publish=False)
    data.pop("action-draft")
    data["action-submit"] = "1"
    response = client.post(reverse("wagtailadmin_pages:add", args=("catalogue", "lessonpage", course.pk)), data)
    assert response.status_code == 302
    mails = "".join(p.read_text() for p in (tmp_path / "mail").glob("*.log"))
    assert "editor@example.edu.cn" in mails


def test_a_claim_mails_the_editors_and_the_school_in_chinese(client, school_admin_a, school_a, editor_user,
                                                             mailoutbox, django_capture_on_commit_callbacks):
    from cms.topics.school_views import topics_for

    editor_user.email = "editor@example.edu.cn"
    editor_user.save()
    claimed = TopicClaim.objects.filter(school=school_a.school).values_list("topic_id", flat=True)
    topic = topics_for(school_a.school).exclude(pk__in=claimed).first()
    client.force_login(school_admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("studios_school_topics") + f"?school={school_a.school_id}",
                               {"action": "claim", "topic": topic.pk, "school": school_a.school_id})
    assert response.status_code == 302
    subjects = [m.subject for m in mailoutbox]
    assert f"【共育】{school_a.school.name}认领了课题「{topic.title}」" in subjects, subjects
    sent = next(m for m in mailoutbox if m.subject.endswith(f"「{topic.title}」"))
    assert "editor@example.edu.cn" in sent.to and school_admin_a.email in sent.to
    assert "现在的状态是「已认领」" in sent.body
