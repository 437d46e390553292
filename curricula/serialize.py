"""Database objects -> package items (the dicts written to YAML).

The exporter writes these items; the importer builds the same items from what is in the
database and compares them with the package's items, so an unchanged item is left alone and
importing a package twice changes nothing. Media are named by a callback: the exporter copies
the file and returns its package path, the importer returns a content hash, so a cover or a
report is "the same" when its bytes are the same, whatever it is called.
"""

from pathlib import PurePosixPath

from cms.catalogue.models import StudioPage

EMPTY = (None, "", [], {})


def compact(value):
    """Drop empty values (None, "", [], {}) at every depth; keep False and 0."""
    if isinstance(value, dict):
        pairs = ((k, compact(v)) for k, v in value.items())
        return {k: v for k, v in pairs if v not in EMPTY}
    if isinstance(value, list | tuple):
        return [compact(v) for v in value]
    return value


def extension_of(fieldfile, default):
    suffix = PurePosixPath(fieldfile.name).suffix.lower()
    return suffix if suffix else default


def content_of(page):
    """The content an export stands for: the live version, or the latest draft if not live."""
    if page.live:
        return page.specific
    return page.specific.get_latest_revision_as_object()


def codes(manager, field="code"):
    return [getattr(obj, field) for obj in manager.all()]


def flags(page):
    return {"draft": True} if not page.live else {}


class Serializer:
    """Build items; ``media(kind, stem, fieldfile)`` returns how a file is referenced."""

    def __init__(self, media):
        self.media = media

    def studio(self, page):
        page = content_of(page)
        return compact({
            "slug": page.slug,
            "name": page.title,
            "introduction": page.introduction,
            "members": [{"name": m.name, "role": m.role, "bio": m.bio} for m in page.members.all()],
            **flags(page),
        })

    def video(self, video):
        """``video``: a ``transcoding.api.Video`` (its original is a ``StoredFile``)."""
        return {"key": video.key, "title": video.title, "file": self.media("videos", video.key, video.original)}

    def shelves(self, page):
        return {
            "stages": [s.code for s in sorted(page.stages.all(), key=lambda s: (s.sort_order, s.pk))],
            "themes": [t.code for t in sorted(page.themes.all(), key=lambda t: (t.sort_order, t.pk))],
            "problems": sorted(p.code for p in page.problems.all()),
        }

    def course(self, page):
        content = content_of(page)
        cover = content.cover_image
        return compact({
            "slug": page.slug,
            "title": content.title,
            "summary": content.summary,
            "introduction": content.introduction,
            "cover": self.media("images", page.slug, cover.file) if cover else None,
            **self.shelves(content),
            **flags(page),
        })

    def lesson(self, page):
        content = content_of(page)
        return compact({
            "slug": page.slug,
            "title": content.title,
            "summary": content.summary,
            **flags(page),
            "steps": [self.step(child.block_type, child.value) for child in content.body],
        })

    @staticmethod
    def step(name, value):
        item = {"step": name}
        if name == "video_intro":
            item["video"] = value["video"].key if value.get("video") else None
            item["text"] = value.get("text")
        elif name == "discussion":
            item["text"] = value.get("text")
            item["prompts"] = list(value.get("prompts") or [])
            item["cases"] = [{"title": c["title"], "text": c["text"]} for c in value.get("cases") or []]
        elif name == "summary":
            item["text"] = value.get("text")
            item["points"] = list(value.get("points") or [])
        elif name == "homework":
            item["text"] = value.get("text")
            item["tasks"] = [{"title": t["title"], "text": t["text"]} for t in value.get("tasks") or []]
        elif name == "extension":
            item["text"] = value.get("text")
            item["micro_lessons"] = [p.slug for p in value.get("micro_lessons") or [] if p is not None]
        return compact(item)

    def micro_lesson(self, page):
        content = content_of(page)
        return compact({
            "slug": page.slug,
            "title": content.title,
            "summary": content.summary,
            "video": content.video.key if content.video else None,
            "transcript": content.transcript,
            **self.shelves(content),
            **flags(page),
        })

    @staticmethod
    def school(school):
        return compact({
            "code": school.code, "name": school.name, "district": school.district,
            "stages": [s.code for s in school.stages.all()],
        })

    def claim(self, claim):
        return compact({
            "school": claim.school.code,
            "status": claim.status,
            "claimed_on": claim.claimed_on.isoformat(),
            "started_on": claim.started_on.isoformat() if claim.started_on else None,
            "concluded_on": claim.concluded_on.isoformat() if claim.concluded_on else None,
            "report": self.media(
                "documents", f"{claim.topic.code}-{claim.school.code}".lower(), claim.report.file
            ) if claim.report else None,
        })

    def topic(self, topic, with_claims=True):
        item = {
            "code": topic.code,
            "title": topic.title,
            "description": topic.description,
            "problems": sorted(p.code for p in topic.problems.all()),
            "max_claims": topic.max_claims,
        }
        if not topic.is_open:
            item["open"] = False
        if with_claims:
            item["claims"] = [self.claim(c) for c in topic.claims.select_related("school", "report")]
        return compact(item)


def studio_pages():
    return StudioPage.objects.all().order_by("path")


def children(page, model):
    return model.objects.child_of(page).order_by("path")

