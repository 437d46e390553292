#!/usr/bin/env python
"""Maintain Gongyu's project-level zh_Hans catalog that fills gaps in Wagtail.

Why this exists
---------------
The Wagtail admin runs in Simplified Chinese (LANGUAGE_CODE = "zh-hans"), but
Wagtail's own ``zh_Hans`` catalogs are incomplete, so some admin strings show up
in English (e.g. "The page could not be created due to validation errors.").
``cms/locale/zh_Hans/LC_MESSAGES/django.po`` contains translations for *only*
those gaps; everything Wagtail already translates is left to Wagtail.  Django
loads it through ``LOCALE_PATHS = [BASE_DIR / "cms" / "locale"]`` in
``cms/settings.py`` (LOCALE_PATHS catalogs take precedence over app catalogs).

What counts as a gap: for every app folder inside the installed ``wagtail``
package that has ``locale/en/LC_MESSAGES/django.po`` (wagtail itself, admin,
snippets, documents, images, users, search, sites, embeds, locales,
contrib/*), every message (msgctxt + msgid, incl. plurals) of the English
template that has no non-empty, non-fuzzy translation in that app's
``locale/zh_Hans/LC_MESSAGES/django.po`` (a missing zh_Hans file means every
message is a gap).  Only server-side ``django.po`` is considered; ``djangojs.po``
is not.

Everything is done with the ``babel`` package that is already in the venv; no
GNU gettext and no network access are needed.

Usage (run from the repository root with the project venv)
----------------------------------------------------------
    .venv/bin/python cms/locale/update_catalog.py report
        Per-app count of gaps in the installed Wagtail, and which gaps are
        still untranslated in our django.po.  Changes nothing.  Exit code 1 if
        any gap is untranslated.

    .venv/bin/python cms/locale/update_catalog.py missing [-o FILE]
        Write the full list of gaps (app, msgctxt, msgid, msgid_plural) as JSON
        to FILE (default: stdout).

    .venv/bin/python cms/locale/update_catalog.py sync [--keep-obsolete]
        After upgrading Wagtail: rebuild django.po from the current gaps.
        Existing translations in django.po are kept (matched on
        msgctxt + msgid); new gaps are added with an empty msgstr for a
        translator to fill in; entries that Wagtail now translates itself or
        that no longer exist are dropped (unless --keep-obsolete).  Then
        recompiles django.mo.

    .venv/bin/python cms/locale/update_catalog.py compile
        Compile django.po -> django.mo (untranslated and fuzzy entries are
        skipped, so English is shown for them rather than an empty string).

Typical upgrade workflow: ``sync``, translate the entries with an empty
msgstr in django.po (keep every placeholder such as %(name)s, %s, {name} and
HTML tags intact; Chinese has a single plural form, msgstr[0]), run
``compile``, then ``report`` should list no untranslated gaps.  Commit both
django.po and django.mo.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent
PO_PATH = HERE / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
TARGET_LOCALE = "zh_Hans"
PLURAL_FORMS = "nplurals=1; plural=0;"
HEADER_COMMENT = """\
# Simplified Chinese (zh_Hans) translations for messages that Wagtail's own
# zh_Hans catalogs leave untranslated.  Loaded via LOCALE_PATHS.
# Generated/maintained with cms/locale/update_catalog.py - see its docstring.
# Only messages missing from Wagtail belong here; edit msgstr values freely,
# then run: .venv/bin/python cms/locale/update_catalog.py compile
#"""


def wagtail_root() -> Path:
    import wagtail

    return Path(wagtail.__file__).resolve().parent


def msg_key(message):
    """(msgctxt, msgid) - for plural entries msgid is the singular form."""
    mid = message.id if isinstance(message.id, str) else message.id[0]
    return (message.context, mid)


def is_translated(message) -> bool:
    if message is None or message.fuzzy:
        return False
    if isinstance(message.string, (tuple, list)):
        return bool(message.string) and all(message.string)
    return bool(message.string)


def load_po(path: Path) -> Catalog:
    with open(path, "rb") as fh:
        return read_po(fh)


def iter_wagtail_apps(root: Path | None = None):
    """Yield (app_label, app_dir) for each app with an English django.po."""
    root = root or wagtail_root()
    for en_po in sorted(root.rglob("locale/en/LC_MESSAGES/django.po")):
        app_dir = en_po.parents[3]
        yield app_dir.relative_to(root.parent).as_posix(), app_dir


