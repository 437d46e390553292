"""WeChat JS-SDK signatures (公众号 "JS-SDK使用权限签名算法").

``signature`` is WeChat's algorithm: sha1 of ``jsapi_ticket=…&noncestr=…&timestamp=…&url=…``
(keys in ASCII order, raw values, the URL without its ``#`` part). ``Tickets`` fetches the
公众号's access_token (``/cgi-bin/token``) and jsapi_ticket (``/cgi-bin/ticket/getticket``) from
``settings.GONGYU_WECHAT_API`` and keeps both in one JSON file under the var folder until shortly
before they expire. A file lock makes one process refresh while the others wait and then read the
new values: WeChat limits how often they may be fetched, and a new access_token retires the old
one, so processes that each fetched their own would undo each other.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import time
import urllib.parse
import urllib.request
from pathlib import Path

from django.conf import settings

MARGIN = 300                # seconds: a token or ticket is replaced this long before WeChat's expiry
MAX_RESPONSE = 64 * 1024    # bytes read from WeChat at most
TIMEOUT = 5                 # seconds per request to WeChat
INVALID_TOKEN = {40001, 40014, 42001}   # the access_token is no longer good: fetch a new one


class WeChatError(Exception):
    """WeChat could not be reached or refused (the message is for the log, not for parents)."""


def signature(ticket: str, noncestr: str, timestamp: int | str, url: str) -> str:
    raw = f"jsapi_ticket={ticket}&noncestr={noncestr}&timestamp={timestamp}&url={url}"
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()


def enabled() -> bool:
    return bool(settings.GONGYU_WECHAT_APPID and settings.GONGYU_WECHAT_SECRET)


def _get(path: str, params: dict) -> dict:
    url = settings.GONGYU_WECHAT_API.rstrip("/") + path + "?" + urllib.parse.urlencode(params)
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            body = response.read(MAX_RESPONSE + 1)
    except OSError as error:
        raise WeChatError(f"{path}: {error}") from error
    if len(body) > MAX_RESPONSE:
        raise WeChatError(f"{path}: answer too large")
    try:
        data = json.loads(body)
    except ValueError as error:
        raise WeChatError(f"{path}: not JSON") from error
    if not isinstance(data, dict):
        raise WeChatError(f"{path}: not an object")
    return data


class Tickets:
    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder or settings.VAR_DIR / "wechat")

    @property
    def path(self) -> Path:
        return self.folder / "tickets.json"

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) and data.get("appid") == settings.GONGYU_WECHAT_APPID else {}

    def _write(self, data: dict):
        tmp = self.path.with_name(f".tickets.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)   # holds a secret token
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(tmp, self.path)

    @staticmethod
    def _fresh(data: dict, key: str, now: float) -> bool:
        return bool(data.get(key)) and data.get(key + "_expires", 0) - MARGIN > now

    def ticket(self) -> str:
        now = time.time()
        data = self._read()
        if self._fresh(data, "ticket", now):
            return data["ticket"]
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "tickets.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = self._read()        # another process may have refreshed while we waited
            now = time.time()
            if self._fresh(data, "ticket", now):
                return data["ticket"]
            data["appid"] = settings.GONGYU_WECHAT_APPID
            for attempt in (1, 2):
                if not self._fresh(data, "token", now):
                    answer = _get("/cgi-bin/token", {"grant_type": "client_credential",
                                                     "appid": settings.GONGYU_WECHAT_APPID,
                                                     "secret": settings.GONGYU_WECHAT_SECRET})
                    if not answer.get("access_token"):
                        raise WeChatError(f"token: {answer.get('errcode')} {answer.get('errmsg')}")
                    data["token"] = str(answer["access_token"])
                    data["token_expires"] = now + int(answer.get("expires_in") or 7200)
                    self._write(data)      # kept even if the ticket fails: a new token retires this one
                answer = _get("/cgi-bin/ticket/getticket", {"access_token": data["token"], "type": "jsapi"})
                if answer.get("errcode") in INVALID_TOKEN and attempt == 1:
                    data.pop("token", None)
                    continue
                if answer.get("errcode") or not answer.get("ticket"):
                    raise WeChatError(f"ticket: {answer.get('errcode')} {answer.get('errmsg')}")
                data["ticket"] = str(answer["ticket"])
                data["ticket_expires"] = now + int(answer.get("expires_in") or 7200)
                self._write(data)
                return data["ticket"]
        raise WeChatError("ticket: no valid access_token")

    def sign(self, url: str) -> dict:
        """What ``wx.config`` needs for the page at ``url`` (without its ``#`` part)."""
        noncestr = secrets.token_urlsafe(12)
        timestamp = int(time.time())
        return {"appId": settings.GONGYU_WECHAT_APPID, "timestamp": timestamp, "nonceStr": noncestr,
                "signature": signature(self.ticket(), noncestr, timestamp, url)}
