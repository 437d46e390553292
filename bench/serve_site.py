#!/usr/bin/env python
"""Serve a built parent site on localhost the way a production host would: gzip for text
(any CDN, nginx or S3+CloudFront compresses), long cache for fingerprinted files.

    .venv/bin/python bench/serve_site.py SITE_DIR PORT
"""

import functools
import gzip
import http.server
import os
import re
import sys

TEXT = re.compile(r"\.(html|css|js|json|svg|vtt|m3u8|txt|xml)$")
FINGERPRINTED = re.compile(r"\.[0-9a-f]{8}\.(min\.)?(css|js)$")


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def end_headers(self):
        if FINGERPRINTED.search(self.path.split("?")[0]):
            self.send_header("Cache-Control", "public, max-age=31536000, immutable")
        super().end_headers()

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        if "gzip" not in self.headers.get("Accept-Encoding", "") or not TEXT.search(path) or not os.path.isfile(path):
            return super().send_head()
        with open(path, "rb") as handle:
            body = gzip.compress(handle.read(), 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path) + ("; charset=utf-8" if path.endswith((".html", ".css", ".js", ".json")) else ""))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        import io

        return io.BytesIO(body)


if __name__ == "__main__":
    root, port = sys.argv[1], int(sys.argv[2])
    http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler, directory=root)).serve_forever()
