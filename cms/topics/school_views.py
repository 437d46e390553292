"""课题认领 for a school account: see the open topics, claim one, move the school's claims
along 已认领 → 研究中 → 已结题 and upload the report (a document in the school's own collection).

Only a member of a 学校管理员 group gets here, and only for that school's claims; anything
else is a 404. Every refusal is shown as a Chinese message and changes nothing.
"""

import os

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods
from wagtail.documents import get_document_model

from cms.studios.api import schools_of

from .claims import ClaimRefused, claim_topic, move_claim
from .models import ResearchTopic, TopicClaim

NEXT_STEP = {
    TopicClaim.Status.CLAIMED: TopicClaim.Status.RESEARCHING,
    TopicClaim.Status.RESEARCHING: TopicClaim.Status.CONCLUDED,
}
MAX_REPORT_BYTES = settings.GONGYU_MAX_DOCUMENT_BYTES


class ReportForm(forms.Form):
    file = forms.FileField(label="结题报告")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = os.path.splitext(upload.name)[1].lower().lstrip(".")
        allowed = settings.WAGTAILDOCS_EXTENSIONS
        if extension not in allowed:
            raise forms.ValidationError(f"报告只能是这些格式的文件:{'、'.join(allowed)}。")
        if upload.size > MAX_REPORT_BYTES:
            raise forms.ValidationError(f"报告文件不能超过 {MAX_REPORT_BYTES // (1024 * 1024)} MB。")
        if upload.size == 0:
            raise forms.ValidationError("报告文件是空的。")
        return upload


def school_role(request):
    roles = list(schools_of(request.user))
    if not roles:
        raise PermissionDenied
    wanted = request.GET.get("school") or request.POST.get("school")
    if wanted:
        for role in roles:
            if str(role.school_id) == wanted:
                return role
        raise Http404
    return roles[0]


def own_claim(role, claim_id):
    return get_object_or_404(TopicClaim.objects.select_related("topic"), pk=claim_id, school=role.school)


def topics_for(school):
    """Open topics that fit the school's 学段: a topic is for the stages of its problems (a topic
    with no problem is for every school); a school with no 学段 set sees every open topic."""
    topics = ResearchTopic.objects.filter(is_open=True)
    stages = list(school.stages.values_list("pk", flat=True))
    if stages:
        topics = topics.filter(Q(problems__stages__in=stages) | Q(problems__isnull=True)).distinct()
    return topics


@require_http_methods(["GET", "POST"])
def school_topics(request):
    role = school_role(request)
    if request.method == "POST":
        return act(request, role)
    claims = TopicClaim.objects.filter(school=role.school).select_related("topic", "report")
    claimed = set(claims.exclude(status=TopicClaim.Status.WITHDRAWN).values_list("topic_id", flat=True))
    topics = [t for t in topics_for(role.school).prefetch_related("claims") if t.pk not in claimed]
    rows = [{"claim": c, "next": NEXT_STEP.get(c.status),
             "next_label": NEXT_STEP[c.status].label if c.status in NEXT_STEP else ""}
            for c in claims]
    return TemplateResponse(request, "topics/school_topics.html", {
        "role": role, "roles": schools_of(request.user), "rows": rows, "topics": topics,
        "report_form": ReportForm(),
    })


def act(request, role):
    action = request.POST.get("action")
    try:
        if action == "claim":
            topic = get_object_or_404(ResearchTopic, pk=request.POST.get("topic"))
            if topic.is_open and not topics_for(role.school).filter(pk=topic.pk).exists():
                raise ClaimRefused(f"课题「{topic.title}」不适合本校的学段。")
            claim_topic(role.school, topic)
            messages.success(request, f"已认领课题「{topic.title}」。")
        elif action in ("advance", "withdraw"):
            claim = own_claim(role, request.POST.get("claim"))
            status = TopicClaim.Status.WITHDRAWN if action == "withdraw" else NEXT_STEP.get(claim.status)
            if status is None:
                raise ClaimRefused(f"「{claim.get_status_display()}」的认领不能再改状态。")
            move_claim(claim, status)
            messages.success(request, f"课题「{claim.topic.title}」已改为「{status.label}」。")
        elif action == "report":
            claim = own_claim(role, request.POST.get("claim"))
            upload_report(request, role, claim)
        else:
            raise Http404
    except ClaimRefused as refusal:
        messages.error(request, str(refusal))
    query = f"?school={role.school_id}"
    return redirect(request.path + query)


def upload_report(request, role, claim):
    if claim.status == TopicClaim.Status.WITHDRAWN:
        raise ClaimRefused("已撤回的认领不能上传报告。")
    form = ReportForm(request.POST, request.FILES)
    if not form.is_valid():
        raise ClaimRefused(" ".join(m for msgs in form.errors.values() for m in msgs))
    Document = get_document_model()
    upload = form.cleaned_data["file"]
    document = Document(
        title=f"{claim.topic.title} · {role.school.name} 研究报告",
        file=upload, collection=role.collection, uploaded_by_user=request.user,
    )
    document._set_document_file_metadata()
    document.save()
    move_claim(claim, claim.status, report=document)
    messages.success(request, f"已上传「{claim.topic.title}」的报告。")
