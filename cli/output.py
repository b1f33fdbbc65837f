"""One output shape for every command: Chinese text for people, one JSON document with --json."""
from __future__ import annotations

import json
import os
import re
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator

import typer
from pydantic import BaseModel
from rich.console import Console

from cli.fast import CONSOLE, Unrecordable
from documents.problems import Problem, Refused, problem
from documents.shown import echoed
from services.home.faults import refusal_of

# While the desk answers a read for the command line (cli/fast.py), what a command prints is
# recorded here, per request, and printed there by a console built the same way.
_recorded: ContextVar[list | None] = ContextVar("lockstep_recorded", default=None)


class _Out:
    """The console commands print to (stdout), or the recording of it while the desk answers a read."""

    def __init__(self, console: Console) -> None:
        self._console = console

    def print(self, *objects: Any, **kwargs: Any) -> None:
        objects = tuple(printable(o) for o in objects)
        recorded = _recorded.get()
        if recorded is None:
            return self._console.print(*objects, **kwargs)
        if kwargs or not all(isinstance(o, str) for o in objects):
            raise Unrecordable
        recorded.append(["print", list(objects)])

    def __getattr__(self, name: str) -> Any:
        if _recorded.get() is not None:
            raise Unrecordable
        return getattr(self._console, name)


_AT = re.compile(r"closing tag '.*' at position (\d+)")
# Control characters other than line feed and tab, shown as \x1b rather than sent to the terminal.
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x09), *range(0x0b, 0x20), *range(0x7f, 0xa0))} | {0x0d: ""}


def printable(obj: Any) -> Any:
    """A line the console can print: a closing tag nothing opened (a reviewer's "请改[/b]正文", an id typed
    as "[/x]", interpolated into the line) is escaped, printed as written, instead of raising rich's
    MarkupError from inside the command or from its error handler (a traceback). Control characters (a
    reviewer's ESC sequence that would clear or retitle the clerk's terminal) are shown, not sent."""
    if not isinstance(obj, str):
        return obj
    obj = obj.translate(_CONTROLS)
    if "[" not in obj:
        return obj
    from rich.errors import MarkupError
    from rich.markup import escape, render
    for _ in range(50):
        try:
            render(obj)
            return obj
        except MarkupError as e:
            if not (m := _AT.search(str(e))) or obj[int(m[1]):int(m[1]) + 2] != "[/":
                break
            obj = obj[:int(m[1])] + "\\" + obj[int(m[1]):]
    return escape(obj)


# An empty span: prints nothing, and keeps what comes before it from joining what comes after it.
_CUT = "[b][/b]"
_OPENS = re.compile(r"\[(?=[a-z#/@]|$)")
_TRAILING = re.compile(r"\\+$")


def esc(value: Any) -> str:
    """A value (a title, an organ, a reason, a name, a path) as markup that prints it as written, wherever
    it is put in a line of our markup: `f"[bold]{esc(title)}[/bold]"`. rich.markup.escape is not enough
    next to our own tags: a trailing backslash escapes the tag after it, an unclosed "[a" joins with a "]"
    after it, and rich drops a backslash before any "[". So a "[" that could open a tag is followed by an
    empty span, a backslash before "[" is doubled, and trailing backslashes are doubled before an empty
    span. Control characters are shown first (as printable does), so removing one joins nothing."""
    text = str(value).translate(_CONTROLS).replace("\\[", "\\\\[")
    text = _OPENS.sub("[" + _CUT, text)
    if m := _TRAILING.search(text):
        text += m[0] + _CUT
    return text


out = _Out(Console(**CONSOLE))
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


@contextmanager
def recording(into: list) -> Iterator[list]:
    """Record what `out.print` and `emit_json` print, instead of printing it (the desk's half of cli/fast.py)."""
    token = _recorded.set(into)
    try:
        yield into
    finally:
        _recorded.reset(token)

PATH_SHOWN = 200         # characters of a path a refusal repeats (documents.shown.echoed); `file` keeps it whole
SEVERITY = {"error": "[red]错误[/red]", "warning": "[yellow]提示[/yellow]"}


# request_invalid's general advice sends the person to the API's documentation; at the command line the
# command's own help says how to write the value (issue 14, "Codes that fit").
_API_ADVICE = "：" + problem("request_invalid", advice=None).message
_COMMAND_ADVICE = "：请按命令的说明（加 -h 查看）填写后重试"


def for_command_line(p: Problem) -> Problem:
    """The problem as the command line says it: request_invalid without the API's advice."""
    if p.code == "request_invalid" and ("：" + p.message).endswith(_API_ADVICE):
        detail = ("：" + p.message)[:-len(_API_ADVICE)].removeprefix("：")
        return p.model_copy(update={"message": detail + _COMMAND_ADVICE if detail else _COMMAND_ADVICE[1:]})
    return p


