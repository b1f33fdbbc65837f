"""The typer application and what every command shares: the home and the service handle."""
# No postponed annotations: typer reads each parameter's Annotated[...] as the object it is,
# not as a string to compile and evaluate when the command line is built (issue 14, "Reads are fast").

from pathlib import Path
from typing import Annotated, Optional

import typer

from services.home.folder import Home, default_home

app = typer.Typer(
    name="lockstep",
    help="Lockstep：政策文件与解读同步起草、审核、签发、公开。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

JsonOpt = Annotated[bool, typer.Option("--json", help="输出一个 JSON 文档（供其他系统调用）")]
AsOpt = Annotated[str, typer.Option("--as", help="以哪位人员的身份操作（见 lockstep users list）")]
HomeOpt = Annotated[Optional[Path], typer.Option("--home", help="Lockstep 主目录（默认 ./.lockstep 或 LOCKSTEP_HOME）")]


@app.callback()
def main(ctx: typer.Context, home: HomeOpt = None) -> None:
    ctx.obj = {"home": home}


def home_of(ctx: typer.Context, override: Path | None = None) -> Home:
    root = ctx.find_root()
    chosen = override or (root.obj or {}).get("home") or default_home()
    return Home(Path(chosen))


def services_of(ctx: typer.Context):
    from services.home.context import open_services
    return open_services(home_of(ctx))
