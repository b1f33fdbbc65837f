"""The command line speaks Chinese: typer's and its click's own words, dates as offices write them.

Typer 0.29 vendors click (typer._click) with its messages as plain English f-strings (no gettext), so
they are put into Chinese where they are shown, in one place: the rich help and error renderers'
constants (typer.rich_utils), the usage line's prefix (the help formatter), the help option's text,
and the error panel's message (`message_zh`). Usage errors keep their exit code 2. Imported once by
cli/main.py, before the app runs.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import os
import re
import shutil
import sys
from contextvars import ContextVar

import typer
from typer import _click
from typer._click import decorators as _decorators
from typer._click.formatting import HelpFormatter

USAGE = "用法："
HELP_TEXT = "显示本帮助并退出。"
DATE_FORMS = "2026-12-10、2026/12/10 或 2026年12月10日"


# ---------------------------------------------------------------- messages

def _quoted(s: str) -> str:
    """'gate', 'gazette' → gate、gazette (click quotes names with repr)."""
    return "、".join(x.strip().strip("'\"") for x in s.split(", "))


def _value_zh(text: str) -> str:
    """The part of an "Invalid value" message that says what was wrong."""
    text = re.sub(r"^Value error, ", "", text)
    rules: list[tuple[str, str]] = [
        (r"^(.+?) is not one of (.+?)\.?$", lambda m: f"{m[1]} 不是可选值（可选：{_quoted(m[2])}）"),
        (r"^(.+?) does not match the formats? (.+?)\.?$", lambda m: f"{m[1]} 不是可识别的日期（可写作 {DATE_FORMS}）"),
        (r"^Input should be a valid integer.*$", lambda m: "应为整数"),
        (r"^Input should be a valid number.*$", lambda m: "应为数字"),
        (r"^Input should be a valid boolean.*$", lambda m: "应为 true 或 false"),
        (r"^Input should be greater than or equal to (\S+)$", lambda m: f"应不小于 {m[1]}"),
        (r"^Input should be less than or equal to (\S+)$", lambda m: f"应不大于 {m[1]}"),
        (r"^Value (.+?) is not a valid (\S+)\.$", lambda m: f"{m[1]} 不是有效的 {m[2]}"),
        (r"^(?i:path|file|directory) (.+?) does not exist\.$", lambda m: f"{m[1]} 不存在"),
        (r"^(?i:path|file|directory) (.+?) is a file\.$", lambda m: f"{m[1]} 是文件，应为文件夹"),
        (r"^(?i:path|file|directory) (.+?) is a directory\.$", lambda m: f"{m[1]} 是文件夹，应为文件"),
        (r"^(?i:path|file|directory) (.+?) is not readable\.$", lambda m: f"{m[1]} 不可读"),
        (r"^(?i:path|file|directory) (.+?) is not writable\.$", lambda m: f"{m[1]} 不可写"),
        # typer's note on a missing choice (get_missing_message): "Choose from:\n\tcsv,\n\txlsx"
        (r"^Choose from:\s*(.*)$", lambda m: "可选：" + "、".join(x.strip() for x in m[1].split(",") if x.strip())),
    ]
    for pattern, say in rules:
        if m := re.match(pattern, text, re.S):
            return say(m)
    return text


def _hint(h: str) -> str:
    return _quoted(h.replace(" / ", ", "))


def message_zh(message: str) -> str:
    """click's and typer's English error messages in Chinese; anything else unchanged."""
    rules: list[tuple[str, object]] = [
        (r"^Missing (option|argument|parameter):? ?(.*?)\.(?: (.*))?$",
         lambda m: f"缺少{ {'option': '选项', 'argument': '参数', 'parameter': '参数'}[m[1]] } {_hint(m[2])}".rstrip()
         + ("。" + _value_zh(m[3]) if m[3] else "")),
        (r"^Missing command\.$", lambda m: "缺少命令。"),
        (r"^No such option: (\S+)(?: \(Possible options: (.+)\))?$",
         lambda m: f"没有选项 {m[1]}" + (f"（是否要输入：{m[2].replace(', ', '、')}）" if m[2] else "")),
        (r"^No such command '(.+?)'\.(?: Did you mean (.+)\?)?$",
         lambda m: f"没有命令 {m[1]}" + (f"（是否要输入：{_quoted(m[2])}）" if m[2] else "")),
        (r"^Got unexpected extra argument(?:\(s\)|s)? \((.*)\)$", lambda m: f"多余的参数：{m[1]}"),
        (r"^Option '(.+?)' requires an argument\.$", lambda m: f"选项 {m[1]} 需要一个值"),
        (r"^Option '(.+?)' requires (\d+) arguments\.$", lambda m: f"选项 {m[1]} 需要 {m[2]} 个值"),
        (r"^Option '(.+?)' does not take a value\.$", lambda m: f"选项 {m[1]} 不带值"),
        (r"^Argument '(.+?)' takes (\d+) values\.$", lambda m: f"参数 {m[1]} 需要 {m[2]} 个值"),
        (r"^Invalid value for (.+?): (.*)$", lambda m: f"{_hint(m[1])} 的值无效：{_value_zh(m[2])}"),
        (r"^Invalid value: (.*)$", lambda m: f"值无效：{_value_zh(m[1])}"),
    ]
    for pattern, say in rules:
        if m := re.match(pattern, message, re.S):
            return say(m)  # type: ignore[operator]
    return message


TYPE_NAMES = {"str": "文本", "int": "整数", "float": "数字", "path": "路径", "file": "文件",
              "directory": "文件夹", "bool": "是/否", "datetime": "日期", "uuid": "编号"}


def _type_zh(label: str | None) -> str | None:
    """<str> → <文本>, list[path] → <路径>...: the type column of the help."""
    if label is None or not (m := re.fullmatch(r"<(?:list\[)?(\w+)(?: range)?\]?>(\.\.\.)?", label)):
        return label
    return f"<{TYPE_NAMES.get(m[1].lower(), m[1])}>{m[2] or ''}"


def _typed(cls) -> None:
    english = cls.display_type_rich

    def display_type_rich(self, ctx):
        if getattr(self, "is_flag", False) and not getattr(self, "secondary_opts", None) and self.metavar is None:
            return None                     # a flag takes no value: no type to show
        return _type_zh(english(self, ctx))
    cls.display_type_rich = display_type_rich


# Arguments by what they are, in usage lines, help and errors (缺少参数 卷宗 rather than dossier).
ARGUMENT_NAMES = {"dossier": "卷宗", "dossiers": "卷宗", "name": "人员", "issue": "期次", "year": "年度",
                  "value": "公开属性", "text": "文字", "sources": "材料包", "paths": "文件", "files": "文件",
                  "file": "文件", "notice": "更正启事", "comment": "意见编号", "bundle": "材料"}


def _named(cls) -> None:
    english = cls.display_name_raw

    @property
    def display_name_raw(self) -> str:
        if self.metavar is None and self.name in ARGUMENT_NAMES:
            return ARGUMENT_NAMES[self.name]
        return english.fget(self)
    cls.display_name_raw = display_name_raw


def _usage_zh(usage: str) -> str:
    return usage.replace("[OPTIONS]", "[选项]").replace("COMMAND [ARGS]...", "命令 [参数]...")


# ---------------------------------------------------------------- where they are shown

class ZhHelpFormatter(HelpFormatter):
    """The usage line: 用法：lockstep gate [选项] 卷宗 …"""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, _usage_zh(args), USAGE if prefix is None else prefix)


def _help_option(param_decls):
    english = _help_option.original(param_decls)

    def apply(command):
        command = english(command)
        command.params[-1].help = HELP_TEXT
        return command
    return apply


_help_option.original = _decorators.help_option


def rich_format_error(self: _click.ClickException) -> None:
    """typer.rich_utils.rich_format_error with the message in Chinese (same layout, same stream)."""
    from rich.markup import escape
    from rich.panel import Panel
    ru = sys.modules["typer.rich_utils"]
    if self.__class__.__name__ == "NoArgsIsHelpError":
        return
    console = ru._get_rich_console(stderr=True)
    ctx = getattr(self, "ctx", None)
    if ctx is not None:
        console.print(ru.highlighter(ctx.get_usage()), style=ru.STYLE_USAGE_COMMAND)
    if ctx is not None and ctx.command.get_help_option(ctx) is not None:
        console.print(ru.RICH_HELP.format(command_path=escape(ctx.command_path),
                                          help_option=ctx.help_option_names[0]),
                      style=ru.STYLE_ERRORS_SUGGESTION)
    said = message_zh(self.format_message()).translate(_CONTROLS)      # a typed ESC is shown, not obeyed
    console.print(Panel(ru.highlighter(said), border_style=ru.STYLE_ERRORS_PANEL_BORDER,
                        title=ru.ERRORS_PANEL_TITLE, title_align=ru.ALIGN_ERRORS_PANEL))
    if _asked_for_json():
        _usage_json(said)


_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x09), *range(0x0b, 0x20), *range(0x7f, 0xa0))}


# The arguments of the command line being run (typer.core._main), for a usage error to see --json in.
_ARGS: ContextVar[tuple] = ContextVar("lockstep_args", default=())


def _asked_for_json() -> bool:
    args = list(_ARGS.get())
    return "--json" in (args[:args.index("--")] if "--" in args else args)


def _usage_json(message: str) -> None:
    """With --json, stdout holds one JSON document whatever happens (README): a usage error's is the one
    problem shape, request_invalid with click's message in Chinese; the panel stays on stderr; exit 2."""
    import json
    found = {"code": "request_invalid", "message": f"{message.rstrip('。')}：请按命令的说明（加 -h 查看）填写后重试",
             "severity": "error"}
    sys.stdout.write(json.dumps({"ok": False, "problems": [found]}, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def _remembering(main):
    if getattr(main, "remembering", False):
        return main

    def run(self, *, args=None, **kw):
        token = _ARGS.set(tuple(sys.argv[1:] if args is None else args))
        try:
            return main(self, args=args, **kw)
        finally:
            _ARGS.reset(token)
    run.remembering = True
    return run


def _width() -> int:
    """Help wraps at the terminal's width; piped or captured (no terminal), at 120 columns."""
    for name in ("TERMINAL_WIDTH", "COLUMNS"):
        if (v := os.environ.get(name, "")).isdigit() and int(v) > 0:
            return int(v)
    if sys.stdout.isatty():
        return shutil.get_terminal_size((120, 24)).columns
    return 120


def _chinese(ru) -> None:
    """typer.rich_utils, the help and error renderer, in Chinese."""
    ru.DEPRECATED_STRING = "（已弃用）"
    ru.DEFAULT_STRING = "[默认：{}]"
    ru.ENVVAR_STRING = "[环境变量：{}]"
    ru.REQUIRED_LONG_STRING = "[必填]"
    ru.ARGUMENTS_PANEL_TITLE = "参数"
    ru.OPTIONS_PANEL_TITLE = "选项"
    ru.COMMANDS_PANEL_TITLE = "命令"
    ru.ERRORS_PANEL_TITLE = "错误"
    ru.ABORTED_TEXT = "已中止。"
    ru.RICH_HELP = "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。"
    ru.MAX_WIDTH = _width()
    ru.rich_format_error = rich_format_error
    ru._make_rich_text = _folded(ru._make_rich_text)


def _folded(make):
    """typer's help texts, folded at the column's edge: rich wraps at spaces and cuts a longer run with
    "…" (a table column's overflow), and a Chinese sentence is one such run (issue 14: help not cut)."""
    if getattr(make, "folded", False):
        return make

    def make_folded(**kw):
        text = make(**kw)
        if hasattr(text, "overflow"):
            text.overflow = "fold"
        return text
    make_folded.folded = True
    return make_folded


class _WhenLoaded:
    """typer imports its rich renderer only to show help or an error (eagerly it would cost every
    command some 60 ms of rich.markdown): put it into Chinese as it loads. A meta path finder and its
    loader by their protocol (find_spec; create_module and exec_module), not as subclasses of
    importlib.abc's: importing that module costs every command some 15 ms."""

    def find_spec(self, fullname, path, target=None):
        if fullname != "typer.rich_utils":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        original = spec.loader

        class Loader:
            def create_module(self, spec):
                return original.create_module(spec)

            def exec_module(self, module):
                original.exec_module(module)
                _chinese(module)

            def __getattr__(self, name):          # get_source and the like, for tracebacks
                return getattr(original, name)

        spec.loader = Loader()
        return spec


def install() -> None:
    if "typer.rich_utils" in sys.modules:
        _chinese(sys.modules["typer.rich_utils"])
    elif not any(isinstance(f, _WhenLoaded) for f in sys.meta_path):
        sys.meta_path.insert(0, _WhenLoaded())
    _click.Context.formatter_class = ZhHelpFormatter
    import typer.core
    typer.core._main = _remembering(typer.core._main)
    _decorators.help_option = _help_option
    from typer.core import TyperArgument, TyperOption
    for cls in (TyperArgument, TyperOption):
        _typed(cls)
    _named(TyperArgument)


# ---------------------------------------------------------------- dates

_DATE = re.compile(r"^\s*(\d{4})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?)\s*$")


def parse_date(value) -> dt.datetime:
    """2026-12-10, 2026/12/10, 2026.12.10, 2026年12月10日 (and 2026年1月5日) → a datetime at midnight."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    text = str(value).translate(str.maketrans("０１２３４５６７８９－／", "0123456789-/"))
    m = _DATE.match(text)
    if m:
        y, mo, d = int(m[1]), int(m[2] or m[4]), int(m[3] or m[5])
        try:
            return dt.datetime(y, mo, d)
        except ValueError:
            raise typer.BadParameter(f"没有这一天：{value}") from None
    raise typer.BadParameter(f"{value} 不是可识别的日期（可写作 {DATE_FORMS}）")


def DateOption(*names: str, help: str = "", **kw):
    """A date option: the forms parse_date reads, shown as 日期 in help."""
    return typer.Option(*names, parser=parse_date, metavar="日期", help=help, **kw)
