"""The video pipeline on one source file: one ffmpeg for the whole ladder, playable while it runs.

No Django models here: the job (jobs.py) and the CLI (``manage.py transcode``) both call
``transcode()`` and differ only in where finished files go (a ``Sink``, see outputs.py) and what
they do with progress.

One ffmpeg (``commands.one_pass(growing=True)``) decodes the source once, splits and scales the
picture per rung, encodes every rung and the shared audio, and writes each rendition as an HLS
EVENT playlist that grows segment by segment (keyframes every segment on every rung, so segments
line up across rungs). About once a second ``_Publisher`` hands the new segments of every rendition
to the sink, then the playlist that names them (a snapshot of what ffmpeg last wrote, so the sink
never holds a playlist naming a segment it does not have). As soon as the lowest rung and the
audio have their first segment, the poster, the captions and a master playlist go to the sink: the
video is playable (a few seconds in, whatever its length). The master names every rung that has a
segment by then and is written again if more appear. When ffmpeg ends, every playlist is made VOD
(``#EXT-X-PLAYLIST-TYPE:VOD``, ``#EXT-X-ENDLIST``) and the master is replaced by the final one with
the measured bitrates; only then does ``transcode()`` return — what the job marks 已完成 and the
parent site may copy is always a finished ladder. Why one process and not the earlier two passes
(lowest rung + audio first, then the rest, decoding the source twice): docs/ARCHITECTURE.md.

Progress and time left are data (``Progress``), reported about once a second: how far ffmpeg is
in the source (its ``-progress`` out_time), and the time left = what is left ÷ the measured speed
(source seconds per wall second over the last seconds, measured once the poster made beside it is
done).
"""

import dataclasses
import math
import os
import shutil
import time
from pathlib import Path

from django.conf import settings

from . import commands, playlists
from .ladder import Encoding, output_frame_rate, plan_rungs
from .runner import FfmpegFailed, FfmpegProcess, Limits, machine_slot

PUBLISH_EVERY_SECONDS = 1.0  # new segments → sink, and a progress report
FIRST_LOOK_EVERY_SECONDS = 0.25  # until the first segments are there: the wait a teacher sees
# A rung's declared peak in the master written while ffmpeg runs, before its measured figures: its
# bit cap plus the MPEG-TS overhead (the final master has the measured peak).
LIVE_PEAK_SHARE = 1.15


@dataclasses.dataclass
class Progress:
    fraction: float  # 0..1 of the whole job's work
    eta_seconds: float | None  # wall seconds until the whole ladder is done; None = not known yet
    playable: bool  # the lowest rung, the audio and a master playlist are live
    phase: str = "encoding"  # "waiting" (for a slot on this machine), "encoding", "done"
    playable_eta_seconds: float | None = None  # until playable (0 once it is); None = not known yet
    speed: float | None = None  # source seconds per wall second


def _rung_facts(out_dir, rung, codecs=None):
    stats = playlists.rendition_stats(out_dir / rung.name)
    return {"name": rung.name, "width": rung.width, "height": rung.height, "video_kbps": rung.video_kbps,
            "codecs": codecs or playlists.avc_codecs(out_dir / rung.name), **stats}


