"""WebVTT caption files: checked before they are stored, so the player never gets a broken one."""

import re

from django.conf import settings

TIMING = re.compile(
    r"^(?:(\d{1,2}):)?(\d{2}):(\d{2})[.,](\d{3})\s+-->\s+(?:(\d{1,2}):)?(\d{2}):(\d{2})[.,](\d{3})(?:\s.*)?$")


class CaptionsRejected(Exception):
    """``str()`` is the message for the teacher."""


def _seconds(h, m, s, ms):
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def validate_captions(data):
    """``data``: the uploaded bytes. Returns the number of cues or raises CaptionsRejected."""
    if len(data) > settings.GONGYU_MAX_CAPTION_BYTES:
        raise CaptionsRejected("字幕文件太大,请检查是否选错了文件。")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CaptionsRejected("字幕文件不是 UTF-8 编码。请在编辑器里另存为 UTF-8 后再上传。") from None
    if "\x00" in text:
        raise CaptionsRejected("字幕文件里有无效字符,它可能不是文本文件。")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines or not (lines[0] == "WEBVTT" or lines[0].startswith(("WEBVTT ", "WEBVTT\t"))):
        raise CaptionsRejected("这不是 WebVTT 字幕:文件第一行应当是「WEBVTT」。SRT 字幕请先转换成 .vtt。")
    cues = 0
    for number, line in enumerate(lines, start=1):
        if "-->" not in line:
            continue
        match = TIMING.match(line.strip())
        if not match:
            raise CaptionsRejected(f"字幕第 {number} 行的时间格式不对,应当像「00:00:01.000 --> 00:00:04.000」。")
        start, end = _seconds(*match.groups()[:4]), _seconds(*match.groups()[4:])
        if end <= start:
            raise CaptionsRejected(f"字幕第 {number} 行的结束时间不晚于开始时间。")
        cues += 1
    if not cues:
        raise CaptionsRejected("字幕文件里没有任何一条字幕。")
    return cues
