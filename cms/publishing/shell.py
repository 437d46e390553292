"""The mkdocs-material shell: ``mkdocs build`` of ``site/`` once (one page of placeholders plus
the theme's CSS/JS), made root-relative, with our own assets fingerprinted. Every catalogue page
is this shell with its placeholders filled (``Shell.fill``) — no Markdown round trip.

The build is cached by a hash of ``site/`` (and the mkdocs-material version), so it runs only
when the theme changes.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from django.conf import settings

SITE_DIR = Path(settings.BASE_DIR) / "site"
OWN_ASSETS = ("stylesheets/gongyu.css", "javascripts/player.js", "javascripts/search.js", "javascripts/engagement.js", "javascripts/hls.min.js",
              "javascripts/prefs.js", "javascripts/site.js")
PLACEHOLDER = re.compile(r"@@([A-Z]+)@@")
DROP = ("assets/javascripts/lunr", "assets/javascripts/workers", "sitemap.xml", "sitemap.xml.gz", "404.html")


class ShellError(Exception):
    pass


def theme_hash() -> str:
    digest = hashlib.sha1(version("mkdocs-material").encode())
    for path in sorted(p for p in SITE_DIR.rglob("*") if p.is_file() and "node_modules" not in p.parts):
        digest.update(str(path.relative_to(SITE_DIR)).encode())
        digest.update(path.read_bytes())
    digest.update((Path(__file__).parent / "pages.py").read_bytes())
    return digest.hexdigest()


class Shell:
    def __init__(self, directory: Path, html: str, assets: dict, digest: str):
        self.directory = directory      # the built shell: assets/ to copy into the site
        self.html = html
        self.assets = assets            # {"player.js": "/assets/javascripts/player.1a2b3c4d.js", …}
        self.digest = digest

    def fill(self, values: dict) -> str:
        # One pass: text substituted in is never scanned again for placeholders.
        return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), "")), self.html)

    def asset_files(self):
        root = self.directory / "site"
        return [p.relative_to(root) for p in root.rglob("*") if p.is_file() and p.name != "index.html"]


def build_shell(cache_dir: Path) -> Shell:
    digest = theme_hash()
    target = cache_dir / f"shell-{digest[:16]}"
    out = target / "site"
    if not (out / "index.html").exists():
        tmp = cache_dir / f".shell-{digest[:16]}-tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        result = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--quiet", "--clean", "-f", str(SITE_DIR / "mkdocs.yml"),
             "-d", str(tmp / "site")],
            capture_output=True, text=True, env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
        )
        if result.returncode != 0:
            raise ShellError(f"网站外观(mkdocs-material)构建失败:\n{result.stderr[-2000:]}")
        _postprocess(tmp / "site", digest[:16])
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
    html = (out / "index.html").read_text(encoding="utf-8")
    assets = {}
    for line in (out / "assets" / "manifest.txt").read_text().splitlines():
        name, url = line.split(" ", 1)
        assets[name] = url
    return Shell(target, html, assets, digest)


def _postprocess(root: Path, version: str = "dev"):
    for name in DROP:
        path = root / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    for path in list(root.rglob("*.map")):
        path.unlink()
    html = (root / "index.html").read_text(encoding="utf-8")
    manifest = []
    for rel in OWN_ASSETS:
        path = root / "assets" / rel
        if not path.exists():
            continue
        digest = hashlib.sha1(path.read_bytes()).hexdigest()[:8]
        stem, dot, ext = path.name.partition(".")
        fingerprinted = path.with_name(f"{stem}.{digest}.{ext}")
        path.rename(fingerprinted)
        url = "/assets/" + str(fingerprinted.relative_to(root / "assets"))
        html = html.replace(f'"assets/{rel}"', f'"{url}"')
        manifest.append(f"{path.name} {url}")
    html = _external_scripts(root, html)
    # Root-relative URLs: every page shares one shell whatever its depth.
    html = re.sub(r'(href|src)="assets/', r'\1="/assets/', html)
    html = html.replace('href="."', 'href="/"').replace('"base": "."', '"base": "/"')
    html = html.replace('"search": "assets/javascripts/workers/', '"search": "/assets/javascripts/workers/')
    # The shell page is not "the current page" of every page.
    html = html.replace(" md-nav__item--active", "").replace(" md-nav__link--active", "")
    html = re.sub(r'\s*<input class="md-nav__toggle md-toggle" type="checkbox" id="__toc">', "", html)
    html = re.sub(r"\n\s*\n", "\n", html)
    (root / "index.html").write_text(html, encoding="utf-8")
    # The service worker changes with the theme, so phones pick up a new shell on their next visit.
    worker = root / "sw.js"
    if worker.exists():
        worker.write_text(worker.read_text(encoding="utf-8").replace("@@VERSION@@", version), encoding="utf-8")
    (root / "assets" / "manifest.txt").write_text("\n".join(manifest) + "\n")


INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def _external_scripts(root: Path, html: str) -> str:
    """mkdocs-material's small inline scripts go into one fingerprinted file, loaded where the
    first one was (they only define helpers), so a Content-Security-Policy needs no 'unsafe-inline'."""
    bodies = INLINE_SCRIPT.findall(html)
    if not bodies:
        return html
    code = ";\n".join(b.strip().rstrip(";") for b in bodies) + ";\n"
    name = f"theme-inline.{hashlib.sha1(code.encode()).hexdigest()[:8]}.js"
    (root / "assets" / "javascripts" / name).write_text(code, encoding="utf-8")
    first = [True]

    def replace(match):
        if first[0]:
            first[0] = False
            return f'<script src="/assets/javascripts/{name}"></script>'
        return ""
    return INLINE_SCRIPT.sub(replace, html)
