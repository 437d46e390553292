#!/usr/bin/env python
"""Benchmark of the video pipeline (issues 5 and 16). Prints figures; asserts nothing.

    .venv/bin/python bench/transcode.py                 # 20 s sources (720p/1080p, landscape/portrait)
                                                        #   + 10-minute 720p and 1080p sources
    .venv/bin/python bench/transcode.py --quick         # the 20 s sources only
    .venv/bin/python bench/transcode.py --long-only --long 720p    # only the 10-minute 720p source
    .venv/bin/python bench/transcode.py --long-only --long 1080p   # only the 10-minute 1080p source
    .venv/bin/python bench/transcode.py --long-only --long 720p --long-baselines one-pass  # anchor only
    .venv/bin/python bench/transcode.py --quick --short 720p --landscape-only --seconds 60 --concurrency
                                                        # a 60 s 720p check (no two-uploads test)

Sources are generated (a moving test pattern with camera-like grain and a turning hue; a voice-like
tone: two formants gliding at speech rate, syllable-rate loudness and pauses), encoded like a
camera file (about 6 Mbps at 720p, 10 Mbps at 1080p). For each it measures, in the same run:

* pipeline — ``transcoding.pipeline.transcode`` wall time (speed = source seconds / wall seconds)
             and CPU seconds of its ffmpeg processes
* playable — upload checks (ffprobe + end-of-file decode) + time until the first master playlist
             (lowest rung + audio) is in place: when a teacher can press play
* overhead — pipeline wall / the wall time of its own ffmpeg commands - 1: "in run" from the
             commands' own times inside the pipeline; "bare" by running the same commands again
             directly in the same arrangement (poster beside the first pass, then the second)
* per-rung — the naive baseline: one ffmpeg per rung (each with its audio), one after another
* one-pass — the anchor: every rung + shared audio in one ffmpeg (one decode), nothing playable
             until it ends; wall and CPU seconds, so the ratio is readable on a busy machine too
* previous — the pipeline with every rung at plain GONGYU_X264_PRESET (no GONGYU_X264_RUNG_PRESETS,
             no GONGYU_X264_PARAMS: the settings before issue 16), same run: its speed and SSIM per
             rung, so the quality rule (SSIM per rung no worse than the previous pipeline's by more
             than 0.002) is checked beside the speed it buys; only run when either is set
* SSIM     — per rung, ffmpeg's ssim filter over the first --ssim-seconds against the source
             scaled to the rung's size (the same scaler)
* load     — the 1-minute load average before and after each source: on a shared machine every
             figure is pessimistic, the same-run baselines beside it are the fair comparison
"""

import argparse
import dataclasses
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

from transcoding import commands  # noqa: E402
from transcoding.ladder import Encoding, output_frame_rate, plan_rungs  # noqa: E402
from transcoding.outputs import FolderSink  # noqa: E402
from transcoding.pipeline import transcode  # noqa: E402
from transcoding.runner import FfmpegProcess  # noqa: E402
from transcoding.validation import validate_video  # noqa: E402

SIZES = {"720p": (1280, 720, "6M"), "1080p": (1920, 1080, "10M")}
VOICE = ("(0.6*sin(2*PI*(140+40*sin(2*PI*0.7*t))*t)+0.3*sin(2*PI*(280+80*sin(2*PI*0.7*t))*t)"
         "+0.1*sin(2*PI*(2400+300*sin(2*PI*5*t))*t))*(0.5+0.5*sin(2*PI*3.3*t))*gt(sin(2*PI*0.4*t)+0.3,0)")


def make_source(path, size, portrait, seconds):
    width, height, rate = SIZES[size]
    if portrait:
        width, height = height, width
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=size={width}x{height}:rate=30:duration={seconds},noise=alls=3:allf=t,hue=H=t/4",
                    "-f", "lavfi", "-i", f"aevalsrc='{VOICE}':s=44100:d={seconds}",
                    "-c:v", "libx264", "-preset", "superfast", "-b:v", rate, "-maxrate", rate, "-bufsize", rate,
                    "-g", "60", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", str(path)], check=True)
    return path


def uptime():
    # UTC, as the machine's clock (Django sets TZ to the site's time zone in this process)
    return subprocess.run(["uptime"], capture_output=True, text=True, env={**os.environ, "TZ": "UTC"}).stdout.strip()


def children_cpu():
    times = os.times()
    return times.children_user + times.children_system


def timed(function):
    started = time.monotonic()
    result = function()
    return time.monotonic() - started, result


