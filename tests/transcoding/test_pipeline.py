"""The ladder on real generated sources with real ffmpeg: which rungs, their shape, their playlists."""

import itertools
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.transcoding.media import rotate_mp4, video
from transcoding.ladder import plan_rungs
from transcoding.outputs import FolderSink
from transcoding.pipeline import transcode
from transcoding.playlists import media_segments, segments_of
from transcoding.validation import validate_video


def ffprobe_stream(path, kind="v"):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", f"{kind}:0", "-show_streams", "-of", "json",
                          str(path)], capture_output=True, text=True, check=True).stdout
    streams = json.loads(out)["streams"]
    return streams[0] if streams else None


def make_ladder(tmp_path, source, captions=None):
    facts = validate_video(source)
    final = tmp_path / "final"
    progress = []
    manifest = transcode(source, tmp_path / "work", facts, FolderSink(final), captions=captions,
                         on_progress=progress.append)
    return manifest, final, progress


def master_variants(final):
    lines = (final / "master.m3u8").read_text().splitlines()
    return [(lines[i], lines[i + 1]) for i, line in enumerate(lines) if line.startswith("#EXT-X-STREAM-INF")]


@pytest.fixture(scope="module")
def hd_ladder(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hd")
    source = video(tmp / "lesson.mp4", seconds=9, size="1280x720", rate=30)
    return make_ladder(tmp, source)


def test_a_720p_source_gets_every_rung_up_to_720p_lowest_first(hd_ladder):
    manifest, final, _ = hd_ladder
    assert [(r["name"], r["width"], r["height"]) for r in manifest["rungs"]] == [
        ("240p", 426, 240), ("360p", 640, 360), ("540p", 960, 540), ("720p", 1280, 720)]
    variants = master_variants(final)
    assert [uri for _, uri in variants] == ["240p/index.m3u8", "360p/index.m3u8", "540p/index.m3u8",
                                            "720p/index.m3u8", "audio/index.m3u8"]


def test_every_rung_is_8_bit_h264_with_main_or_high_profile(hd_ladder):
    _, final, _ = hd_ladder
    for name in ("240p", "360p", "540p", "720p"):
        stream = ffprobe_stream(final / name / "seg_00000.ts")
        assert stream["codec_name"] == "h264" and stream["pix_fmt"] == "yuv420p"
        assert stream["profile"] in {"Main", "High"}


def test_segments_line_up_across_rungs_so_players_switch_cleanly(hd_ladder):
    _, final, _ = hd_ladder
    durations = {name: [round(d, 2) for d, _ in media_segments(final / name / "index.m3u8")]
                 for name in ("240p", "360p", "540p", "720p")}
    assert durations["240p"] == durations["360p"] == durations["540p"] == durations["720p"]
    assert durations["240p"][:2] == [4.0, 4.0]
    playlist = (final / "720p" / "index.m3u8").read_text()
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in playlist and "#EXT-X-ENDLIST" in playlist
    # each segment starts on a keyframe
    for segment in ("seg_00000.ts", "seg_00001.ts", "seg_00002.ts"):
        out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_frames", "-read_intervals",
                              "%+#1", "-show_entries", "frame=key_frame,pict_type", "-of", "csv",
                              str(final / "540p" / segment)], capture_output=True, text=True, check=True).stdout
        assert out.splitlines()[0].startswith("frame,1"), (segment, out)


def test_master_playlist_declares_bandwidth_resolution_codecs_and_the_audio_rendition(hd_ladder):
    manifest, final, _ = hd_ladder
    master = (final / "master.m3u8").read_text()
    assert '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="听教育(仅声音)"' in master
    assert 'URI="audio/index.m3u8"' in master
    variants = master_variants(final)
    for (tag, _uri), rung in zip(variants, manifest["rungs"], strict=False):
        assert f"RESOLUTION={rung['width']}x{rung['height']}" in tag
        assert 'CODECS="avc1.' in tag and 'mp4a.40.2"' in tag and 'AUDIO="aud"' in tag
        bandwidth = int(tag.split("BANDWIDTH=")[1].split(",")[0])
        # the declared peak covers what the rung's segments really need
        assert bandwidth >= rung["peak_bps"] + manifest["audio"]["peak_bps"]
    audio_tag, _ = variants[-1]
    assert 'CODECS="mp4a.40.2"' in audio_tag and "RESOLUTION" not in audio_tag
    assert ffprobe_stream(final / "audio" / "seg_00000.ts", "a")["codec_name"] == "aac"
    bandwidths = [int(tag.split("BANDWIDTH=")[1].split(",")[0]) for tag, _ in variants[:-1]]
    assert bandwidths == sorted(bandwidths)


