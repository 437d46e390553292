"""Database -> package folder (``manage.py export_curriculum OUT_DIR``)."""

import shutil
from functools import cached_property
from pathlib import Path

from cms.catalogue.models import CoursePage, LessonPage, MicroLessonPage, SupermarketPage
from cms.studios.api import StudioRole
from cms.taxonomy.models import Problem, Stage, Theme
from cms.topics.models import ResearchTopic, School
from transcoding.api import videos as stored_videos

from . import yamlio
from .lectures import export_lectures
from .models import PackageInfo
from .package import FORMAT
from .serialize import Serializer, children, compact, extension_of, studio_pages

DEFAULT_EXTENSIONS = {"videos": ".mp4", "images": ".jpg", "documents": ".pdf"}


class Exporter:
    def __init__(self, out_dir):
        self.out = Path(out_dir)
        self.serializer = Serializer(self.copy_media)

    @cached_property
    def assets(self):
        """Every video by key (``transcoding.api.Video``, plain data), read once for the whole export."""
        return {video.key: video for video in stored_videos()}

    def copy_media(self, kind, stem, fieldfile):
        relative = f"media/{kind}/{stem}{extension_of(fieldfile, DEFAULT_EXTENSIONS[kind])}"
        target = self.out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with fieldfile.open("rb") as source, open(target, "wb") as destination:
            shutil.copyfileobj(source, destination)
        fieldfile.close()
        return relative

    def write(self, relative, data):
        path = self.out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yamlio.dumps(data), encoding="utf-8")

    def run(self):
        self.out.mkdir(parents=True, exist_ok=True)
        self.write("package.yaml", self.package_info())
        self.write("taxonomy.yaml", self.taxonomy())
        for studio in studio_pages():
            self.write(f"studios/{studio.slug}.yaml", self.studio(studio))
        self.write("schools.yaml", {"schools": [self.serializer.school(s) for s in School.objects.prefetch_related("stages")]})
        topics = ResearchTopic.objects.prefetch_related("problems")
        self.write("topics.yaml", {"topics": [self.serializer.topic(t) for t in topics]})
        lectures = export_lectures()
        if lectures is not None:
            self.write("lectures.yaml", lectures)
        return self.out

    @staticmethod
    def package_info():
        info = PackageInfo.objects.first()
        home = SupermarketPage.objects.first()
        return compact({
            "format": FORMAT,
            "name": info.name if info else "共育课程包",
            "description": info.description if info else "",
            "site_title": home.title if home else None,
            "site_introduction": home.introduction if home else None,
        })

    @staticmethod
    def taxonomy():
        return {
            "stages": [compact({"code": s.code, "name": s.name, "description": s.description}) for s in Stage.objects.all()],
            "themes": [compact({"code": t.code, "name": t.name, "description": t.description}) for t in Theme.objects.all()],
            "problems": [
                compact({
                    "code": p.code, "title": p.title, "description": p.description, "theme": p.theme.code,
                    "stages": [s.code for s in p.stages.all()],
                })
                for p in Problem.objects.select_related("theme").prefetch_related("stages")
            ],
        }

    def studio(self, studio):
        s = self.serializer
        courses, micro_lessons = [], []
        videos, seen = [], set()

        def use(asset):
            if asset is not None and asset.id not in seen:
                seen.add(asset.id)
                videos.append(s.video(asset))

        for course in children(studio, CoursePage):
            lessons = []
            for lesson in children(course, LessonPage):
                item = s.lesson(lesson)
                for step in item["steps"]:
                    if step["step"] == "video_intro" and step.get("video"):
                        use(self.assets[step["video"]])
                lessons.append(item)
            courses.append({**s.course(course), "lessons": lessons})
        for micro in children(studio, MicroLessonPage):
            item = s.micro_lesson(micro)
            if item.get("video"):
                use(self.assets[item["video"]])
            micro_lessons.append(item)
        # Videos uploaded to the studio's collection but not used yet are kept too (its collection
        # found through its role, never by a name another folder could share).
        collection_id = StudioRole.objects.filter(studio=studio).values_list("collection_id", flat=True).first()
        if collection_id is not None:
            for video in stored_videos(collection_id=collection_id):
                use(video)
        item = s.studio(studio)
        draft = item.pop("draft", None)
        return compact({**item, "videos": videos, "courses": courses, "micro_lessons": micro_lessons,
                        **({"draft": True} if draft else {})})


def export_package(out_dir):
    return Exporter(out_dir).run()
