"""Demo videos made on this machine: a coloured card with the Chinese title drawn on it and a
spoken (espeak-ng) or tone narration. Nothing is downloaded; files already present are kept."""

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

import ffmpeg

from .package import Package

PALETTE = ["0x2e7d6b", "0x35618f", "0x8a5a44", "0x6b4f8f", "0x9a6b1f", "0x3f6e3a", "0x7d3b52", "0x2f5f73"]


def cjk_font():
    found = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC"], capture_output=True, text=True)
    path = found.stdout.strip()
    if found.returncode != 0 or not path or "CJK" not in path:
        raise RuntimeError("找不到中文字体 Noto Sans CJK:请先安装 fonts-noto-cjk(./gongyu setup 会安装)。")
    return path


def make_video(title, out_path, *, seconds=8, size="640x360", caption="共育 · 家长课程超市"):
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    color = PALETTE[int(hashlib.sha1(title.encode()).hexdigest(), 16) % len(PALETTE)]
    font = cjk_font()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # Text goes through files, never the filter string, so any title is drawn as it is.
        (tmp / "title.txt").write_text(title, encoding="utf-8")
        (tmp / "caption.txt").write_text(caption + "   %{pts:hms}", encoding="utf-8")
        video = ffmpeg.input(f"color=c={color}:s={size}:d={seconds}:r=25", f="lavfi")
        video = video.drawtext(fontfile=font, textfile=str(tmp / "title.txt"), fontsize=34, fontcolor="white",
                               x="(w-text_w)/2", y="(h-text_h)/2")
        video = video.drawtext(fontfile=font, textfile=str(tmp / "caption.txt"), fontsize=18,
                               fontcolor="white@0.85", x="20", y="h-40")
        wav = tmp / "narration.wav"
        if shutil.which("espeak-ng"):
            subprocess.run(["espeak-ng", "-v", "cmn", "-s", "150", "-w", str(wav), title], check=True,
                           capture_output=True)
            audio = ffmpeg.input(str(wav)).filter("apad")
        else:
            audio = ffmpeg.input(f"sine=frequency=440:duration={seconds}", f="lavfi")
        partial = out_path.with_name(out_path.name + ".part.mp4")
        (
            ffmpeg.output(video, audio, str(partial), t=seconds, vcodec="libx264", preset="veryfast",
                          pix_fmt="yuv420p", acodec="aac", audio_bitrate="64k", movflags="+faststart")
            .overwrite_output()
            .run(quiet=True)
        )
        partial.replace(out_path)
    return out_path


def make_package_media(root, *, seconds=8, size="640x360", progress=None):
    """Generate every video a package lists but lacks. Returns the paths made."""
    package = Package(root)
    made = []
    videos = [v for studio in package.studio_files.values() for v in studio.get("videos", []) if isinstance(v, dict)]
    for video in videos:
        target = package.root / video["file"]
        if not target.exists():
            made.append(make_video(video["title"], target, seconds=seconds, size=size))
        if progress:
            progress(video)
    return made
