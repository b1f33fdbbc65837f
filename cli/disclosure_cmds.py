"""公开属性: set it when a policy's marking could not be placed (the gate's disclosure_unknown)."""
from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

from cli.app import AsOpt, JsonOpt, app, services_of
from cli.output import emit_json, esc, out, refusals

disclosure_app = typer.Typer(help="公开属性：文件标注无法识别时，由起草单位负责人或签发人确定", no_args_is_help=True)
app.add_typer(disclosure_app, name="disclosure")


class Attribute(str, Enum):
    proactive = "主动公开"
    on_request = "依申请公开"
    not_public = "不予公开"


@disclosure_app.command("set")
def set_cmd(ctx: typer.Context, dossier: Annotated[str, typer.Argument(help="卷宗编号")],
            value: Annotated[Attribute, typer.Argument(help="主动公开、依申请公开或不予公开")],
            as_: AsOpt,
            ground: Annotated[Optional[str], typer.Option(
                "--ground", help="法律依据（不予公开时必填），如《中华人民共和国政府信息公开条例》第十四条")] = None,
            as_json: JsonOpt = False) -> None:
    """确定卷宗的公开属性（记入审计链）。文件本身标注不予公开的，不能改为公开。"""
    from services.dossiers.disclosure import set_disclosure
    with refusals(as_json, {"dossier": dossier}):
        result = set_disclosure(services_of(ctx), dossier, value.value, as_, ground)
    if as_json:
        emit_json({"ok": True, **result.model_dump(mode="json")})
        return
    out.print(f"{esc(result.set_by)} 已将卷宗 {esc(dossier)} 的公开属性定为“{esc(result.disclosure)}”"
              + (f"（依据：{esc(result.ground)}）" if result.ground else "") + "。")
    out.print(f"  文件中的标注：{esc(result.marking or '未标注')}")
    from cli.dossier_cmds import _print_gate
    _print_gate(result.gate)