def ssim(rendition, source, rung, fps, seconds):
    """SSIM (All) of one rendition folder against the source scaled to the rung's size."""
    graph = (f"[0:v]setpts=PTS-STARTPTS[d];[1:v]fps={fps},scale={rung['width']}:{rung['height']}:flags=bicubic,"
             "format=yuv420p,setpts=PTS-STARTPTS[r];[d][r]ssim")
    out = subprocess.run(["ffmpeg", "-nostdin", "-nostats", "-t", str(seconds), "-i", str(rendition / "index.m3u8"),
                          "-t", str(seconds), "-i", str(source), "-lavfi", graph, "-f", "null", "-"],
                         capture_output=True, text=True).stderr
    lines = [line for line in out.splitlines() if "SSIM Y:" in line]
    return float(lines[-1].split("All:")[1].split()[0]) if lines else float("nan")


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
        FfmpegProcess(args).wait(time.monotonic() + 7200)
    return time.monotonic() - started


def run_one_pass(source, facts, out):
    """Every rung and one shared audio in a single ffmpeg: one decode, nothing playable until the end."""
    encoding = Encoding.current()
    args = commands.one_pass(source, out, plan_rungs(facts, encoding), output_frame_rate(facts, encoding),
                             facts.has_audio, encoding)
    cpu, started = children_cpu(), time.monotonic()
    FfmpegProcess(args).wait(time.monotonic() + 7200)
    return time.monotonic() - started, children_cpu() - cpu


def bench_one(source, seconds, baselines, work, ssim_seconds):
    load_before = os.getloadavg()[0]
    check_time, facts = timed(lambda: validate_video(source))
    marks = {}

    def on_progress(progress):
        if progress.playable and "playable" not in marks:
            marks["playable"] = time.monotonic()
        if progress.eta_seconds is not None and "eta" not in marks:
            marks["eta"] = (time.monotonic(), progress.eta_seconds)

    cpu, started = children_cpu(), time.monotonic()
    manifest = transcode(source, work / "pipeline", facts, FolderSink(work / "out"), on_progress=on_progress)
    wall = time.monotonic() - started
    row = {"rungs": "/".join(r["name"] for r in manifest["rungs"]), "pipeline_s": wall, "speed_x": seconds / wall,
           "cpu_s": children_cpu() - cpu,
           "playable_s": check_time + marks.get("playable", time.monotonic()) - started,
           "first_eta": (marks["eta"][0] - started, marks["eta"][0] - started + marks["eta"][1]) if "eta" in marks else None}
    in_run = sum(c["wall_seconds"] for c in manifest["commands"] if c["step"] != "poster")
    row["overhead_run_pct"] = (wall / in_run - 1) * 100
    if "bare" in baselines:
        row["overhead_bare_pct"] = (wall / run_bare(manifest["commands"]) - 1) * 100
    if "per-rung" in baselines:
        row["per_rung_s"] = run_per_rung(source, facts, work / "per-rung")
    if "one-pass" in baselines:
        row["one_pass_s"], row["one_pass_cpu_s"] = run_one_pass(source, facts, work / "one-pass")
    row["ssim"] = {r["name"]: ssim(work / "out" / r["name"], source, r, manifest["frame_rate"], ssim_seconds)
                   for r in manifest["rungs"]}
    current = Encoding.current()
    if "previous" in baselines and (current.rung_presets or current.x264_params):
        previous = dataclasses.replace(current, rung_presets=(), x264_params="")
        cpu, started = children_cpu(), time.monotonic()
        old = transcode(source, work / "previous", facts, FolderSink(work / "previous-out"), encoding=previous)
        row["previous_s"], row["previous_cpu_s"] = time.monotonic() - started, children_cpu() - cpu
        row["previous_ssim"] = {r["name"]: ssim(work / "previous-out" / r["name"], source, r, old["frame_rate"],
                                                ssim_seconds) for r in old["rungs"]}
    row["load"] = (load_before, os.getloadavg()[0])
    return row


