"""The record: a dossier's history and the audit chain's check."""
from __future__ import annotations

from typing import Annotated

import typer

from cli.app import JsonOpt, app, services_of
from cli.output import emit_json, esc, out, refusals

audit_app = typer.Typer(help="审计链", no_args_is_help=True)
app.add_typer(audit_app, name="audit")

EVENT_NAMES = {
    "dossier.submitted": "提交", "review.stage.decided": "审核", "dossier.signed_off": "签发",
    "dossier.published": "发布并登记", "dossier.emergency_signed_off": "紧急签发",
    "consultation.opened": "开始征求意见", "consultation.comments_recorded": "录入公众意见",
    "consultation.summary_published": "公布意见采纳情况", "register.filed": "报备",
    "consultation.comment_moderated": "审核网上意见", "consultation.comment_decided": "填写意见采纳情况",
    "consistency.explained": "说明解读与政策不一致之处", "dossier.kind_changed": "改变文件类别",
}


@app.command("history")
def history_cmd(ctx: typer.Context, dossier: Annotated[str, typer.Argument(help="卷宗编号")],
                as_json: JsonOpt = False) -> None:
    """卷宗的全部操作记录（来自审计链）。"""
    with refusals(as_json, {"dossier": dossier}):
        svc = services_of(ctx)
        with svc.unit() as uow:
            uow.dossiers.require(dossier)
            events = [{"seq": e.seq, "event": e.name, "actor": e.actor, "at": e.payload.get("at"),
                       "hash": e.hash, "details": {k: v for k, v in e.payload.items() if k not in ("at", "event")}}
                      for e in uow.audit.history(dossier)]
    if as_json:
        emit_json({"dossier": dossier, "events": events})
        return
    from cli.names import stage_name
    labels = {"version": "版本", "stage": "环节", "verdict": "结论", "comment": "意见", "reason": "理由",
              "registration_number": "登记号"}
    said = {"stage": lambda v: stage_name(svc.config, v), "verdict": lambda v: {"approve": "通过", "return": "退回"}.get(v, v)}
    for e in events:
        d = e["details"]
        extra = "，".join(f"{labels[k]}：{said.get(k, str)(v)}" for k, v in d.items() if k in labels and v)
        out.print(f"  {e['seq']:>4}  {esc(e['at'][:19].replace('T', ' '))}  {esc(EVENT_NAMES.get(e['event'], e['event']))}"
                  f"  {esc(e['actor'])}  {esc(extra)}")


@audit_app.command("verify")
def audit_verify(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """校验审计链：发现被改动、删除或调换顺序的事件。"""
    with refusals(as_json):
        svc = services_of(ctx)
        with svc.unit() as uow:
            findings = uow.audit.verify()
            total = uow.audit.count()
    if as_json:
        emit_json({"ok": not findings, "events": total, "findings": findings})
    elif findings:
        out.print(f"[red bold]审计链校验未通过[/red bold]（共 {total} 条事件）：")
        for f in findings:
            out.print(f"  ✗ 第 {f.seq} 条 [{esc(f.problem)}] {esc(f.message)}")
    else:
        out.print(f"[green]审计链完整[/green]：{total} 条事件，逐条哈希相连。")
    raise typer.Exit(code=1 if findings else 0)
