"""Entry point of the `lockstep` command."""
from __future__ import annotations

import os
import sys



def undecodable(argv: list[str]) -> str | None:
    """A usage error's words when an argument is not UTF-8 (a GBK terminal, a mangled paste): Python hands
    such bytes over as lone surrogates, which no command can store or print. None when all are readable."""
    for i, arg in enumerate(argv, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "backslashreplace").decode("ascii", "replace")
            return (f"用法错误：第 {i} 个参数（{shown}）不是 UTF-8 编码的文字；请把终端的编码设为 UTF-8"
                    "（如 export LANG=zh_CN.UTF-8）后重新输入")
    return None


if __name__ == "__main__" or os.path.basename(sys.argv[0]) == "lockstep":
    # Lockstep uses no pydantic plugins; looking for them reads every installed package's metadata,
    # some 15 ms of every command (issue 14, "Reads are fast"). An operator's own setting is kept.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if (_bad := undecodable(sys.argv[1:])) is not None:
        print(_bad, file=sys.stderr)
        if "--json" in sys.argv[1:]:        # stdout holds one JSON document, a usage error's too (cli/zh.py)
            import json
            print(json.dumps({"ok": False, "problems": [{"code": "request_invalid", "severity": "error",
                                                         "message": _bad.removeprefix("用法错误：")}]},
                             ensure_ascii=False, indent=2))
        sys.exit(2)
    # gate, status, register list, and the writes submit, sign-off, attach, review: a desk running
    # for the home runs them warm, and the command line prints its answer without importing what
    # follows (cli/fast.py); else they run here.
    from cli.fast import answer_from_desk
    answer_from_desk(sys.argv[1:])

import cli.zh

cli.zh.install()  # typer's and click's own words in Chinese, before any command is built

import importlib

# The modules that register commands, in the order `lockstep --help` lists them.
MODULES = ("cli.admin_cmds", "cli.audit_cmds", "cli.backup_cmds", "cli.consistency_cmds", "cli.deliberation_cmds",
           "cli.demo", "cli.disclosure_cmds", "cli.dossier_cmds", "cli.gazette_cmds", "cli.notify_cmds", "cli.pool_cmds",
           "cli.register_cmds", "cli.review_cmds", "cli.storage_cmds", "cli.withhold_cmds")
# Which module registers a command (or a group's commands): a command run as `lockstep` imports
# only its own module, not all fifteen. A command missing here imports them all, as does --help,
# a typo and any import of this module in a process that is not `lockstep` (tests, the desk).
# tests/cli/test_reads_fast.py checks every entry against what the modules register.
COMMANDS = {
    **dict.fromkeys(("init", "serve", "users"), "cli.admin_cmds"),
    **dict.fromkeys(("history", "audit"), "cli.audit_cmds"),
    **dict.fromkeys(("backup", "restore"), "cli.backup_cmds"),
    "consistency": "cli.consistency_cmds", "deliberation": "cli.deliberation_cmds", "demo": "cli.demo",
    "disclosure": "cli.disclosure_cmds",
    **dict.fromkeys(("inspect", "submit", "attach", "gate", "review", "sign-off", "publish", "status", "batch"),
                    "cli.dossier_cmds"),
    "gazette": "cli.gazette_cmds", "notify": "cli.notify_cmds",
    **dict.fromkeys(("deploy", "worker"), "cli.pool_cmds"),
    **dict.fromkeys(("register", "report"), "cli.register_cmds"),
    **dict.fromkeys(("diff", "opinion", "due", "scheduler", "consultation"), "cli.review_cmds"),
    "storage": "cli.storage_cmds", "withhold": "cli.withhold_cmds",
}


def command_of(argv: list[str]) -> str | None:
    """The command word of `lockstep [--home H] COMMAND ...`, or None (no command, or another root option)."""
    i = 0
    while i < len(argv) and argv[i].startswith("--home"):
        i += 1 if "=" in argv[i] else 2
    return argv[i] if i < len(argv) and not argv[i].startswith("-") else None


def _registered(typer_app) -> set[str]:
    return {c.name or c.callback.__name__ for c in typer_app.registered_commands} | \
        {g.name for g in typer_app.registered_groups}


_word = command_of(sys.argv[1:]) if __name__ == "__main__" or os.path.basename(sys.argv[0]) == "lockstep" else None
if _word in COMMANDS:
    importlib.import_module(COMMANDS[_word])
from cli.app import app  # noqa: E402
if _word not in _registered(app):
    for _module in MODULES:
        importlib.import_module(_module)
from cli.output import guarded


def _guard_all(typer_app) -> None:
    """Every command, in every group, ends in the one problem shape (cli.output.guarded)."""
    for info in typer_app.registered_commands:
        if info.callback is not None and not getattr(info.callback, "__wrapped__", None):
            info.callback = guarded(info.callback)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _guard_all(group.typer_instance)


_guard_all(app)


def every_command():
    """The application with every module's commands, whichever this process imported at start
    (`lockstep serve` imports only its own; the desk then answers reads: cli/fast.py)."""
    for module in MODULES:
        importlib.import_module(module)
    _guard_all(app)
    return app


def run() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    run()
