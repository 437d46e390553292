"""``manage.py transcode FILE [--out DIR]``: the upload checks and the pipeline on one file."""

import json
import shutil
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from transcoding.outputs import FolderSink
from transcoding.pipeline import transcode
from transcoding.runner import FfmpegFailed
from transcoding.validation import VideoRejected, validate_video


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
                   bar_format="{desc} {bar} {n:.0f}% 剩余 {postfix}")

        def on_progress(progress):
            bar.n = progress.fraction * 100
            bar.set_postfix_str(f"{progress.eta_seconds:.0f} 秒" if progress.eta_seconds is not None else "…")
            bar.refresh()

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