def _said_here(value: Any) -> Any:
    """Every problem in a JSON document (a refusal's, or one inside a result) as the command line says it."""
    if isinstance(value, dict):
        if value.get("code") == "request_invalid" and isinstance(value.get("message"), str):
            value = {**value, "message": for_command_line(problem("request_invalid", advice="")
                                                          .model_copy(update={"message": value["message"]})).message}
        return {k: _said_here(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_said_here(v) for v in value]
    return value


def to_jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value


def emit_json(doc: dict) -> None:
    text = json.dumps(_said_here(to_jsonable(doc)), ensure_ascii=False, indent=2, default=str) + "\n"
    recorded = _recorded.get()
    if recorded is not None:
        recorded.append(["write", text])
        return
    sys.stdout.write(text)
    sys.stdout.flush()


def problem_line(p: Problem) -> str:
    p = for_command_line(p)
    where = (f"（{esc(echoed(p.file, PATH_SHOWN))}" + (f"，第 {p.paragraph} 段" if p.paragraph else "") + "）"
             if p.file else "")
    return f"  {SEVERITY.get(p.severity, p.severity)} [bold]{esc(p.code)}[/bold]{where}：{esc(p.message)}"


def print_problems(problems: list[Problem], heading: str = "发现的问题") -> None:
    if not problems:
        return
    out.print(f"{heading}（{len(problems)}）：")
    for p in problems:
        out.print(problem_line(p))


def refuse(r: Refused, as_json: bool, extra: dict | None = None) -> None:
    """Exit 1 with the coded problems: JSON on stdout, or Chinese text."""
    if as_json:
        emit_json({**(extra or {}), "ok": False, "problems": list(r.problems)})
    else:
        out.print("[red bold]未通过：[/red bold]")
        for p in r.problems:
            out.print(problem_line(p))
    raise typer.Exit(code=1)


@contextmanager
def refusals(as_json: bool, extra: dict | None = None) -> Iterator[None]:
    try:
        yield
    except Refused as r:
        refuse(r, as_json, extra)


def guarded(command):
    """Wrap a command so that it ends in the one problem shape whatever goes wrong: with --json a
    {"ok": false, "problems": [...]} document on stdout, else a Chinese message; exit 1; never a
    traceback (set LOCKSTEP_DEBUG=1 to see one on stderr)."""
    import functools

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except Exception as e:
            # click's own exceptions, and typer's vendored click (typer._click): by name, so that
            # click is not imported for it; usage errors keep their exit code 2.
            if any(c.__name__ in ("ClickException", "Exit", "Abort") for c in type(e).__mro__):
                raise
            if os.environ.get("LOCKSTEP_DEBUG"):
                import traceback
                traceback.print_exc(file=sys.stderr)
            found = refusal_of(e)
            if found.problem.code == "internal_error":
                found = _path_refusal(e, kwargs) or found
            refuse(found, bool(kwargs.get("as_json", False)))
    return run


# What went wrong with a path the person named, by the error the system gave.
_PATH_FAULTS = {"ENOENT": "不存在（或是指向不存在位置的链接）", "ENOTDIR": "不是文件夹", "EEXIST": "已存在且不是文件夹（或是指向不存在位置的链接）",
                "EISDIR": "是文件夹，应为文件", "ENXIO": "不是普通文件（如管道或设备）", "EACCES": "没有读写权限",
                "EPERM": "没有读写权限", "ELOOP": "是循环的符号链接"}


def _path_refusal(e: BaseException, kwargs: dict) -> Refused | None:
    """file_not_found naming the path as given, when the command failed on a path the person named (or
    inside it): an output folder that is a file, a FIFO or a dangling link; a file that is a folder."""
    import errno
    from pathlib import PurePath
    named = [v for value in kwargs.values() for v in (value if isinstance(value, (list, tuple)) else [value])
             if isinstance(v, PurePath)]
    seen: set[int] = set()
    x: BaseException | None = e
    while x is not None and id(x) not in seen:
        seen.add(id(x))
        if isinstance(x, OSError) and x.filename and errno.errorcode.get(x.errno or 0) in _PATH_FAULTS:
            failed = os.path.abspath(os.fsdecode(x.filename))
            for p in named:
                mine = os.path.abspath(p)
                if failed == mine or failed.startswith(mine.rstrip(os.sep) + os.sep):
                    what = _PATH_FAULTS[errno.errorcode[x.errno]]
                    return Refused(problem("file_not_found", f"“{echoed(p, PATH_SHOWN)}”{what}", file=str(p)))
        x = x.__cause__ or x.__context__
    return None


def regular_file(path) -> None:
    """Refuse (file_not_found) a path that is not a regular file to read: missing, a dangling link, a folder,
    or a FIFO or device (reading one would wait for ever for a writer that never comes)."""
    import stat
    try:
        mode = os.stat(path).st_mode
    except OSError:
        raise Refused(problem("file_not_found", f"“{echoed(path, PATH_SHOWN)}”不存在", file=str(path))) from None
    if stat.S_ISDIR(mode):
        raise Refused(problem("file_not_found", f"“{echoed(path, PATH_SHOWN)}”是文件夹，应为文件", file=str(path)))
    if not stat.S_ISREG(mode):
        raise Refused(problem("file_not_found", f"“{echoed(path, PATH_SHOWN)}”不是普通文件（如管道或设备），无法读取",
                               file=str(path)))


def engine_note(home, what: str) -> str:
    """What the person waits for: a hand-off to the running desk, or the engine starting here."""
    from flows.handoff import desk_of
    if desk_of(home) is not None:
        return f"已交给工作台{what}…"
    return f"正在启动工作流引擎并{what}（约需十秒；运行 lockstep serve 可免去等待）…"


@contextmanager
def spinner(text: str, as_json: bool) -> Iterator[None]:
    # With --json, stdout holds only the JSON document; the spinner goes to stderr either way.
    if _recorded.get() is not None:       # on the desk for the command line: it spins there (cli/fast.py)
        yield
        return
    with err.status(text, spinner="dots"):
        yield
