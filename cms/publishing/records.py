"""What one publish wrote, file by file: ``(output, fingerprint, links, shown page ids)``.

A publish needs these after its render (to save each file's fingerprint and links, to rebuild the
dependency index and to know which videos the written pages play), but a full build at province
scale writes hundreds of thousands of files: holding every file's links and shown pages would make
the publishing process grow with the catalogue. So past ``HOLD`` records they are appended to an
anonymous temporary file (gone when it is closed or the process ends, whatever happens) and read
back, in the order they came, by ``items()``; what every later phase asks of *all* records — is
this path written, which videos and video folders do the written files use — is kept in memory
as sets. An edit writes a few files and never spools.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from pathlib import Path


class Records:
    HOLD = 5000   # records held in memory before they are appended to the spool

    def __init__(self, spool_dir: Path | None = None):
        self.spool_dir = spool_dir
        self.held: dict[str, tuple] = {}      # path → (output, fingerprint, links, shown)
        self.paths: set[str] = set()          # every path recorded (held or spooled)
        self.videos: set[int] = set()         # video assets the written files play
        self.video_dirs: set[str] = set()     # their folders in the release
        self.spooled: list = []               # the spooled records' outputs, in spool order
        self._spool = None

    def add(self, output, fp: str, links: dict, shown) -> None:
        self.paths.add(output.path)
        self.videos.update(links.get("videos", ()))
        self.video_dirs.update(links.get("video_dirs", ()))
        self.held[output.path] = (output, fp, links, shown)
        if len(self.held) >= self.HOLD:
            self._flush()

    def _flush(self):
        if self._spool is None:
            if self.spool_dir is not None:
                self.spool_dir.mkdir(parents=True, exist_ok=True)
            self._spool = tempfile.TemporaryFile(prefix="gongyu-records-", dir=self.spool_dir)
        self._spool.seek(0, 2)
        rows = []
        for path, (output, fp, links, shown) in self.held.items():
            self.spooled.append(output)
            rows.append((path, fp, links, sorted(shown)))
        pickle.dump(rows, self._spool, protocol=pickle.HIGHEST_PROTOCOL)
        self.held = {}

    def __contains__(self, path) -> bool:
        return path in self.paths

    def __len__(self) -> int:
        return len(self.paths)

    def __iter__(self) -> Iterator[str]:
        return iter(self.paths)

    def items(self) -> Iterator[tuple[str, tuple]]:
        """Every record as ``(path, (output, fingerprint, links, shown))``: the spooled ones (one
        chunk of ``HOLD`` in memory at a time), then the held ones."""
        if self._spool is not None:
            self._spool.seek(0)
            done = 0
            while True:
                try:
                    rows = pickle.load(self._spool)
                except EOFError:
                    break
                outputs = self.spooled[done:done + len(rows)]
                done += len(rows)
                for (path, fp, links, shown), output in zip(rows, outputs, strict=True):
                    yield path, (output, fp, links, set(shown))
        yield from self.held.items()

    def values(self) -> Iterator[tuple]:
        return (record for _, record in self.items())

    def close(self):
        if self._spool is not None:
            self._spool.close()
            self._spool = None
