"""Which renditions to make of a source: pure functions over probe facts and settings.

A rung is named by the short side of its picture (240p = 426x240 landscape or 240x426 portrait),
so portrait phone videos get the same ladder as landscape ones. Rungs never upscale and never
ask for more bits than the source itself has.

Every encoding setting a job uses is read once into one frozen ``Encoding`` (``Encoding.current()``)
and handed down, so a job never mixes two configurations; the ladder revision hashes the ffmpeg
command lines compiled from it, so any setting that changes the output changes the revision.
"""

import dataclasses
import hashlib
import json

from django.conf import settings

SOURCE_BITRATE_SHARE = 0.8


@dataclasses.dataclass(frozen=True)
class Rung:
    name: str
    width: int
    height: int
    video_kbps: int
    profile: str  # H.264 profile: "main" for small rungs (old phones), "high" above
    preset: str = ""  # x264 preset of this rung ("" = the job's GONGYU_X264_PRESET)


def _even(value):
    return max(2, int(value // 2) * 2)


def _size_for_short_side(display_w, display_h, short):
    if display_w >= display_h:
        return _even(display_w * short / display_h), _even(short)
    return _even(short), _even(display_h * short / display_w)


@dataclasses.dataclass(frozen=True)
class Encoding:
    """The encoding settings of one job (see cms/settings.py for what each means)."""

    ladder: tuple  # ((name, short_side, video_kbps), ...) lowest first
    audio_kbps: int
    segment_seconds: int
    preset: str
    rung_presets: tuple  # ((rung name, x264 preset), ...): rungs encoded with another preset
    crf: int
    tune: str  # "" = none
    max_fps: float
    x264_threads: int  # per encoder; 0 = x264's own choice
    rc_lookahead: int  # frames; 0 = the preset's own
    x264_params: str  # more x264 options for every rung, "key=value:key=value" ("" = none)
    concurrency: int  # ladders encoded at once on this machine
    memory_mb: int  # address-space limit of each ffmpeg

    @classmethod
    def current(cls):
        concurrency = max(1, settings.GONGYU_TRANSCODE_CONCURRENCY or 1)
        return cls(
            ladder=tuple((s["name"], s["short_side"], s["video_kbps"]) for s in settings.GONGYU_VIDEO_LADDER),
            audio_kbps=settings.GONGYU_AUDIO_KBPS,
            segment_seconds=settings.GONGYU_HLS_SEGMENT_SECONDS,
            preset=settings.GONGYU_X264_PRESET,
            rung_presets=tuple(sorted(parse_rung_presets(settings.GONGYU_X264_RUNG_PRESETS).items())),
            crf=settings.GONGYU_X264_CRF,
            tune=settings.GONGYU_X264_TUNE,
            max_fps=settings.GONGYU_VIDEO_MAX_FPS,
            x264_threads=settings.GONGYU_X264_THREADS,
            rc_lookahead=settings.GONGYU_X264_LOOKAHEAD,
            x264_params=settings.GONGYU_X264_PARAMS,
            concurrency=concurrency,
            memory_mb=settings.GONGYU_FFMPEG_MAX_MEMORY_MB,
        )

    def ladder_dicts(self):
        return [{"name": n, "short_side": s, "video_kbps": k} for n, s, k in self.ladder]


X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")


def parse_rung_presets(text):
    """``"240p=superfast,360p=superfast"`` → ``{"240p": "superfast", "360p": "superfast"}``
    (GONGYU_X264_RUNG_PRESETS); a dict is taken as it is. Unknown presets are refused."""
    if isinstance(text, dict):
        pairs = dict(text)
    else:
        pairs = {}
        for item in filter(None, (part.strip() for part in (text or "").split(","))):
            name, _, preset = item.partition("=")
            pairs[name.strip()] = preset.strip()
    for name, preset in pairs.items():
        if preset not in X264_PRESETS:
            raise ValueError(f"GONGYU_X264_RUNG_PRESETS 设置有误:{name}={preset} 不是 x264 的预设(可用:{'、'.join(X264_PRESETS)})")
    return pairs


def source_video_kbps(facts):
    """The source's own video bitrate (kbps), or None when unknown."""
    bits = facts.video_bit_rate or facts.bit_rate
    if not bits:
        return None
    if not facts.video_bit_rate and facts.has_audio:
        bits -= 128_000  # the container rate includes audio
    return max(int(bits / 1000), 1)


def plan_rungs(facts, ladder=None):
    """The rungs for a source, lowest first (``ladder``: list of dicts or an ``Encoding``)."""
    presets = {}
    if isinstance(ladder, Encoding):
        presets = dict(ladder.rung_presets)
        ladder = ladder.ladder_dicts()
    ladder = ladder or settings.GONGYU_VIDEO_LADDER
    display_w, display_h = facts.display_size
    short = min(display_w, display_h)
    cap = source_video_kbps(facts)
    if cap is not None:
        # Leave room for the segment container's overhead and the encoder's buffer, so that a
        # rung never ends up bigger than the source it came from (slide lectures are often tiny).
        cap = max(int(cap * SOURCE_BITRATE_SHARE), 32)
    chosen = [step for step in ladder if step["short_side"] <= short]
    if not chosen:
        # Smaller than the lowest rung: one rung at the source's own size.
        lowest = ladder[0]
        chosen = [dict(lowest, name=f"{_even(short) if short >= 2 else 2}p", short_side=short, preset_of=lowest["name"])]
    rungs = []
    for step in chosen:
        width, height = _size_for_short_side(display_w, display_h, step["short_side"])
        kbps = step["video_kbps"] if cap is None else min(step["video_kbps"], cap)
        profile = "main" if step["short_side"] <= 360 else "high"
        preset = presets.get(step.get("preset_of", step["name"]), "")
        rungs.append(Rung(step["name"], width, height, kbps, profile, preset))
    return rungs


def output_frame_rate(facts, encoding=None):
    """A constant output rate: the source's (VFR phones included) up to the configured maximum."""
    rate = facts.frame_rate or 25.0
    if rate <= 0 or rate > 240:
        rate = 25.0
    return min(round(rate, 3), (encoding.max_fps if encoding else settings.GONGYU_VIDEO_MAX_FPS))


def ladder_revision(checksum, facts, captions_checksum="", encoding=None):
    """A short id for one source + the exact commands that encode it; outputs live under it, so a
    re-run is idempotent and a changed ladder (any setting: CRF, preset, tune, threads…) never
    mixes with an old one."""
    from . import commands  # commands imports this module

    encoding = encoding or Encoding.current()
    recipe = {
        "source": checksum,
        "captions": captions_checksum,
        "commands": commands.recipe(facts, encoding),
        "version": 2,
    }
    return hashlib.sha1(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:12]
