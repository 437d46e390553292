"""The parent site's server at 16 clients on loopback: nginx (deploy/nginx.conf.template) next to
Python's ``http.server`` (what ``./gongyu up`` used before), in the same run, same files.

    .venv/bin/python bench/static_server.py [--site var/site] [--clients 16] [--requests 1600]

Prints p50/p95/p99 latency per server and the bytes of one lesson page as sent (gzip / brotli
when the server compresses). Bounded: a fixed number of requests, each with a 30 s timeout.
"""

import argparse
import http.client
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def pages(site):
    found = sorted(str(p.relative_to(site).parent) for p in site.glob("**/index.html"))[:200]
    return ["/" + (p + "/" if p != "." else "") for p in found] or ["/"]


def run_clients(port, paths, clients, total):
    latencies, lock = [], threading.Lock()
    per_client = total // clients

    def client(offset):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for i in range(per_client):
            path = paths[(offset + i) % len(paths)]
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
                response = connection.getresponse()
                response.read()
                if response.getheader("Connection", "").lower() == "close" or response.version == 10:
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i * 7,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def page_bytes(port, path, encoding):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Accept-Encoding": encoding})
    response = connection.getresponse()
    body = response.read()
    return len(body), response.getheader("Content-Encoding") or "identity"


def quantiles(values):
    q = statistics.quantiles(values, n=100)
    return q[49] * 1000, q[94] * 1000, q[98] * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--site", default=str(REPO / "var" / "site"))
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=1600)
    args = parser.parse_args()
    site = Path(args.site)
    temporary = None
    if not (site / "index.html").exists():
        from tests.security.test_site_server import make_site

        temporary = Path(tempfile.mkdtemp())
        site = temporary / "site"
        make_site(site)
        print(f"(no published site at {args.site}: using a small generated one)")
    paths = pages(site)
    # A lesson is /studios/<studio>/<course>/<lesson>/ on the published site.
    lessons = [p for p in paths if p.startswith("/studios/") and p.count("/") == 5]
    lesson = lessons[0] if lessons else next((p for p in paths if "/lessons/" in p or p.count("/") > 2), paths[0])
    prefix = Path(tempfile.mkdtemp())
    servers = {}
    nginx_port, python_port = free_port(), free_port()
    subprocess.run([sys.executable, str(REPO / "deploy" / "render_nginx.py"), "--root", str(site), "--listen",
                    f"127.0.0.1:{nginx_port}", "--prefix", str(prefix)], check=True, stdout=subprocess.DEVNULL)
    servers["nginx"] = (nginx_port, subprocess.Popen(["/usr/sbin/nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                                                     stderr=subprocess.DEVNULL))
    servers["http.server"] = (python_port, subprocess.Popen(
        [sys.executable, "-m", "http.server", str(python_port), "--bind", "127.0.0.1", "--directory", str(site)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        for port, process in servers.values():
            wait_for(port, process)
        print(f"{len(paths)} pages, {args.clients} clients, {args.requests} requests per server")
        for name, (port, _) in servers.items():
            started = time.monotonic()
            latencies = run_clients(port, paths, args.clients, args.requests)
            elapsed = time.monotonic() - started
            p50, p95, p99 = quantiles(latencies)
            gz, gz_enc = page_bytes(port, lesson, "gzip")
            br, br_enc = page_bytes(port, lesson, "br, gzip")
            print(f"{name:12s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  p99 {p99:7.1f} ms  "
                  f"{len(latencies) / elapsed:6.0f} req/s  lesson page {lesson}: {gz} B ({gz_enc}), {br} B ({br_enc})")
    finally:
        for _, process in servers.values():
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(prefix, ignore_errors=True)
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)


if __name__ == "__main__":
    main()
