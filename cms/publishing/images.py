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


class Opener:
    """Opens a picture source when its thumbnails are made (picklable: a site model snapshot
    keeps the pictures): a video poster in the default storage, or a Wagtail image by id."""

    def __init__(self, kind: str, ref):
        self.kind, self.ref = kind, ref

    def __call__(self):
        if self.kind == "poster":
            from django.core.files.storage import default_storage

            return default_storage.open(self.ref, "rb")
        from wagtail.images import get_image_model

        return get_image_model().objects.get(pk=self.ref).open_file()


class Pictures:
    """The picture source of every shelved page of a site model: {page id: (digest, opener)}.

    Read as facts (the ready posters, each micro-lesson's and lesson's live video, each course's
    cover), then derived in memory (``_derive``: a course without a cover takes its first child's
    poster, a lesson without a video its course's picture). ``refresh(pages)`` re-reads the facts
    of those pages only (an edit: the site model's snapshot keeps the rest)."""

    def __init__(self, model, load=True):
        self.model = model
        self.sources = {}
        self.durations = {}    # {page id: seconds of its video}
        self.posters = {}      # {video id: (digest, storage name, seconds)}; a video's change plans everything
        self.videos = {}       # {page id: video id} of micro-lessons and lessons (live content)
        self.covers = {}       # {course id: (digest, image id)}
        if load:
            self._load()

    def digest(self, page_id):
        source = self.sources.get(page_id)
        return source[0] if source else None

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("model", "sources")}

    def __setstate__(self, state):
        self.__dict__.update(state, model=None, sources={})

    def _load(self):
        from transcoding.api import ready_posters

        for poster in ready_posters():
            digest = hashlib.sha1(f"poster:{poster.name}".encode()).hexdigest() if poster.name else None
            self.posters[poster.video_id] = (digest, poster.name, poster.duration)
        self._read(None)
        self._derive()

    def refresh(self, pages):
        """Re-read the videos and covers of ``pages`` (ids), then derive every source again."""
        for pk in pages:
            self.videos.pop(pk, None)
            self.covers.pop(pk, None)
        self._read(sorted(pages))
        self._derive()

    def _read(self, only):
        """The facts of every page (``only`` None) or of the pages ``only``."""
        from django.contrib.contenttypes.models import ContentType
        from wagtail.images import get_image_model
        from wagtail.models import ReferenceIndex, Revision

        from cms.catalogue.models import CoursePage, LessonPage, MicroLessonPage
        from transcoding.api import video_content_type

        def some(queryset, field="pk"):
            return queryset if only is None else queryset.filter(**{f"{field}__in": only})

        nodes = self.model.nodes
        for pk, video_id in some(MicroLessonPage.objects.filter(video__isnull=False)).values_list("pk", "video_id"):
            if pk in nodes:
                self.videos[pk] = video_id
        lessons = [n.id for n in nodes.values() if n.kind == "lesson"] if only is None else \
            [pk for pk in only if pk in nodes and nodes[pk].kind == "lesson"]
        if lessons:
            lesson_ct = ContentType.objects.get_for_model(LessonPage)
            video_ct = video_content_type()
            drafty = dict(some(LessonPage.objects.filter(has_unpublished_changes=True)).values_list("pk", "live_revision_id"))
            refs = ReferenceIndex.objects.filter(content_type=lesson_ct, to_content_type=video_ct)
            if only is not None:
                refs = refs.filter(object_id__in=[str(pk) for pk in lessons])
            for object_id, to_id in refs.values_list("object_id", "to_object_id"):
                pk = int(object_id)
                if pk in nodes and pk not in drafty and self._shown(int(to_id)):
                    self.videos.setdefault(pk, int(to_id))
            live = {rev: pk for pk, rev in drafty.items() if pk in nodes and rev}
            for rev_pk, content in Revision.objects.filter(pk__in=list(live)).values_list("pk", "content"):
                video_id = _intro_video(content)
                if self._shown(video_id):
                    self.videos[live[rev_pk]] = video_id
        Image = get_image_model()
        covers = dict(some(CoursePage.objects.filter(cover_image__isnull=False)).values_list("pk", "cover_image_id"))
        images = {i.pk: i for i in Image.objects.filter(pk__in=set(covers.values()))}
        for pk, image_id in covers.items():
            image = images.get(image_id)
            if image is not None and pk in nodes:
                digest = hashlib.sha1(f"image:{image.pk}:{image.file_hash or image.file.name}".encode()).hexdigest()
                self.covers[pk] = (digest, image.pk)

    def _shown(self, video_id):
        """A ready video with a poster frame."""
        return bool(self.posters.get(video_id, (None,))[0])

    def _derive(self):
        nodes = self.model.nodes
        self.sources, self.durations = {}, {}
        posters = {vid: (digest, Opener("poster", name)) for vid, (digest, name, _) in self.posters.items() if digest}
        for pk, video_id in self.videos.items():
            if pk in nodes and video_id in posters:
                self.sources[pk] = posters[video_id]
                self.durations[pk] = self.posters[video_id][2]
        for node in nodes.values():
            if node.kind != "course":
                continue
            cover = self.covers.get(node.id)
            if cover is not None:
                self.sources[node.id] = (cover[0], Opener("image", cover[1]))
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
