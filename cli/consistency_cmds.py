"""解读与政策一致性: the interpretation's findings against its policy, and a reviewer's explained marks."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from cli.app import JsonOpt, app, services_of
from cli.output import emit_json, esc, out, refusals

consistency_app = typer.Typer(help="解读与政策一致性：查看核对结果，审核人员说明某处不是错误", no_args_is_help=True)
app.add_typer(consistency_app, name="consistency")


@consistency_app.command("show")
def show_cmd(ctx: typer.Context, dossier: Annotated[str, typer.Argument(help="卷宗编号")],
             as_: Annotated[Optional[str], typer.Option("--as", help="以哪位人员的身份查看（可选；给出时核对其能否查看、能否说明）")] = None,
             as_json: JsonOpt = False) -> None:
    """列出当前版本解读与政策不一致之处（含编号、是否已说明）和解读未涉及的条款。"""
    from services.dossiers.explained import findings, summary_line
    with refusals(as_json, {"dossier": dossier}):
        view = findings(services_of(ctx), dossier, as_)
    if as_json:
        emit_json({"ok": True, **view.model_dump(mode="json"), "summary": summary_line(view)})
        return
    out.print(f"卷宗 {esc(view.dossier)} 第 {view.version} 版　{esc(summary_line(view))}（提示，不影响签发）")
    for p in view.unavailable:
        out.print(f"  [red]✗[/red] {esc(p.code)}：{esc(p.message)}")
    for f in view.findings:
        mark = f"[green]已说明[/green]（{esc(f.explained_by)}：{esc(f.reason)}）" if f.explained else "[yellow]未说明[/yellow]"
        out.print(f"  {mark} 编号 {esc(f.id)}　{esc(f.message)}")
    for n in view.notes:
        out.print(f"  · {esc(n)}")
    if view.findings and not view.findings[0].explained and as_ and view.may_explain:
        out.print(f"  说明：lockstep consistency explain {esc(view.dossier)} --finding 编号 --reason 理由 --as {esc(as_)}")


@consistency_app.command("explain")
def explain_cmd(ctx: typer.Context, dossier: Annotated[str, typer.Argument(help="卷宗编号")],
                finding: Annotated[str, typer.Option("--finding", help="问题编号（见 lockstep consistency show）")],
                reason: Annotated[str, typer.Option("--reason", help="为何不是错误（不少于 10 个字）")],
                as_: Annotated[str, typer.Option("--as", help="以哪位人员的身份操作（本卷宗某一审核环节的审核人员）")],
                as_json: JsonOpt = False) -> None:
    """审核人员说明一处不一致不是错误（理由记入审计链，事件 consistency.explained）；新版本的问题重新计为未说明。"""
    from services.dossiers.explained import explain
    with refusals(as_json, {"dossier": dossier, "finding": finding}):
        result = explain(services_of(ctx), dossier, finding, reason, as_)
    if as_json:
        emit_json({"ok": True, **result.model_dump(mode="json")})
        return
    f = result.finding
    out.print(f"[green]已说明[/green] 卷宗 {esc(result.dossier)} 第 {result.version} 版 编号 {esc(f.id)}（{esc(f.explained_by)}）")
    out.print(f"  {esc(f.message)}")
    out.print(f"  理由：{esc(f.reason)}")
    out.print(f"  解读与政策一致性：{esc(result.unexplained)} 处未说明")
