"""The printed sheet of one-time set-password links: a CSV only its owner can read (0600)."""

import csv
import io
import os

from django.conf import settings
from django.utils import timezone


def write_sheet(created, directory=None):
    """Write (user, link) rows to a new 0600 file under var/accounts/; return its path."""
    directory = directory or settings.VAR_DIR / "accounts"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / f"set-password-links-{timezone.localtime():%Y%m%d-%H%M%S}.csv"
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["用户名", "姓名", "设置密码的链接(只能用一次)"])
    for user, link in created:
        writer.writerow([user.username, user.first_name, link])
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8-sig") as fh:
        fh.write(out.getvalue())
    return path