def _link(source, target):
    """A segment into the published tree: a hard link (no copy), a copy across file systems."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


class _Publisher:
    """Hands ffmpeg's growing renditions (``enc_dir/<name>/``) to the sink as they grow.

    ``out_dir`` mirrors what the sink has been given: segments (hard links) and a snapshot of each
    playlist as it was read, so the sink receives a playlist only after every segment it names."""

    def __init__(self, enc_dir, out_dir, sink, names):
        self.enc_dir, self.out_dir, self.sink, self.names = enc_dir, out_dir, sink, names
        self.segments = {name: set() for name in names}  # published segment names per rendition
        self.texts = dict.fromkeys(names, "")  # the playlist text last published per rendition

    def sync(self, final=False):
        """Publish what ffmpeg has finished since the last call. ``final`` (ffmpeg has ended): every
        playlist becomes VOD, and a rendition without a finished playlist is an error."""
        for name in self.names:
            try:
                text = (self.enc_dir / name / "index.m3u8").read_text()
            except FileNotFoundError:
                if final:
                    raise FfmpegFailed(f"ffmpeg 没有写出 {name} 的播放列表") from None
                continue
            if final:
                if "#EXT-X-ENDLIST" not in text:
                    raise FfmpegFailed(f"ffmpeg 没有写完 {name} 的播放列表")
                text = text.replace("#EXT-X-PLAYLIST-TYPE:EVENT", "#EXT-X-PLAYLIST-TYPE:VOD")
            if text == self.texts[name]:
                continue
            folder = self.out_dir / name
            folder.mkdir(parents=True, exist_ok=True)
            playlists.write_atomically(folder / "index.m3u8", text)
            new = [segment for _, segment in playlists.segments_of(text) if segment not in self.segments[name]]
            for segment in new:
                _link(self.enc_dir / name / segment, folder / segment)
            self.sink.put(self.out_dir, [f"{name}/{segment}" for segment in new] + [f"{name}/index.m3u8"])
            self.segments[name].update(new)
            self.texts[name] = text

    def has_segments(self, name):
        return bool(self.segments.get(name))


def _live_rung(out_dir, rung, codecs=None):
    """A rung's master-playlist facts while it grows: its bit cap stands in for the peak until the
    measured segments say more."""
    facts = _rung_facts(out_dir, rung, codecs)
    facts["peak_bps"] = max(facts["peak_bps"], int(rung.video_kbps * 1000 * LIVE_PEAK_SHARE))
    return facts


def transcode(source, work_dir, facts, sink, *, captions=None, on_progress=None, timeout=None, encoding=None):
    """Make the ladder of ``source`` (validated, with probe ``facts``) and hand it to ``sink``.

    Returns the manifest (the dict stored as the asset's outputs) once every playlist in the sink is
    final. Raises FfmpegFailed. Waits first for a free slot on this machine
    (``GONGYU_TRANSCODE_CONCURRENCY``), reporting phase "waiting".
    """
    encoding = encoding or Encoding.current()
    report = on_progress or (lambda progress: None)
    slots = Path(settings.VAR_DIR) / "transcode-slots"
    with machine_slot(slots, encoding.concurrency,
                      waiting=lambda: report(Progress(0.0, None, False, phase="waiting"))):
        return _transcode(Path(source), Path(work_dir), facts, sink, captions, report, timeout, encoding)


def _transcode(source, work_dir, facts, sink, captions, report, timeout, encoding):
    started = time.monotonic()
    duration = max(facts.duration, 0.001)
    budget = timeout or max(300.0, settings.GONGYU_TRANSCODE_TIMEOUT_FACTOR * duration)
    deadline = started + budget
    # The CPU-time cap is a backstop for an ffmpeg that outlives its worker: the whole wall-clock
    # budget on every core.
    limits = Limits(memory_bytes=encoding.memory_mb * 1024 * 1024 if encoding.memory_mb else None,
                    cpu_seconds=int(math.ceil(budget * (os.cpu_count() or 1))) + 10)
    rungs = plan_rungs(facts, encoding)
    fps = output_frame_rate(facts, encoding)
    shutil.rmtree(work_dir, ignore_errors=True)
    enc_dir, out_dir = work_dir / "encode", work_dir / "out"
    enc_dir.mkdir(parents=True)
    out_dir.mkdir(parents=True)
    manifest = {
        "master": "master.m3u8", "poster": "poster.jpg", "captions": None, "audio": None, "rungs": [],
        "duration": facts.duration, "width": rungs[-1].width, "height": rungs[-1].height, "frame_rate": fps,
        "has_audio": facts.has_audio, "commands": [],
    }
    extras = ["poster.jpg"]
    if captions:
        shutil.copyfile(captions, out_dir / "captions.vtt")
        (out_dir / "captions").mkdir()
        (out_dir / "captions" / "index.m3u8").write_text(playlists.captions_playlist(facts.duration))
        manifest["captions"] = "captions.vtt"
        extras += ["captions.vtt", "captions/index.m3u8"]
    names = [r.name for r in rungs] + (["audio"] if facts.has_audio else [])
    publisher = _Publisher(enc_dir, out_dir, sink, names)

    codecs = {}  # per rung, read once from its first segment

    def master(final):
        ready = [r for r in rungs if publisher.has_segments(r.name)]
        rung_facts = [(_rung_facts if final else _live_rung)(out_dir, r, codecs.get(r.name)) for r in ready]
        codecs.update((f["name"], f["codecs"]) for f in rung_facts)
        audio = None
        if facts.has_audio:
            audio = playlists.rendition_stats(out_dir / "audio")
            if not final:
                audio["peak_bps"] = max(audio["peak_bps"], int(encoding.audio_kbps * 1000 * LIVE_PEAK_SHARE))
        playlists.write_atomically(out_dir / "master.m3u8", playlists.master_playlist(
            rung_facts, audio=audio, captions=bool(captions), frame_rate=fps))
        sink.put(out_dir, ["master.m3u8"])
        return rung_facts, audio, len(ready)

    # The poster at the largest rung up to 720p (sharp on phones, small to download), made beside
    # the ladder: it is a few frames, and the player wants it from the start.
    top = next((r for r in reversed(rungs) if min(r.width, r.height) <= 720), rungs[0])
    poster_args = commands.poster(source, out_dir / "poster.jpg", facts.duration, top.width, top.height)
    args = commands.one_pass(source, enc_dir, rungs, fps, facts.has_audio, encoding, growing=True)
    poster = FfmpegProcess(poster_args, limits=limits)
    process = FfmpegProcess(args, limits=limits)
    # The speed is measured only once the poster is done: it shares the CPU at the start, and a
    # speed taken then makes the first estimate long.
    poster_done, rate, in_master, last_publish, last_report = None, None, 0, 0.0, 0.0
    try:
        while True:
            ended = process.poll() is not None
            now = time.monotonic()
            if now > deadline:
                raise FfmpegFailed("转码超时", timed_out=True)
            if poster_done is None and poster.poll() is not None:
                poster_done = now
            if not ended and now - last_publish < (PUBLISH_EVERY_SECONDS if in_master else FIRST_LOOK_EVERY_SECONDS):
                time.sleep(0.05 if not in_master else 0.2)
                continue
            last_publish = now
            if ended:
                break
            publisher.sync()
            became_playable = False
            if not in_master and all(publisher.has_segments(n) for n in names[:1] + names[len(rungs):]):
                manifest["commands"].append({"step": "poster", "args": poster_args,
                                             "wall_seconds": poster.wait(deadline)})
                poster_done = poster_done or time.monotonic()
                sink.put(out_dir, extras)
                in_master = master(final=False)[2]  # playable from here
                became_playable = True
            elif in_master and sum(publisher.has_segments(r.name) for r in rungs) > in_master:
                in_master = master(final=False)[2]  # a rung that was late to its first segment
            if not became_playable and now - last_report < PUBLISH_EVERY_SECONDS:
                continue
            last_report = now
            done = min(process.done_seconds, duration)
            if poster_done is not None:
                rate = process.rate(since=poster_done) or rate
            eta = (duration - done) / rate if rate else None
            first = min(encoding.segment_seconds, duration)
            report(Progress(min(0.99, done / duration), eta, bool(in_master),
                            playable_eta_seconds=0.0 if in_master else (max(0.0, first - done) / rate if rate else None),
                            speed=rate))
        wall = process.check()
        if not in_master:  # a video shorter than a segment or two: ffmpeg ended before the first look
            manifest["commands"].append({"step": "poster", "args": poster_args, "wall_seconds": poster.wait(deadline)})
            sink.put(out_dir, extras)
        manifest["commands"].append({"step": "ladder", "args": args, "wall_seconds": wall})
        publisher.sync(final=True)
        manifest["rungs"], manifest["audio"], _ = master(final=True)
        if manifest["audio"] is not None:
            manifest["audio"] = {"playlist": "audio/index.m3u8", **manifest["audio"]}
        if len(manifest["rungs"]) != len(rungs):
            raise FfmpegFailed("ffmpeg 没有写出全部清晰度")
    except BaseException:
        # nothing half-made stays in the sink (a retry starts from an empty folder)
        process.kill()
        process.process.wait()
        sink.discard()
        raise
    finally:
        poster.kill()
        process.kill()
    manifest["bytes"] = sum(r["bytes"] for r in manifest["rungs"]) + (manifest["audio"] or {}).get("bytes", 0)
    manifest["files"] = sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*")
                               if p.is_file() and not p.name.startswith("."))
    manifest["wall_seconds"] = round(time.monotonic() - started, 3)
    report(Progress(1.0, 0.0, True, phase="done", playable_eta_seconds=0.0))
    return manifest
