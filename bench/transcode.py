#!/usr/bin/env python
"""Benchmark of the video pipeline (issues 5 and 16). Prints figures; asserts nothing.

    .venv/bin/python bench/transcode.py                 # 20 s sources (720p/1080p, landscape/portrait)
                                                        #   + 10-minute 720p and 1080p sources
    .venv/bin/python bench/transcode.py --quick         # the 20 s sources only
    .venv/bin/python bench/transcode.py --quick --short 720p --landscape-only --seconds 60 --rounds 2 \
        --baselines two-pass,one-pass --concurrency     # 60 s 720p: pipeline / two-pass / anchor, interleaved
    .venv/bin/python bench/transcode.py --long-only --long 720p    # only the 10-minute 720p source
    .venv/bin/python bench/transcode.py --long-only --long 1080p   # only the 10-minute 1080p source

The idle figures of issue 16 (the lead, on an otherwise idle machine):

    GONGYU_VAR_DIR=/tmp/lead-bench-var .venv/bin/python bench/transcode.py --long-only --long 720p \
        --long-baselines two-pass,one-pass

Sources are generated (a moving test pattern with camera-like grain and a turning hue; a voice-like
tone: two formants gliding at speech rate, syllable-rate loudness and pauses), encoded like a
camera file (about 6 Mbps at 720p, 10 Mbps at 1080p); ``--sources DIR`` keeps them there for the
next run (a 10-minute source takes minutes to make). For each source, in the same run and in this
order (``--rounds N``: that order N times, so a load that changes hits every design alike):

* pipeline — ``transcoding.pipeline.transcode`` (the default: one ffmpeg for the whole ladder,
             growing playlists): wall time (speed = source seconds / wall seconds), CPU seconds of
             its ffmpeg processes, playable after (upload checks + the first master playlist in
             the sink: when a teacher can press play), the first time-left estimate against the
             real total, overhead (wall / its own ffmpeg command's wall - 1: "in run")
* two-pass — the design before (issue 16's first half): the poster beside a first ffmpeg (lowest
             rung + audio: playable when it ends), then a second ffmpeg for the other rungs that
             decodes the source again; the same commands the pipeline ran, bare
* one-pass — the anchor: every rung + shared audio in one ffmpeg with VOD playlists, nothing
             playable until it ends
* bare     — the pipeline's own commands again, directly (overhead "bare")
* per-rung — the naive baseline: one ffmpeg per rung (each with its audio), one after another
* previous — the pipeline with every rung at plain GONGYU_X264_PRESET (no GONGYU_X264_RUNG_PRESETS,
             no GONGYU_X264_PARAMS: the encoder settings before issue 16)
* SSIM     — per rung, ffmpeg's ssim filter over the first --ssim-seconds against the source
             scaled to the rung's size with the same scaler, for the pipeline and for the two-pass
             and previous baselines; the quality rule: no rung more than 0.002 below the baseline
* load     — the 1-minute load average before and after: on a shared machine every figure is
             pessimistic; compare by the ratios within one round (printed), not across runs
"""

