"""``manage.py transcode FILE [--out DIR]``: the upload checks and the pipeline on one file."""

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from transcoding.outputs import FolderSink
from transcoding.pipeline import transcode
from transcoding.runner import FfmpegFailed
from transcoding.validation import VideoRejected, validate_video


PHASES = {"waiting": "等待空闲的转码位置", "first": "最低清晰度和声音", "second": "其余清晰度", "done": "完成"}


def _seconds(value):
    return f"{value:.0f} 秒" if value < 120 else f"{value // 60:.0f} 分 {value % 60:02.0f} 秒"


def time_left(progress):
    """The time left as a teacher reads it (e.g. 可以播放还需 12 秒,全部还需 2 分 20 秒)."""
    if progress.phase == "done":
        return "全部完成"
    if progress.eta_seconds is None:
        return "正在估算剩余时间…"
    if progress.playable:
        return f"已可播放,全部还需 {_seconds(progress.eta_seconds)}"
    return f"可以播放还需 {_seconds(progress.playable_eta_seconds or 0)},全部还需 {_seconds(progress.eta_seconds)}"


class Command(BaseCommand):
    help = "校验并转码一个视频文件(与后台上传相同的检查和流程),输出 HLS 多码率、仅声音版本和封面,最后打印 JSON 摘要。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="视频文件")
        parser.add_argument("--out", help="输出文件夹(默认:视频文件旁边的 <文件名>-hls/)")
        parser.add_argument("--captions", help="可选的 WebVTT 字幕文件")

    def handle(self, *args, file, out=None, captions=None, **options):
        source = Path(file)
        if not source.is_file():
            raise CommandError(f"找不到文件:{source}")
        try:
            facts = validate_video(source)
        except VideoRejected as rejection:
            raise CommandError(str(rejection)) from None
        if captions:
            from transcoding.captions import CaptionsRejected, validate_captions

            try:
                validate_captions(Path(captions).read_bytes())
            except (CaptionsRejected, OSError) as rejection:
                raise CommandError(f"字幕:{rejection}") from None
        target = Path(out) if out else source.with_name(f"{source.stem}-hls")
        bar = tqdm(total=100, unit="%", desc="转码", disable=not sys.stderr.isatty(), file=sys.stderr,
                   bar_format="{desc} {bar} {n:.0f}% {postfix}")
        said = {"phase": None, "eta": False, "playable_at": None}
        started = time.monotonic()

        def on_progress(progress):
            bar.n = progress.fraction * 100
            bar.set_description_str(PHASES.get(progress.phase, "转码"))
            bar.set_postfix_str(time_left(progress))
            bar.refresh()
            if progress.playable and said["playable_at"] is None:
                said["playable_at"] = time.monotonic() - started
            # without a terminal (logs, CI): one line when a pass starts and when the first estimate is known
            known = progress.eta_seconds is not None
            if bar.disable and (progress.phase != said["phase"] or (known and not said["eta"])):
                self.stderr.write(f"{PHASES.get(progress.phase, '转码')}:{time_left(progress)}")
                said["phase"] = progress.phase
                said["eta"] = said["eta"] or known

        work = Path(tempfile.mkdtemp(prefix="gongyu-transcode-"))
        try:
            manifest = transcode(source, work, facts, FolderSink(target), captions=captions, on_progress=on_progress)
        except FfmpegFailed as failure:
            raise CommandError(f"转码失败:{failure.stderr.splitlines()[-1] if failure.stderr else failure}") from None
        finally:
            bar.close()
            shutil.rmtree(work, ignore_errors=True)
        summary = {
            "source": str(source), "out": str(target), "duration": manifest["duration"],
            "wall_seconds": manifest["wall_seconds"],
            "playable_after_seconds": round(said["playable_at"], 3) if said["playable_at"] is not None else None,
            "speed": round(manifest["duration"] / manifest["wall_seconds"], 2),
            "rungs": [{"name": r["name"], "resolution": f'{r["width"]}x{r["height"]}',
                       "bitrate_kbps": round(r["average_bps"] / 1000), "peak_kbps": round(r["peak_bps"] / 1000),
                       "bytes": r["bytes"]} for r in manifest["rungs"]],
            "audio_only": ({"playlist": manifest["audio"]["playlist"], "bytes": manifest["audio"]["bytes"],
                            "bitrate_kbps": round(manifest["audio"]["average_bps"] / 1000)}
                           if manifest["audio"] else None),
            "poster": manifest["poster"], "captions": manifest["captions"], "master": manifest["master"],
            "commands": [{"step": c["step"], "wall_seconds": round(c["wall_seconds"], 3), "args": c["args"]}
                         for c in manifest["commands"]],
        }
        self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
