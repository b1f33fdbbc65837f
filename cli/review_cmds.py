"""Reviewers' and offices' tools: version diffs, legality opinions, consultation, deadlines."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.app import AsOpt, JsonOpt, app, home_of, services_of
from cli.output import emit_json, engine_note, esc, out, refusals, spinner
from cli.zh import DateOption

consultation_app = typer.Typer(help="重大行政决策公开征求意见", no_args_is_help=True)
app.add_typer(consultation_app, name="consultation")


@app.command("diff")
def diff_cmd(ctx: typer.Context, dossier: Annotated[str, typer.Argument(help="卷宗编号")],
             old: Annotated[Optional[int], typer.Option("--from", min=1, max=999999, help="旧版本（默认上一版）")] = None,
             new: Annotated[Optional[int], typer.Option("--to", min=1, max=999999, help="新版本（默认当前版）")] = None,
             context: Annotated[int, typer.Option("--context", min=0, max=1000, help="改动前后保留的段落数")] = 1,
             as_json: JsonOpt = False) -> None:
    """两个版本之间的改动：政策文件与解读材料逐段比对。"""
    from services.dossiers.versions import diff_versions
    with refusals(as_json, {"dossier": dossier}):
        result = diff_versions(services_of(ctx), dossier, old, new)
    if as_json:
        emit_json(result.model_dump(mode="json", exclude={"documents": {"__all__": {"text"}}}))
        return
    out.print(f"[bold]卷宗 {esc(dossier)}：第 {result.old} 版 → 第 {result.new} 版[/bold]")
    for d in result.documents:
        out.print(f"\n[bold]{esc(d.role_name)}[/bold]（{esc(d.old_name or '—')} → {esc(d.new_name or '—')}）")
        out.print(d.text(context), markup=False)


@app.command("opinion")
def opinion_cmd(ctx: typer.Context, dossier: Annotated[str, typer.Argument(help="卷宗编号")],
                out_dir: Annotated[Path, typer.Option("--out", help="导出到哪个目录")] = Path("."),
                as_json: JsonOpt = False) -> None:
    """导出本卷宗的合法性审核意见书（docx）。"""
    from services.dossiers.versions import export_opinions
    with refusals(as_json, {"dossier": dossier}):
        files = export_opinions(services_of(ctx), dossier, out_dir)
    if as_json:
        emit_json({"dossier": dossier, "opinions": files})
        return
    if not files:
        out.print("本卷宗尚无合法性审核意见书。")
    for f in files:
        out.print(f"  {esc(f['opinion_number'])}（{esc('同意' if f['verdict'] == 'approve' else '退回')}）：{esc(f['path'])}")


@consultation_app.command("open")
def consultation_open(ctx: typer.Context, dossier: Annotated[str, typer.Argument(help="卷宗编号")],
                      start: Annotated[dt.datetime, DateOption("--from", help="开始日期")],
                      end: Annotated[dt.datetime, DateOption("--to", help="截止日期")],
                      as_: AsOpt,
                      reason: Annotated[Optional[str], typer.Option("--reason", help="期限少于 30 日的理由")] = None,
                      as_json: JsonOpt = False) -> None:
    """开始公开征求意见，并生成征求意见公告页面。"""
    from services.review.consultation import open_consultation
    with refusals(as_json, {"dossier": dossier}):
        v = open_consultation(services_of(ctx), dossier, start.date(), end.date(), as_, reason)
    _print_consultation(v, as_json, ctx)


@consultation_app.command("comments")
def consultation_comments(ctx: typer.Context, dossier: Annotated[str, typer.Argument(help="卷宗编号")],
                          as_: AsOpt,
                          file: Annotated[Optional[Path], typer.Option("--file", help="意见导出文件（CSV 或 JSON）")] = None,
                          author: Annotated[Optional[str], typer.Option("--author", help="逐条录入：提出人")] = None,
                          text: Annotated[Optional[str], typer.Option("--text", help="逐条录入：意见内容")] = None,
                          adopted: Annotated[Optional[str], typer.Option("--adopted", help="采纳 / 部分采纳 / 未采纳")] = None,
                          response: Annotated[Optional[str], typer.Option("--response", help="理由或说明")] = None,
                          as_json: JsonOpt = False) -> None:
    """录入公众意见：从网站导出的 CSV/JSON 导入，或逐条录入。"""
    from documents.problems import Refused, problem
    from services.review.consultation import read_comments_file, record_comments
    with refusals(as_json, {"dossier": dossier}):
        if file is not None:
            from cli.output import regular_file
            regular_file(file)                  # missing, a folder, a FIFO (read for ever): file_not_found
            items, source = read_comments_file(file), file.name
        elif text:
            items, source = [{"author": author, "text": text, "adopted": adopted, "response": response}], "录入"
        else:
            raise Refused(problem("manifest_invalid", "请用 --file 导入，或用 --text 录入一条意见"))
        v = record_comments(services_of(ctx), dossier, items, as_, source)
    _print_consultation(v, as_json, ctx)


@consultation_app.command("adopt")
def consultation_adopt(ctx: typer.Context, dossier: Annotated[str, typer.Argument(help="卷宗编号")],
                       comment: Annotated[int, typer.Argument(help="意见编号（见 consultation show）", min=1, max=999999)],
                       adopted: Annotated[str, typer.Option("--adopted", help="采纳 / 部分采纳 / 未采纳")],
                       as_: AsOpt, response: Annotated[Optional[str], typer.Option("--response", help="理由或说明")] = None,
                       as_json: JsonOpt = False) -> None:
    """填写一条意见的采纳情况。"""
    from services.review.consultation import decide_comment
    with refusals(as_json, {"dossier": dossier}):
        v = decide_comment(services_of(ctx), dossier, comment, adopted, response, as_)
    _print_consultation(v, as_json, ctx)


# 网上意见审核 from the command line: the lifecycle's ids and names (review.lifecycles.COMMENT_MODERATION:
# 采用 / 不予采用) and the words offices also use for them.
MODERATION_ALIASES = {"通过": "accept", "采纳显示": "accept", "驳回": "reject"}


def _moderation_action(text: str) -> str:
    from review.lifecycles import COMMENT_MODERATION
    t = "".join(text.split())
    if t.lower() in COMMENT_MODERATION.actions:
        return t.lower()
    names = {v: k for k, v in COMMENT_MODERATION.action_names.items()} | MODERATION_ALIASES
    if t in names:
        return names[t]
    valid = "、".join(f"{v}（{k}）" for k, v in COMMENT_MODERATION.action_names.items())
    raise typer.BadParameter(f"没有审核操作 {text}（可用：{valid}；也可写 通过、驳回）", param_hint="'审核'")


@consultation_app.command("moderate")
def consultation_moderate(ctx: typer.Context, dossier: Annotated[str, typer.Argument(help="卷宗编号")],
                          comment: Annotated[int, typer.Argument(help="网上意见编号（见 consultation show 的待审核）", min=1, max=999999)],
                          action: Annotated[str, typer.Argument(
                              help="采用（或 通过、accept：进入意见采纳情况表）、不予采用（或 驳回、reject：不公开）",
                              metavar="审核")],
                          as_: AsOpt,
                          reason: Annotated[Optional[str], typer.Option("--reason", help="审核理由（记入操作记录）")] = None,
                          as_json: JsonOpt = False) -> None:
    """审核一条网上意见：采用（进入意见采纳情况表）或不予采用（不公开）。"""
    from services.review.consultation import moderate_comment
    chosen = _moderation_action(action)
    with refusals(as_json, {"dossier": dossier, "comment": comment}):
        v = moderate_comment(services_of(ctx), dossier, comment, chosen, as_, reason)
    if not as_json:
        out.print(f"第 {esc(comment)} 条网上意见：{esc('已采用，进入意见采纳情况表' if chosen == 'accept' else '不予采用，不会公开')}")
    _print_consultation(v, as_json, ctx)


@consultation_app.command("summary")
def consultation_summary(ctx: typer.Context, dossier: Annotated[str, typer.Argument(help="卷宗编号")],
                         as_: AsOpt, as_json: JsonOpt = False) -> None:
    """征求意见期结束后，生成并公布意见采纳情况。"""
    from services.review.consultation import publish_summary
    with refusals(as_json, {"dossier": dossier}):
        v = publish_summary(services_of(ctx), dossier, as_)
    _print_consultation(v, as_json, ctx)


@consultation_app.command("show")
def consultation_show(ctx: typer.Context, dossier: Annotated[str, typer.Argument(help="卷宗编号")],
                      as_: Annotated[Optional[str], typer.Option(
                          "--as", help="以哪位人员的身份查看（可看到网上意见的提出人和联系方式；不写则不显示）")] = None,
                      as_json: JsonOpt = False) -> None:
    """征求意见的期限、意见数与采纳情况，以及待审核的网上意见。"""
    from services.review.consultation import view
    with refusals(as_json, {"dossier": dossier}):
        v = view(services_of(ctx), dossier, as_, named=as_ is not None)
    _print_consultation(v, as_json, ctx, named=as_ is not None)


def _print_consultation(v, as_json: bool, ctx: typer.Context | None = None, named: bool = True) -> None:
    if as_json:
        emit_json(v.model_dump(mode="json"))
        return
    out.print(f"[bold]卷宗 {esc(v.dossier)} 征求意见[/bold]：{esc(v.opens)} 至 {esc(v.closes)}"
              + (f"（缩短理由：{esc(v.shortened_reason)}）" if v.shortened_reason else ""))
    out.print(f"  公告：{esc(v.notice)}")
    if v.notice_url:
        out.print(f"  网址：{esc(_served(ctx, v.notice_url))}")
    out.print(f"  意见 {esc(v.comments)} 条：" + "，".join(f"{esc(k)} {esc(n)}" for k, n in v.adoption.items())
              + f"；网上意见待审核 {esc(v.pending)} 条"
              + (f"；本次 {esc(v.duplicates)} 条此前已录入，未重复录入" if v.duplicates else ""))
    for c in v.items:
        if c.source == "online" and c.moderation == "pending":
            continue
        state = "网上·不予采用" if c.source == "online" and c.moderation == "rejected" else None
        out.print(f"    {c.id:>4}. {c.author or '（姓名不显示）'}：{c.text[:40]}  [{state or c.adopted or '待定'}]",
                  markup=False)
    if v.pending_comments:          # the moderation queue, apart: none of these is counted or public until accepted
        out.print(f"  待审核的网上意见（{len(v.pending_comments)} 条，未计入上列；lockstep consultation moderate "
                  f"{v.dossier} 编号 采用|不予采用）：", markup=False)
        for c in v.pending_comments:
            at = f"{c.received_at.astimezone():%Y-%m-%d %H:%M}" if c.received_at else str(c.received_on or "")
            who = (c.author or "匿名") + (f"，{c.contact}" if c.contact else "") if named else "姓名、联系方式不显示"
            out.print(f"    {c.id:>4}.（{who}；{at}）：{c.text[:40]}  [待审核]", markup=False)
        if not named:
            out.print("        （加 --as 人员 查看提出人和联系方式）", markup=False)
    out.print(f"  采纳情况：{esc('已公布 ' + str(v.summary) if v.summary else '尚未公布')}")
    if v.summary_url:
        out.print(f"  采纳情况网址：{esc(_served(ctx, v.summary_url))}")


def _served(ctx: typer.Context | None, url: str) -> str:
    """A site address as the public reaches it: a relative one (/site/…) on the desk serving this home."""
    if not url.startswith("/") or ctx is None:
        return url
    from flows.handoff import desk_of
    info = desk_of(home_of(ctx).path)
    return f"{info['url'].rstrip('/')}{url}" if info and info.get("url") else url


@app.command("due")
def due_cmd(ctx: typer.Context,
            record: Annotated[bool, typer.Option("--record", help="立即运行定时检查（工作流）并记录提醒")] = False,
            as_json: JsonOpt = False) -> None:
    """到期与逾期事项：合法性审核期限、征求意见期、报备期限（按工作日与调休计算）。"""
    from services.review.deadlines import compute, reminders
    svc = services_of(ctx)
    if record:
        from flows.run import run_deadlines
        with spinner(engine_note(svc.home.path, "运行到期检查"), as_json):
            run_deadlines(svc.home.path)
    items = compute(svc)
    recorded = reminders(svc)
    from services.dossiers.staged import waiting as staged_waiting
    staged = staged_waiting(svc)        # bundles staged for a work pool, not yet taken in (issue 13)
    if as_json:
        emit_json({"due": items, "reminders": [{"kind": r.kind, "dossier": r.dossier_id, "due": r.due,
                                                "status": r.status, "message": r.message,
                                                "recorded_at": r.recorded_at} for r in recorded],
                   "staged": staged})
        return
    for b in staged:
        out.print(f"  [yellow]待入库[/yellow] 批次 {esc(b['batch'])}：{esc(b['bundles'])} 份材料已暂存，自 {esc(b['since'])} 起等待工作池处理"
                  f"（已等待 {esc(b.get('waited_minutes') or 0)} 分钟）")
    if not items:
        out.print("没有在办的期限。")
    for d in items:
        color = {"overdue": "red", "due_today": "red", "due_soon": "yellow"}.get(d.status, "green")
        out.print(f"  [{color}]{esc(d.status_name)}[/{color}] {esc(d.due)}  {esc(d.kind_name)}（{esc(d.period)}）  {esc(d.dossier)} {esc(d.title[:30])}")
        if d.note:
            out.print(f"      [yellow]{esc(d.note)}[/yellow]")
    out.print(f"已记录的提醒：{len(recorded)} 条")


@app.command("scheduler")
def scheduler_cmd(ctx: typer.Context,
                  cron: Annotated[str, typer.Option("--cron", help="检查时间（cron 表达式）")] = "0 8 * * *",
                  as_json: JsonOpt = False) -> None:
    """按计划运行到期检查（需要 Prefect 服务器：设置 PREFECT_API_URL）。"""
    import os
    from documents.problems import Refused, problem
    from flows.run import serve_schedules
    with refusals(as_json):
        from flows.on_pool import pool_of
        home = home_of(ctx).require()
        if (pool := pool_of(home.path)) is not None:     # one scheduler per province: the server's
            from flows.workpool import CHECK, SWEEP
            raise Refused(problem("invalid_state", f"本主目录使用工作池 {pool.pool}：计划任务是 Prefect 服务器 "
                                                   f"{pool.api_url} 上的部署计划（lockstep deploy 已登记：{CHECK} "
                                                   f"按 {pool.check_cron}，{SWEEP} 每 {pool.sweep_minutes} 分钟），"
                                                   "全省只此一处，不在各机器上运行；本机不必运行 lockstep scheduler。"
                                                   "修改计划请改 lockstep.toml 的 [prefect] 后重新运行 lockstep deploy",
                                  advice=""))
        if not os.environ.get("PREFECT_API_URL"):
            raise Refused(problem("invalid_state", "计划任务需要 Prefect 服务器：先运行 prefect server start，"
                                                   "再设置 PREFECT_API_URL=http://127.0.0.1:4200/api"))
        home = home_of(ctx).require()
    out.print(f"到期检查已按计划 {esc(cron)} 运行，在 Prefect 界面可见；Ctrl+C 停止。")
    serve_schedules(home.path, cron)
