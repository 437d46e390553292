"""The admin's homepage (工作台): what each role should look at today.

- 编辑: lessons awaiting review, videos in progress or failed (with 重新转码), the parent
  site's publish state, claims of this week.
- 工作室成员: their studio's drafts, their studio's videos, what was approved or sent back.
- 学校管理员: their school's claims and what to do next.
"""

import datetime

from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.components import Component
from wagtail.models import Page, WorkflowState

LIST_LIMIT = 8  # rows per list on the homepage; the full lists are one click away


def is_editor(user):
    from cms.studios.api import EDITORS

    return user.is_superuser or user.groups.filter(name=EDITORS).exists()


def publish_state():
    """The parent site's publish state, or None while the publishing app offers none."""
    try:
        from cms.publishing.api import publish_status
    except ImportError:
        return None
    try:
        return publish_status()
    except Exception:  # a dashboard line must never take the homepage down
        return None


def video_rows(videos):
    from transcoding.models import VideoAsset

    rows = []
    for video in videos[:LIST_LIMIT]:
        rows.append({
            "id": video.pk,
            "title": video.title,
            "status": "已中断" if video.interrupted else video.get_status_display(),
            "status_code": video.status,
            "failed": video.status == VideoAsset.Status.FAILED,
            "playable": video.playable and video.status != VideoAsset.Status.FAILED,
            "phase": video.phase_label,
            "eta": video.eta_label,
            "progress": round((video.progress or 0) * 100) if video.progress <= 1 else round(video.progress),
            "error": video.error,
            "edit_url": reverse("wagtailsnippets_transcoding_videoasset:edit", args=(video.pk,)),
            "status_url": reverse("wagtailsnippets_transcoding_videoasset:status"),
            "retry_url": reverse("wagtailsnippets_transcoding_videoasset:retry", args=(video.pk,))
            if video.retryable else "",
        })
    return rows


def page_rows(pages):
    return [{"title": p.get_admin_display_title(), "edit_url": reverse("wagtailadmin_pages:edit", args=(p.pk,))}
            for p in pages[:LIST_LIMIT]]


def week_start():
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday())


class RolePanel(Component):
    order = 10

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context=None):
        return {"request": self.request, **self.data()}


class EditorPanel(RolePanel):
    name = "gongyu_editor"
    template_name = "dashboard/editor_panel.html"

    def data(self):
        from cms.topics.models import TopicClaim
        from transcoding.models import VideoAsset

        awaiting = WorkflowState.objects.active().filter(status=WorkflowState.STATUS_IN_PROGRESS)
        busy = VideoAsset.objects.filter(status__in=[VideoAsset.Status.PENDING, VideoAsset.Status.PROCESSING])
        failed = VideoAsset.objects.filter(status=VideoAsset.Status.FAILED)
        claims = TopicClaim.objects.filter(claimed_on__gte=week_start()).select_related("topic", "school")
        return {
            "awaiting_count": awaiting.count(),
            "busy_count": busy.count(),
            "failed_count": failed.count(),
            "failed": video_rows(failed.order_by("-created_at")),
            "busy": video_rows(busy.order_by("-status", "created_at")),
            "publish": publish_state(),
            "claims_count": claims.count(),
            "claims": [{"topic": c.topic.title, "school": c.school.name, "status": c.get_status_display()}
                       for c in claims.order_by("-claimed_on")[:LIST_LIMIT]],
            "videos_url": reverse("wagtailsnippets_transcoding_videoasset:list"),
            "claims_url": reverse("wagtailsnippets_topics_topicclaim:list"),
        }


class TeacherPanel(RolePanel):
    name = "gongyu_teacher"
    template_name = "dashboard/teacher_panel.html"

    def __init__(self, request, roles):
        super().__init__(request)
        self.roles = roles

    def data(self):
        from transcoding.models import VideoAsset

        studios = []
        for role in self.roles:
            pages = Page.objects.descendant_of(role.studio)
            drafts = pages.filter(has_unpublished_changes=True).order_by("-latest_revision_created_at")
            states = (WorkflowState.objects.filter(base_content_type__isnull=False,
                                                   object_id__in=[str(pk) for pk in pages.values_list("pk", flat=True)[:5000]])
                      .exclude(status=WorkflowState.STATUS_IN_PROGRESS).order_by("-created_at")[:LIST_LIMIT])
            videos = VideoAsset.objects.filter(collection=role.collection).order_by(NEEDS_ATTENTION_FIRST, "-created_at")
            studios.append({
                "name": role.studio.title,
                "explore_url": reverse("wagtailadmin_explore", args=(role.studio.pk,)),
                "drafts": page_rows(drafts),
                "drafts_count": drafts.count(),
                "videos": video_rows(videos),
                "reviews": [{"title": s.content_object.get_admin_display_title() if s.content_object else "(已删除)",
                             "status": REVIEW_WORDS.get(s.status, s.get_status_display()),
                             "sent_back": s.status in (WorkflowState.STATUS_NEEDS_CHANGES, WorkflowState.STATUS_CANCELLED),
                             "edit_url": reverse("wagtailadmin_pages:edit", args=(s.object_id,)) if s.content_object else ""}
                            for s in states],
            })
        return {"studios": studios}