def compute_gaps(root: Path | None = None):
    """Return {app_label: [babel Message from the en template, ...]}."""
    gaps = {}
    for app, app_dir in iter_wagtail_apps(root):
        en = load_po(app_dir / "locale/en/LC_MESSAGES/django.po")
        zh_path = app_dir / f"locale/{TARGET_LOCALE}/LC_MESSAGES/django.po"
        zh = {}
        if zh_path.exists():
            zh = {msg_key(m): m for m in load_po(zh_path) if m.id}
        gaps[app] = [m for m in en if m.id and not is_translated(zh.get(msg_key(m)))]
    return gaps


def new_catalog() -> Catalog:
    import wagtail

    catalog = Catalog(
        locale=TARGET_LOCALE,
        domain="django",
        project="Gongyu (zh_Hans gaps of Wagtail)",
        version=getattr(wagtail, "__version__", ""),
        charset="utf-8",
        creation_date=datetime.now(UTC),
        revision_date=datetime.now(UTC),
        fuzzy=False,
        header_comment=HEADER_COMMENT,
    )
    return catalog


def build_catalog(gaps, translations) -> Catalog:
    """Merge all gaps into one catalog.

    ``translations`` maps (msgctxt, msgid) -> str (single form; used as
    msgstr, or msgstr[0] for plural entries).
    """
    catalog = new_catalog()
    for app, messages in gaps.items():
        for m in messages:
            key = msg_key(m)
            text = translations.get(key) or ""
            string = (text,) if not isinstance(m.id, str) else text
            locations = [(f"{app}/{fn}", ln) for fn, ln in m.locations]
            existing = catalog.get(m.id, context=m.context)
            if existing is not None:
                existing.locations.extend(locations)
                existing.auto_comments.append(f"also in {app}")
                continue
            catalog.add(
                m.id,
                string,
                locations=locations,
                flags=[f for f in m.flags if f != "fuzzy"],
                auto_comments=[f"app: {app}"] + list(m.auto_comments),
                user_comments=[],
                context=m.context,
            )
    return catalog


def fix_header(catalog: Catalog) -> None:
    # Language and Plural-Forms come from the locale (zh_Hans, nplurals=1).
    catalog.language_team = "Gongyu <LL@li.org>"
    catalog.last_translator = "Gongyu maintainers"


def write_catalog(catalog: Catalog, path: Path = PO_PATH) -> None:
    fix_header(catalog)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = BytesIO()
    write_po(buf, catalog, width=79, sort_output=False, include_previous=False)
    data = buf.getvalue()
    # Ensure the header says exactly what Django/gettext expect.
    lines = []
    for line in data.decode("utf-8").splitlines(keepends=True):
        if line.startswith('"Language: '):
            line = f'"Language: {TARGET_LOCALE}\\n"\n'
        elif line.startswith('"Plural-Forms: '):
            line = f'"Plural-Forms: {PLURAL_FORMS}\\n"\n'
        lines.append(line)
    path.write_text("".join(lines), encoding="utf-8")


def compile_catalog(po_path: Path = PO_PATH, mo_path: Path = MO_PATH) -> int:
    catalog = load_po(po_path)
    untranslated = [m for m in catalog if m.id and not is_translated(m)]
    for m in untranslated:
        # babel's write_mo keeps plural entries whose forms are all empty;
        # drop them so gettext falls back to English instead of "".
        catalog.delete(m.id, context=m.context)
    with open(mo_path, "wb") as fh:
        write_mo(fh, catalog, use_fuzzy=False)
    compiled = sum(1 for m in catalog if m.id)
    print(f"compiled {compiled} messages -> {mo_path} "
          f"({len(untranslated)} untranslated/fuzzy skipped)")
    return compiled


def existing_translations(path: Path = PO_PATH):
    if not path.exists():
        return {}
    out = {}
    for m in load_po(path):
        if m.id and is_translated(m):
            s = m.string if isinstance(m.string, str) else m.string[0]
            out[msg_key(m)] = s
    return out


def cmd_report(_args) -> int:
    gaps = compute_gaps()
    ours = existing_translations()
    todo = 0
    total = 0
    seen = set()
    for app, messages in gaps.items():
        missing_here = [m for m in messages if msg_key(m) not in ours]
        total += len(messages)
        print(f"{app:40s} gaps: {len(messages):4d}   untranslated in django.po: "
              f"{len(missing_here):4d}")
        for m in missing_here:
            if msg_key(m) in seen:
                continue
            seen.add(msg_key(m))
            todo += 1
            ctx = f"[{m.context}] " if m.context else ""
            print(f"    - {ctx}{m.id!r}")
    print(f"total gaps: {total} (incl. duplicates across apps); untranslated: {todo}")
    return 1 if todo else 0


