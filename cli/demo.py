"""`lockstep demo`: the whole journey on the built-in sample bundle."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.app import JsonOpt, app, home_of
from cli.output import emit_json, esc, out


@app.command("demo")
def demo_cmd(ctx: typer.Context,
             workdir: Annotated[Optional[Path], typer.Option("--workdir", help="样例材料写到哪里（默认临时目录）")] = None,
             as_json: JsonOpt = False) -> None:
    """演示：用内置样例材料走完提交、审核、签发、发布、登记的全过程。"""
    from services.home.demo import run_demo
    from services.home.folder import Home
    chosen = (ctx.find_root().obj or {}).get("home")
    scratch = demo_home(chosen, os.environ.get("LOCKSTEP_HOME"))
    home = Home(scratch) if scratch is not None else home_of(ctx)
    work = workdir or Path(tempfile.mkdtemp(prefix="lockstep-demo-"))
    if scratch is not None and not as_json:
        out.print(f"演示使用新建的临时主目录 {esc(scratch)}（不占用正式主目录的公报期号与登记号；"
                  f"用 --home 指定主目录则在该目录中演示）")
    with _own_storage(scratch is not None) as ignored:
        if ignored and not as_json:
            out.print(f"演示不使用环境变量 {esc('、'.join(ignored))}（它们指向正式的数据库或对象存储）")
        steps = run_demo(home, work, say=None if as_json else out.print)
    if scratch is not None and not as_json:
        out.print(f"查看演示结果：lockstep --home {esc(scratch)} serve")
    if as_json:
        emit_json(steps)


@contextmanager
def _own_storage(scratch: bool):
    """In a scratch home the demo uses that home's own database and objects: LOCKSTEP_DATABASE_URL and
    LOCKSTEP_OBJECTS (which outrank lockstep.toml) name a real home's, whose numbers it must never spend."""
    ignored = {k: os.environ.pop(k) for k in STORAGE_VARIABLES if scratch and k in os.environ}
    try:
        yield sorted(k for k, v in ignored.items() if v)
    finally:
        os.environ.update(ignored)


STORAGE_VARIABLES = ("LOCKSTEP_DATABASE_URL", "LOCKSTEP_OBJECTS")


def demo_home(given: Path | None, env_home: str | None) -> Path | None:
    """A fresh temporary home for the demo, unless a home was named (--home or LOCKSTEP_HOME):
    the demo never spends a real home's dossier, gazette and register numbers by accident."""
    if given is not None or env_home:
        return None
    return Path(tempfile.mkdtemp(prefix="lockstep-demo-home-")) / "home"
