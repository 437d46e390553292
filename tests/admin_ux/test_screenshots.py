"""Each role's homepage and building a lesson, in chromium on desktop (1366×768) and phone
(390×844) against a real gunicorn server; screenshots go to test-artifacts/admin/."""

import re
from pathlib import Path

import pytest

from tests.admin_ux.conftest import live_db, login

pytestmark = [pytest.mark.slow, live_db]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "admin"
VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
PANELS = {"ux_editor": "editor", "ux_teacher": "teacher", "ux_school": "school"}
LABELS = ["第 1 步 视频导入", "第 2 步 现场研讨", "第 3 步 问题总结", "第 4 步 作业巩固", "第 5 步 微课延伸"]


def test_dashboards_and_building_a_lesson(admin_server, browser, role_users):
    from cms.catalogue.models import CoursePage, LessonPage

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    course = CoursePage.objects.descendant_of(role_users["studio"].studio).first()
    for device, viewport in VIEWPORTS.items():
        for username, panel in PANELS.items():
            context, page = login(browser, admin_server, username, viewport)
            page.goto(admin_server + "/admin/", wait_until="networkidle")
            assert page.locator(f'[data-gongyu-panel="{panel}"]').first.is_visible()
            page.screenshot(path=str(ARTIFACTS / f"{panel}-dashboard-{device}.png"), full_page=True)
            context.close()

        context, page = login(browser, admin_server, "ux_teacher", viewport)
        page.goto(admin_server + f"/admin/pages/{course.pk}/edit/", wait_until="networkidle")
        page.get_by_role("link", name="添加一课").first.click()
        page.wait_for_selector(".gongyu-five-steps [data-streamfield-child]")
        headings = page.locator(".gongyu-five-steps .c-sf-block__type").all_inner_texts()
        assert [h for h in headings if h.startswith("第 ")] == LABELS
        visible_adders = [b for b in page.locator(".gongyu-five-steps .c-sf-add-button").all() if b.is_visible()]
        top_level = [b for b in visible_adders
                     if b.evaluate("b => !b.closest('[data-streamfield-list-container]')")]
        assert top_level == []  # no ⊕ between or after the steps
        page.screenshot(path=str(ARTIFACTS / f"lesson-new-{device}.png"), full_page=True)
        # All five steps in one picture: a window tall enough for the whole form.
        page.set_viewport_size({"width": viewport["width"], "height": 4000})
        page.screenshot(path=str(ARTIFACTS / f"lesson-steps-{device}.png"))
        page.set_viewport_size(viewport)

        # A draft can be saved before everything is filled in (the title is all it needs; the
        # address comes from it in pinyin): the five steps stay in place and in order.
        page.fill("#id_title", "新的一课")
        with page.expect_navigation(timeout=120_000):
            page.locator("footer button", has_text="保存草稿").first.click()
        page.wait_for_selector(".gongyu-five-steps [data-streamfield-child]")
        assert "/edit/" in page.url
        # One draft: the create form is not autosaved (cms/catalogue/admin_views.py), so a save
        # pressed at once never races an autosave into a second copy.
        lesson = LessonPage.objects.child_of(course).get(title="新的一课")
        assert lesson.slug == "xin-de-yike"
        text = page.locator(".gongyu-five-steps").inner_text()
        assert [h for h in re.findall(r"第 \d 步 \S+", text)] == LABELS
        page.screenshot(path=str(ARTIFACTS / f"lesson-draft-{device}.png"))
        lesson.delete()
        context.close()
