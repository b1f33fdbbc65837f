"""撤回公开: a gazette editor or registrar takes a published document off every public output."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.app import AsOpt, JsonOpt, app, services_of
from cli.output import emit_json, esc, out, refusals


@app.command("withhold")
def withhold_cmd(ctx: typer.Context, dossier: Annotated[str, typer.Argument(help="卷宗编号")],
                 reason: Annotated[str, typer.Option("--reason", help="撤回公开的理由（不少于 10 个字）")],
                 as_: AsOpt,
                 gazette_out: Annotated[Optional[list[Path]], typer.Option(
                     "--gazette-out", help="另用 lockstep gazette issue release --out 出版过公报的目录"
                                           "（可重复；主目录下的 gazette/ 总会处理）")] = None,
                 as_json: JsonOpt = False) -> None:
    """撤回公开：把已发布的文件从网站、公开台帐、公报电子版、订阅源和更正启事中撤下，理由记入审计链。
    已出版的印刷版及其指纹不变。"""
    from services.dossiers.withhold import withhold
    with refusals(as_json, {"dossier": dossier}):
        result = withhold(services_of(ctx), dossier, reason, as_, gazette_dirs=gazette_out or ())
    if as_json:
        emit_json({"ok": True, **result.model_dump(mode="json")})
        return
    out.print(f"[green]已撤回公开[/green] 卷宗 {esc(result.dossier)}（{esc(result.withheld_by)}，"
              f"{esc(result.withheld_at.astimezone().strftime('%Y年%m月%d日 %H:%M'))}）")
    out.print(f"  理由：{esc(result.reason)}")
    if result.site_removed:
        out.print(f"  网站上删除：{esc('、'.join(result.site_removed))}")
    for issue in result.issues:
        out.print(f"  公报 {esc(issue)} 电子版：该文件已换为撤回公开说明，目录与订阅源不再列出（印刷版不变）")
    for folder in result.folders:
        out.print(f"  已改写：{esc(folder)}")