def test_a_poster_and_the_progress_reports(hd_ladder):
    manifest, final, progress = hd_ladder
    poster = final / "poster.jpg"
    assert poster.read_bytes()[:3] == b"\xff\xd8\xff"
    stream = ffprobe_stream(poster)
    assert (stream["width"], stream["height"]) == (1280, 720)
    fractions = [p.fraction for p in progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert progress[-1].playable
    assert manifest["bytes"] == sum(r["bytes"] for r in manifest["rungs"]) + manifest["audio"]["bytes"]


def test_a_smaller_source_is_never_upscaled(tmp_path):
    manifest, final, _ = make_ladder(tmp_path, video(tmp_path / "s.mp4", seconds=2, size="854x480"))
    assert [r["name"] for r in manifest["rungs"]] == ["240p", "360p"]
    assert not (final / "540p").exists()


def test_a_tiny_source_gets_one_rung_at_its_own_size(tmp_path):
    manifest, final, _ = make_ladder(tmp_path, video(tmp_path / "s.mp4", seconds=1, size="320x180"))
    assert [(r["width"], r["height"]) for r in manifest["rungs"]] == [(320, 180)]


def test_portrait_phone_video_with_rotation_metadata_is_laddered_by_its_short_side(tmp_path):
    # stored landscape 1280x720 with a 90° display matrix, as phones record portrait video
    source = rotate_mp4(video(tmp_path / "phone.mp4", seconds=2, size="1280x720"), 90)
    manifest, final, _ = make_ladder(tmp_path, source)
    assert [(r["name"], r["width"], r["height"]) for r in manifest["rungs"]] == [
        ("240p", 240, 426), ("360p", 360, 640), ("540p", 540, 960), ("720p", 720, 1280)]
    stream = ffprobe_stream(final / "360p" / "seg_00000.ts")
    assert (stream["width"], stream["height"]) == (360, 640)


def test_no_audio_track_means_no_audio_rendition(tmp_path):
    manifest, final, _ = make_ladder(tmp_path, video(tmp_path / "mute.mp4", seconds=2, size="640x360", audio=False))
    assert manifest["audio"] is None and manifest["has_audio"] is False
    master = (final / "master.m3u8").read_text()
    assert "TYPE=AUDIO" not in master and "mp4a" not in master
    assert not (final / "audio").exists()


def test_ten_bit_hevc_becomes_8_bit_h264(tmp_path):
    source = video(tmp_path / "hevc.mp4", seconds=2, size="640x360", codec="libx265", pix_fmt="yuv420p10le",
                   container_args=["-tag:v", "hvc1"])
    _, final, _ = make_ladder(tmp_path, source)
    stream = ffprobe_stream(final / "360p" / "seg_00000.ts")
    assert stream["codec_name"] == "h264" and stream["pix_fmt"] == "yuv420p"


def test_variable_frame_rate_becomes_constant(tmp_path):
    source = tmp_path / "vfr.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=3",
                    "-vf", "setpts='if(lt(N,30),N/30/TB,(30+(N-30)*2)/30/TB)'", "-fps_mode", "vfr",
                    "-c:v", "libx264", "-preset", "ultrafast", str(source)], check=True)
    manifest, final, _ = make_ladder(tmp_path, source)
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "frame=pts_time", "-of", "csv=p=0", str(final / "240p" / "seg_00000.ts")],
                         capture_output=True, text=True, check=True).stdout
    times = [float(t.strip(",")) for t in out.split() if t.strip(",")]
    gaps = {round(b - a, 3) for a, b in itertools.pairwise(times)}
    assert len(gaps) == 1, gaps


def test_odd_dimensions_give_even_rungs(tmp_path):
    manifest, _, _ = make_ladder(tmp_path, video(tmp_path / "odd.mp4", seconds=1, size="641x363"))
    assert all(r["width"] % 2 == 0 and r["height"] % 2 == 0 for r in manifest["rungs"])


def test_no_rung_asks_for_more_bits_than_the_source_has(tmp_path):
    source = tmp_path / "lowrate.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=10",
                    "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "400k", "-maxrate", "400k", "-bufsize", "800k",
                    str(source)], check=True)
    facts = validate_video(source)
    rungs = plan_rungs(facts)
    assert max(r.video_kbps for r in rungs) <= facts.video_bit_rate / 1000
    manifest, _, _ = make_ladder(tmp_path, source)
    # a slide-lecture style source at ~400 kbps: no rung is bigger than the source itself
    assert all(r["average_bps"] <= facts.video_bit_rate for r in manifest["rungs"])