def bench_concurrency(tmp, seconds, levels):
    """Two uploads at once on this machine, for each GONGYU_TRANSCODE_CONCURRENCY in ``levels``:
    when each became playable and done (from the moment both were handed in), total CPU."""
    import threading

    from django.conf import settings

    work = Path(tmp) / "concurrency"
    work.mkdir()
    sources = [make_source(work / f"upload-{n}.mp4", "720p", False, seconds) for n in (1, 2)]
    facts = [validate_video(source) for source in sources]
    print(f"\ntwo 720p {seconds}s uploads handed in at once (GONGYU_TRANSCODE_CONCURRENCY = ladders at once):")
    for level in levels:
        settings.GONGYU_TRANSCODE_CONCURRENCY = level
        marks, threads = {}, []
        load_before, cpu, started = os.getloadavg()[0], children_cpu(), time.monotonic()

        def job(n, marks=marks, started=started, level=level):
            def on_progress(progress):
                if progress.playable and (n, "playable") not in marks:
                    marks[n, "playable"] = time.monotonic() - started
            transcode(sources[n], work / f"c{level}-{n}", facts[n], FolderSink(work / f"c{level}-{n}-out"),
                      on_progress=on_progress)
            marks[n, "done"] = time.monotonic() - started

        for n in (0, 1):
            threads.append(threading.Thread(target=job, args=(n,)))
            threads[-1].start()
        for thread in threads:
            thread.join()
        playable = sorted(marks[n, "playable"] for n in (0, 1))
        done = sorted(marks[n, "done"] for n in (0, 1))
        print(f"  concurrency {level}: playable after {playable[0]:.1f}s and {playable[1]:.1f}s (mean "
              f"{sum(playable) / 2:.1f}s); done after {done[0]:.1f}s and {done[1]:.1f}s; CPU {children_cpu() - cpu:.0f}s; "
              f"load {load_before:.1f}→{os.getloadavg()[0]:.1f}", flush=True)


def goals(size, length, r):
    """The issue's goals for this row, each with its figure and met / not met (2 idle cores)."""
    speed_goal = 3.0 if size == "720p" else 1.5
    checks = [(f"ladder {r['speed_x']:.2f}x >= {speed_goal}x", r["speed_x"] >= speed_goal),
              (f"overhead {r['overhead_run_pct']:.1f}% <= 5%", r["overhead_run_pct"] <= 5)]
    if size == "720p" and length >= 600:
        checks.insert(0, (f"playable {r['playable_s']:.1f}s <= 60s", r["playable_s"] <= 60))
    if "one_pass_s" in r:
        checks.append((f"vs anchor {r['one_pass_s'] / r['pipeline_s']:.2f} >= 0.95", r["one_pass_s"] / r["pipeline_s"] >= 0.95))
    if "per_rung_s" in r:
        checks.append((f"vs per-rung {r['pipeline_s'] / r['per_rung_s']:.2f} <= 0.8", r["pipeline_s"] / r["per_rung_s"] <= 0.8))
    if r.get("first_eta"):
        error = r["first_eta"][1] / r["pipeline_s"] - 1
        checks.append((f"first ETA {error:+.0%} within 15%", abs(error) <= 0.15))
    return "goals: " + "; ".join(f"{text} {'met' if ok else 'NOT met'}" for text, ok in checks)


