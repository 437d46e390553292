"""ffprobe facts about a media file, as a plain dataclass (no Django)."""

import dataclasses
import json
import os
import resource
import subprocess
from fractions import Fraction

# A hostile file must not take the machine: ffprobe (and the validation decode) run with an
# address-space and CPU-time limit and a wall-clock timeout. Environment overrides (bytes/seconds).
PROBE_MEMORY_BYTES = int(os.environ.get("GONGYU_FFPROBE_MEMORY_BYTES", str(1024**3)))
PROBE_SECONDS = int(os.environ.get("GONGYU_FFPROBE_SECONDS", "30"))


def limited(memory_bytes=PROBE_MEMORY_BYTES, cpu_seconds=PROBE_SECONDS):
    """A ``preexec_fn`` that caps the child's memory and CPU time."""

    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))

    return apply


class ProbeFailed(Exception):
    """ffprobe could not read the file; ``detail`` is ffprobe's own words."""

    def __init__(self, detail):
        super().__init__(detail)
        self.detail = detail


@dataclasses.dataclass(frozen=True)
class ProbeFacts:
    container: str
    duration: float | None
    size_bytes: int
    bit_rate: int | None
    has_video: bool
    width: int | None = None
    height: int | None = None
    rotation: int = 0
    frame_rate: float | None = None
    variable_frame_rate: bool = False
    video_codec: str | None = None
    pixel_format: str | None = None
    bit_depth: int = 8
    still_image: bool = False
    has_audio: bool = False
    audio_codec: str | None = None
    video_bit_rate: int | None = None

    @property
    def display_size(self):
        """(width, height) as a viewer sees it, rotation applied."""
        if self.width is None or self.height is None:
            return None
        if self.rotation % 180:
            return self.height, self.width
        return self.width, self.height


IMAGE_CODECS = {"png", "mjpeg", "jpeg2000", "bmp", "gif", "webp", "tiff"}


def _rate(text):
    try:
        value = Fraction(text or "0/1")
    except (ValueError, ZeroDivisionError):
        return None
    return float(value) if value else None


def _rotation(stream):
    for side in stream.get("side_data_list", []) or []:
        if "rotation" in side:
            return int(round(float(side["rotation"]))) % 360
    tag = (stream.get("tags") or {}).get("rotate")
    return int(tag) % 360 if tag and tag.lstrip("-").isdigit() else 0


def _bit_depth(stream):
    raw = stream.get("bits_per_raw_sample")
    if raw and str(raw).isdigit():
        return int(raw)
    pix = stream.get("pix_fmt") or ""
    for depth in (16, 14, 12, 10):
        if f"{depth}le" in pix or f"{depth}be" in pix:
            return depth
    return 8


def probe(path, *, timeout=PROBE_SECONDS):
    command = ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)]
    try:
        result = subprocess.run(command, capture_output=True, timeout=timeout, preexec_fn=limited())
    except subprocess.TimeoutExpired as error:
        raise ProbeFailed(f"ffprobe timed out after {timeout} s") from error
    if result.returncode != 0:
        raise ProbeFailed(result.stderr.decode("utf-8", "replace").strip() or f"ffprobe exit {result.returncode}")
    try:
        info = json.loads(result.stdout.decode("utf-8", "replace"))
    except ValueError as error:
        raise ProbeFailed("ffprobe printed no JSON") from error
    fmt = info.get("format", {})
    streams = info.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"
                  and not (s.get("disposition") or {}).get("attached_pic")), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    duration = fmt.get("duration") or (video or {}).get("duration")
    facts = {
        "container": fmt.get("format_name", ""),
        "duration": float(duration) if duration not in (None, "N/A") else None,
        "size_bytes": int(fmt.get("size") or 0),
        "bit_rate": int(fmt["bit_rate"]) if str(fmt.get("bit_rate", "")).isdigit() else None,
        "has_video": video is not None,
        "has_audio": audio is not None,
        "audio_codec": audio.get("codec_name") if audio else None,
    }
    if video is not None:
        avg, real = _rate(video.get("avg_frame_rate")), _rate(video.get("r_frame_rate"))
        facts.update(
            width=video.get("width"),
            height=video.get("height"),
            rotation=_rotation(video),
            frame_rate=avg or real,
            variable_frame_rate=bool(avg and real and abs(avg - real) > 0.01 * real),
            video_codec=video.get("codec_name"),
            pixel_format=video.get("pix_fmt"),
            bit_depth=_bit_depth(video),
            still_image=video.get("codec_name") in IMAGE_CODECS and int(video.get("nb_frames") or 1) <= 1,
            video_bit_rate=int(video["bit_rate"]) if str(video.get("bit_rate", "")).isdigit() else None,
        )
    return ProbeFacts(**facts)
