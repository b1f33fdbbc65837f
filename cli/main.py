"""Entry point of the `lockstep` command."""
from __future__ import annotations

import os
import sys

if __name__ == "__main__" or os.path.basename(sys.argv[0]) == "lockstep":
    # gate, status, register list: a desk running for the home answers them warm, and the command
    # line prints its answer without importing what follows (cli/fast.py); else they run here.
    from cli.fast import answer_from_desk
    answer_from_desk(sys.argv[1:])

import cli.zh

cli.zh.install()  # typer's and click's own words in Chinese, before any command is built

import cli.admin_cmds  # noqa: F401  (registers commands)
import cli.audit_cmds  # noqa: F401
import cli.consistency_cmds  # noqa: F401
import cli.deliberation_cmds  # noqa: F401
import cli.demo  # noqa: F401
import cli.disclosure_cmds  # noqa: F401
import cli.dossier_cmds  # noqa: F401
import cli.gazette_cmds  # noqa: F401
import cli.notify_cmds  # noqa: F401
import cli.pool_cmds  # noqa: F401
import cli.register_cmds  # noqa: F401
import cli.review_cmds  # noqa: F401
import cli.storage_cmds  # noqa: F401
import cli.withhold_cmds  # noqa: F401
from cli.app import app
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


def run() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    run()