def _cell(value, fmt, width):
    return f"{'-':>{width}}" if value is None else f"{value:>{width}{fmt}}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the 20 s sources only")
    parser.add_argument("--long", nargs="*", default=["720p", "1080p"], help="sizes of the 10-minute sources")
    parser.add_argument("--long-only", action="store_true", help="only the 10-minute sources")
    parser.add_argument("--baselines", default="bare,per-rung,one-pass,previous",
                        help="baselines for the short sources (comma-separated: bare, per-rung, one-pass, previous)")
    parser.add_argument("--long-baselines", default="bare,per-rung,one-pass,previous",
                        help="baselines for the 10-minute sources (same choices)")
    parser.add_argument("--ssim-seconds", type=int, default=30)
    parser.add_argument("--seconds", type=int, default=20, help="length of the short sources")
    parser.add_argument("--short", nargs="*", default=["720p", "1080p"], help="sizes of the short sources")
    parser.add_argument("--landscape-only", action="store_true", help="no portrait short sources")
    parser.add_argument("--concurrency", nargs="*", type=int, default=[1, 2],
                        help="GONGYU_TRANSCODE_CONCURRENCY values to try with two uploads at once (none: skip)")
    parser.add_argument("--concurrency-only", action="store_true", help="only the two-uploads test")
    args = parser.parse_args()
    cases = [] if args.long_only or args.concurrency_only else [
        (size, portrait, args.seconds, args.baselines.split(",")) for size in args.short
        for portrait in ((False,) if args.landscape_only else (False, True))]
    if not args.quick and not args.concurrency_only:
        cases += [(size, False, 600, args.long_baselines.split(",")) for size in args.long]
    encoding = Encoding.current()
    print(f"cores: {os.cpu_count()}  preset: {encoding.preset}  rung presets: "
          f"{','.join(f'{k}={v}' for k, v in encoding.rung_presets) or '-'}  x264 params: "
          f"{encoding.x264_params or '-'}  crf: {encoding.crf}  tune: {encoding.tune or '-'}  "
          f"x264 threads: {encoding.x264_threads or 'auto'}  lookahead: {encoding.rc_lookahead or 'preset'}  "
          f"segment: {encoding.segment_seconds}s  "
          f"ffmpeg: {subprocess.run(['ffmpeg', '-version'], capture_output=True, text=True).stdout.split()[2]}")
    print(f"before: {uptime()}")
    header = (f"{'source':<22}{'pipeline':>9}{'speed':>7}{'cpu':>7}{'playable':>9}{'eta@':>6}{'ovh run':>8}"
              f"{'ovh bare':>9}{'per-rung':>9}{'ratio':>6}{'1-pass':>8}{'1p spd':>7}{'1p cpu':>7}{'vs 1p':>6}{'cpu vs 1p':>10}"
              f"{'load':>12}")
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory(prefix="gongyu-bench-") as tmp:
        for size, portrait, length, baselines in cases:
            label = f"{size} {'portrait' if portrait else 'landscape'} {length // 60 if length >= 60 else length}{'min' if length >= 60 else 's'}"
            work = Path(tmp) / label.replace(" ", "-")
            work.mkdir()
            source = make_source(work / "source.mp4", size, portrait, length)
            r = bench_one(source, length, baselines, work, args.ssim_seconds)
            one = r.get("one_pass_s")
            print(f"{label:<22}{r['pipeline_s']:>8.1f}s{r['speed_x']:>6.2f}x{r['cpu_s']:>6.0f}s{r['playable_s']:>8.1f}s"
                  f"{_cell(r['first_eta'][0] if r['first_eta'] else None, '.1f', 5)}s"
                  f"{r['overhead_run_pct']:>7.1f}%{_cell(r.get('overhead_bare_pct'), '.1f', 8)}{'%' if 'overhead_bare_pct' in r else ' '}"
                  f"{_cell(r.get('per_rung_s'), '.1f', 8)}s"
                  f"{_cell(r['pipeline_s'] / r['per_rung_s'] if 'per_rung_s' in r else None, '.2f', 6)}"
                  f"{_cell(one, '.1f', 7)}s{_cell(length / one if one else None, '.2f', 6)}x"
                  f"{_cell(r.get('one_pass_cpu_s'), '.0f', 6)}s{_cell(one / r['pipeline_s'] if one else None, '.2f', 6)}"
                  f"{_cell(r['one_pass_cpu_s'] / r['cpu_s'] if one else None, '.2f', 10)}"
                  f"{r['load'][0]:>6.1f}→{r['load'][1]:<5.1f}", flush=True)
            eta = (f"first ETA after {r['first_eta'][0]:.1f}s said done at {r['first_eta'][1]:.0f}s (was {r['pipeline_s']:.0f}s)"
                   if r["first_eta"] else "no ETA reported")
            print(f"{'':<22}rungs {r['rungs']}; SSIM " + ", ".join(f"{k} {v:.4f}" for k, v in r["ssim"].items())
                  + f"; {eta}", flush=True)
            if "previous_s" in r:
                worst = min(r["ssim"][k] - v for k, v in r["previous_ssim"].items())
                print(f"{'':<22}previous pipeline (every rung plain {encoding.preset}), same run: {r['previous_s']:.1f}s "
                      f"({length / r['previous_s']:.2f}x, {r['previous_cpu_s']:.0f} CPU s); SSIM "
                      + ", ".join(f"{k} {v:.4f}" for k, v in r["previous_ssim"].items())
                      + f"; worst change {worst:+.4f} (rule: >= -0.002)", flush=True)
            print(f"{'':<22}" + goals(size, length, r), flush=True)
        if args.concurrency and not args.long_only:
            bench_concurrency(tmp, args.seconds, args.concurrency)
    print(f"\nafter: {uptime()}")
    print("\nspeed = source duration / pipeline wall time; cpu = CPU seconds of its ffmpegs; playable = upload checks\n"
          "+ first master playlist; eta@ = when the first time-left estimate was reported; ratio = pipeline / per-rung\n"
          "runs; vs 1p = one-pass wall / pipeline wall (speed relative to the anchor); cpu vs 1p = one-pass CPU /\n"
          "pipeline CPU; load = 1-minute load average before→after.\n"
          "Goals (2 idle cores): 720p speed >= 3x; 10-min 720p playable <= 60 s; 1080p >= 1.5x; ratio <= 0.8;\n"
          "overhead <= 5 %; >= 0.95 x the one-pass anchor; SSIM per rung no worse than the previous pipeline.")


if __name__ == "__main__":
    main()
