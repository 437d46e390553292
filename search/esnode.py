"""A real, throwaway Elasticsearch 8.x node for tests, benchmarks and trying things out.

    python -m search.esnode [--port 9200]      # download (once), start, print the URL, wait

The distribution is Maven Central's ``org.elasticsearch.distribution.integ-test-zip:elasticsearch``
(a minimal server: no bundled JDK, no optional modules), checked against its ``.sha1`` and cached
in ``~/.cache/gongyu/elasticsearch/``. Elasticsearch refuses to run as root, so when we are root
the node runs as a dedicated system user (``gongyu-es``, created once, no login, no home). Each
node gets a private folder (config, data, logs) and a hard-linked copy of the distribution (so
the user never needs to read ``/root``), listens on 127.0.0.1 only, single-node, heap 512 MB.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

VERSION = os.environ.get("GONGYU_ES_VERSION", "8.19.4")
MAVEN = "https://repo1.maven.org/maven2/org/elasticsearch/distribution/integ-test-zip/elasticsearch"
CACHE = Path(os.environ.get("GONGYU_CACHE_DIR", Path.home() / ".cache" / "gongyu")) / "elasticsearch"
USER = "gongyu-es"
HEAP = os.environ.get("GONGYU_ES_HEAP", "512m")


class NodeError(RuntimeError):
    pass


def _download(url, dest):
    tmp = dest.with_suffix(dest.suffix + ".part")
    with urllib.request.urlopen(url, timeout=120) as response, open(tmp, "wb") as out:
        shutil.copyfileobj(response, out, 1024 * 1024)
    tmp.rename(dest)


def distribution(version=VERSION) -> Path:
    """The unpacked distribution, downloaded and verified once."""
    CACHE.mkdir(parents=True, exist_ok=True)
    home = CACHE / f"elasticsearch-{version}"
    if (home / "bin" / "elasticsearch").exists():
        return home
    archive = CACHE / f"es-{version}.zip"
    base = f"{MAVEN}/{version}/elasticsearch-{version}"
    if not archive.exists():
        _download(f"{base}.zip", archive)
    expected_file = CACHE / f"es-{version}.zip.sha1"
    if not expected_file.exists():
        _download(f"{base}.zip.sha1", expected_file)
    expected = expected_file.read_text().split()[0].strip()
    actual = hashlib.sha1(archive.read_bytes()).hexdigest()
    if actual != expected:
        archive.unlink()
        raise NodeError(f"Elasticsearch {version} zip checksum mismatch ({actual} != {expected}); deleted, try again")
    staging = Path(tempfile.mkdtemp(dir=CACHE))
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            path = Path(zf.extract(info, staging))
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                path.chmod(mode | 0o444)
    (staging / f"elasticsearch-{version}").rename(home)
    shutil.rmtree(staging, ignore_errors=True)
    return home


def ensure_user():
    """The account the node runs as: ourselves, or (when root) a dedicated system user."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", USER],
            check=True, capture_output=True,
        )
        return pwd.getpwnam(USER)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def java_home():
    for candidate in (os.environ.get("ES_JAVA_HOME"), os.environ.get("JAVA_HOME"), "/usr/lib/jvm/java-17-openjdk-amd64"):
        if candidate and (Path(candidate) / "bin" / "java").exists():
            return candidate
    java = shutil.which("java")
    if java:
        return str(Path(os.path.realpath(java)).parent.parent)
    raise NodeError("找不到 Java 17(设置 ES_JAVA_HOME)")


class Node:
    """A running node; ``stop()`` (or the context manager) ends it and deletes its folder."""

    def __init__(self, port=None, version=VERSION):
        self.version = version
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.root = None

    def start(self, timeout=180):
        dist = distribution(self.version)
        account = ensure_user()
        self.root = Path(tempfile.mkdtemp(prefix="gongyu-es-"))
        home = self.root / "home"
        subprocess.run(["cp", "-al", str(dist), str(home)], check=True)
        conf, data, logs = self.root / "config", self.root / "data", self.root / "logs"
        shutil.copytree(dist / "config", conf)
        (conf / "jvm.options.d").mkdir(exist_ok=True)
        (conf / "jvm.options.d" / "heap.options").write_text(f"-Xms{HEAP}\n-Xmx{HEAP}\n")
        data.mkdir()
        logs.mkdir()
        self.root.chmod(0o755)
        if account:
            for path in (conf, data, logs):
                for dirpath, _dirnames, filenames in os.walk(path):
                    os.chown(dirpath, account.pw_uid, account.pw_gid)
                    for name in filenames:
                        os.chown(os.path.join(dirpath, name), account.pw_uid, account.pw_gid)
        env = {
            "PATH": "/usr/bin:/bin", "ES_JAVA_HOME": java_home(), "ES_PATH_CONF": str(conf),
            "ES_JAVA_OPTS": f"-Xms{HEAP} -Xmx{HEAP}", "LANG": "C.UTF-8",
        }
        settings = {
            "discovery.type": "single-node", "network.host": "127.0.0.1", "http.port": self.port,
            "transport.port": free_port(), "path.data": data, "path.logs": logs,
            "cluster.routing.allocation.disk.threshold_enabled": "false", "action.destructive_requires_name": "false",
            "xpack.security.enabled": "false",
        }
        command = [str(home / "bin" / "elasticsearch")] + [f"-E{k}={v}" for k, v in settings.items()]
        self.log = open(self.root / "console.log", "wb")
        self.process = subprocess.Popen(
            command, env=env, cwd=self.root, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
            user=account.pw_uid if account else None, group=account.pw_gid if account else None,
            extra_groups=[] if account else None,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise NodeError(f"Elasticsearch exited with {self.process.returncode}:\n{self.console_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_cluster/health?wait_for_status=yellow&timeout=5s", timeout=10) as r:
                    if json.load(r).get("status") in ("green", "yellow"):
                        return self
            except OSError:
                pass
            time.sleep(1)
        tail = self.console_tail()
        self.stop()
        raise NodeError(f"Elasticsearch did not answer within {timeout} s:\n{tail}")

    def console_tail(self, lines=40):
        try:
            return "\n".join((self.root / "console.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if getattr(self, "log", None):
            self.log.close()
        if self.root:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main():
    parser = argparse.ArgumentParser(description="Start a throwaway Elasticsearch node on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args()
    with Node(port=args.port) as node:
        print(f"Elasticsearch {node.version} at {node.url} (Ctrl-C to stop)", flush=True)
        try:
            node.process.wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
