"""Package folder -> database (``manage.py import_curriculum PATH``).

Validate everything first; write nothing if anything is wrong; then write everything in one
transaction. Items are matched by their stable keys and compared with what the database
already holds (via ``serialize``), so re-importing an unchanged package changes nothing.

Nothing an editor did is undone. By default an import only adds what the database has never
had: an item that exists is left as the editors have it (even unpublished or edited since), and
one an editor deleted (``cms.core.models.Tombstone``) is not brought back. ``update=True``
(``import_curriculum --update``) makes the database match the package — after the command has
listed every page it will change (``plan_update``). A claim's report is never detached.
"""

import dataclasses
from collections import Counter
from functools import cached_property

from django.conf import settings
from django.core.files import File
from django.db import transaction
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from cms.catalogue.models import CoursePage, LessonPage, MicroLessonPage, StudioMember, StudioPage
from cms.catalogue.structure import ensure_site, studio_index
from cms.core.models import Tombstone
from cms.studios.api import ensure_roles, ensure_studio
from cms.taxonomy.models import Problem, Stage, Theme
from cms.topics.models import ResearchTopic, School, TopicClaim
from transcoding.api import VideoMissing, find_video, reserve_video, store_video, stored_checksums, video_id

from .lectures import import_lectures
from .models import PackageInfo
from .package import Package
from .package import Problem as PackageProblem
from .serialize import Serializer, compact
from .validate import validate


class ImportFailed(Exception):
    def __init__(self, problems):
        super().__init__(f"课程包有 {len(problems)} 处问题,未导入任何内容。")
        self.problems = problems


@dataclasses.dataclass
class ImportReport:
    counts: Counter = dataclasses.field(default_factory=Counter)
    pages: list = dataclasses.field(default_factory=list)  # (kind, outcome, title, url path) of pages not unchanged

    def note(self, kind, outcome, page=None):
        self.counts[(kind, outcome)] += 1
        if page is not None and outcome != "unchanged":
            self.pages.append((kind, outcome, page.title, page.url_path))

    def summary(self):
        kinds = sorted({kind for kind, _ in self.counts})
        return {kind: {o: n for (k, o), n in self.counts.items() if k == kind} for kind in kinds}

    @property
    def changed(self):
        """How many items the import wrote (created or updated)."""
        return sum(n for (_, outcome), n in self.counts.items() if outcome in ("created", "updated"))


def known_codes():
    """Codes already in the database, which a package may refer to without listing."""
    return {
        "stages": set(Stage.objects.values_list("code", flat=True)),
        "themes": set(Theme.objects.values_list("code", flat=True)),
        "problems": set(Problem.objects.values_list("code", flat=True)),
        "schools": set(School.objects.values_list("code", flat=True)),
        "micro_lessons": set(MicroLessonPage.objects.values_list("slug", flat=True)),
        # Videos already stored passed validation when they were stored.
        "video_checksums": stored_checksums(),
    }


def check_package(path):
    package = Package(path)
    return package, validate(package, known_codes())


def import_package(path, update=False):
    """Import (add only, or with ``update`` make the database match the package)."""
    package, problems = check_package(path)
    if problems:
        raise ImportFailed(problems)
    try:
        with transaction.atomic():
            return Importer(package, update=update).run()
    except ImportFailed:
        raise
    except Exception as error:  # any database refusal: nothing was written
        raise ImportFailed([PackageProblem(str(path), "", f"写入数据库时出错,已全部撤销:{error}")]) from error


def plan_update(path):
    """What ``import_package(path, update=True)`` would do, without doing it (the import runs in a
    transaction that is rolled back; no video file is stored)."""
    package, problems = check_package(path)
    if problems:
        raise ImportFailed(problems)
    with transaction.atomic():
        report = Importer(package, update=True, dry_run=True).run()
        transaction.set_rollback(True)
    return report


def database_is_empty():
    """No catalogue yet (a fresh install): the demo may be loaded."""
    return not (StudioPage.objects.exists() or Problem.objects.exists() or School.objects.exists())


