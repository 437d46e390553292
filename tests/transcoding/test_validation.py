"""Upload validation with real ffprobe on real files: what phones produce is accepted, the rest is
refused with a specific Chinese message."""

import pytest
from django.test import override_settings

from tests.transcoding.media import ffmpeg, rotate_mp4, video
from transcoding.validation import VideoRejected, validate_video


def rejected(path):
    with pytest.raises(VideoRejected) as caught:
        validate_video(path)
    return str(caught.value)


def test_a_plain_phone_video_is_accepted_with_its_facts(tmp_path):
    facts = validate_video(video(tmp_path / "a.mp4", seconds=2, size="640x360"))
    assert (facts.width, facts.height) == (640, 360)
    assert 1.9 < facts.duration < 2.2
    assert facts.has_audio and facts.video_codec == "h264" and facts.bit_depth == 8


def test_a_text_file_named_mp4_is_not_a_video(tmp_path):
    path = tmp_path / "lesson.mp4"
    path.write_text("这不是视频" * 200, encoding="utf-8")
    assert "无法识别这个文件:它不是视频" in rejected(path)


def test_an_empty_file(tmp_path):
    path = tmp_path / "empty.mp4"
    path.touch()
    assert "文件是空的" in rejected(path)


def test_an_audio_file_has_no_picture(tmp_path):
    path = tmp_path / "voice.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=duration=2", "-c:a", "aac", str(path))
    assert "文件中没有视频画面(这是音频文件)" in rejected(path)


def test_a_photo_is_not_a_video(tmp_path):
    path = tmp_path / "photo.jpg"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1", str(path))
    assert "这是一张图片,不是视频" in rejected(path)


def test_a_file_cut_off_mid_upload(tmp_path):
    whole = video(tmp_path / "whole.mp4", seconds=3)  # moov at the end, as most phones write it
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    assert "视频文件不完整或已损坏" in rejected(cut)


def test_a_faststart_file_cut_off_is_caught_by_decoding_its_end(tmp_path):
    whole = video(tmp_path / "whole.mp4", seconds=4, container_args=["-movflags", "+faststart"])
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.6)])
    assert "视频文件不完整或已损坏" in rejected(cut)


def test_an_unsupported_container(tmp_path):
    path = tmp_path / "clip.gif"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=2", str(path))
    assert "不支持的视频格式「gif」" in rejected(path)


@override_settings(GONGYU_MAX_VIDEO_SECONDS=60)
def test_too_long(tmp_path):
    path = video(tmp_path / "long.mp4", seconds=61, size="160x120", rate=5, audio=False)
    assert "超过上限 1 分钟" in rejected(path)


@override_settings(GONGYU_MAX_VIDEO_BYTES=10_000)
def test_too_large(tmp_path):
    assert "文件太大" in rejected(video(tmp_path / "big.mp4", seconds=2))


def test_portrait_with_rotation_metadata(tmp_path):
    path = rotate_mp4(video(tmp_path / "portrait.mp4", size="640x360", audio=False), 90)
    facts = validate_video(path)
    assert facts.rotation in (90, 270)
    assert facts.display_size == (360, 640)


def test_variable_frame_rate(tmp_path):
    path = tmp_path / "vfr.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=3",
           "-vf", "select='not(between(t,1,2)*mod(n,3))'", "-fps_mode", "vfr",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path))
    facts = validate_video(path)  # frames dropped in the middle second, timestamps kept
    assert facts.variable_frame_rate
    assert 2.9 < facts.duration < 3.1


def test_no_audio_track(tmp_path):
    facts = validate_video(video(tmp_path / "silent.mp4", audio=False))
    assert not facts.has_audio


def test_odd_dimensions(tmp_path):
    facts = validate_video(video(tmp_path / "odd.mp4", pix_fmt="yuv444p", extra=["-vf", "scale=321:241"]))
    assert (facts.width, facts.height) == (321, 241)


def test_ten_bit_source(tmp_path):
    facts = validate_video(video(tmp_path / "tenbit.mp4", pix_fmt="yuv420p10le"))
    assert facts.bit_depth == 10


def test_hevc_source(tmp_path):
    facts = validate_video(video(tmp_path / "hevc.mp4", codec="libx265", extra=["-tag:v", "hvc1", "-x265-params", "log-level=none"]))
    assert facts.video_codec == "hevc"


def test_a_picture_wider_than_the_limit_is_refused_before_decoding(tmp_path):
    path = video(tmp_path / "wide.mp4", seconds=1, size="4112x64", rate=5, audio=False)
    assert rejected(path) == ("视频画面 4112×64 太大,宽和高都不能超过 4096。"
                              "请导出为 1080p(1920×1080)后再上传。")


@override_settings(GONGYU_VIDEO_MAX_PIXELS_PER_SECOND=1_000_000)
def test_too_many_pixels_per_second(tmp_path):
    path = video(tmp_path / "busy.mp4", seconds=1, size="320x240", rate=25, audio=False)
    assert rejected(path) == ("视频画面太大、帧率太高(320×240,每秒 25 帧),每秒要处理 2 百万像素,"
                              "上限是 1 百万像素。请导出为 1080p、30 帧后再上传。")


def test_a_1080p_phone_video_fits_the_default_limits(tmp_path):
    facts = validate_video(video(tmp_path / "phone.mp4", seconds=1, size="1920x1080", rate=30, audio=False))
    assert (facts.width, facts.height) == (1920, 1080)


def test_sizes_just_over_the_limit_show_different_numbers():
    from transcoding.validation import sizes

    limit = 2 * 1024**3
    assert sizes(int(2.1 * 1024**3), limit) == ("2.1 GB", "2.0 GB")
    assert sizes(limit + 5 * 1024**2, limit) == ("2.005 GB", "2.000 GB")
    assert sizes(limit + 1, limit) == ("2,147,483,649 字节", "2,147,483,648 字节")
