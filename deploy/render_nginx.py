"""Write a runnable nginx.conf for the parent site from deploy/nginx.conf.template.

    python3 deploy/render_nginx.py --root var/site --listen 127.0.0.1:8001 --prefix var/nginx \
        [--connect http://127.0.0.1:8000]

then ``nginx -p <prefix> -c <prefix>/nginx.conf`` (the file says ``daemon off``: it runs in the
foreground). Brotli is switched on when Debian's brotli modules are installed. Standard library only.
"""

import argparse
import grp
import os
import pwd
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODULES = Path("/usr/lib/nginx/modules")
BROTLI = ("ngx_http_brotli_filter_module.so", "ngx_http_brotli_static_module.so")
BROTLI_CONF = """    brotli on;
    brotli_static on;
    brotli_comp_level 5;
    brotli_types text/css text/plain text/vtt text/javascript application/json application/xml image/svg+xml application/vnd.apple.mpegurl application/wasm application/manifest+json;"""


def render(root, listen, prefix, connect=()):
    prefix = Path(prefix).resolve()
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    has_brotli = all((MODULES / name).exists() for name in BROTLI)
    modules = "\n".join(f"load_module {MODULES / name};" for name in BROTLI) if has_brotli else ""
    text = (HERE / "nginx.conf.template").read_text(encoding="utf-8")
    if os.geteuid() == 0:  # started as root: workers read the site as the folder's owner
        info = os.stat(root)
        modules = f"user {pwd.getpwuid(info.st_uid).pw_name} {grp.getgrgid(info.st_gid).gr_name};\n" + modules
    for key, value in {
        "@MODULES@": modules, "@BROTLI@": BROTLI_CONF if has_brotli else "",
        "@PREFIX@": str(prefix), "@LISTEN@": listen, "@ROOT@": str(Path(root).resolve()),
        "@CONNECT@": "".join(f" {origin}" for origin in connect),
    }.items():
        text = text.replace(key, value)
    out = prefix / "nginx.conf"
    out.write_text(text, encoding="utf-8")
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--listen", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--connect", action="append", default=[])
    args = parser.parse_args()
    print(render(args.root, args.listen, args.prefix, args.connect))


if __name__ == "__main__":
    main()
