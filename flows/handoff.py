"""Hand flow work to the desk when one is serving this home; otherwise the caller runs it here.

Reading desk.json and one loopback request cost milliseconds; starting Prefect costs ~10 s.
"""
from __future__ import annotations

import contextlib
import json
import os
from contextvars import ContextVar
from pathlib import Path

DESK_FILE = "desk.json"
# Seconds a serving desk has to say it is up before the command line does the work itself.
HEALTH_TIMEOUT = 3
# Desks (by url) that did not say they were up in this process (cli/fast.py): not asked again.
SILENT: set[str] = set()
# On the desk, while it runs a command for the command line (cli/fast.py run_write): its own flow
# work, called directly rather than over its own loopback (a request thread waiting on another).
_on_desk: ContextVar = ContextVar("lockstep_on_desk", default=None)


@contextlib.contextmanager
def on_desk(flows):
    """Within: hand_off(home, path, body) is flows(path, body), the desk's FlowWork."""
    token = _on_desk.set(flows)
    try:
        yield
    finally:
        _on_desk.reset(token)


def write_desk_file(home: Path, info: dict) -> None:
    """Name the serving desk: written whole to a temporary file beside it (0600: it holds the
    hand-off token) and renamed into place, so a reader sees the old file, none, or the new one,
    never an empty or half-written one. It names the home it serves (desk_of: a copy of the home
    carries the file along, and is not that desk's home)."""
    import tempfile
    fd, tmp = tempfile.mkstemp(dir=home, prefix=f".{DESK_FILE}-")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump({**info, "home": os.path.realpath(home)}, f)
        os.replace(tmp, home / DESK_FILE)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def desk_of(home: Path) -> dict | None:
    """desk.json's contents while its desk runs; None when there is no file, a file that is not
    a desk's (empty, cut short, another shape), a desk that died and left it behind, or a desk of
    another home: a home copied or restored from a backup while its desk ran holds the desk.json
    of the original, whose live desk (and token) would read and write the original instead."""
    try:
        info = json.loads((home / DESK_FILE).read_text())
        os.kill(int(info["pid"]), 0)          # a desk that died leaves its file behind
        if "home" in info and not os.path.samefile(info["home"], home):
            return None
        return info
    except (OSError, ValueError, KeyError, TypeError):
        return None


def hand_off(home: Path, path: str, body: dict, timeout: float = 600) -> list[dict] | None:
    """The flow's results from the desk, or None when no desk serves this home."""
    if (flows := _on_desk.get()) is not None:
        return flows(path, body)
    info = desk_of(home)
    if info is None or info["url"] in SILENT:
        return None
    import httpx
    try:        # a desk that is stopped (SIGSTOP) or wedged accepts the connection and never answers
        httpx.get(info["url"] + "/api/health", timeout=HEALTH_TIMEOUT).raise_for_status()
    except httpx.HTTPError:
        return None             # the caller runs the work itself
    try:
        r = httpx.post(info["url"] + path, json=body, timeout=timeout,
                       headers={"Authorization": f"Bearer {info['token']}"})
    except httpx.ConnectError:
        return None
    if r.status_code >= 400:             # the desk refused: the same coded problems, raised here
        try:
            problems = r.json().get("problems") or []
        except (ValueError, AttributeError):
            problems = []
        if problems:
            from documents.problems import Problem, Refused
            raise Refused(*[Problem.model_validate(p) for p in problems])
    r.raise_for_status()
    return r.json()["results"]
