"""Hostile or undecodable upload file names are stored under a safe name, and the user is told.

Django's multipart parser drops a file without a word when its name is not valid UTF-8 (the
part's header is skipped as invalid) or when nothing is left of it after sanitising (``..``,
``/``, only control characters). An admin then sees "this field is required" for a file they
did pick. Here (installed from ``StudiosConfig.ready``):

* a part header that is not valid UTF-8 is read with each undecodable byte marked, so the part
  stays a file;
* every upload name is reduced to a safe one: the last path component only, no control or
  undecodable characters, no leading dots, at most ``MAX_STEM`` characters before an extension
  of at most ``MAX_EXTENSION``; an empty result becomes ``未命名``;
* when the name had to change, ``LimitedUploadHandler.new_file`` adds a Chinese warning to the
  request's messages saying why and what the file is stored as (``rename_message``).

Storage backends and Wagtail still apply their own rules (Wagtail images are slugified) on top.
"""

from __future__ import annotations

import html
import threading

from django.http import multipartparser

MAX_STEM = 80
MAX_EXTENSION = 10
UNDECODABLE = "\x1a"  # ASCII SUB: one byte per undecodable byte, so the header does not grow
FALLBACK = "未命名"

_pending = threading.local()


def _mark_undecodable(error):
    return UNDECODABLE * (error.end - error.start), error.end


def safe_name(raw: str) -> tuple[str, list[str]]:
    """The stored name for an upload called ``raw`` and the reasons it differs (Chinese)."""
    reasons = []
    name = html.unescape(raw)
    if UNDECODABLE in name:
        reasons.append("含有无法识别的字符(不是 UTF-8 编码)")
    last = name.replace("\\", "/").rsplit("/", 1)[-1]
    if last != name and last not in {"", ".", ".."}:
        reasons.append("带有文件夹路径")
    elif last != name or last in {".", ".."}:
        reasons.append("只有文件夹路径")
    controls = [c for c in last if not c.isprintable() and c != UNDECODABLE]
    if controls:
        reasons.append("含有控制字符")
    name = "".join(c for c in last if c.isprintable()).strip()
    stem, dot, extension = name.rpartition(".")
    if not dot or not extension.isalnum() or len(extension) > MAX_EXTENSION:
        stem, extension = name, ""
    if last.lstrip().startswith(".") and last.strip() not in {".", ".."}:
        reasons.append("以“.”开头(隐藏文件)")
    stem = stem.lstrip(". ")
    if len(stem) > MAX_STEM:
        reasons.append(f"太长(超过 {MAX_STEM} 个字)")
        stem = stem[:MAX_STEM].rstrip()
    if not stem:
        if not reasons:
            reasons.append("是空的")
        stem = FALLBACK
    safe = f"{stem}.{extension}" if extension else stem
    return safe, reasons


def rename_message(safe: str, reasons: list[str]) -> str:
    return f"上传的文件名{'、'.join(reasons)},已改名为「{safe}」保存。"


def take_pending():
    """The (safe name, reasons) of the file the parser is about to hand to the upload handlers."""
    note = getattr(_pending, "note", None)
    _pending.note = None
    return note


def _sanitize_file_name(self, file_name):
    safe, reasons = safe_name(file_name)
    _pending.note = (safe, reasons) if reasons else None
    return safe


_original_parse_boundary_stream = multipartparser.parse_boundary_stream


def _parse_boundary_stream(stream, max_header_size):
    # Look at the part's header first: if it is not UTF-8, mark the bad bytes so Django's own
    # parser reads it as a header (and the part as a file) instead of skipping it.
    chunk = stream.read(max_header_size)
    end = chunk.find(b"\r\n\r\n")
    if end != -1:
        try:
            chunk[:end].decode()
        except UnicodeDecodeError:
            fixed = chunk[:end].decode("utf-8", errors="gongyu-undecodable").encode()
            chunk = fixed + chunk[end:]
    stream.unget(chunk)
    return _original_parse_boundary_stream(stream, max_header_size)


def install():
    import codecs

    codecs.register_error("gongyu-undecodable", _mark_undecodable)
    multipartparser.MultiPartParser.sanitize_file_name = _sanitize_file_name
    multipartparser.MultiPartParser.IE_sanitize = _sanitize_file_name
    multipartparser.parse_boundary_stream = _parse_boundary_stream