def test_captions_are_copied_and_referenced(tmp_path):
    vtt = tmp_path / "zh.vtt"
    vtt.write_text("WEBVTT\n\n00:00:00.000 --> 00:00:01.500\n家长好,欢迎来到共育课堂\n", encoding="utf-8")
    manifest, final, _ = make_ladder(tmp_path, video(tmp_path / "c.mp4", seconds=2, size="640x360"), captions=vtt)
    assert manifest["captions"] == "captions.vtt"
    assert "欢迎来到共育课堂" in (final / "captions.vtt").read_text(encoding="utf-8")
    master = (final / "master.m3u8").read_text()
    assert 'TYPE=SUBTITLES' in master and 'URI="captions/index.m3u8"' in master and 'SUBTITLES="subs"' in master
    assert "../captions.vtt" in (final / "captions" / "index.m3u8").read_text()


def test_a_job_over_its_time_limit_is_stopped_and_leaves_no_ffmpeg_behind(tmp_path):
    from transcoding.runner import FfmpegFailed

    source = video(tmp_path / "long.mp4", seconds=8, size="1280x720")
    facts = validate_video(source)
    with pytest.raises(FfmpegFailed) as stopped:
        transcode(source, tmp_path / "work", facts, FolderSink(tmp_path / "final"), timeout=1.0)
    assert stopped.value.timed_out
    left = subprocess.run(["pgrep", "-f", f"ffmpeg .*{source}"], capture_output=True, text=True).stdout
    assert left.strip() == ""
    # nothing half-made stays where the ladder was going
    assert not (tmp_path / "final").exists() or not any((tmp_path / "final").rglob("*"))


def test_progress_says_the_phase_and_how_long_is_left(hd_ladder):
    _, _, progress = hd_ladder
    phases = [p.phase for p in progress]
    assert set(phases) <= {"encoding", "done"} and phases[-1] == "done" and progress[-1].eta_seconds == 0.0
    playable = [p.playable for p in progress]
    assert playable == sorted(playable)  # once playable, it stays so
    for report in progress:
        if report.eta_seconds is not None:
            assert report.eta_seconds >= 0 and report.playable_eta_seconds is not None
            assert report.playable_eta_seconds == 0.0 if report.playable else report.eta_seconds >= report.playable_eta_seconds


@pytest.fixture(scope="module")
def minute_lesson(tmp_path_factory):
    """A minute of 720p at 20 frames a second: four rungs, long enough to be watched while the
    ladder is made (and for a measured time left before it ends), cheap enough for a test."""
    return video(tmp_path_factory.mktemp("minute") / "minute.mp4", seconds=60, size="1280x720", rate=20)


def test_the_video_plays_while_the_ladder_is_made_and_every_playlist_ends_vod(tmp_path, minute_lesson):
    final = tmp_path / "final"
    seen = {}

    def on_progress(progress):
        if progress.playable and not seen and progress.phase != "done":
            # what a player finds the moment the video is playable: a master and growing playlists
            # whose every segment is already there
            seen["master"] = (final / "master.m3u8").read_text()
            seen["playlists"] = {name: (final / name / "index.m3u8").read_text()
                                 for name in ("240p", "audio") if (final / name / "index.m3u8").exists()}
            seen["missing"] = [f"{name}/{segment}" for name in seen["playlists"]
                               for _, segment in media_segments(final / name / "index.m3u8")
                               if not (final / name / segment).exists()]
            seen["fraction"] = progress.fraction

    facts = validate_video(minute_lesson)
    manifest = transcode(minute_lesson, tmp_path / "work", facts, FolderSink(final), on_progress=on_progress)
    assert seen, "never playable before the whole ladder was done"
    assert seen["fraction"] < 1.0 and "240p/index.m3u8" in seen["master"] and 'URI="audio/index.m3u8"' in seen["master"]
    assert set(seen["playlists"]) == {"240p", "audio"} and seen["missing"] == []
    for text in seen["playlists"].values():
        assert "#EXT-X-PLAYLIST-TYPE:EVENT" in text and "#EXT-X-ENDLIST" not in text
    # done: every playlist is a finished VOD playlist naming segments that are all there, the same
    # names as while it grew
    for name in ("240p", "360p", "540p", "720p", "audio"):
        text = (final / name / "index.m3u8").read_text()
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in text and text.rstrip().endswith("#EXT-X-ENDLIST"), name
        segments = [segment for _, segment in media_segments(final / name / "index.m3u8")]
        assert segments == [f"seg_{n:05d}.ts" for n in range(len(segments))], name
        assert len(segments) == 15 or (name == "audio" and len(segments) == 16), name  # AAC ends a frame late
        assert all((final / name / segment).exists() for segment in segments)
        if name in seen["playlists"]:
            grown = [segment for _, segment in segments_of(seen["playlists"][name])]
            assert segments[:len(grown)] == grown
    assert sorted(manifest["files"]) == sorted(str(p.relative_to(final)) for p in final.rglob("*") if p.is_file())
    assert master_variants(final)[-2][1] == "720p/index.m3u8"