class Importer:
    def __init__(self, package, update=False, dry_run=False):
        self.package = package
        self.update = update
        self.dry_run = dry_run
        self.report = ImportReport()
        self.serializer = Serializer(self.media_hash_of_fieldfile)

    # -- media: compared by content --------------------------------------------------------
    def media_hash(self, relative):
        """How a package file compares with a stored one: by content."""
        return "sha1:" + self.package.media_sha1(relative)

    @staticmethod
    def media_hash_of_fieldfile(kind, stem, fieldfile):
        instance = fieldfile.instance
        return "sha1:" + instance.get_file_hash()

    # -- ordering helpers -------------------------------------------------------------------
    @cached_property
    def shelf_order(self):
        """Display order of stage and theme codes (read once, after the taxonomy is imported)."""
        return {
            "stages": {code: i for i, code in enumerate(Stage.objects.values_list("code", flat=True))},
            "themes": {code: i for i, code in enumerate(Theme.objects.values_list("code", flat=True))},
        }

    def shelf_codes(self, item):
        """An item's shelves in the order the serializer writes them, so the two compare equal."""
        return {
            "stages": sorted(item.get("stages", []), key=self.shelf_order["stages"].__getitem__),
            "themes": sorted(item.get("themes", []), key=self.shelf_order["themes"].__getitem__),
            "problems": sorted(item.get("problems", [])),
        }

    @staticmethod
    def set_shelves(page, item):
        page.stages.set(list(Stage.objects.filter(code__in=item.get("stages", []))))
        page.themes.set(list(Theme.objects.filter(code__in=item.get("themes", []))))
        page.problems.set(list(Problem.objects.filter(code__in=item.get("problems", []))))

    # -- run ---------------------------------------------------------------------------------
    def run(self):
        info = self.package.info
        ensure_site(info.get("site_title"), info.get("site_introduction"))
        PackageInfo.objects.all().delete()
        PackageInfo.objects.create(name=info["name"], description=info.get("description", ""))
        self.import_taxonomy()
        self.import_schools()
        studios = list(self.package.studio_files.values())
        pages = {s["slug"]: self.import_studio(s) for s in studios}
        for studio in studios:
            self.import_videos(studio, pages[studio["slug"]])
        for studio in studios:
            for item in studio.get("micro_lessons", []) if pages[studio["slug"]] else ():
                self.import_micro_lesson(pages[studio["slug"]], item)
        for studio in studios:
            for item in studio.get("courses", []) if pages[studio["slug"]] else ():
                self.import_course(pages[studio["slug"]], item)
        self.import_topics()
        import_lectures(self)  # lectures.yaml: 本周家长课 and groups of schools
        ensure_roles()  # groups, collections and review workflow for every studio and school
        return self.report

    def deleted_by_editor(self, kind, key):
        """True (and noted) if an editor deleted this item and the import may not restore it."""
        if not Tombstone.exists_for(kind, key):
            return False
        if self.update:
            Tombstone.forget(kind, key)
            return False
        return True

    def upsert(self, model, lookup, values, kind):
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            if self.deleted_by_editor(model._meta.model_name, lookup.get("code", "")):
                self.report.note(kind, "deleted")
                return None
            obj = model.objects.create(**lookup, **values)
            obj._gongyu_created = True
            self.report.note(kind, "created")
            return obj
        changed = {k: v for k, v in values.items() if getattr(obj, k) != v}
        if changed and not self.update:
            self.report.note(kind, "kept")
            return obj
        if changed:
            for key, value in changed.items():
                setattr(obj, key, value)
            obj.save()
        self.report.note(kind, "updated" if changed else "unchanged")
        return obj

    def set_m2m(self, manager, objects, kind):
        """Set a many-to-many list; an object created just now is already counted as created."""
        if not self.update and not getattr(manager.instance, "_gongyu_created", False):
            return  # editors' version kept
        if set(manager.all()) != set(objects):
            fresh = not manager.exists()
            manager.set(objects)
            if not fresh:
                self.report.note(kind, "updated")

    def import_taxonomy(self):
        tax = self.package.taxonomy
        for i, item in enumerate(tax.get("stages", [])):
            self.upsert(Stage, {"code": item["code"]}, {"name": item["name"], "description": item.get("description", ""), "sort_order": i}, "学段")
        for i, item in enumerate(tax.get("themes", [])):
            self.upsert(Theme, {"code": item["code"]}, {"name": item["name"], "description": item.get("description", ""), "sort_order": i}, "主题")
        themes = {t.code: t for t in Theme.objects.all()}
        stages = {s.code: s for s in Stage.objects.all()}
        for i, item in enumerate(tax.get("problems", [])):
            problem = self.upsert(Problem, {"code": item["code"]}, {
                "title": item["title"], "description": item.get("description", ""),
                "theme": themes[item["theme"]], "sort_order": i,
            }, "家庭教育问题")
            if problem is not None:
                self.set_m2m(problem.stages, [stages[c] for c in item["stages"]], "家庭教育问题")

    def import_schools(self):
        stages = {s.code: s for s in Stage.objects.all()}
        for item in self.package.schools:
            school = self.upsert(School, {"code": item["code"]}, {"name": item["name"], "district": item.get("district", "")}, "学校")
            if school is not None:
                self.set_m2m(school.stages, [stages[c] for c in item.get("stages", [])], "学校")

    # -- pages -------------------------------------------------------------------------------
    def save_page(self, parent, model, slug, wanted, current_item, apply, kind):
        """Create or update one page so that its item equals ``wanted``; publish unless draft.
        Without ``update``: only create a page that never existed (editors' pages are kept)."""
        existing = model.objects.child_of(parent).filter(slug=slug).first()
        if existing is None and not self.update:
            moved = model.objects.filter(slug=slug).first()
            if moved is not None:  # an editor moved it: it is the same page
                self.report.note(kind, "kept")
                return moved
        if existing is None and self.deleted_by_editor("page", f"{parent.url_path}{slug}/"):
            self.report.note(kind, "deleted")
            return None
        if existing is not None and current_item(existing) == wanted:
            self.report.note(kind, "unchanged")
            return existing
        if existing is not None and not self.update:
            self.report.note(kind, "kept", existing)  # edited, unpublished or moved by an editor: theirs
            return existing
        draft = bool(wanted.get("draft"))
        page = existing.specific if existing is not None else model(slug=slug)
        try:
            apply(page)
        except VideoMissing:  # its video was deleted by an editor and not restored
            self.report.note(kind, "deleted")
            return existing
        if existing is None:
            page.live = not draft
            parent.add_child(instance=page)
        revision = page.save_revision()
        if not draft:
            revision.publish()
        elif page.live:
            page.unpublish()
        self.report.note(kind, "created" if existing is None else "updated", page)
        return page

    def import_studio(self, item):
        wanted = compact({k: v for k, v in item.items() if k not in ("videos", "courses", "micro_lessons")})

        def apply(page):
            page.title = item["name"]
            page.introduction = item["introduction"]
            page.members = [StudioMember(name=m["name"], role=m.get("role", ""), bio=m.get("bio", "")) for m in item.get("members", [])]

        return self.save_page(studio_index(), StudioPage, item["slug"], wanted, self.serializer.studio, apply, "名师工作室")

    def studio_collection(self, studio):
        """The studio's own collection, found by the studio (its role's key), never by a name: a
        renamed studio, or another folder with the same name, must not get the studio's videos."""
        return ensure_studio(studio).collection

    def import_videos(self, item, studio):
        if studio is None:
            return
        collection = self.studio_collection(studio)
        for video in item.get("videos", []):
            checksum = self.package.media_sha1(video["file"])
            asset = find_video(video["key"])
            if asset and asset.title == video["title"] and asset.checksum == checksum:
                self.report.note("视频", "unchanged")
                continue
            if asset is None and self.deleted_by_editor("video", video["key"]):
                self.report.note("视频", "deleted")
                continue
            if asset is not None and not self.update:
                self.report.note("视频", "kept")
                continue
            if self.dry_run:
                if asset is None:
                    reserve_video(key=video["key"], title=video["title"], collection_id=collection.pk)
                self.report.note("视频", "created" if asset is None else "updated")
                continue
            store_video(key=video["key"], title=video["title"], path=self.package.media_path(video["file"]),
                        collection=collection, checksum=checksum, transcode=settings.GONGYU_TRANSCODE_ON_IMPORT)
            self.report.note("视频", "created" if asset is None else "updated")

    def import_micro_lesson(self, studio, item):
        wanted = compact({**item, **self.shelf_codes(item)})

        def apply(page):
            page.title = item["title"]
            page.summary = item["summary"]
            page.transcript = item.get("transcript", "")
            page.video_id = video_id(item["video"])  # VideoMissing: deleted, page skipped
            self.set_shelves(page, item)

        self.save_page(studio, MicroLessonPage, item["slug"], wanted, self.serializer.micro_lesson, apply, "微课")

    def cover_image(self, item, title):
        relative = item.get("cover")
        if not relative:
            return None
        digest = self.package.media_sha1(relative)
        Image = get_image_model()
        image = Image.objects.filter(file_hash=digest).first()
        if image is None:
            with open(self.package.media_path(relative), "rb") as handle:
                image = Image(title=title, file=File(handle, name=relative.rsplit("/", 1)[-1]))
                image._set_image_file_metadata()
                image.save()
            self.report.note("图片", "created")
        return image

    def import_course(self, studio, item):
        wanted = compact({k: v for k, v in item.items() if k != "lessons"} | self.shelf_codes(item))
        if wanted.get("cover"):
            wanted["cover"] = self.media_hash(wanted["cover"])

        def apply(page):
            page.title = item["title"]
            page.summary = item["summary"]
            page.introduction = item.get("introduction", "")
            page.cover_image = self.cover_image(item, item["title"])
            self.set_shelves(page, item)

        course = self.save_page(studio, CoursePage, item["slug"], wanted, self.serializer.course, apply, "家长课程")
        if course is None:
            return
        created = not LessonPage.objects.child_of(course).exists()
        lessons = [self.import_lesson(course, lesson) for lesson in item["lessons"]]
        if self.update or created:  # an editor's order of lessons is theirs
            self.keep_order(course, [lesson for lesson in lessons if lesson is not None])

    def keep_order(self, parent, pages):
        pages = [p for p in pages if p.get_parent().pk == parent.pk]
        wanted = [p.pk for p in pages]
        current = list(LessonPage.objects.child_of(parent).filter(pk__in=wanted).order_by("path").values_list("pk", flat=True))
        if current != wanted:
            for page in pages:
                LessonPage.objects.get(pk=page.pk).move(parent, pos="last-child")
            self.report.note("课的顺序", "updated")

    def import_lesson(self, course, item):
        wanted = compact(item)

        def apply(page):
            page.title = item["title"]
            page.summary = item.get("summary", "")
            page.body = [{"type": step["step"], "value": self.step_value(step)} for step in item["steps"]]

        return self.save_page(course, LessonPage, item["slug"], wanted, self.serializer.lesson, apply, "五步教学法课")

    @staticmethod
    def step_value(step):
        value = {"text": step.get("text", "")}
        name = step["step"]
        if name == "video_intro":
            value["video"] = video_id(step["video"])
        elif name == "discussion":
            value["prompts"] = list(step["prompts"])
            value["cases"] = [dict(case) for case in step.get("cases", [])]
        elif name == "summary":
            value["points"] = list(step["points"])
        elif name == "homework":
            value["tasks"] = [dict(task) for task in step["tasks"]]
        elif name == "extension":
            slugs = step.get("micro_lessons", [])
            by_slug = {p.slug: p.pk for p in MicroLessonPage.objects.filter(slug__in=slugs)}
            value["micro_lessons"] = [by_slug[slug] for slug in slugs if slug in by_slug]  # deleted: left out
        return value

    # -- topic bank --------------------------------------------------------------------------
    def import_topics(self):
        Document = get_document_model()
        schools = {s.code: s for s in School.objects.all()}
        for i, item in enumerate(self.package.topics):
            topic = self.upsert(ResearchTopic, {"code": item["code"]}, {
                "title": item["title"], "description": item.get("description", ""),
                "max_claims": item["max_claims"], "is_open": item.get("open", True), "sort_order": i,
            }, "课题")
            if topic is None:
                continue
            self.set_m2m(topic.problems, list(Problem.objects.filter(code__in=item.get("problems", []))), "课题")
            # Withdrawn claims first, so a place they free is free before another claim takes it.
            for claim in sorted(item.get("claims", []), key=lambda c: c["status"] != "withdrawn"):
                if claim["school"] in schools:
                    self.import_claim(topic, schools[claim["school"]], claim, Document)

    def import_claim(self, topic, school, item, Document):
        values = {
            "status": item["status"],
            "claimed_on": item["claimed_on"],
            "started_on": item.get("started_on"),
            "concluded_on": item.get("concluded_on"),
        }
        claims = TopicClaim.objects.filter(topic=topic, school=school).order_by("-pk")
        claim = claims.filter(status=item["status"]).first() or claims.exclude(status="withdrawn").first()
        if claim is None and self.deleted_by_editor("claim", f"{topic.code}:{school.code}"):
            self.report.note("课题认领", "deleted")
            return
        if claim is None and not self.update and claims.exists():
            self.report.note("课题认领", "kept")  # the school withdrew it, or an editor changed it
            return
        report = None
        if item.get("report"):
            digest = self.package.media_sha1(item["report"])
            report = Document.objects.filter(file_hash=digest).first()
            if report is None:
                with open(self.package.media_path(item["report"]), "rb") as handle:
                    report = Document(title=f"{topic.title} · {school.name} 结题报告",
                                      file=File(handle, name=item["report"].rsplit("/", 1)[-1]))
                    report._set_document_file_metadata()
                    report.save()
        values["report"] = report
        if claim is None:
            TopicClaim.objects.create(topic=topic, school=school, **values)
            self.report.note("课题认领", "created")
            return
        current = self.serializer.claim(claim)
        wanted = compact({**item, "report": self.media_hash(item["report"]) if item.get("report") else None})
        if current == wanted:
            self.report.note("课题认领", "unchanged")
            return
        if not self.update:
            self.report.note("课题认领", "kept")
            return
        if values["report"] is None:
            del values["report"]  # a school's uploaded report is never detached by an import
        for key, value in values.items():
            setattr(claim, key, value)
        claim.save()
        self.report.note("课题认领", "updated")
