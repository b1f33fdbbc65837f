"""Reads a running desk answers for the command line (issue 14: "Reads are fast").

`lockstep gate`, `status` and `register list` read the database: in a fresh process that means
importing SQLAlchemy, pydantic, typer and the services (most of a second on a loaded machine). When a
desk serves the same home (desk.json, the liveness check writes use: flows/handoff.py), the command
line asks it instead, over the token-protected /api/flows/* hand-off: the desk runs the very same
command in its warm process (`run_read`) with the console recorded, and this side prints what it
recorded through a console built the same way (CONSOLE), so the output and the exit code are the
ones the command gives here. Whatever the desk does not answer (no desk, a dead or wedged one, a
usage error, --help, a different time zone) falls back to the command run here.

The command-line half imports only the standard library (and rich when there is text to print):
never sqlalchemy, pydantic or typer (tests/cli/test_reads_fast.py checks).
"""
from __future__ import annotations

import json
import os
import sys
import threading

# How cli.output builds its console: the desk's recorded lines print the same here.
CONSOLE = {"highlight": False, "soft_wrap": True}

# Command words -> the desk's hand-off path. Only reads: the desk runs them with the console recorded.
READS = {("gate",): "/api/flows/gate", ("status",): "/api/flows/status",
         ("register", "list"): "/api/flows/register-list"}
# Seconds the desk has to answer a read before the command runs here after all.
READ_TIMEOUT = 60


def _split(argv: list[str]) -> tuple[str | None, tuple[str, ...], list[str]] | None:
    """(--home, command words, the command's own arguments) for a read the desk may answer, else None."""
    home, i = None, 0
    while i < len(argv) and argv[i].startswith("-"):
        if argv[i] == "--home" and i + 1 < len(argv):
            home, i = argv[i + 1], i + 2
        elif argv[i].startswith("--home="):
            home, i = argv[i][len("--home="):], i + 1
        else:
            return None                       # --help and anything else: the command line's own
    rest = argv[i:]
    if home == "":
        return None
    for words in READS:
        if tuple(rest[:len(words)]) == words:
            args = rest[len(words):]
            if any(a in ("-h", "--help") or a.startswith("--home") for a in args):
                return None
            return home, words, args
    return None


def _ask(info: dict, path: str, body: dict) -> dict | None:
    """One loopback request to the desk named in desk.json; None when it does not answer."""
    import http.client
    from urllib.parse import urlsplit
    from flows.handoff import HEALTH_TIMEOUT
    url = urlsplit(info["url"])
    try:       # a desk that is stopped (SIGSTOP) or wedged accepts the connection and never answers
        c = http.client.HTTPConnection(url.hostname, url.port, timeout=HEALTH_TIMEOUT)
        c.request("GET", "/api/health")
        health = c.getresponse()
        health.read()
        c.close()
        if health.status != 200:
            return None
        c = http.client.HTTPConnection(url.hostname, url.port, timeout=READ_TIMEOUT)
        c.request("POST", path, body=json.dumps(body).encode(),
                  headers={"Authorization": f"Bearer {info['token']}", "Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        c.close()
        if r.status != 200:
            return None
        answer = json.loads(data)
        return answer if isinstance(answer, dict) and isinstance(answer.get("exit"), int) else None
    except (OSError, ValueError, KeyError, TypeError, http.client.HTTPException):
        return None


def answer_from_desk(argv: list[str]) -> None:
    """Print a read the running desk answered and exit with its code; return when it did not."""
    split = _split(argv)
    if split is None:
        return
    home, words, args = split
    from pathlib import Path
    from flows.handoff import desk_of
    info = desk_of(Path(home or os.environ.get("LOCKSTEP_HOME") or ".lockstep"))
    if info is None:
        return
    answer = _ask(info, READS[words], {"args": args, "tz": os.environ.get("TZ")})
    if answer is None or answer["exit"] not in (0, 1):
        return                                # a usage error or no answer: the command line says it
    replay(answer.get("output") or [])
    sys.exit(answer["exit"])


def replay(output: list) -> None:
    """What the desk's run of the command printed, printed here in the same order by the same means."""
    console = None
    for kind, value in output:
        if kind == "write":
            sys.stdout.write(value)
            sys.stdout.flush()
        elif kind == "print":
            if console is None:
                from rich.console import Console
                console = Console(**CONSOLE)
            console.print(*value)
    sys.stdout.flush()


# ------------------------------------------------------------------ the desk's half

class Unrecordable(BaseException):
    """The command printed something other than markup text: the command line runs it itself.
    A BaseException, so that cli.output.guarded lets it through rather than print it as a fault."""


def run_read(home, words: tuple[str, ...], args: list[str], tz: str | None) -> dict | None:
    """On the desk: the read command run as the command line would run it for `home`, its printing
    recorded. {"exit": code, "output": [["print", [markup, ...]] | ["write", text], ...]}, or None
    when the command line had better run it itself."""
    if tz != os.environ.get("TZ") or not all(isinstance(a, str) for a in args):
        return None                           # times print in the caller's zone
    if any(a in ("-h", "--help") or a.startswith("--home") for a in args):
        return None
    import typer.main

    import cli.main
    from cli.output import recording
    global _command
    with _building:
        if _command is None:
            _command = typer.main.get_command(cli.main.every_command())
    output: list = []
    try:
        with recording(output):
            code = _command.main(args=["--home", str(home), *words, *args], prog_name="lockstep",
                                 standalone_mode=False)
    except Unrecordable:
        return None
    except Exception as e:  # noqa: BLE001 - a usage error (exit 2) and the like: the command line's own
        code = getattr(e, "exit_code", 2)
        return {"exit": code if isinstance(code, int) and code > 1 else 2, "output": []}
    return {"exit": 0 if code is None else int(code), "output": output}


_command = None
_building = threading.Lock()
