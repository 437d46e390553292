"""The parent site through nginx (deploy/nginx.conf.template, as ./gongyu up runs it): compression,
cache headers like the S3 deploy, the site's own 404 page, no directory listings, range requests
and the MIME types of video, captions and search files. Real nginx, real HTTP."""

import gzip
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=60, must-revalidate"

pytestmark = pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is installed by ./gongyu setup")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_site(root):
    files = {
        "index.html": "<!doctype html><title>共育</title>" + "<p>家长课堂</p>" * 300,
        "404.html": "<!doctype html><title>页面不存在</title><p>没有找到这个页面。</p>",
        "assets/app.0123abcd.css": "body{color:#333}" * 100,
        "assets/stylesheets/extra.css": "p{margin:0}" * 100,
        "v/k1/0a1b2c3d/index.m3u8": "#EXTM3U\n#EXT-X-VERSION:7\n" * 20,
        "v/k1/0a1b2c3d/seg1.ts": "x" * 5000,
        "v/k1/0a1b2c3d/seg1.m4s": "y" * 5000,
        "v/k1/0a1b2c3d/zh.vtt": "WEBVTT\n\n00:00.000 --> 00:01.000\n你好\n",
        "pagefind/pagefind-entry.json": '{"version":"1"}',
        "pagefind/s0/fragment/zh_abc.pf_fragment": "z" * 100,
        "pagefind/s0/pagefind.zh_0123.pf_meta": "m" * 100,
        "manifest.webmanifest": '{"name":"共育"}',
        "t/ab/ab12cd34ef-640.avif": "a" * 800,
        "t/ab/ab12cd34ef-640.webp": "w" * 800,
        "t/ab/ab12cd34ef-320.jpg": "j" * 800,
        "lessons/listen/index.html": "<!doctype html><title>倾听</title>" + "<p>倾听孩子</p>" * 300,
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def site_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    make_site(root)
    port = free_port()
    prefix = tmp_path_factory.mktemp("nginx")
    subprocess.run([sys.executable, str(REPO / "deploy" / "render_nginx.py"), "--root", str(root),
                    "--listen", f"127.0.0.1:{port}", "--prefix", str(prefix)], check=True, timeout=30)
    process = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(process.stderr.read().decode()) from None
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=30)


def fetch(url, **headers):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_html_is_compressed_and_revalidated(site_server):
    status, headers, body = fetch(site_server + "/lessons/listen/", **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert "倾听孩子" in gzip.decompress(body).decode()
    assert headers["Cache-Control"] == SHORT
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "Server" not in headers or "nginx/" not in headers["Server"]
    if Path("/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so").exists():
        _, headers, _ = fetch(site_server + "/", **{"Accept-Encoding": "br, gzip"})
        assert headers["Content-Encoding"] == "br"


def test_cache_headers_match_the_s3_deploy(site_server):
    for path, expected in {
        "/assets/app.0123abcd.css": IMMUTABLE,
        "/assets/stylesheets/extra.css": SHORT,
        "/v/k1/0a1b2c3d/seg1.m4s": IMMUTABLE,
        "/pagefind/s0/fragment/zh_abc.pf_fragment": IMMUTABLE,
        "/pagefind/s0/pagefind.zh_0123.pf_meta": IMMUTABLE,
        "/pagefind/pagefind-entry.json": SHORT,
        "/t/ab/ab12cd34ef-640.avif": IMMUTABLE,
        "/t/ab/ab12cd34ef-640.webp": IMMUTABLE,
        "/t/ab/ab12cd34ef-320.jpg": IMMUTABLE,
        "/manifest.webmanifest": SHORT,
        "/": SHORT,
    }.items():
        status, headers, _ = fetch(site_server + path)
        assert (status, headers["Cache-Control"]) == (200, expected), path


def test_mime_types(site_server):
    for path, expected in {
        "/v/k1/0a1b2c3d/index.m3u8": "application/vnd.apple.mpegurl",
        "/v/k1/0a1b2c3d/seg1.ts": "video/mp2t",
        "/v/k1/0a1b2c3d/seg1.m4s": "video/iso.segment",
        "/v/k1/0a1b2c3d/zh.vtt": "text/vtt",
        "/pagefind/s0/fragment/zh_abc.pf_fragment": "application/octet-stream",
        "/pagefind/s0/pagefind.zh_0123.pf_meta": "application/octet-stream",
        "/manifest.webmanifest": "application/manifest+json",
        "/t/ab/ab12cd34ef-640.avif": "image/avif",
        "/t/ab/ab12cd34ef-640.webp": "image/webp",
        "/t/ab/ab12cd34ef-320.jpg": "image/jpeg",
    }.items():
        _, headers, _ = fetch(site_server + path)
        assert headers["Content-Type"].split(";")[0] == expected, path


def test_the_sites_own_404_and_no_directory_listings(site_server):
    for path in ("/no-such-page/", "/v/", "/v/k1/", "/pagefind/", "/assets/"):
        status, headers, body = fetch(site_server + path)
        assert status == 404, path
        assert "没有找到这个页面。" in body.decode(), path
        assert "Index of" not in body.decode()


def test_range_requests(site_server):
    status, headers, body = fetch(site_server + "/v/k1/0a1b2c3d/seg1.m4s", Range="bytes=100-199")
    assert status == 206 and len(body) == 100
    assert headers["Content-Range"] == "bytes 100-199/5000"
