"""``manage.py transcode FILE [--out DIR]``: the upload checks and the pipeline on one file.

``manage.py transcode --outdated [--yes] [--limit N]``: the finished videos whose ladder the current
settings would make differently (another ladder revision), and with ``--yes`` 重新转码 for up to N
of them (queued for the workers, as the edit page's button does)."""

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from transcoding.models import PHASE_LABELS, eta_text
from transcoding.outputs import FolderSink
from transcoding.pipeline import transcode
from transcoding.runner import FfmpegFailed
from transcoding.validation import VideoRejected, validate_video

# The same words as the admin's status (transcoding.models.PHASE_LABELS, eta_text).
PHASES = {**PHASE_LABELS, "done": "完成"}
OUTDATED_LIMIT = 20  # re-transcodes queued by one --outdated --yes (each costs minutes of CPU)
LINE_EVERY_SECONDS = 10.0  # without a terminal: one status line this often (and at every change)


def time_left(progress):
    """The time left as the admin shows it: 约剩 m:ss from the measured speed, nothing guessed
    before the first measurement (e.g. 可以播放,约剩 2:20 — 可以播放还需约 0:12,约剩 2:20)."""
    if progress.phase == "done":
        return "全部完成"
    if progress.eta_seconds is None:
        return "正在测量速度…"
    if progress.playable:
        return f"可以播放,{eta_text(progress.eta_seconds)}"
    until = eta_text(progress.playable_eta_seconds or 0).replace("约剩 ", "")
    return f"可以播放还需约 {until},全部{eta_text(progress.eta_seconds)}"


def status_line(progress):
    """One line: the phase, the progress and the time left (全部清晰度和音频一起转 35% 可以播放,约剩 1:40)."""
    return f"{PHASES.get(progress.phase, '转码')} {progress.fraction * 100:.0f}% {time_left(progress)}"


class Command(BaseCommand):
    help = ("校验并转码一个视频文件(与后台上传相同的检查和流程),输出 HLS 多码率、仅声音版本和封面,最后打印 JSON 摘要;"
            "或用 --outdated 列出(加 --yes 安排)转码设置改变后需要重新转码的已完成视频。")

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="视频文件")
        parser.add_argument("--out", help="输出文件夹(默认:视频文件旁边的 <文件名>-hls/)")
        parser.add_argument("--captions", help="可选的 WebVTT 字幕文件")
        parser.add_argument("--outdated", action="store_true",
                            help="列出转码设置改变后需要重新转码的已完成视频(正在转码或排队的视频不算)")
        parser.add_argument("--yes", action="store_true", help="与 --outdated 一起用:安排重新转码")
        parser.add_argument("--limit", type=int, default=OUTDATED_LIMIT,
                            help=f"与 --outdated 一起用:最多列出并安排多少个(默认 {OUTDATED_LIMIT})")

    def handle(self, *args, file=None, out=None, captions=None, outdated=False, yes=False, limit=OUTDATED_LIMIT,
               **options):
        if outdated:
            return self.outdated(yes, limit)
        if yes:
            raise CommandError("--yes 只能和 --outdated 一起用")
        if not file:
            raise CommandError("请给出要转码的视频文件,或用 --outdated 查看需要重新转码的视频")
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
        said = {"phase": None, "eta": False, "playable_at": None, "at": 0.0, "playable": False}
        started = time.monotonic()

        def on_progress(progress):
            bar.n = progress.fraction * 100
            bar.set_description_str(PHASES.get(progress.phase, "转码"))
            bar.set_postfix_str(time_left(progress))
            bar.refresh()
            if progress.playable and said["playable_at"] is None:
                said["playable_at"] = time.monotonic() - started
            # without a terminal (logs, CI): a line when a phase starts, when the first estimate is
            # known, when the video becomes playable, and every LINE_EVERY_SECONDS
            known = progress.eta_seconds is not None
            now = time.monotonic()
            if bar.disable and (progress.phase != said["phase"] or (known and not said["eta"])
                                or progress.playable != said["playable"] or now - said["at"] >= LINE_EVERY_SECONDS):
                self.stderr.write(status_line(progress))
                said["phase"], said["at"], said["playable"] = progress.phase, now, progress.playable
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

    def outdated(self, yes, limit):
        """List (and with ``yes`` queue) re-transcodes of finished videos with an old ladder."""
        from transcoding import jobs

        if limit < 1:
            raise CommandError("--limit 至少是 1")
        found = jobs.outdated()
        if not found:
            self.stdout.write("没有需要重新转码的视频:已完成的视频都是按当前转码设置转的。")
            return
        chosen = found[:limit]
        queued = []
        for asset, _, _ in chosen:
            if yes and jobs.restart(asset):
                queued.append(asset.pk)
        rest = len(found) - len(chosen)
        if yes:
            head = f"已安排其中 {len(queued)} 个重新转码" + (f",另外 {rest} 个留到下一次(--limit {limit})" if rest else "")
        else:
            head = "需要重新转码" + (f",下面是前 {len(chosen)} 个(--limit {limit})" if rest else "")
        self.stdout.write(f"有 {len(found)} 个已完成的视频是按旧的转码设置转的,{head}:")
        for asset, have, now in chosen:
            skipped = "(没有安排:它刚刚开始转码)" if yes and asset.pk not in queued else ""
            self.stdout.write(f"  {asset.key}《{asset.title}》 版本 {have or '未知'} → {now}{skipped}")
        if not yes:
            self.stdout.write(f"加上 --yes 就把这 {len(chosen)} 个交给转码队列。家长网站上正在显示的视频,"
                              "要等新版本转好、页面再次审核发布后才换成新版本。")
