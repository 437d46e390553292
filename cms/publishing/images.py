"""Card pictures of the parent site: every course, lesson and micro-lesson gets one.

Where the picture comes from: a course's cover (the editor's choice), else the poster frame of
its first lesson's video; a micro-lesson's video poster; a lesson's 视频导入 poster, else its
course's picture. Thumbnails are made once per source by Pillow — cropped to 16:9 at two widths,
as AVIF (when this Pillow has it), WebP and JPEG — cached by the source's content hash in a
fan-out folder (``.cache/thumbs/ab/<hash>-640.webp``) and hard-linked into each release at
``/t/ab/<hash>-640.webp``. Listings only carry the hash, so a new cover changes the fingerprint of
every page that shows it and nothing else.

Only live content is read: a lesson's video comes from Wagtail's reference index when the lesson
has no unpublished changes, otherwise from its live revision (a draft's video never shows).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from PIL import Image, ImageOps, features

WIDTHS = (320, 640)
RATIO = (16, 9)
# AVIF at encoder speed 8: a third of the default's time for about the same bytes at this size.
FORMATS = (("avif", "AVIF", {"quality": 50, "speed": 8}),) if features.check("avif") else ()
FORMATS += (("webp", "WEBP", {"quality": 62, "method": 4}), ("jpg", "JPEG", {"quality": 72, "optimize": True, "progressive": True}))
MAX_SOURCE_PIXELS = 40_000_000   # a bigger upload is refused by Wagtail anyway; never decode a bomb
FOLDER = "t"


def height_of(width):
    return width * RATIO[1] // RATIO[0]


def files_of(digest):
    return [f"{FOLDER}/{digest[:2]}/{digest}-{w}.{ext}" for w in WIDTHS for ext, _, _ in FORMATS]


def jpeg_url(digest, width=WIDTHS[-1]):
    return f"/{FOLDER}/{digest[:2]}/{digest}-{width}.jpg"


def picture(digest, alt=""):
    """What a template needs to draw a card picture (all URLs root-relative)."""
    base = f"/{FOLDER}/{digest[:2]}/{digest}"
    sources = [{"type": f"image/{ext}", "srcset": ", ".join(f"{base}-{w}.{ext} {w}w" for w in WIDTHS)}
               for ext, _, _ in FORMATS if ext != "jpg"]
    return {"sources": sources, "src": f"{base}-{WIDTHS[0]}.jpg",
            "srcset": ", ".join(f"{base}-{w}.jpg {w}w" for w in WIDTHS),
            "width": WIDTHS[0], "height": height_of(WIDTHS[0]), "alt": alt}


class Pictures:
    """The picture source of every shelved page of a site model: {page id: (digest, opener)}."""

    def __init__(self, model):
        self.model = model
        self.sources = {}
        self.durations = {}    # {page id: seconds of its video}
        self._load()

    def digest(self, page_id):
        source = self.sources.get(page_id)
        return source[0] if source else None

    def _load(self):
        from django.contrib.contenttypes.models import ContentType
        from django.core.files.storage import default_storage
        from wagtail.images import get_image_model
        from wagtail.models import ReferenceIndex, Revision

        from cms.catalogue.models import CoursePage, LessonPage, MicroLessonPage
        from transcoding.api import ready_posters, video_content_type

        nodes = self.model.nodes
        posters, durations = {}, {}
        for poster in ready_posters():
            durations[poster.video_id] = poster.duration
            if poster.name:
                digest = hashlib.sha1(f"poster:{poster.name}".encode()).hexdigest()
                posters[poster.video_id] = (digest, lambda name=poster.name: default_storage.open(name, "rb"))
        for pk, video_id in MicroLessonPage.objects.filter(video__isnull=False).values_list("pk", "video_id"):
            if pk in nodes and video_id in posters:
                self.sources[pk] = posters[video_id]
                self.durations[pk] = durations.get(video_id)
        lessons = [n.id for n in nodes.values() if n.kind == "lesson"]
        lesson_video = {}
        if lessons:
            lesson_ct = ContentType.objects.get_for_model(LessonPage)
            video_ct = video_content_type()
            drafty = dict(LessonPage.objects.filter(has_unpublished_changes=True).values_list("pk", "live_revision_id"))
            for object_id, to_id in ReferenceIndex.objects.filter(
                    content_type=lesson_ct, to_content_type=video_ct).values_list("object_id", "to_object_id"):
                pk = int(object_id)
                if pk in nodes and pk not in drafty and int(to_id) in posters:
                    lesson_video.setdefault(pk, int(to_id))
            live = {rev: pk for pk, rev in drafty.items() if pk in nodes and rev}
            for rev_pk, content in Revision.objects.filter(pk__in=list(live)).values_list("pk", "content"):
                video_id = _intro_video(content)
                pk = live[rev_pk]
                if video_id in posters:
                    lesson_video[pk] = video_id
        for pk, video_id in lesson_video.items():
            self.sources[pk] = posters[video_id]
            self.durations[pk] = durations.get(video_id)
        Image = get_image_model()
        covers = dict(CoursePage.objects.filter(cover_image__isnull=False).values_list("pk", "cover_image_id"))
        images = {i.pk: i for i in Image.objects.filter(pk__in=set(covers.values()))}
        for node in nodes.values():
            if node.kind != "course":
                continue
            image = images.get(covers.get(node.id))
            if image is not None:
                digest = hashlib.sha1(f"image:{image.pk}:{image.file_hash or image.file.name}".encode()).hexdigest()
                self.sources[node.id] = (digest, lambda image=image: image.open_file())
            else:
                first = next((c for c in node.children if c in self.sources), None)
                if first is not None:
                    self.sources[node.id] = self.sources[first]
        for node in nodes.values():
            if node.kind == "lesson" and node.id not in self.sources and node.parent_id in self.sources:
                self.sources[node.id] = self.sources[node.parent_id]

    def install(self, release: Path, cache: Path):
        """Make missing thumbnails (cached) and link exactly the ones in use into the release."""
        wanted = set()
        for digest, opener in {s[0]: s[1] for s in self.sources.values()}.items():
            names = files_of(digest)
            if not all((cache / n).exists() for n in names):
                try:
                    make_thumbnails(opener, cache, digest)
                except (OSError, ValueError, Image.DecompressionBombError):
                    continue  # an unreadable picture: the card simply shows none
            wanted.update(names)
        folder = release / FOLDER
        from .release import touched  # the release's journal (release.py): what changed

        for path in list(folder.rglob("*")) if folder.exists() else ():
            if path.is_file() and str(path.relative_to(release)) not in wanted:
                path.unlink()
                touched(release, str(path.relative_to(release)))
        for name in wanted:
            target = release / name
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(cache / name, target)
                except OSError:
                    shutil.copyfile(cache / name, target)
                touched(release, name)


def _intro_video(content):
    body = content.get("body") if isinstance(content, dict) else None
    if isinstance(body, str):
        body = json.loads(body)
    for block in body or ():
        if block.get("type") == "video_intro" and isinstance(block.get("value"), dict):
            return block["value"].get("video")
    return None


def make_thumbnails(opener, cache: Path, digest: str):
    """Pillow: open once, crop to 16:9 per width, write every format atomically."""
    Image.MAX_IMAGE_PIXELS = MAX_SOURCE_PIXELS
    with opener() as handle:
        with Image.open(handle) as source:
            source.draft("RGB", (WIDTHS[-1] * 2, height_of(WIDTHS[-1]) * 2))
            image = ImageOps.exif_transpose(source).convert("RGB")
    folder = cache / FOLDER / digest[:2]
    folder.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        thumb = ImageOps.fit(image, (width, height_of(width)), Image.Resampling.LANCZOS)
        for ext, fmt, options in FORMATS:
            path = folder / f"{digest}-{width}.{ext}"
            tmp = path.with_name(f".{path.name}.tmp")
            thumb.save(tmp, fmt, **options)
            os.replace(tmp, path)
