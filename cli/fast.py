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

Writes (`submit`, `sign-off`, `attach`, `review`) are answered the same way (tests/cli/test_writes_fast.py),
with one difference: once the request has gone to the desk, the command never runs here as well. A
desk that does not say it is up, refuses the request (its token, its size), or declines it before
running it (a usage error, --help, another time zone) leaves the command to run here; a desk that
took the request and gave no answer (it died, or no answer within WRITE_TIMEOUT) may have done the
write, so the command line says so with a coded problem (internal_error) and exits 1 instead.
"""
from __future__ import annotations

import json
import os
import sys
import threading

# How cli.output builds its console: the desk's recorded lines print the same here.
CONSOLE = {"highlight": False, "soft_wrap": True, "emoji": False}   # ":smile:" in a title prints as written

# Command words -> the desk's hand-off path. Only reads: the desk runs them with the console recorded.
READS = {("gate",): "/api/flows/gate", ("status",): "/api/flows/status",
         ("register", "list"): "/api/flows/register-list"}
# Seconds the desk has to answer a read before the command runs here after all.
READ_TIMEOUT = 60
# Writes the desk may run for the command line: words -> (path, options that take a value, which
# arguments are paths). Each raises its usage errors (click's, exit 2) before it changes anything,
# so a usage error on the desk means nothing was done and the command runs here to say it. None of
# them asks anything at a terminal; a command that prompts must not be added here.
WRITES = {
    ("submit",): ("/api/flows/submit", ("--as", "--dossier", "--answer"), "all"),
    ("sign-off",): ("/api/flows/sign-off", ("--as", "--reason", "--publish-at"), ()),
    ("attach",): ("/api/flows/attach", ("--role", "--as"), (1,)),
    ("review",): ("/api/flows/review", ("--stage", "--as", "--comment", "--reason"), ()),
}
# Seconds the desk has to answer a write it took; no answer then is the coded problem, never a rerun.
WRITE_TIMEOUT = 600
# Environment variables that choose where a command reads and writes (services/home/folder.py): the
# desk runs a command only when the command line names the same ones as the desk's own environment,
# else the command would read or write the desk's database and objects instead of the ones named here.
STORES = ("LOCKSTEP_DATABASE_URL", "LOCKSTEP_OBJECTS")
# What the spinner says while the desk works (cli.output.engine_note with a desk up), on a terminal.
WAITING = {("submit",): "已交给工作台入库…", ("sign-off",): "已交给工作台同步发布…"}


def _split(argv: list[str]) -> tuple[str | None, tuple[str, ...], list[str]] | None:
    """(--home, command words, the command's own arguments) for a read or write the desk may answer, else None."""
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
    for words in (*READS, *WRITES):
        if tuple(rest[:len(words)]) == words:
            args = rest[len(words):]
            if any(a in ("-h", "--help") or a.startswith("--home") for a in args):
                return None
            return home, words, args
    return None


def _up(info: dict) -> bool:
    """The desk says it is up within HEALTH_TIMEOUT. One that does not is passed by for the rest of
    this process (flows.handoff.SILENT): the command run here hands it no flow work either."""
    import http.client
    from urllib.parse import urlsplit
    from flows.handoff import HEALTH_TIMEOUT, SILENT
    url = urlsplit(info["url"])
    try:       # a desk that is stopped (SIGSTOP) or wedged accepts the connection and never answers
        c = http.client.HTTPConnection(url.hostname, url.port, timeout=HEALTH_TIMEOUT)
        c.request("GET", "/api/health")
        health = c.getresponse()
        health.read()
        c.close()
        if health.status == 200:
            return True
    except (OSError, ValueError, TypeError, http.client.HTTPException):
        pass
    SILENT.add(info["url"])
    return False


def _ask(info: dict, path: str, body: dict) -> dict | None:
    """One loopback request to the desk named in desk.json; None when it does not answer."""
    import http.client
    from urllib.parse import urlsplit
    url = urlsplit(info["url"])
    if not _up(info):
        return None
    try:
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
    """Print a read or write the running desk answered and exit with its code; return when it did not."""
    split = _split(argv)
    if split is None:
        return
    home, words, args = split
    if words in WRITES:
        args = _absolute(words, args)
        if args is None:
            return
    from pathlib import Path
    from flows.handoff import desk_of
    info = desk_of(Path(home or os.environ.get("LOCKSTEP_HOME") or ".lockstep"))
    if info is None or not (isinstance(info.get("url"), str) and isinstance(info.get("token"), str)):
        return                                # no desk, or a desk.json of another shape: run here
    if words in WRITES:
        return _write(info, words, args)
    answer = _ask(info, READS[words], {"args": args, "tz": os.environ.get("TZ"), "env": stores()})
    if answer is None or answer["exit"] not in (0, 1):
        return                                # a usage error or no answer: the command line says it
    replay(answer.get("output") or [])
    sys.exit(answer["exit"])


def _absolute(words: tuple[str, ...], args: list[str]) -> list[str] | None:
    """The write's arguments with its path arguments made absolute (the desk does not share this
    process's working folder), or None when the command line had better run it here: a path that
    does not exist (the refusal names it as given) or whose name would read otherwise (".", "..")."""
    _, valued, paths = WRITES[words]
    out, position, i = [], 0, 0
    while i < len(args):
        a = args[i]
        if a == "--":
            return None                           # rare: the command line's own
        if a.startswith("-"):
            out.append(a)
            if a in valued and i + 1 < len(args):
                out.append(args[i + 1])
                i += 1
        else:
            if paths == "all" or position in paths:
                if not (os.path.exists(a) or os.path.islink(a)) or os.path.basename(os.path.abspath(a)) != _name(a):
                    return None
                # Joined, not normalised: "link/../x.zip" is x.zip beside link's target to the kernel
                # (and to the command run here), not ./x.zip as abspath would make it.
                a = os.path.join(os.getcwd(), a)
            out.append(a)
            position += 1
        i += 1
    return out


def stores(env: dict | None = None) -> dict:
    """STORES as named in `env` (this process's environment by default); unset and empty alike."""
    env = os.environ if env is None else env
    return {k: env.get(k) or None for k in STORES}


def _name(path: str) -> str:
    from pathlib import PurePath
    return PurePath(path).name


def _write(info: dict, words: tuple[str, ...], args: list[str]) -> None:
    """Hand the write to the desk. Before the request has gone: any failure returns (it runs here).
    After: the desk's answer is printed, or, when none comes, the coded problem; never a rerun."""
    import http.client
    from urllib.parse import urlsplit
    path = WRITES[words][0]
    if not _up(info):
        return
    url = urlsplit(info["url"])
    body = json.dumps({"args": args, "tz": os.environ.get("TZ"), "env": stores()}).encode()
    c = http.client.HTTPConnection(url.hostname, url.port, timeout=WRITE_TIMEOUT)
    try:
        c.connect()
    except OSError:
        return                                    # nothing was sent
    status, answer = None, None
    with _waiting(WAITING.get(words)):
        try:
            c.request("POST", path, body=body, headers={"Authorization": f"Bearer {info['token']}",
                                                       "Content-Type": "application/json"})
            r = c.getresponse()
            status, data = r.status, r.read()
            c.close()
            answer = json.loads(data) if status == 200 else None
        except (OSError, ValueError, http.client.HTTPException):
            pass
        except KeyboardInterrupt:                 # Ctrl+C: as the command run here (cli.main.run)
            sys.exit(130)
    if status is not None and 400 <= status < 500:
        return                                    # refused before it ran (token, size, shape): run here
    if isinstance(answer, dict) and answer.get("exit") == -1:
        return                                    # declined before it ran: run here
    if not (isinstance(answer, dict) and answer.get("exit") in (0, 1) and isinstance(answer.get("output"), list)):
        answer = lost(words, args)
    replay(answer["output"])
    sys.exit(answer["exit"])


def _waiting(text: str | None):
    """The spinner the command shows on a terminal while the work is done (stderr, transient)."""
    import contextlib
    if text is None or not sys.stderr.isatty():
        return contextlib.nullcontext()
    from rich.console import Console
    return Console(stderr=True, highlight=False, soft_wrap=True).status(text, spinner="dots")


LOST = ("工作台已收到本次请求，但未及答复即中断或超时，可能已经办理", "请先用 lockstep status 卷宗编号 或工作台查看是否已经办理，"
        "再决定是否重新运行（相同材料不会重复入库，已签发的卷宗不会再次签发）")


def lost(words: tuple[str, ...], args: list[str]) -> dict:
    """The desk took the write and gave no answer: the one problem shape (cli.output.refuse), exit 1."""
    detail, advice = LOST
    found = {"code": "internal_error", "message": f"{detail}：{advice}", "severity": "error"}
    if "--json" in args:
        text = json.dumps({"ok": False, "problems": [found]}, ensure_ascii=False, indent=2) + "\n"
        return {"exit": 1, "output": [["write", text]]}
    return {"exit": 1, "output": [["print", ["[red bold]未通过：[/red bold]"]],
                                  ["print", [f"  [red]错误[/red] [bold]{found['code']}[/bold]：{found['message']}"]]]}


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


def run_read(home, words: tuple[str, ...], args: list[str], tz: str | None, env: dict | None = None) -> dict | None:
    """On the desk: the read command run as the command line would run it for `home`, its printing
    recorded. {"exit": code, "output": [["print", [markup, ...]] | ["write", text], ...]}, or None
    when the command line had better run it itself."""
    if tz != os.environ.get("TZ") or not all(isinstance(a, str) for a in args):
        return None                           # times print in the caller's zone
    if stores(env or {}) != stores():
        return None                           # the caller names another database or object store
    if any(a in ("-h", "--help") or a.startswith("--home") for a in args):
        return None
    command = _built()
    from cli.output import recording
    output: list = []
    try:
        with recording(output):
            code = command.main(args=["--home", str(home), *words, *args], prog_name="lockstep",
                                standalone_mode=False)
    except Unrecordable:
        return None
    except Exception as e:  # noqa: BLE001 - a usage error (exit 2) and the like: the command line's own
        code = getattr(e, "exit_code", 2)
        return {"exit": code if isinstance(code, int) and code > 1 else 2, "output": []}
    return {"exit": 0 if code is None else int(code), "output": output}


def _built():
    """The click command of the whole application, built once per desk process."""
    import typer.main

    import cli.main
    global _command
    with _building:
        if _command is None:
            _command = typer.main.get_command(cli.main.every_command())
    return _command


def run_write(home, words: tuple[str, ...], args: list[str], tz: str | None, flows, env: dict | None = None) -> dict:
    """On the desk: a write (WRITES) run as the command line would run it for `home`, its printing
    recorded, its flow work handed to `flows(path, body)` (the desk's own FlowWork, not the desk
    over loopback: flows.handoff.hand_off). {"exit": -1} when it was not run and the command line
    had better run it itself (a usage error, --help, another time zone); once it has begun, an
    answer, 0 or 1: the command line must not run it again. The one exception is a usage error the
    command raises itself (sign-off's --publish-at): WRITES' commands raise them before any change."""
    declined = {"exit": -1, "output": []}
    if words not in WRITES or tz != os.environ.get("TZ") or not all(isinstance(a, str) for a in args):
        return declined
    if stores(env or {}) != stores():
        return declined                           # the caller names another database or object store
    if any(a in ("-h", "--help") or a.startswith("--home") for a in args):
        return declined
    command = _built()
    argv = ["--home", str(home), *words, *args]
    try:                                          # click's usage errors, before anything is done
        root = command.make_context("lockstep", list(argv))
        with root:
            name, sub, rest = command.resolve_command(root, [*root._protected_args, *root.args])
            sub.make_context(name, rest, parent=root).close()
    except Exception:  # noqa: BLE001 - the command line says what is wrong, as it would here
        return declined
    from cli.output import recording
    from flows.handoff import on_desk
    from services.home.crashpoints import crash_point
    crash_point(f"desk.write_taken.{words[0]}")   # tests: the desk dies with the request, nothing done
    output: list = []
    code = None
    try:
        with recording(output), on_desk(flows):
            code = command.main(args=argv, prog_name="lockstep", standalone_mode=False)
    except Unrecordable:
        code = _cut_short(output, args, "命令已在工作台办理，但其输出无法在命令行显示")
    except Exception as e:  # noqa: BLE001
        if any(c.__name__ == "ClickException" for c in type(e).__mro__):
            return declined                       # a usage error the command raises before any change
        code = _cut_short(output, args, f"工作台办理中断（{type(e).__name__}：{str(e)[:200]}）")
    crash_point(f"desk.write_done.{words[0]}")    # tests: the desk dies with the work done, unanswered
    return {"exit": 0 if code is None else int(code), "output": output}


def _cut_short(output: list, args: list[str], detail: str) -> int:
    """The one problem shape (cli.output.refuse) after what the command printed; exit 1."""
    import typer

    from cli.output import recording, refuse
    from documents.problems import Refused, problem
    found = problem("internal_error", detail, advice=LOST[1])
    with recording(output):
        try:
            refuse(Refused(found), "--json" in args)
        except typer.Exit as e:
            return e.exit_code
    return 1


_command = None
_building = threading.Lock()
