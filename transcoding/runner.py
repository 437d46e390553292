"""Run one ffmpeg command: progress from ``-progress pipe:1``, a time limit, clean stop.

Each ffmpeg runs under kernel limits set in the child before it starts (``Limits``): an address
space cap (a hostile file cannot make it eat the machine's memory) and a CPU-seconds cap (it dies
even if the worker that started it was killed and can no longer enforce the wall-clock limit).

``machine_slot()`` is the per-machine concurrency limit: at most ``GONGYU_TRANSCODE_CONCURRENCY``
ladders are encoded at once on one machine, whatever number of workers run there.
"""

import collections
import contextlib
import dataclasses
import fcntl
import os
import resource
import subprocess
import threading
import time
from pathlib import Path


class FfmpegFailed(Exception):
    """ffmpeg ended badly. ``timed_out``/``killed`` tell a transient stop from bad input."""

    def __init__(self, message, *, returncode=None, stderr="", timed_out=False, killed=False,
                 out_of_memory=False):
        super().__init__(message)
        self.out_of_memory = out_of_memory
        self.returncode = returncode
        self.stderr = stderr
        self.timed_out = timed_out
        self.killed = killed


@dataclasses.dataclass(frozen=True)
class Limits:
    """Kernel limits for one ffmpeg: address space (bytes) and CPU time (seconds); None = none."""

    memory_bytes: int | None = None
    cpu_seconds: int | None = None

    def apply(self, nice=0):
        """Runs in the child between fork and exec."""
        if nice:
            os.nice(nice)
        if self.memory_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (self.memory_bytes, self.memory_bytes))
        if self.cpu_seconds:
            # SIGXCPU at the soft limit, SIGKILL a few seconds later at the hard one
            resource.setrlimit(resource.RLIMIT_CPU, (self.cpu_seconds, self.cpu_seconds + 5))


class FfmpegProcess:
    """One running ffmpeg. ``done_seconds`` is how far into the source it has got; ``rate()`` how
    many source seconds it encodes per wall second (measured from its first progress report)."""

    def __init__(self, args, *, nice=0, limits=None):
        self.args = list(args)
        self.done_seconds = 0.0
        self.finished = False
        self._stderr_lines = []
        self._samples = collections.deque(maxlen=64)  # (monotonic, done_seconds) per progress report
        limits = limits or Limits()
        preexec = (lambda: limits.apply(nice)) if (nice or limits.memory_bytes or limits.cpu_seconds) else None
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            self.args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
            text=True, errors="replace", preexec_fn=preexec,
            # fewer malloc arenas: each reserves 64 MB of address space, which counts against RLIMIT_AS
            env={**os.environ, "MALLOC_ARENA_MAX": "4"} if limits.memory_bytes else None,
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
                self._samples.append((time.monotonic(), self.done_seconds))
            elif key == "progress" and value == "end":
                self.finished = True

    def _read_stderr(self):
        for line in self.process.stderr:
            self._stderr_lines.append(line.rstrip())
            del self._stderr_lines[:-40]

    def poll(self):
        return self.process.poll()

    def rate(self, settle_seconds=1.0, window_seconds=15.0, since=0.0, span_seconds=2.0):
        """Source seconds per wall second over the last ``window_seconds`` of progress reports,
        leaving out the first ``settle_seconds`` after the first one (the encoder filling its
        lookahead makes the start look slow) and anything before ``since`` (time.monotonic(): e.g.
        while another process shared the CPU); None while the reports span less than
        ``span_seconds`` (on a busy machine one second is too short to say the speed)."""
        samples = list(self._samples)
        if not samples:
            return None
        settled = samples[0][0] + settle_seconds
        now = samples[-1][0]
        usable = [s for s in samples if s[0] >= max(settled, since, now - window_seconds)]
        if len(usable) < 2 or usable[-1][0] - usable[0][0] < span_seconds or usable[-1][1] <= usable[0][1]:
            return None
        return (usable[-1][1] - usable[0][1]) / (usable[-1][0] - usable[0][0])

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
                out_of_memory=_looks_out_of_memory(self.stderr),
            )
        return wall

    @property
    def stderr(self):
        return "\n".join(self._stderr_lines)


def _looks_out_of_memory(stderr):
    text = stderr.lower()
    return "cannot allocate memory" in text or "out of memory" in text


def run(args, *, timeout, limits=None):
    """Run to the end (for short commands such as the poster); return wall seconds."""
    process = FfmpegProcess(args, limits=limits)
    return process.wait(time.monotonic() + timeout)


@contextlib.contextmanager
def machine_slot(folder, slots, *, waiting=None, poll_seconds=0.5):
    """Hold one of ``slots`` per-machine slots (lock files in ``folder``) for the block.

    Waits while every slot is held by another process on this machine, calling ``waiting()``
    about once a second meanwhile (a job keeps its heartbeat going). The kernel releases a slot
    when its holder exits, even when it is killed, so a crashed worker never keeps one.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    last_wait_call = 0.0
    while True:
        for index in range(max(1, slots)):
            handle = open(folder / f"slot-{index}.lock", "a+")  # noqa: SIM115 - held for the block
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            try:
                yield index
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()
            return
        now = time.monotonic()
        if waiting and now - last_wait_call >= 1.0:
            waiting()
            last_wait_call = now
        time.sleep(poll_seconds)
