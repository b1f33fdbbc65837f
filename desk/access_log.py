"""The desk's access log (issue 14): one line per request in HOME/logs/access.log.

A line: time (UTC, ISO), client address, person (signed in, or "-"), method, path (no query string:
a query may carry a token or a search a resident typed), status, bytes sent, milliseconds. The file
is the operator's (0640) and rotates at 10 MB, keeping 5.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
import time
from logging.handlers import RotatingFileHandler
from pathlib import Path
from urllib.parse import quote

LOG_NAME = "lockstep.access"
# Spaces, control characters (C0, DEL, C1, line and paragraph separators) and the invisible direction and
# width marks: in a path (ASGI gives it percent-decoded) they would let a stranger end the line and forge
# the next one, split a field, or colour an operator's terminal. Written percent-encoded instead.
_UNSAFE = re.compile("[\x00-\x20\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


# An API token (lst_…) a client put in a path by mistake: it stays out of the log, as the query does.
_TOKEN = re.compile(r"(?<=lst_)[A-Za-z0-9_\-]{16,}")


def printable(path: str) -> str:
    """The path as one field of one line."""
    return _UNSAFE.sub(lambda m: quote(m.group(), safe=""), _TOKEN.sub("…", path))


LOG_FILE, LOG_DIR = 0o640, 0o750


class _OperatorsFile(RotatingFileHandler):
    """Every file it opens, the first and each one a rotation opens later, is 0640 whatever the umask."""

    def _open(self):
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, LOG_FILE)
        if os.stat(fd).st_mode & 0o777 != LOG_FILE:
            os.fchmod(fd, LOG_FILE)
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)


def access_logger(path: Path) -> logging.Logger:
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, LOG_DIR)          # whatever the umask: nobody else may swap the log
    logger = logging.getLogger(f"{LOG_NAME}.{path}")
    if not logger.handlers:
        handler = _OperatorsFile(path, maxBytes=10 * 1024 * 1024, backupCount=5, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


class AccessLog:
    """ASGI middleware: writes the line when the response has been sent (or the request failed)."""

    def __init__(self, app, path: Path) -> None:
        self.app, self.log = app, access_logger(path)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        seen = {"status": 500, "bytes": 0}

        async def counted(message):
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
            elif message["type"] == "http.response.body":
                seen["bytes"] += len(message.get("body", b""))
            await send(message)
        try:
            await self.app(scope, receive, counted)
        finally:
            client = (scope.get("client") or ("-",))[0]
            person = scope.get("state", {}).get("person") or "-"
            ms = (time.perf_counter() - start) * 1000
            self.log.info("%s %s %s %s %s %d %d %.1f", dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                          client, person, scope["method"], printable(scope.get("path", "")), seen["status"],
                          seen["bytes"], ms)
