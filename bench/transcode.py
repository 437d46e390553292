#!/usr/bin/env python
"""Benchmark of the video pipeline (issue 5). Prints figures; asserts nothing.

    .venv/bin/python bench/transcode.py                 # 60 s sources (720p/1080p, landscape/portrait) + a 10-min 720p
    .venv/bin/python bench/transcode.py --quick         # 20 s sources only
    .venv/bin/python bench/transcode.py --long 1080p    # also a 10-min source at another size

For each generated source (testsrc2 pattern + tone, encoded like a camera file) it measures, in the
same run and on the same machine:

* pipeline   — ``transcoding.pipeline.transcode`` wall time (speed = source seconds / wall seconds)
* playable   — upload checks (ffprobe + end-of-file decode) + time until the first master playlist
               (lowest rung + audio) is in place: when a teacher can press play
* bare       — the exact ffmpeg commands the pipeline issued, run directly in the same arrangement
               (poster, then both passes at once, the second niced): overhead = pipeline / bare - 1
* per-rung   — the naive baseline: one ffmpeg per rung (each with its audio), one after another
* one-pass   — every rung + shared audio in one ffmpeg, nothing playable until it ends (the anchor
               DESIGN.md measured at 3.4x real time)
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
os.environ.setdefault("GONGYU_VAR_DIR", tempfile.mkdtemp(prefix="gongyu-bench-"))

import django  # noqa: E402

django.setup()

import ffmpeg  # noqa: E402
from django.conf import settings  # noqa: E402

from transcoding import commands  # noqa: E402
from transcoding.ladder import Encoding, output_frame_rate, plan_rungs  # noqa: E402
from transcoding.outputs import FolderSink  # noqa: E402
from transcoding.pipeline import transcode  # noqa: E402
from transcoding.runner import FfmpegProcess  # noqa: E402
from transcoding.validation import validate_video  # noqa: E402

SIZES = {"720p": (1280, 720), "1080p": (1920, 1080)}


def make_source(path, size, portrait, seconds):
    width, height = SIZES[size]
    if portrait:
        width, height = height, width
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=size={width}x{height}:rate=30:duration={seconds}",
                    "-f", "lavfi", "-i", f"sine=frequency=300:duration={seconds}",
                    "-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-b:a", "128k", str(path)], check=True)
    return path


def timed(function):
    started = time.monotonic()
    result = function()
    return time.monotonic() - started, result


def run_bare(manifest_commands):
    """The pipeline's own ffmpeg commands in its arrangement: the poster beside the first pass, then
    the second pass alone."""
    by_step = {c["step"]: c["args"] for c in manifest_commands}
    started = time.monotonic()
    poster = subprocess.Popen(by_step["poster"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(by_step["first"], check=True, stdout=subprocess.DEVNULL)
    assert poster.wait() == 0
    if "second" in by_step:
        subprocess.run(by_step["second"], check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def run_per_rung(source, facts, out):
    """Naive: one ffmpeg per rung, each encoding its own audio, one after another."""
    encoding = Encoding.current()
    fps = output_frame_rate(facts, encoding)
    started = time.monotonic()
    for rung in plan_rungs(facts, encoding):
        args = commands.first_pass(source, out / rung.name, rung, fps, facts.has_audio, encoding)
        process = FfmpegProcess(args)
        process.wait(time.monotonic() + 3600)
    return time.monotonic() - started


def run_one_pass(source, facts, out):
    """Every rung and one shared audio in a single ffmpeg: one decode, nothing playable until the end."""
    encoding = Encoding.current()
    args = commands.one_pass(source, out, plan_rungs(facts, encoding), output_frame_rate(facts, encoding),
                             facts.has_audio, encoding)
    started = time.monotonic()
    FfmpegProcess(args).wait(time.monotonic() + 3600)
    return time.monotonic() - started


def bench_one(label, source, seconds, baselines, work):
    check_time, facts = timed(lambda: validate_video(source))
    marks = {}

    def on_progress(progress):
        if progress.playable and "playable" not in marks:
            marks["playable"] = time.monotonic()

    started = time.monotonic()
    manifest = transcode(source, work / "pipeline", facts, FolderSink(work / "out"), on_progress=on_progress)
    wall = time.monotonic() - started
    playable = check_time + marks.get("playable", time.monotonic()) - started
    bare = run_bare(manifest["commands"])
    row = {"source": label, "seconds": seconds, "rungs": "/".join(r["name"] for r in manifest["rungs"]),
           "pipeline_s": wall, "speed_x": seconds / wall, "playable_s": playable, "bare_s": bare,
           "overhead_pct": (wall / bare - 1) * 100}
    if baselines:
        row["per_rung_s"] = run_per_rung(source, facts, work / "per-rung")
        row["one_pass_s"] = run_one_pass(source, facts, work / "one-pass")
        row["vs_per_rung"] = wall / row["per_rung_s"]
        row["one_pass_speed_x"] = seconds / row["one_pass_s"]
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20 s sources, no 10-minute source")
    parser.add_argument("--long", nargs="*", default=["720p"], help="sizes of the 10-minute landscape sources")
    parser.add_argument("--long-only", action="store_true", help="only the 10-minute sources")
    args = parser.parse_args()
    seconds = 20 if args.quick else 60
    cases = [] if args.long_only else [
        (size, portrait, seconds, True) for size in ("720p", "1080p") for portrait in (False, True)]
    if not args.quick:
        cases += [(size, False, 600, False) for size in args.long]
    print(f"cores: {os.cpu_count()}  preset: {settings.GONGYU_X264_PRESET}  segment: {settings.GONGYU_HLS_SEGMENT_SECONDS}s  "
          f"ffmpeg: {subprocess.run(['ffmpeg', '-version'], capture_output=True, text=True).stdout.split()[2]}")
    header = (f"{'source':<22}{'rungs':<26}{'pipeline':>9}{'speed':>8}{'playable':>10}{'bare':>8}{'overhd':>8}"
              f"{'per-rung':>10}{'ratio':>7}{'1-pass':>8}{'1p speed':>9}")
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory(prefix="gongyu-bench-") as tmp:
        for size, portrait, length, baselines in cases:
            label = f"{size} {'portrait' if portrait else 'landscape'} {length // 60 if length >= 60 else length}{'min' if length >= 60 else 's'}"
            work = Path(tmp) / label.replace(" ", "-")
            work.mkdir()
            source = make_source(work / "source.mp4", size, portrait, length)
            r = bench_one(label, source, length, baselines, work)
            extra = (f"{r['per_rung_s']:>9.1f}s{r['vs_per_rung']:>7.2f}{r['one_pass_s']:>7.1f}s{r['one_pass_speed_x']:>8.2f}x"
                     if baselines else f"{'-':>10}{'-':>7}{'-':>8}{'-':>9}")
            print(f"{label:<22}{r['rungs']:<26}{r['pipeline_s']:>8.1f}s{r['speed_x']:>7.2f}x{r['playable_s']:>9.1f}s"
                  f"{r['bare_s']:>7.1f}s{r['overhead_pct']:>7.1f}%{extra}", flush=True)
    print("\nspeed = source duration / pipeline wall time; playable = upload checks + first master playlist;\n"
          "ratio = pipeline / per-rung runs; overhead = pipeline / its bare ffmpeg commands - 1.\n"
          "Goals (2 cores): 720p speed >= 3x; 10-min 720p playable <= 60 s; ratio <= 0.8; overhead <= 5 %.")


if __name__ == "__main__":
    main()
