"""The master playlist and the facts it needs (BANDWIDTH, CODECS) read from the real outputs."""

import math
import os
from pathlib import Path

import ffmpeg

AUDIO_GROUP = "aud"
AUDIO_NAME = "听教育(仅声音)"
AUDIO_CODECS = "mp4a.40.2"  # AAC-LC
CAPTIONS_GROUP = "subs"

_PROFILE_IDC = {"Baseline": (0x42, 0x00), "Constrained Baseline": (0x42, 0xE0), "Main": (0x4D, 0x40),
                "Extended": (0x58, 0x00), "High": (0x64, 0x00)}


def media_segments(playlist_path):
    """[(duration, segment file name)] of a media playlist."""
    return segments_of(Path(playlist_path).read_text())


def segments_of(text):
    """[(duration, segment file name)] of a media playlist's text."""
    segments, duration = [], None
    for line in text.splitlines():
        if line.startswith("#EXTINF:"):
            duration = float(line[len("#EXTINF:"):].split(",")[0])
        elif line and not line.startswith("#") and duration is not None:
            segments.append((duration, line))
            duration = None
    return segments


def rendition_stats(directory):
    """Peak and average bits per second and total bytes of one rendition folder."""
    playlist = Path(directory) / "index.m3u8"
    total_bytes, total_seconds, peak = 0, 0.0, 0
    for seconds, name in media_segments(playlist):
        size = (playlist.parent / name).stat().st_size
        total_bytes += size
        total_seconds += seconds
        if seconds > 0.5:  # a very short last segment would overstate the peak
            peak = max(peak, int(size * 8 / seconds))
    average = int(total_bytes * 8 / total_seconds) if total_seconds else 0
    return {"peak_bps": max(peak, average), "average_bps": average, "bytes": total_bytes,
            "segments": len(media_segments(playlist))}


def avc_codecs(directory):
    """The RFC 6381 codec string (e.g. avc1.4d401e) of the first segment of a rendition: profile,
    constraint flags and level as the stream's sequence parameter set says (read from the bytes —
    no ffprobe while the video waits to become playable), else as ffprobe reports them."""
    _, first = media_segments(Path(directory) / "index.m3u8")[0]
    with open(Path(directory) / first, "rb") as segment:
        head = segment.read(64 * 1024)
    at = _sps_at(head)
    if at is not None:
        return f"avc1.{head[at]:02x}{head[at + 1]:02x}{head[at + 2]:02x}"
    info = ffmpeg.probe(str(Path(directory) / first), select_streams="v:0")
    stream = info["streams"][0]
    idc, constraints = _PROFILE_IDC.get(stream.get("profile", "High"), (0x64, 0x00))
    return f"avc1.{idc:02x}{constraints:02x}{int(stream.get('level', 31)):02x}"


def _sps_at(data):
    """Where profile_idc of the first H.264 SPS (NAL type 7 after a 00 00 01 start code) is in
    ``data``, if its three bytes lie inside one MPEG-TS packet (x264 writes it right after the first
    access unit delimiter, near the start of the first video packet)."""
    start = 0
    while (found := data.find(b"\x00\x00\x01", start)) != -1:
        at = found + 3
        if at + 3 < len(data) and data[at] & 0x1F == 7 and data[at] & 0x80 == 0:
            profile = at + 1
            if profile // 188 == (profile + 2) // 188 and data[profile] in (66, 77, 88, 100):
                return profile
        start = found + 1
    return None


def captions_playlist(duration):
    """A one-segment subtitles playlist for captions.vtt (players that take captions from HLS)."""
    return (
        "#EXTM3U\n#EXT-X-VERSION:3\n"
        f"#EXT-X-TARGETDURATION:{max(1, math.ceil(duration))}\n"
        "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n"
        f"#EXTINF:{duration:.3f},\n../captions.vtt\n#EXT-X-ENDLIST\n"
    )


def master_playlist(rungs, *, audio=None, captions=False, frame_rate=None):
    """``rungs``: [{"name", "width", "height", "peak_bps", "average_bps", "codecs"}] lowest first;
    ``audio``: the audio rendition's stats or None (a silent source). The lowest rung comes first,
    so players start there; the audio-only variant comes last, as a rendition players can pick
    (hls.js leaves it out of automatic switching when video variants exist)."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    if audio:
        lines.append(f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="{AUDIO_GROUP}",NAME="{AUDIO_NAME}",LANGUAGE="zh",'
                     'DEFAULT=YES,AUTOSELECT=YES,CHANNELS="1",URI="audio/index.m3u8"')
    if captions:
        lines.append(f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="{CAPTIONS_GROUP}",NAME="中文字幕",LANGUAGE="zh",'
                     'DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="captions/index.m3u8"')
    for rung in rungs:
        peak, average = rung["peak_bps"], rung["average_bps"]
        codecs = rung["codecs"]
        attributes = []
        if audio:
            peak += audio["peak_bps"]
            average += audio["average_bps"]
            codecs += f",{AUDIO_CODECS}"
        attributes += [f"BANDWIDTH={peak}", f"AVERAGE-BANDWIDTH={average}",
                       f"RESOLUTION={rung['width']}x{rung['height']}", f'CODECS="{codecs}"']
        if frame_rate:
            attributes.append(f"FRAME-RATE={frame_rate:.3f}")
        if audio:
            attributes.append(f'AUDIO="{AUDIO_GROUP}"')
        if captions:
            attributes.append(f'SUBTITLES="{CAPTIONS_GROUP}"')
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attributes), f"{rung['name']}/index.m3u8"]
    if audio:
        lines += [f'#EXT-X-STREAM-INF:BANDWIDTH={audio["peak_bps"]},AVERAGE-BANDWIDTH={audio["average_bps"]},'
                  f'CODECS="{AUDIO_CODECS}",AUDIO="{AUDIO_GROUP}"', "audio/index.m3u8"]
    return "\n".join(lines) + "\n"


def write_atomically(path, text):
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)
