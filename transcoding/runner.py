"""Run one ffmpeg command: progress from ``-progress pipe:1``, a time limit, clean stop."""

import dataclasses
import os
import subprocess
import threading
import time


class FfmpegFailed(Exception):
    """ffmpeg ended badly. ``timed_out``/``killed`` tell a transient stop from bad input."""

    def __init__(self, message, *, returncode=None, stderr="", timed_out=False, killed=False):
        super().__init__(message)
        self.returncode = returncode
        self.stderr = stderr
        self.timed_out = timed_out
        self.killed = killed


@dataclasses.dataclass
class Run:
    args: list
    wall_seconds: float = 0.0


class FfmpegProcess:
    """One running ffmpeg. ``done_seconds`` is how far into the source it has got."""

    def __init__(self, args, *, nice=0):
        self.args = list(args)
        self.done_seconds = 0.0
        self.finished = False
        self._stderr_lines = []
        preexec = (lambda: os.nice(nice)) if nice else None
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            self.args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
            text=True, errors="replace", preexec_fn=preexec,
        )
        self._readers = [
            threading.Thread(target=self._read_progress, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read_progress(self):
        for line in self.process.stdout:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and value.isdigit():
                self.done_seconds = int(value) / 1e6
            elif key == "progress" and value == "end":
                self.finished = True

    def _read_stderr(self):
        for line in self.process.stderr:
            self._stderr_lines.append(line.rstrip())
            del self._stderr_lines[:-40]

    def poll(self):
        return self.process.poll()

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()

    def wait(self, deadline):
        """Wait until ffmpeg ends or ``deadline`` (time.monotonic()) passes; return wall seconds."""
        try:
            self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.kill()
            self.process.wait()
            raise FfmpegFailed("转码超时", timed_out=True, stderr=self.stderr) from None
        return self.check()

    def check(self):
        for reader in self._readers:
            reader.join(timeout=5)
        wall = time.monotonic() - self.started
        code = self.process.returncode
        if code != 0:
            raise FfmpegFailed(
                f"ffmpeg 退出码 {code}", returncode=code, stderr=self.stderr, killed=code < 0,
            )
        return wall

    @property
    def stderr(self):
        return "\n".join(self._stderr_lines)


def run(args, *, timeout):
    """Run to the end (for short commands such as the poster); return wall seconds."""
    process = FfmpegProcess(args)
    return process.wait(time.monotonic() + timeout)