def test_the_revision_hashes_the_command_the_pipeline_runs(tmp_path):
    from transcoding import commands
    from transcoding.ladder import Encoding

    source = video(tmp_path / "r.mp4", seconds=2, size="640x360")
    facts = validate_video(source)
    manifest, _, _ = make_ladder(tmp_path, source)
    [ran] = [c["args"] for c in manifest["commands"] if c["step"] == "ladder"]
    enc_dir = str(tmp_path / "work" / "encode")
    hashed = commands.recipe(facts, Encoding.current())[0]
    assert [arg.replace(str(source), "SOURCE").replace(enc_dir, "OUT") for arg in ran] == hashed
    assert "event" in hashed and any("var_stream_map" in arg for arg in hashed)


def test_the_revision_changes_with_every_setting_that_changes_the_output(tmp_path):
    from django.test import override_settings

    from transcoding.ladder import ladder_revision

    facts = validate_video(video(tmp_path / "r.mp4", seconds=1, size="640x360"))
    revision = ladder_revision("abc", facts)
    assert ladder_revision("abc", facts) == revision
    for changed in ({"GONGYU_X264_CRF": 28}, {"GONGYU_X264_PRESET": "faster"}, {"GONGYU_X264_TUNE": "film"},
                    {"GONGYU_AUDIO_KBPS": 96}, {"GONGYU_HLS_SEGMENT_SECONDS": 6},
                    {"GONGYU_X264_RUNG_PRESETS": "240p=ultrafast"}, {"GONGYU_X264_RUNG_PRESETS": "360p=faster"},
                    {"GONGYU_X264_PARAMS": "subme=3"}):
        with override_settings(**changed):
            assert ladder_revision("abc", facts) != revision, changed
    # how many ladders this machine runs at once does not change the files, so not the revision
    with override_settings(GONGYU_TRANSCODE_CONCURRENCY=2):
        assert ladder_revision("abc", facts) == revision


def x264_options(segment):
    """The options x264 wrote into the stream (its SEI), e.g. {"subme": "1", "me": "dia"}, read
    from the bare H.264 stream (in the segment, MPEG-TS packet headers cut the text)."""
    text = subprocess.run(["ffmpeg", "-v", "error", "-i", str(segment), "-map", "0:v:0", "-c", "copy", "-f", "h264", "-"],
                          capture_output=True, check=True).stdout
    found = re.search(rb"options: ([ -~]+)", text)
    return dict(item.split("=", 1) for item in found.group(1).decode().split() if "=" in item)


def test_a_rung_preset_setting_reaches_only_that_rungs_encoder(tmp_path, settings):
    settings.GONGYU_X264_PRESET = "veryfast"
    settings.GONGYU_X264_RUNG_PRESETS = "240p=superfast"
    settings.GONGYU_X264_PARAMS = "weightp=0"
    source = video(tmp_path / "p.mp4", seconds=2, size="640x360", rate=25)
    _, final, _ = make_ladder(tmp_path, source)
    low, high = x264_options(final / "240p" / "seg_00000.ts"), x264_options(final / "360p" / "seg_00000.ts")
    assert (low["me"], low["subme"], low["mbtree"]) == ("dia", "1", "0")  # superfast
    assert (high["me"], high["subme"], high["mbtree"]) == ("hex", "2", "1")  # veryfast
    assert low["weightp"] == high["weightp"] == "0"  # GONGYU_X264_PARAMS: every rung
    # and the revision knows: another preset for that rung gives another revision
    from transcoding.ladder import ladder_revision

    facts = validate_video(source)
    revision = ladder_revision("abc", facts)
    settings.GONGYU_X264_RUNG_PRESETS = ""
    assert ladder_revision("abc", facts) != revision


