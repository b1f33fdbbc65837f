"""`lockstep demo`: the whole journey on the built-in sample bundle."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.app import JsonOpt, app, home_of
from cli.output import emit_json, out


@app.command("demo")
def demo_cmd(ctx: typer.Context,
             workdir: Annotated[Optional[Path], typer.Option("--workdir", help="样例材料写到哪里（默认临时目录）")] = None,
             as_json: JsonOpt = False) -> None:
    """演示：用内置样例材料走完提交、审核、签发、发布、登记的全过程。"""
    from services.home.demo import run_demo
    home = home_of(ctx)
    work = workdir or Path(tempfile.mkdtemp(prefix="lockstep-demo-"))
    steps = run_demo(home, work, say=None if as_json else out.print)
    if as_json:
        emit_json(steps)
