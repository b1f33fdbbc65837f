"""通知: who acts next is told in the desk inbox and by e-mail (issue 14). `notify send` sends the
pending mail now; `notify list` shows a person's inbox."""
from __future__ import annotations

from typing import Annotated

import typer

from cli.app import AsOpt, JsonOpt, app, services_of
from cli.output import emit_json, esc, out, refusals

notify_app = typer.Typer(help="通知：下一步由谁办理，就通知谁（工作台通知与电子邮件）", no_args_is_help=True)
app.add_typer(notify_app, name="notify")


@notify_app.command("send")
def send_cmd(ctx: typer.Context,
             retry_failed: Annotated[bool, typer.Option("--retry-failed", help="已判定发送失败的邮件也再试一次")] = False,
             as_json: JsonOpt = False) -> None:
    """立即发送待发的通知邮件（含等待重试的）；未配置 [mail] 时只在工作台通知中显示。"""
    from services.home.notifications import send_pending
    with refusals(as_json):
        result = send_pending(services_of(ctx), due_only=False, retry_failed=retry_failed)
    if as_json:
        emit_json({"ok": True, **result.model_dump(mode="json")})
        return
    if result.note:
        out.print(f"[yellow]{esc(result.note)}[/yellow]")
    out.print(f"已发送 {len(result.sent)} 封；稍后重试 {len(result.retrying)} 封；发送失败 {len(result.failed)} 封；"
              f"不发送 {len(result.skipped)} 封")
    for r in result.retrying:
        out.print(f"  [yellow]稍后重试[/yellow] {esc(r['person'])}：{esc(r['note'])}（第 {r['attempts']} 次）")
    for r in result.failed:
        out.print(f"  [red]发送失败[/red] {esc(r['person'])}：{esc(r['note'])}")


@notify_app.command("list")
def list_cmd(ctx: typer.Context, as_: AsOpt, as_json: JsonOpt = False) -> None:
    """本人的工作台通知（最新在前），及每条的邮件状态。"""
    from review.lifecycles import MAIL
    from services.home.notifications import inbox, shown_body
    from services.review.basics import person
    with refusals(as_json):
        svc = services_of(ctx)
        who = person(svc.config, as_)
        notices = inbox(svc, who.name)
    if as_json:
        emit_json({"ok": True, "person": who.name, "unread": sum(n.read_at is None for n in notices),
                   "notifications": [{"id": n.id, "kind": n.kind, "dossier": n.dossier_id, "stage": n.stage,
                                      "subject": n.subject, "body": shown_body(n), "link": n.link,
                                      "created_at": n.created_at, "read": n.read_at is not None,
                                      "mail_status": n.mail_status, "mail_status_name": MAIL.states[n.mail_status],
                                      "mail_note": n.note} for n in notices]})
        return
    if not notices:
        out.print("没有通知。")
    for n in notices:
        mark = "[bold]未读[/bold]" if n.read_at is None else "已读"
        out.print(f"  {mark} {n.created_at.astimezone():%Y-%m-%d %H:%M}  {esc(n.subject)}  （邮件：{esc(n.mail_status_name)}）")
