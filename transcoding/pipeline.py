"""The video pipeline on one source file: poster, first pass (playable), second pass (full ladder).

No Django models here: the job (jobs.py) and the CLI (``manage.py transcode``) both call
``transcode()`` and differ only in where finished files go (a ``Sink``, see outputs.py) and what
they do with progress.

Time to playable: the first pass (lowest rung + audio) and the second pass (the other rungs) run
at the same time, the second at a lower CPU priority, so the first finishes almost as fast as it
would alone. When it ends, its files and a master playlist naming only that rung go live; when the
second pass ends, its rungs go live and the master playlist is replaced by the full one. A player
that started on the first master keeps playing; new viewers get the whole ladder.
"""

import dataclasses
import shutil
import time
from pathlib import Path

from django.conf import settings

from . import commands, playlists
from .ladder import output_frame_rate, plan_rungs
from .runner import FfmpegFailed, FfmpegProcess

SECOND_PASS_NICE = 10


@dataclasses.dataclass
class Progress:
    fraction: float
    eta_seconds: float | None
    playable: bool


def _work(rung):
    # Encoding cost grows with the picture; the audio encode is cheap next to any picture.
    return rung.width * rung.height


def _eta(started, fraction):
    elapsed = time.monotonic() - started
    if fraction <= 0.02 or elapsed < 1:
        return None
    return max(0.0, elapsed / fraction - elapsed)


def _rung_facts(out_dir, rung):
    stats = playlists.rendition_stats(out_dir / rung.name)
    return {"name": rung.name, "width": rung.width, "height": rung.height, "video_kbps": rung.video_kbps,
            "codecs": playlists.avc_codecs(out_dir / rung.name), **stats}


def _place_rendition(source_dir, out_dir, name):
    shutil.rmtree(out_dir / name, ignore_errors=True)
    (source_dir / name).rename(out_dir / name)


def transcode(source, work_dir, facts, sink, *, captions=None, on_progress=None, timeout=None):
    """Make the ladder of ``source`` (validated, with probe ``facts``) and hand it to ``sink``.

    Returns the manifest (the dict stored as the asset's outputs). Raises FfmpegFailed.
    """
    source, work_dir = Path(source), Path(work_dir)
    started = time.monotonic()
    duration = facts.duration
    deadline = started + (timeout or max(300.0, settings.GONGYU_TRANSCODE_TIMEOUT_FACTOR * duration))
    rungs = plan_rungs(facts)
    fps = output_frame_rate(facts)
    shutil.rmtree(work_dir, ignore_errors=True)
    out_dir, first_dir, second_dir = work_dir / "out", work_dir / "first", work_dir / "second"
    for folder in (out_dir, first_dir, second_dir):
        folder.mkdir(parents=True)
    report = on_progress or (lambda progress: None)
    manifest = {
        "master": "master.m3u8", "poster": "poster.jpg", "captions": None, "audio": None, "rungs": [],
        "duration": duration, "width": rungs[-1].width, "height": rungs[-1].height, "frame_rate": fps,
        "has_audio": facts.has_audio, "commands": [],
    }

    # Poster and captions first: they are tiny and the player wants them from the start.
    # The poster at the largest rung up to 720p: sharp on phones, small to download.
    top = next((r for r in reversed(rungs) if min(r.width, r.height) <= 720), rungs[0])
    poster_args = commands.poster(source, out_dir / "poster.jpg", duration, top.width, top.height)
    poster_process = FfmpegProcess(poster_args)
    manifest["commands"].append({"step": "poster", "args": poster_args,
                                 "wall_seconds": poster_process.wait(deadline)})
    if captions:
        shutil.copyfile(captions, out_dir / "captions.vtt")
        (out_dir / "captions").mkdir()
        (out_dir / "captions" / "index.m3u8").write_text(playlists.captions_playlist(duration))
        manifest["captions"] = "captions.vtt"

    first_args = commands.first_pass(source, first_dir, rungs[0], fps, facts.has_audio)
    passes = [("first", FfmpegProcess(first_args), first_args, rungs[:1])]
    if len(rungs) > 1:
        second_args = commands.second_pass(source, second_dir, rungs[1:], fps)
        passes.append(("second", FfmpegProcess(second_args, nice=SECOND_PASS_NICE), second_args, rungs[1:]))
    weights = {name: sum(_work(r) for r in group) for name, _, _, group in passes}
    total_weight = sum(weights.values())
    playable = False
    try:
        pending = list(passes)
        last_report = 0.0
        while pending:
            for entry in list(pending):
                name, process, args, group = entry
                if process.poll() is None:
                    continue
                wall = process.check()
                pending.remove(entry)
                manifest["commands"].append({"step": name, "args": args, "wall_seconds": wall})
                source_dir = first_dir if name == "first" else second_dir
                for rung in group:
                    _place_rendition(source_dir, out_dir, rung.name)
                    manifest["rungs"].append(_rung_facts(out_dir, rung))
                if name == "first" and facts.has_audio:
                    _place_rendition(source_dir, out_dir, "audio")
                    manifest["audio"] = {"playlist": "audio/index.m3u8",
                                         **playlists.rendition_stats(out_dir / "audio")}
                manifest["rungs"].sort(key=lambda r: r["width"] * r["height"])
                names = [f"{r.name}/" for r in group] + (["audio/"] if name == "first" and facts.has_audio else [])
                if not playable:
                    names += ["poster.jpg"] + (["captions.vtt", "captions/index.m3u8"] if captions else [])
                sink.put(out_dir, names)
                playlists.write_atomically(out_dir / "master.m3u8", playlists.master_playlist(
                    manifest["rungs"], audio=manifest["audio"], captions=bool(captions), frame_rate=fps))
                sink.put(out_dir, ["master.m3u8"])
                playable = True
            if not pending:
                break
            if time.monotonic() > deadline:
                raise FfmpegFailed("转码超时", timed_out=True)
            now = time.monotonic()
            if now - last_report >= 1.0:
                running = {name: process for name, process, _, _ in pending}
                done = sum(weights[name] * (min(1.0, running[name].done_seconds / duration) if name in running else 1.0)
                           for name in weights)
                fraction = min(0.99, done / total_weight)
                report(Progress(fraction, _eta(started, fraction), playable))
                last_report = now
            time.sleep(0.2)
    finally:
        for _, process, _, _ in passes:
            process.kill()
    manifest["bytes"] = sum(r["bytes"] for r in manifest["rungs"]) + (manifest["audio"] or {}).get("bytes", 0)
    manifest["files"] = sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*") if p.is_file())
    manifest["wall_seconds"] = round(time.monotonic() - started, 3)
    report(Progress(1.0, 0.0, True))
    return manifest
