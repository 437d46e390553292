"""The video pipeline on one source file: poster, first pass (playable), then the rest of the ladder.

No Django models here: the job (jobs.py) and the CLI (``manage.py transcode``) both call
``transcode()`` and differ only in where finished files go (a ``Sink``, see outputs.py) and what
they do with progress.

Time to playable: the first pass (lowest rung + audio, one decode) runs *alone* with every core of
this machine's slot, the poster beside it (a few frames). When it ends, its files and a master
playlist naming only that rung go live; then the second pass (every other rung: one decode, split
and scaled per rung) runs, again alone, and when it ends its rungs go live and the master is
replaced by the full one. A player that started on the first master keeps playing; new viewers get
the whole ladder. Measured against the earlier "both passes side by side, the second niced" design
and the chunked first pass in docs/ARCHITECTURE.md ("The video pipeline").

Progress and time left are data (``Progress``), reported about once a second: the time left is the
measured speed of the running pass × what is left of it, plus the next pass's expected time (its
work relative to this one's, see ``pass_work``) — available about a second after the poster
(made beside the first pass, a few frames) is done.
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

# The work model, only used to foresee a pass that has not started from one that has (fitted to
# CPU seconds measured on this project's 30 s 720p bench source with the default settings, x264
# veryfast + subme=1; docs/ARCHITECTURE.md): encoding a rung costs about its pixels ** 0.85 (bigger
# pictures cost less per pixel), decoding the source (+ the fps filter) about 0.055 × its pixels,
# scaling to a rung of another size 0.008 × the source's pixels, the AAC encode about 5 600 (as much
# as a 26 000-pixel rung).
RUNG_EXPONENT = 0.85
DECODE_WEIGHT = 0.055
SCALE_WEIGHT = 0.008
AUDIO_WEIGHT = 5_600
# A rung's encode relative to veryfast (CPU of a 720p rung on the 30 s bench source: superfast 0.6,
# ultrafast 0.22, faster 1.5; the slower presets extrapolated — they only make the forecast rougher).
PRESET_COST = {"ultrafast": 0.22, "superfast": 0.6, "veryfast": 1.0, "faster": 1.5, "fast": 2.0,
               "medium": 2.5, "slow": 4.0, "slower": 8.0, "veryslow": 15.0}


@dataclasses.dataclass
class Progress:
    fraction: float  # 0..1 of the whole job's work
    eta_seconds: float | None  # wall seconds until the whole ladder is done; None = not known yet
    playable: bool  # the first rung and a master playlist are live
    phase: str = "encoding"  # "waiting" (for a slot on this machine), "first", "rest", "done"
    playable_eta_seconds: float | None = None  # until playable (0 once it is); None = not known yet
    speed: float | None = None  # source seconds per wall second of the running pass


def pass_work(facts, rungs, with_audio, preset="veryfast"):
    """Relative work of one ffmpeg pass: one decode of the source + each rung at its x264 preset
    (``preset``: the job's, for rungs without their own) (+ the audio)."""
    width, height = facts.width or 0, facts.height or 0
    source = width * height
    work = DECODE_WEIGHT * source + sum(
        (r.width * r.height) ** RUNG_EXPONENT * PRESET_COST.get(r.preset or preset, 1.0)
        + (SCALE_WEIGHT * source if {r.width, r.height} != {width, height} else 0) for r in rungs)
    return work + (AUDIO_WEIGHT if with_audio else 0)


def _rung_facts(out_dir, rung):
    stats = playlists.rendition_stats(out_dir / rung.name)
    return {"name": rung.name, "width": rung.width, "height": rung.height, "video_kbps": rung.video_kbps,
            "codecs": playlists.avc_codecs(out_dir / rung.name), **stats}


def _place_rendition(source_dir, out_dir, name):
    shutil.rmtree(out_dir / name, ignore_errors=True)
    (source_dir / name).rename(out_dir / name)


class _Clock:
    """Fraction done and time left from the passes' measured speeds (see the module docstring)."""

    def __init__(self, duration, works):
        self.duration = max(duration, 0.001)
        self.works = works  # [work of pass 0, work of pass 1, ...]
        self.rates = [None] * len(works)  # measured source seconds per wall second
        self.done = [0.0] * len(works)  # fraction of each pass done

    def _rate(self, index):
        """Measured, or foreseen from the nearest measured pass by relative work."""
        if self.rates[index]:
            return self.rates[index]
        known = [(i, r) for i, r in enumerate(self.rates) if r]
        if not known:
            return None
        i, rate = min(known, key=lambda item: abs(item[0] - index))
        return rate * self.works[i] / self.works[index]

    def fraction(self):
        total = sum(self.works)
        return min(0.99, sum(w * d for w, d in zip(self.works, self.done, strict=True)) / total) if total else 0.0

    def seconds_left(self, upto=None):
        """Wall seconds until pass ``upto`` (default: the last) ends, or None if not foreseeable."""
        last = len(self.works) - 1 if upto is None else upto
        total = 0.0
        for index in range(last + 1):
            left = 1.0 - self.done[index]
            if left <= 0:
                continue
            rate = self._rate(index)
            if rate is None:
                return None
            total += left * self.duration / rate
        return total


def transcode(source, work_dir, facts, sink, *, captions=None, on_progress=None, timeout=None, encoding=None):
    """Make the ladder of ``source`` (validated, with probe ``facts``) and hand it to ``sink``.

    Returns the manifest (the dict stored as the asset's outputs). Raises FfmpegFailed. Waits first
    for a free slot on this machine (``GONGYU_TRANSCODE_CONCURRENCY``), reporting phase "waiting".
    """
    encoding = encoding or Encoding.current()
    report = on_progress or (lambda progress: None)
    slots = Path(settings.VAR_DIR) / "transcode-slots"
    with machine_slot(slots, encoding.concurrency,
                      waiting=lambda: report(Progress(0.0, None, False, phase="waiting"))):
        return _transcode(Path(source), Path(work_dir), facts, sink, captions, report, timeout, encoding)


def _transcode(source, work_dir, facts, sink, captions, report, timeout, encoding):
    started = time.monotonic()
    duration = facts.duration
    budget = timeout or max(300.0, settings.GONGYU_TRANSCODE_TIMEOUT_FACTOR * duration)
    deadline = started + budget
    # The CPU-time cap is a backstop for an ffmpeg that outlives its worker: the whole wall-clock
    # budget on every core.
    limits = Limits(memory_bytes=encoding.memory_mb * 1024 * 1024 if encoding.memory_mb else None,
                    cpu_seconds=int(math.ceil(budget * (os.cpu_count() or 1))) + 10)
    rungs = plan_rungs(facts, encoding)
    fps = output_frame_rate(facts, encoding)
    shutil.rmtree(work_dir, ignore_errors=True)
    out_dir = work_dir / "out"
    out_dir.mkdir(parents=True)
    manifest = {
        "master": "master.m3u8", "poster": "poster.jpg", "captions": None, "audio": None, "rungs": [],
        "duration": duration, "width": rungs[-1].width, "height": rungs[-1].height, "frame_rate": fps,
        "has_audio": facts.has_audio, "commands": [],
    }
    if captions:
        shutil.copyfile(captions, out_dir / "captions.vtt")
        (out_dir / "captions").mkdir()
        (out_dir / "captions" / "index.m3u8").write_text(playlists.captions_playlist(duration))
        manifest["captions"] = "captions.vtt"

    # (name, folder, rungs, with audio, command)
    passes = [("first", work_dir / "first", rungs[:1], facts.has_audio,
               commands.first_pass(source, work_dir / "first", rungs[0], fps, facts.has_audio, encoding))]
    if len(rungs) > 1:
        passes.append(("second", work_dir / "second", rungs[1:], False,
                       commands.second_pass(source, work_dir / "second", rungs[1:], fps, encoding)))
    clock = _Clock(duration, [pass_work(facts, group, audio, encoding.preset) for _, _, group, audio, _ in passes])

    # The poster at the largest rung up to 720p (sharp on phones, small to download), made beside
    # the first pass: it is a few frames, and the player wants it from the start.
    top = next((r for r in reversed(rungs) if min(r.width, r.height) <= 720), rungs[0])
    poster_args = commands.poster(source, out_dir / "poster.jpg", duration, top.width, top.height)
    running = [FfmpegProcess(poster_args, limits=limits)]
    # The first pass's speed is measured only once the poster is done: it shares the CPU at the
    # start, and a speed taken then made the first estimate ~15 % long.
    poster_done = None
    playable = False
    try:
        for index, (name, folder, group, with_audio, args) in enumerate(passes):
            folder.mkdir(parents=True)
            process = FfmpegProcess(args, limits=limits)
            running.append(process)
            last_report = 0.0
            while process.poll() is None:
                if time.monotonic() > deadline:
                    raise FfmpegFailed("转码超时", timed_out=True)
                now = time.monotonic()
                if poster_done is None and running[0].poll() is not None:
                    poster_done = now
                if now - last_report >= 1.0:
                    clock.done[index] = min(1.0, process.done_seconds / max(duration, 0.001))
                    if poster_done is not None:
                        clock.rates[index] = process.rate(since=poster_done) or clock.rates[index]
                    report(Progress(clock.fraction(), clock.seconds_left(), playable, phase=name,
                                    playable_eta_seconds=0.0 if playable else clock.seconds_left(0),
                                    speed=clock.rates[index]))
                    last_report = now
                time.sleep(0.2)
            wall = process.check()
            clock.done[index] = 1.0
            clock.rates[index] = duration / max(wall, 0.001)
            manifest["commands"].append({"step": name, "args": args, "wall_seconds": wall})
            for rung in group:
                _place_rendition(folder, out_dir, rung.name)
                manifest["rungs"].append(_rung_facts(out_dir, rung))
            names = [f"{r.name}/" for r in group]
            if with_audio:
                _place_rendition(folder, out_dir, "audio")
                manifest["audio"] = {"playlist": "audio/index.m3u8", **playlists.rendition_stats(out_dir / "audio")}
                names.append("audio/")
            manifest["rungs"].sort(key=lambda r: r["width"] * r["height"])
            if not playable:
                poster = running[0]
                manifest["commands"].insert(0, {"step": "poster", "args": poster_args,
                                                "wall_seconds": poster.wait(deadline)})
                poster_done = poster_done or time.monotonic()
                names += ["poster.jpg"] + (["captions.vtt", "captions/index.m3u8"] if captions else [])
            sink.put(out_dir, names)
            playlists.write_atomically(out_dir / "master.m3u8", playlists.master_playlist(
                manifest["rungs"], audio=manifest["audio"], captions=bool(captions), frame_rate=fps))
            sink.put(out_dir, ["master.m3u8"])
            playable = True
    finally:
        for process in running:
            process.kill()
    manifest["bytes"] = sum(r["bytes"] for r in manifest["rungs"]) + (manifest["audio"] or {}).get("bytes", 0)
    manifest["files"] = sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*") if p.is_file())
    manifest["wall_seconds"] = round(time.monotonic() - started, 3)
    report(Progress(1.0, 0.0, True, phase="done", playable_eta_seconds=0.0))
    return manifest