def cmd_missing(args) -> int:
    gaps = compute_gaps()
    data = [
        {
            "app": app,
            "msgctxt": m.context,
            "msgid": m.id if isinstance(m.id, str) else m.id[0],
            "msgid_plural": None if isinstance(m.id, str) else m.id[1],
            "locations": [f"{fn}:{ln}" for fn, ln in m.locations],
        }
        for app, messages in gaps.items()
        for m in messages
    ]
    text = json.dumps(data, ensure_ascii=False, indent=1)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {len(data)} gaps to {args.output}")
    else:
        print(text)
    return 0


# Strings Wagtail does translate, but not the way a Chinese user reads them (a stray space, a
# word order that does not read as Chinese). ``sync`` keeps these in django.po; ours win.
OVERRIDES = {
    (None, "%(label)s and Publish"): "%(label)s并发布",
    (None, "Root"): "全部站点",
    (None, "Wagtail admin"): "共育管理后台",
    (None, "Sign in to Wagtail"): "登录共育",
    (None, "View Wagtail quick actions"): "查看快捷操作",
}

# The admin's JavaScript strings Wagtail's zh_Hans djangojs catalog lacks (Wagtail's editor UI:
# the block picker, the sidebar's "new items" badge, autosave). Written to djangojs.po/.mo,
# which the admin's JavaScript catalog reads through LOCALE_PATHS.
JS_PO_PATH = PO_PATH.with_name("djangojs.po")
JS_MO_PATH = JS_PO_PATH.with_suffix(".mo")
JS_MESSAGES = {
    "(%(number)s new items in this menu)": "(此菜单中有 %(number)s 个新项目)",
    "(1 new item in this menu)": "(此菜单中有 1 个新项目)",
    "(New)": "(新)",
    ("%(num)s error", "%(num)s errors"): "%(num)s 个错误",
    ("%(num)s min", "%(num)s mins"): "%(num)s 分钟",
    ("%(num)s pixel", "%(num)s pixels"): "%(num)s 像素",
    "%(time_zone_option)s: %(localized_time_zone_label)s": "%(time_zone_option)s:%(localized_time_zone_label)s",
    "A network error occurred.": "网络出错了。",
    "A server error occurred.": "服务器出错了。",
    "Autosave in progress…": "正在自动保存…",
    "Blocks": "内容块",
    "Changes have been autosaved.": "修改已自动保存。",
    "Complex": "复杂",
    "Error while sending preview data.": "发送预览数据时出错。",
    "Fair": "一般",
    "Good": "良好",
    "Insert a block": "插入内容块",
    "Split block": "拆分内容块",
    "Write something or type ‘/’ to insert a block": "输入内容,或输入“/”插入内容块",
}


def write_js_catalog() -> None:
    catalog = new_catalog()
    for mid, text in JS_MESSAGES.items():
        catalog.add(mid, (text,) if isinstance(mid, tuple) else text, auto_comments=["app: wagtail/admin (djangojs)"])
    write_catalog(catalog, JS_PO_PATH)
    with open(JS_MO_PATH, "wb") as fh:
        write_mo(fh, load_po(JS_PO_PATH), use_fuzzy=False)
    print(f"compiled {len(JS_MESSAGES)} JavaScript messages -> {JS_MO_PATH}")


def cmd_sync(args) -> int:
    gaps = compute_gaps()
    old = existing_translations()
    catalog = build_catalog(gaps, old)
    for (ctx, mid), text in OVERRIDES.items():
        if catalog.get(mid, context=ctx) is None:
            catalog.add(mid, text, context=ctx, auto_comments=["override: Wagtail's own translation reads badly"])
    if args.keep_obsolete:
        for (ctx, mid), s in old.items():
            if catalog.get(mid, context=ctx) is None:
                catalog.add(mid, s, context=ctx, auto_comments=["obsolete gap kept"])
    write_catalog(catalog)
    new = sum(1 for m in catalog if m.id and not is_translated(m))
    print(f"wrote {PO_PATH} ({sum(1 for m in catalog if m.id)} entries, "
          f"{new} need translation)")
    compile_catalog()
    write_js_catalog()
    return 0


def cmd_compile(_args) -> int:
    compile_catalog()
    write_js_catalog()
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("report", help="show gaps and what is untranslated")
    p = sub.add_parser("missing", help="dump gaps as JSON")
    p.add_argument("-o", "--output")
    p = sub.add_parser("sync", help="rebuild django.po from current gaps and compile")
    p.add_argument("--keep-obsolete", action="store_true")
    sub.add_parser("compile", help="compile django.po to django.mo")
    args = parser.parse_args(argv)
    return {"report": cmd_report, "missing": cmd_missing, "sync": cmd_sync,
            "compile": cmd_compile}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