def test_an_unknown_rung_preset_is_refused_with_its_name():
    from transcoding.ladder import parse_rung_presets

    assert parse_rung_presets("240p=superfast, 360p=faster") == {"240p": "superfast", "360p": "faster"}
    assert parse_rung_presets("") == {}
    with pytest.raises(ValueError, match="240p=superquick"):
        parse_rung_presets("240p=superquick")


def test_ffmpeg_runs_under_memory_and_cpu_time_limits(tmp_path):
    from transcoding.runner import FfmpegFailed, FfmpegProcess, Limits

    source = video(tmp_path / "big.mp4", seconds=2, size="1920x1080")
    args = ["ffmpeg", "-nostdin", "-v", "error", "-re", "-stream_loop", "-1", "-i", str(source),
            "-c:v", "libx264", "-preset", "veryfast", "-f", "null", "-"]
    process = FfmpegProcess(args, limits=Limits(memory_bytes=3 * 1024**3, cpu_seconds=120))
    try:
        limits = Path(f"/proc/{process.process.pid}/limits").read_text()
    finally:
        process.kill()
        process.process.wait()
    assert [line.split()[3:5] for line in limits.splitlines() if line.startswith("Max address space")] == [
        [str(3 * 1024**3), str(3 * 1024**3)]]
    assert [line.split()[3:5] for line in limits.splitlines() if line.startswith("Max cpu time")] == [["120", "125"]]
    # a 1080p encode cannot even start inside 64 MB: ffmpeg fails (bad input), it does not take the machine
    starved = FfmpegProcess(args[:4] + args[7:], limits=Limits(memory_bytes=64 * 1024**2))
    with pytest.raises(FfmpegFailed) as failed:
        starved.wait(time.monotonic() + 120)
    assert not failed.value.killed and not failed.value.timed_out


def test_a_second_ladder_on_the_same_machine_waits_for_a_free_slot(tmp_path, settings):
    import threading

    from transcoding.runner import machine_slot

    settings.GONGYU_TRANSCODE_CONCURRENCY = 1
    slots = Path(settings.VAR_DIR) / "transcode-slots"
    # another worker process on this machine holds the only slot
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, pathlib, sys, time\n"
        f"folder = pathlib.Path({str(slots)!r}); folder.mkdir(parents=True, exist_ok=True)\n"
        "handle = open(folder / 'slot-0.lock', 'a+'); fcntl.flock(handle, fcntl.LOCK_EX)\n"
        "print('holding', flush=True); sys.stdin.read()\n")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        source = video(tmp_path / "q.mp4", seconds=1, size="640x360")
        facts = validate_video(source)
        progress, result = [], {}

        def run():
            result["manifest"] = transcode(source, tmp_path / "work", facts, FolderSink(tmp_path / "final"),
                                           on_progress=progress.append)

        worker = threading.Thread(target=run)
        worker.start()
        deadline = time.monotonic() + 60
        while not progress and time.monotonic() < deadline:
            time.sleep(0.2)
        assert progress and progress[0].phase == "waiting" and progress[0].eta_seconds is None
        assert not (tmp_path / "final").exists()  # nothing encoded while waiting
    finally:
        holder.stdin.close()  # the other ladder ends: its slot is free
        holder.wait(timeout=30)
    worker.join(timeout=300)
    assert result["manifest"]["rungs"] and (tmp_path / "final" / "master.m3u8").exists()
    assert progress[-1].phase == "done"
    with machine_slot(slots, 1) as index:  # released again
        assert index == 0


def test_manage_py_transcode_says_when_the_video_will_be_playable_and_done(tmp_path, minute_lesson):
    import io

    from django.core.management import call_command

    out, err = io.StringIO(), io.StringIO()
    call_command("transcode", str(minute_lesson), out=str(tmp_path / "hls"), stdout=out, stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("全部清晰度和音频一起转 ")  # the admin's words for the phase
    # while the ladder is still being made, the video is already playable and the time left is known
    assert [line for line in lines if re.fullmatch(r"全部清晰度和音频一起转 \d+% 可以播放,约剩 \d+:\d\d", line)], lines
    assert lines[-1] == "完成 100% 全部完成"
    summary = json.loads(out.getvalue())
    assert 0 < summary["playable_after_seconds"] < summary["wall_seconds"]
    assert [r["name"] for r in summary["rungs"]] == ["240p", "360p", "540p", "720p"]
    assert (tmp_path / "hls" / "master.m3u8").exists()
