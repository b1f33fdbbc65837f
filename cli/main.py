"""Entry point of the `lockstep` command."""
from __future__ import annotations

import sys

import cli.admin_cmds  # noqa: F401  (registers commands)
import cli.audit_cmds  # noqa: F401
import cli.demo  # noqa: F401
import cli.disclosure_cmds  # noqa: F401
import cli.dossier_cmds  # noqa: F401
import cli.gazette_cmds  # noqa: F401
import cli.register_cmds  # noqa: F401
import cli.review_cmds  # noqa: F401
from cli.app import app
import cli.withhold_cmds  # noqa: F401


def run() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    run()