NEEDS_ATTENTION_FIRST = Case(  # failed, then being transcoded, then waiting, then done
    When(status="failed", then=Value(0)), When(status="processing", then=Value(1)),
    When(status="pending", then=Value(2)), default=Value(3), output_field=IntegerField(),
)

REVIEW_WORDS = {
    WorkflowState.STATUS_APPROVED: "已通过审核",
    WorkflowState.STATUS_NEEDS_CHANGES: "被退回修改",
    WorkflowState.STATUS_CANCELLED: "已撤回审核",
}


class SchoolPanel(RolePanel):
    name = "gongyu_school"
    template_name = "dashboard/school_panel.html"

    NEXT = {
        "claimed": "开题后点「改为研究中」。",
        "researching": "研究结束后上传结题报告,再点「改为已结题」。",
        "concluded": "已结题,无需操作。",
        "withdrawn": "已撤回,可以重新认领其他课题。",
    }

    def __init__(self, request, roles):
        super().__init__(request)
        self.roles = roles

    def data(self):
        from cms.topics.models import TopicClaim

        schools = []
        for role in self.roles:
            claims = TopicClaim.objects.filter(school=role.school).select_related("topic").order_by("-updated_at")
            schools.append({
                "name": role.school.name,
                "url": reverse("studios_school_topics") + f"?school={role.school_id}",
                "claims": [{"topic": c.topic.title, "status": c.get_status_display(), "next": self.NEXT.get(c.status, "")}
                           for c in claims[:LIST_LIMIT]],
                "claims_count": claims.count(),
            })
        return {"schools": schools}


class VideoNoticePanel(RolePanel):
    """消息: the uploader's own videos that failed, or finished in the last days (the admin side of
    the video mails, on the homepage every role sees first)."""

    name = "gongyu_video_notices"
    template_name = "dashboard/video_notices.html"
    order = 5
    DAYS = 7

    def data(self):
        from django.db.models import Q

        from transcoding.models import VideoAsset

        since = timezone.now() - datetime.timedelta(days=self.DAYS)
        videos = (VideoAsset.objects.filter(uploaded_by=self.request.user)
                  .filter(Q(status=VideoAsset.Status.FAILED) | Q(status=VideoAsset.Status.READY, transcoded_at__gte=since))
                  .order_by(NEEDS_ATTENTION_FIRST, "-transcoded_at", "-created_at"))
        notices = []
        for video in videos[:LIST_LIMIT]:
            edit_url = reverse("wagtailsnippets_transcoding_videoasset:edit", args=(video.pk,))
            if video.status == VideoAsset.Status.FAILED:
                text = f"视频「{video.title}」转码失败:{video.error}" if video.error else f"视频「{video.title}」转码失败。"
            else:
                text = f"视频「{video.title}」已转码完成,可以播放了。"
            notices.append({"text": text, "failed": video.status == VideoAsset.Status.FAILED, "edit_url": edit_url})
        return {"notices": notices}

    def render_html(self, parent_context=None):
        context = self.get_context_data(parent_context)
        if not context["notices"]:
            return ""
        from django.template.loader import render_to_string

        return render_to_string(self.template_name, context, request=self.request)


def panels_for(request):
    from cms.studios.api import schools_of, studios_of

    user = request.user
    panels = [VideoNoticePanel(request)]
    if is_editor(user):
        panels.append(EditorPanel(request))
    teacher_roles = list(studios_of(user))
    if teacher_roles:
        panels.append(TeacherPanel(request, teacher_roles))
    school_roles = list(schools_of(user))
    if school_roles:
        panels.append(SchoolPanel(request, school_roles))
    return panels
