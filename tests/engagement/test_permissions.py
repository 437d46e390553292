"""Who may edit the 本周家长课 schedule (and the questionnaires): the 编辑 group, through the
project's roles; a studio member or a school admin gets the admin's 403 on the same pages."""

import pytest

from tests.security.roles import (  # noqa: F401  (fixtures)
    PASSWORD,
    editor_user,
    school_a,
    school_admin_a,
    studio_a,
    teacher_a,
)

SCHEDULE = "/admin/snippets/engagement/weeklylecture/"


def logged_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.django_db
def test_editor_adds_changes_and_deletes_a_weekly_lecture(client, editor_user):
    from cms.catalogue.models import LessonPage
    from cms.taxonomy.models import Stage
    from engagement.models import WeeklyLecture

    for codename in ("add_weeklylecture", "change_weeklylecture", "delete_weeklylecture"):
        assert editor_user.has_perm(f"engagement.{codename}")
    client = logged_in(client, editor_user)
    assert client.get(SCHEDULE).status_code == 200
    lesson = LessonPage.objects.live().order_by("path").first()
    stage = Stage.objects.order_by("pk").first()
    response = client.post(SCHEDULE + "add/", {"week": "2026-11-23", "stage": stage.pk, "page": lesson.pk,
                                                 "note": "周末和孩子一起看。"})
    assert response.status_code == 302, response.content.decode()[:2000]
    lecture = WeeklyLecture.objects.get(week="2026-11-23", stage=stage)
    response = client.post(f"{SCHEDULE}edit/{lecture.pk}/", {"week": "2026-11-23", "stage": stage.pk,
                                                             "page": lesson.pk, "note": "请家长提前看。"})
    assert response.status_code == 302
    lecture.refresh_from_db()
    assert lecture.note == "请家长提前看。"
    assert client.post(f"{SCHEDULE}delete/{lecture.pk}/").status_code == 302
    assert not WeeklyLecture.objects.filter(pk=lecture.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["teacher_a", "school_admin_a"])
def test_studios_and_schools_cannot_touch_the_schedule(client, role, request):
    from cms.catalogue.models import LessonPage
    from cms.taxonomy.models import Stage
    from engagement.models import WeeklyLecture

    user = request.getfixturevalue(role)
    assert not user.has_perm("engagement.add_weeklylecture")
    assert not user.has_perm("engagement.change_weeklylecture")
    client = logged_in(client, user)
    lesson = LessonPage.objects.live().order_by("path").first()
    lecture = WeeklyLecture.objects.create(week="2026-11-30", stage=Stage.objects.order_by("pk").first(), page=lesson)
    assert client.get(SCHEDULE + "add/").status_code in (302, 403)
    response = client.post(SCHEDULE + "add/", {"week": "2026-12-07", "stage": lecture.stage_id, "page": lesson.pk})
    assert response.status_code in (302, 403)
    assert not WeeklyLecture.objects.filter(week="2026-12-07").exists()
    client.post(f"{SCHEDULE}edit/{lecture.pk}/", {"week": "2026-11-30", "stage": lecture.stage_id,
                                                  "page": lesson.pk, "note": "改过了"})
    client.post(f"{SCHEDULE}delete/{lecture.pk}/")
    lecture.refresh_from_db()
    assert lecture.note == ""