import argparse
import dataclasses
import os
import shutil
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
    """The pipeline's own ffmpeg commands in its arrangement: the poster beside the ladder."""
    by_step = {c["step"]: c["args"] for c in manifest_commands}
    started = time.monotonic()
    poster = subprocess.Popen(by_step["poster"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(by_step["ladder"], check=True, stdout=subprocess.DEVNULL)
    assert poster.wait() == 0
    return time.monotonic() - started


def run_two_pass(source, facts, out, check_time):
    """The design before: poster beside the first pass (lowest rung + audio), then the other rungs
    in a second ffmpeg that decodes the source again. Playable = checks + the first pass's end."""
    encoding = Encoding.current()
    rungs, fps = plan_rungs(facts, encoding), output_frame_rate(facts, encoding)
    top = next((r for r in reversed(rungs) if min(r.width, r.height) <= 720), rungs[0])
    out.mkdir(parents=True)
    cpu, started = children_cpu(), time.monotonic()
    poster = subprocess.Popen(commands.poster(source, out / "poster.jpg", facts.duration, top.width, top.height),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    FfmpegProcess(commands.one_pass(source, out, rungs[:1], fps, facts.has_audio, encoding)).wait(started + 7200)
    assert poster.wait() == 0
    playable = check_time + time.monotonic() - started
    if len(rungs) > 1:
        FfmpegProcess(commands.one_pass(source, out, rungs[1:], fps, False, encoding)).wait(started + 7200)
    return {"wall": time.monotonic() - started, "cpu": children_cpu() - cpu, "playable": playable}


def run_per_rung(source, facts, out):
    """Naive: one ffmpeg per rung, each encoding its own audio, one after another."""
    encoding = Encoding.current()
    fps = output_frame_rate(facts, encoding)
    started = time.monotonic()
    for rung in plan_rungs(facts, encoding):
        args = commands.one_pass(source, out / rung.name, [rung], fps, facts.has_audio, encoding)
        FfmpegProcess(args).wait(time.monotonic() + 7200)
    return time.monotonic() - started


def run_one_pass(source, facts, out):
    """Every rung and one shared audio in a single ffmpeg: one decode, nothing playable until the end."""
    encoding = Encoding.current()
    args = commands.one_pass(source, out, plan_rungs(facts, encoding), output_frame_rate(facts, encoding),
                             facts.has_audio, encoding)
    cpu, started = children_cpu(), time.monotonic()
    FfmpegProcess(args).wait(time.monotonic() + 7200)
    return {"wall": time.monotonic() - started, "cpu": children_cpu() - cpu}


def run_pipeline(source, facts, check_time, work, encoding=None):
    marks = {}

    def on_progress(progress):
        if progress.playable and "playable" not in marks:
            marks["playable"] = time.monotonic()
        if progress.eta_seconds is not None and "eta" not in marks:
            marks["eta"] = (time.monotonic(), progress.eta_seconds)

    cpu, started = children_cpu(), time.monotonic()
    manifest = transcode(source, work / "pipeline", facts, FolderSink(work / "out"), on_progress=on_progress,
                         encoding=encoding)
    wall = time.monotonic() - started
    in_run = sum(c["wall_seconds"] for c in manifest["commands"] if c["step"] != "poster")
    return {"wall": wall, "cpu": children_cpu() - cpu, "manifest": manifest,
            "playable": check_time + marks.get("playable", time.monotonic()) - started,
            "first_eta": (marks["eta"][0] - started, marks["eta"][0] - started + marks["eta"][1]) if "eta" in marks else None,
            "overhead_run_pct": (wall / in_run - 1) * 100}


def ssims(folder, source, manifest, seconds):
    return {r["name"]: ssim(folder / r["name"], source, r, manifest["frame_rate"], seconds) for r in manifest["rungs"]}


def bench_round(source, facts, check_time, baselines, work, ssim_seconds):
    """One round on one source: the pipeline, then each baseline, one after another."""
    load_before = os.getloadavg()[0]
    row = {"pipeline": run_pipeline(source, facts, check_time, work)}
    manifest = row["pipeline"]["manifest"]
    if "two-pass" in baselines:
        row["two-pass"] = run_two_pass(source, facts, work / "two-pass", check_time)
    if "one-pass" in baselines:
        row["one-pass"] = run_one_pass(source, facts, work / "one-pass")
    if "bare" in baselines:
        row["bare_overhead_pct"] = (row["pipeline"]["wall"] / run_bare(manifest["commands"]) - 1) * 100
    if "per-rung" in baselines:
        row["per-rung"] = {"wall": run_per_rung(source, facts, work / "per-rung")}
    current = Encoding.current()
    if "previous" in baselines and (current.rung_presets or current.x264_params):
        previous = dataclasses.replace(current, rung_presets=(), x264_params="")
        row["previous"] = run_pipeline(source, facts, check_time, work / "previous", encoding=previous)
    row["load"] = (load_before, os.getloadavg()[0])
    # quality, after the timed runs (the SSIM runs are not timed)
    row["pipeline"]["ssim"] = ssims(work / "out", source, manifest, ssim_seconds)
    if "two-pass" in baselines:
        row["two-pass"]["ssim"] = ssims(work / "two-pass", source, manifest, ssim_seconds)
    if "previous" in row:
        row["previous"]["ssim"] = ssims(work / "previous" / "out", source, row["previous"]["manifest"], ssim_seconds)
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
    p = r["pipeline"]
    speed = length / p["wall"]
    speed_goal = 3.0 if size == "720p" else 1.5
    checks = [(f"ladder {speed:.2f}x >= {speed_goal}x", speed >= speed_goal),
              (f"overhead {p['overhead_run_pct']:.1f}% <= 5%", p["overhead_run_pct"] <= 5)]
    if size == "720p" and length >= 600:
        checks.insert(0, (f"playable {p['playable']:.1f}s <= 60s", p["playable"] <= 60))
    if "one-pass" in r:
        ratio = r["one-pass"]["wall"] / p["wall"]
        checks.append((f"vs anchor {ratio:.2f} >= 0.95", ratio >= 0.95))
    if "per-rung" in r:
        ratio = p["wall"] / r["per-rung"]["wall"]
        checks.append((f"vs per-rung {ratio:.2f} <= 0.8", ratio <= 0.8))
    if p.get("first_eta"):
        error = p["first_eta"][1] / p["wall"] - 1
        checks.append((f"first ETA {error:+.0%} within 15%", abs(error) <= 0.15))
    for name in ("two-pass", "previous"):
        if name in r:
            worst = min(p["ssim"][k] - v for k, v in r[name]["ssim"].items())
            checks.append((f"SSIM vs {name} worst {worst:+.4f} >= -0.002", worst >= -0.002))
    return "goals: " + "; ".join(f"{text} {'met' if ok else 'NOT met'}" for text, ok in checks)


def report(label, length, r):
    p = r["pipeline"]
    line = (f"  {'pipeline (one ffmpeg)':<24}{p['wall']:>8.1f}s {length / p['wall']:>5.2f}x {p['cpu']:>6.0f} CPU s"
            f"  playable {p['playable']:.1f}s  overhead in run {p['overhead_run_pct']:.1f}%")
    if "bare_overhead_pct" in r:
        line += f", bare {r['bare_overhead_pct']:.1f}%"
    print(line)
    if p["first_eta"]:
        at, said = p["first_eta"]
        print(f"  {'':<24}first time-left estimate after {at:.1f}s said done at {said:.0f}s, took {p['wall']:.0f}s "
              f"({said / p['wall'] - 1:+.0%})")
    for name, title in (("two-pass", "two-pass (before)"), ("one-pass", "one-process anchor"),
                        ("per-rung", "one ffmpeg per rung"), ("previous", "previous x264 settings")):
        if name not in r:
            continue
        b = r[name]
        line = f"  {title:<24}{b['wall']:>8.1f}s {length / b['wall']:>5.2f}x"
        line += f" {b['cpu']:>6.0f} CPU s" if "cpu" in b else ""
        line += f"  playable {b['playable']:.1f}s" if "playable" in b else ""
        line += f"  pipeline/this: wall {b['wall'] / p['wall']:.2f}x as fast"
        line += f", CPU {b['cpu'] / p['cpu']:.2f}" if "cpu" in b else ""
        line += f", playable {p['playable'] / b['playable']:.2f}" if "playable" in b else ""
        print(line)
    print(f"  {'SSIM pipeline':<24}" + ", ".join(f"{k} {v:.4f}" for k, v in p["ssim"].items()))
    for name in ("two-pass", "previous"):
        if name in r:
            worst = min(p["ssim"][k] - v for k, v in r[name]["ssim"].items())
            print(f"  {'SSIM ' + name:<24}" + ", ".join(f"{k} {v:.4f}" for k, v in r[name]["ssim"].items())
                  + f"; pipeline's worst change {worst:+.4f} (rule >= -0.002)")
    print(f"  load {r['load'][0]:.1f} -> {r['load'][1]:.1f}")
    print("  " + goals(label.split()[0], length, r), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the 20 s sources only")
    parser.add_argument("--long", nargs="*", default=["720p", "1080p"], help="sizes of the 10-minute sources")
    parser.add_argument("--long-only", action="store_true", help="only the 10-minute sources")
    parser.add_argument("--baselines", default="two-pass,one-pass,bare,per-rung,previous",
                        help="baselines for the short sources (comma-separated: two-pass, one-pass, bare, per-rung, "
                             "previous; none)")
    parser.add_argument("--long-baselines", default="two-pass,one-pass",
                        help="baselines for the 10-minute sources (same choices)")
    parser.add_argument("--rounds", type=int, default=1, help="run the pipeline and its baselines this many times "
                                                              "in turn on each source (short sources only)")
    parser.add_argument("--ssim-seconds", type=int, default=30)
    parser.add_argument("--seconds", type=int, default=20, help="length of the short sources")
    parser.add_argument("--short", nargs="*", default=["720p", "1080p"], help="sizes of the short sources")
    parser.add_argument("--landscape-only", action="store_true", help="no portrait short sources")
    parser.add_argument("--sources", help="keep the generated sources in this folder and use them again")
    parser.add_argument("--concurrency", nargs="*", type=int, default=[1, 2],
                        help="GONGYU_TRANSCODE_CONCURRENCY values to try with two uploads at once (none: skip)")
    parser.add_argument("--concurrency-only", action="store_true", help="only the two-uploads test")
    args = parser.parse_args()
    cases = [] if args.long_only or args.concurrency_only else [
        (size, portrait, args.seconds, args.baselines.split(","), args.rounds) for size in args.short
        for portrait in ((False,) if args.landscape_only else (False, True))]
    if not args.quick and not args.concurrency_only:
        cases += [(size, False, 600, args.long_baselines.split(","), 1) for size in args.long]
    encoding = Encoding.current()
    print(f"cores: {os.cpu_count()}  preset: {encoding.preset}  rung presets: "
          f"{','.join(f'{k}={v}' for k, v in encoding.rung_presets) or '-'}  x264 params: "
          f"{encoding.x264_params or '-'}  crf: {encoding.crf}  tune: {encoding.tune or '-'}  "
          f"x264 threads: {encoding.x264_threads or 'auto'}  lookahead: {encoding.rc_lookahead or 'preset'}  "
          f"segment: {encoding.segment_seconds}s  "
          f"ffmpeg: {subprocess.run(['ffmpeg', '-version'], capture_output=True, text=True).stdout.split()[2]}")
    print(f"before: {uptime()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="gongyu-bench-") as tmp:
        for size, portrait, length, baselines, rounds in cases:
            label = f"{size} {'portrait' if portrait else 'landscape'} {length // 60 if length >= 60 else length}{'min' if length >= 60 else 's'}"
            work = Path(tmp) / label.replace(" ", "-")
            work.mkdir()
            name = f"{size}-{'portrait' if portrait else 'landscape'}-{length}.mp4"
            source = Path(args.sources) / name if args.sources else work / "source.mp4"
            if not source.exists():
                source.parent.mkdir(parents=True, exist_ok=True)
                make_source(source.with_suffix(".part.mp4"), size, portrait, length).rename(source)
            check_time, facts = timed(lambda source=source: validate_video(source))
            for number in range(1, rounds + 1):
                folder = work / f"round-{number}"
                folder.mkdir()
                print(f"\n{label}" + (f", round {number} of {rounds}" if rounds > 1 else "")
                      + f" (upload checks {check_time:.1f}s)", flush=True)
                report(label, length, bench_round(source, facts, check_time, baselines, folder, args.ssim_seconds))
                shutil.rmtree(folder, ignore_errors=True)
        if args.concurrency and not args.long_only:
            bench_concurrency(tmp, args.seconds, args.concurrency)
    print(f"\nafter: {uptime()}")
    print("\nspeed = source duration / wall time; CPU s = CPU seconds of the ffmpeg processes; playable = upload\n"
          "checks + the first master playlist; 'pipeline/this' = how many times as fast the pipeline was (wall, CPU)\n"
          "and its playable time as a share of this one's.\n"
          "Goals (2 idle cores): 720p speed >= 3x; 10-min 720p playable <= 60 s; 1080p >= 1.5x; ratio to per-rung\n"
          "<= 0.8; overhead <= 5 %; >= 0.95 x the one-process anchor; SSIM per rung no more than 0.002 below the\n"
          "baseline's.")


if __name__ == "__main__":
    main()
