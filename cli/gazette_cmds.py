"""The gazette editors' commands (政府公报): the queue and issues — new, add, show, list, release —
corrections (更正启事), search and history import."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.app import AsOpt, JsonOpt, app, services_of
from cli.output import emit_json, err, esc, out, refusals
from cli.zh import DateOption
from documents.problems import Refused

gazette_app = typer.Typer(help="政府公报：待刊队列与期刊编排、出版", no_args_is_help=True)
issue_app = typer.Typer(help="公报期次：新建、编入稿件、查看、出版", no_args_is_help=True)
correction_app = typer.Typer(help="更正启事：在以后编排中的一期刊登对已出版一期的更正", no_args_is_help=True)
app.add_typer(gazette_app, name="gazette")
gazette_app.add_typer(issue_app, name="issue")
gazette_app.add_typer(correction_app, name="correction")

DateOpt = Annotated[Optional[dt.datetime], DateOption("--date", help="出版日期，如 2026-12-10、2026年12月10日")]
STATUS = {"draft": "编排中", "releasing": "出版中", "scheduled": "定时出版", "released": "已出版"}


@gazette_app.command("queue")
def gazette_queue(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """公报待刊队列（已发布、尚未编入任何一期的稿件）。"""
    from services.gazette.issues import queue
    with refusals(as_json):
        rows = queue(services_of(ctx))
    items = [{"id": i.id, "dossier": i.dossier_id, "title": i.title, "document_number": i.doc_number,
              "organ": i.organ, "signed_date": i.signed_date, "queued_at": i.queued_at,
              "policy_page": i.policy_page, "interpretation_page": i.interpretation_page} for i in rows]
    if as_json:
        emit_json({"items": items})
        return
    if not items:
        out.print("待刊队列为空。")
    for i in items:
        out.print(f"  {i['id']:>4}  {esc(i['document_number'] or '—')}  {esc(i['title'])}（卷宗 {esc(i['dossier'])}）")


def _print_issue(view) -> None:
    out.print(f"[bold]公报{view.year}年第{view.number}期（总第{view.total}期）[/bold]  编号 {esc(view.issue)}  "
              f"{esc(STATUS.get(view.status, view.status))}")
    if view.planned_date and view.status == "draft":
        out.print(f"  计划出版日期：{esc(view.planned_date.isoformat())}")
    if view.release_date and view.print_sha256 and view.web_sha256:
        out.print(f"  出版日期：{esc(view.release_date.isoformat())}  印刷版指纹 {esc(view.print_sha256[:12])}…  "
                  f"电子版指纹 {esc(view.web_sha256[:12])}…")
    if not view.items:
        out.print("  （尚无稿件，用 lockstep gazette issue add 编入）")
    section = None
    for i in view.items:
        if i.section != section:
            section = i.section
            out.print(f"  【{esc(section)}】")
        out.print(f"    {i.position}. {esc(i.title)}{f'（{esc(i.document_number)}）' if i.document_number else ''}"
                  + (f"  卷宗 {esc(i.dossier)}" if i.dossier else "  （历史公报导入）"))
    if view.corrections:
        out.print("  【更正启事】")
    for c in view.corrections:
        out.print(f"    更正启事 {esc(c.notice)}：{esc(c.title)}")
    for c in view.corrected_by:
        out.print(f"  [yellow]已有更正[/yellow]：公报 {esc(c.issue)} 更正启事 {esc(c.notice)}：{esc(c.title)}")


@issue_app.command("new")
def issue_new(ctx: typer.Context,
              year: Annotated[int, typer.Option("--year", min=1949, max=2999, help="年份")],
              number: Annotated[int, typer.Option("--number", min=1, max=9999, help="当年期号")],
              as_: AsOpt,
              total: Annotated[Optional[int], typer.Option("--total", min=1, max=999999, help="总期号（默认上一期加一）")] = None,
              date: DateOpt = None, as_json: JsonOpt = False) -> None:
    """新建一期公报；--date 为计划出版日期，编入稿件时即按它检查施行日期。"""
    from services.gazette.issues import create_issue
    with refusals(as_json):
        view = create_issue(services_of(ctx), year, number, as_, total, date.date() if date else None)
    if as_json:
        emit_json({"issue": view})
        return
    out.print(f"[green]已新建[/green] 公报{esc(year)}年第{esc(number)}期（总第{view.total}期），编号 {esc(view.issue)}")


def _edit(ctx: typer.Context, issue: str, as_json: bool, change, said, doc: dict | None = None) -> None:
    """Change a draft issue through one service call, `change(svc)`: a refusal is rendered (exit 1);
    --json prints `doc` or else the issue, text output `said(view)` and then the issue (if any)."""
    with refusals(as_json, {"issue": issue}):
        view = change(services_of(ctx))
    if as_json:
        emit_json(doc if doc is not None else {"issue": view})
        return
    out.print(said(view))
    if view is not None:
        _print_issue(view)


@issue_app.command("add")
def issue_add(ctx: typer.Context, issue: Annotated[str, typer.Argument(help="期次编号，如 2019-8")],
              dossiers: Annotated[list[str], typer.Argument(help="待刊队列中的卷宗编号")],
              as_: AsOpt, as_json: JsonOpt = False) -> None:
    """把待刊队列中的稿件编入一期，排在本栏目已有稿件之后（每份稿件只能编入一期；已出版的期次不能再改动）。"""
    from services.gazette.issues import add_items
    _edit(ctx, issue, as_json, lambda svc: add_items(svc, issue, list(dossiers), as_),
          lambda view: f"[green]已编入[/green] {len(dossiers)} 份稿件")


@issue_app.command("remove")
def issue_remove(ctx: typer.Context, issue: Annotated[str, typer.Argument(help="期次编号，如 2019-8")],
                 dossiers: Annotated[list[str], typer.Argument(help="要移出本期的稿件的卷宗编号")],
                 as_: AsOpt, as_json: JsonOpt = False) -> None:
    """把稿件移出编排中的一期：稿件回到待刊队列，可编入另一期（已决定出版的期次不能再改动）。"""
    from services.gazette.issues import remove_items
    _edit(ctx, issue, as_json, lambda svc: remove_items(svc, issue, list(dossiers), as_),
          lambda view: f"[green]已移出[/green] {len(dict.fromkeys(dossiers))} 份稿件，回到待刊队列")


@issue_app.command("move")
def issue_move(ctx: typer.Context, issue: Annotated[str, typer.Argument(help="期次编号，如 2019-8")],
               dossier: Annotated[str, typer.Argument(help="要调整顺序的稿件的卷宗编号")],
               as_: AsOpt,
               up: Annotated[bool, typer.Option("--up", help="在本栏目内上移一篇")] = False,
               down: Annotated[bool, typer.Option("--down", help="在本栏目内下移一篇")] = False,
               to: Annotated[Optional[int], typer.Option("--to", min=1, max=9999, metavar="序号",
                                                         help="移到本期第几篇（gazette issue show 列出的序号，须在本栏目内）")] = None,
               as_json: JsonOpt = False) -> None:
    """调整编排中的一期稿件的顺序（只在本栏目内；目录、电子版与印刷版都按此顺序）：--up、--down 或 --to 序号，三者选一。"""
    from services.gazette.issues import move_item
    if up + down + (to is not None) != 1:
        raise typer.BadParameter("请用 --up、--down 或 --to 序号 指明怎样移动（三者选一）", param_hint="--up/--down/--to")
    step = -1 if up else (1 if down else None)
    _edit(ctx, issue, as_json, lambda svc: move_item(svc, issue, dossier, as_, to=to, step=step),
          lambda view: "[green]已调整顺序[/green] " + next(
              (f"卷宗 {esc(dossier)} 现为本期第 {i.position} 篇（【{esc(i.section)}】）" for i in view.items if i.dossier == dossier),
              f"卷宗 {esc(dossier)}"))



@issue_app.command("delete")
def issue_delete(ctx: typer.Context, issue: Annotated[str, typer.Argument(help="期次编号，如 2019-8")],
                 as_: AsOpt, as_json: JsonOpt = False) -> None:
    """删除编排中且没有稿件、没有更正启事的一期（期号与总期号可再用）。"""
    from services.gazette.issues import delete_issue
    _edit(ctx, issue, as_json, lambda svc: delete_issue(svc, issue, as_),
          lambda view: f"[green]已删除[/green] 公报期次 {esc(issue)}", doc={"deleted": issue})


@issue_app.command("show")
def issue_show(ctx: typer.Context, issue: Annotated[str, typer.Argument(help="期次编号，如 2019-8")],
               as_json: JsonOpt = False) -> None:
    """查看一期公报：栏目、顺序、出版记录。"""
    from services.gazette.issues import show_issue
    with refusals(as_json, {"issue": issue}):
        view = show_issue(services_of(ctx), issue)
    if as_json:
        emit_json({"issue": view})
    else:
        _print_issue(view)


@issue_app.command("list")
def issue_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """历年各期公报。"""
    from services.gazette.issues import list_issues
    with refusals(as_json):
        views = list_issues(services_of(ctx))
    if as_json:
        emit_json({"issues": views})
        return
    if not views:
        out.print("尚无公报期次。")
    for v in views:
        out.print(f"  {v.issue:<10} {v.year}年第{v.number}期（总第{v.total}期） {esc(STATUS.get(v.status, v.status))}"
                  f"  {len(v.items)} 份稿件")


@issue_app.command("release")
def issue_release(ctx: typer.Context, issue: Annotated[str, typer.Argument(help="期次编号，如 2019-8")],
                  out_dir: Annotated[Path, typer.Option("--out", help="输出目录")],
                  as_: AsOpt, date: DateOpt = None,
                  at: Annotated[Optional[str], typer.Option(
                      "--at", metavar="时间", help="定时出版：公开的时间（本地时间），如 \"2026-12-10 09:00\"、"
                                                  "\"2026年12月10日 9:00\"；出版物立即生成并核对，到时才公开")] = None,
                  yes: Annotated[bool, typer.Option("--yes", "-y", help="不再询问，确认出版（出版后不能撤回）")] = False,
                  as_json: JsonOpt = False) -> None:
    """出版：同时生成印刷版（docx）与电子版（网页），记录两者的指纹；出版后不能再改动。--at 定时出版。"""
    from services.gazette.release import release_issue
    moment = parse_moment(at) if at is not None else None
    if not yes and interactive():           # a person at a terminal confirms; scripts and tests do not ask
        when = f"于 {moment:%Y-%m-%d %H:%M} 定时" if moment else "立即"
        if not typer.confirm(f"确认{when}出版公报 {issue}？出版后不能撤回或改动", default=False):
            err.print("已取消，未出版。")
            raise typer.Exit(code=1)
    from flows.on_pool import Queued, pool_of, release as release_on_pool
    queued = None
    with refusals(as_json, {"issue": issue}):
        svc = services_of(ctx)
        day = date.date() if date else None
        try:            # a pool home: the editions are built by a worker of the pool (flows/on_pool.py)
            pool = pool_of(svc.home.path)
            done = (release_on_pool(svc, pool, issue, out_dir, as_, day, at=moment) if pool is not None
                    else release_issue(svc, issue, out_dir, as_, day, at=moment))
        except Queued as q:
            queued = q.doc
    if queued is not None:          # decided and recorded; a worker builds it when one is back: exit 0
        if as_json:
            emit_json({**queued, "ok": True})
        else:
            out.print(f"[yellow]{esc(queued['problems'][0]['message'])}[/yellow]")
        raise typer.Exit(code=0)
    if as_json:
        emit_json({"issue": done})
        return
    if done.status == "scheduled":
        out.print(f"[green bold]已定时出版[/green bold] 公报{done.year}年第{done.number}期（总第{done.total}期），"
                  f"将于 {done.released_at.astimezone():%Y-%m-%d %H:%M} 公开，{len(done.items)} 份稿件；"
                  "出版物已生成并记录指纹，公开前不对外显示")
        out.print(f"  印刷版 SHA-256 {esc(done.print_sha256)}\n  电子版 SHA-256（文件清单）{esc(done.web_sha256)}")
        out.print(f"  公开时写入：{esc(done.folder)}")
        out.print(f"  公开前如需取消：lockstep gazette issue cancel {esc(done.issue)} --reason 理由 --as 人员")
        return
    out.print(f"[green bold]已出版[/green bold] 公报{done.year}年第{done.number}期（总第{done.total}期），"
              f"出版日期 {esc(done.release_date.isoformat())}，{len(done.items)} 份稿件")
    out.print(f"  印刷版：{esc(done.print_path)}\n    SHA-256 {esc(done.print_sha256)}")
    if done.pdf_path:
        out.print(f"  印刷版 PDF（向公众提供）：{esc(done.pdf_path)}")
    elif done.pdf_note:
        out.print(f"  [yellow]提示 {esc(done.pdf_note['code'])}[/yellow]：{esc(done.pdf_note['message'])}")
    out.print(f"  电子版：{esc(done.web_index)}\n    SHA-256（文件清单）{esc(done.web_sha256)}")


@issue_app.command("cancel")
def issue_cancel(ctx: typer.Context, issue: Annotated[str, typer.Argument(help="期次编号，如 2019-8")],
                 reason: Annotated[str, typer.Option("--reason", help="取消的理由（不少于 10 个字）")],
                 as_: AsOpt, as_json: JsonOpt = False) -> None:
    """取消定时出版（公开时间之前）：本期回到编排中，记入审计。"""
    from services.gazette.release import cancel_release
    with refusals(as_json, {"issue": issue}):
        view = cancel_release(services_of(ctx), issue, reason, as_)
    if as_json:
        emit_json({"issue": view})
        return
    out.print(f"[green]已取消定时出版[/green] 公报{view.year}年第{view.number}期，回到编排中")


def interactive() -> bool:
    """Whether a person is at the keyboard (stdin a terminal): only then does release ask."""
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def parse_moment(value: str, option: str = "--at") -> dt.datetime:
    """A moment as services.publication.schedule.read_moment reads it (the API's publish_at reads it the
    same way): 2026-12-10 09:00, 2026年12月10日 9:00, 2026-12-10T09:00(+08:00), or a date alone (0:00);
    local time unless an offset is given."""
    from services.publication.schedule import read_moment
    try:
        return read_moment(value)
    except Refused as r:
        raise typer.BadParameter(r.problem.message, param_hint=option) from None


@correction_app.command("add")
def correction_add(ctx: typer.Context, issue: Annotated[str, typer.Argument(help="刊登更正启事的期次（编排中），如 2019-9")],
                   corrects: Annotated[str, typer.Option("--corrects", help="被更正的期次（已出版），如 2019-8")],
                   as_: AsOpt,
                   dossier: Annotated[Optional[str], typer.Option("--dossier", help="被更正的稿件的卷宗编号")] = None,
                   item: Annotated[Optional[int], typer.Option("--item", min=1, max=999999,
                                                               help="被更正的稿件编号（gazette issue show --json 中的 item）")] = None,
                   text: Annotated[Optional[str], typer.Option("--text", help="更正内容（可有多段）")] = None,
                   file: Annotated[Optional[Path], typer.Option("--file", exists=True, dir_okay=False,
                                                                help="从 UTF-8 文本文件读取更正内容")] = None,
                   as_json: JsonOpt = False) -> None:
    """在编排中的一期刊登更正启事，更正已出版的一期（已出版的期次本身不改动）；输出更正启事编号。"""
    from services.gazette.corrections import add_correction
    if (text is None) == (file is None):
        raise typer.BadParameter("请用 --text 或 --file 给出更正内容（二者选一）", param_hint="--text/--file")
    if file is not None:
        from cli.output import regular_file
        with refusals(as_json, {"issue": issue}):
            regular_file(file)                  # a FIFO would be waited on for ever
        try:
            text = file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise typer.BadParameter("文件不是 UTF-8 文本，请另存为 UTF-8 后重试", param_hint="--file") from None
    with refusals(as_json, {"issue": issue}):
        view = add_correction(services_of(ctx), issue, corrects, text or "", as_, dossier=dossier, item=item)
    if as_json:
        emit_json({"correction": view})
        return
    out.print(f"[green]已编入[/green] 公报 {esc(view.issue)}：{esc(view.title)}")
    out.print(f"  更正启事编号 {esc(view.notice)}")
    out.print(f"  出版前如需撤下：lockstep gazette correction remove {esc(view.notice)} --as 人员")


@correction_app.command("remove")
def correction_remove(ctx: typer.Context, notice: Annotated[int, typer.Argument(help="更正启事编号", min=1, max=999999)],
                      as_: AsOpt, as_json: JsonOpt = False) -> None:
    """从编排中的一期撤下更正启事（已出版的期次中的更正启事不能撤下）。"""
    from services.gazette.corrections import remove_correction
    with refusals(as_json, {"notice": notice}):
        view = remove_correction(services_of(ctx), notice, as_)
    if as_json:
        emit_json({"correction": view})
        return
    out.print(f"[green]已撤下[/green] 公报 {esc(view.issue)} 的更正启事 {esc(view.notice)}：{esc(view.title)}")


FromOpt = Annotated[Optional[dt.datetime], DateOption("--from", help="成文日期起，如 2026-12-10")]
ToOpt = Annotated[Optional[dt.datetime], DateOption("--to", help="成文日期止，如 2026-12-10")]


@gazette_app.command("search")
def gazette_search(ctx: typer.Context,
                   text: Annotated[Optional[str], typer.Argument(help="标题、文号、机关或正文中的文字（两个字以上）")] = None,
                   number: Annotated[Optional[str], typer.Option("--number", help="发文字号（可只写一部分）")] = None,
                   organ: Annotated[Optional[str], typer.Option("--organ", help="发文机关（可只写一部分）")] = None,
                   date_from: FromOpt = None, date_to: ToOpt = None,
                   limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="最多列出几条")] = 50,
                   as_json: JsonOpt = False) -> None:
    """检索公报数据库：历年已出版各期的稿件（含导入的往期），按标题、文号、机关、日期与全文。"""
    from services.gazette.search import search
    if date_from and date_to and date_from > date_to:
        raise typer.BadParameter("--from 不能晚于 --to", param_hint="--from")
    with refusals(as_json):
        hits = search(services_of(ctx), text, number=number, organ=organ,
                      date_from=date_from.date() if date_from else None,
                      date_to=date_to.date() if date_to else None, limit=limit)
    if as_json:
        # dossier stays in the answer as null for imported history (emit_json drops None fields of models)
        emit_json({"items": [h.model_dump(mode="json") for h in hits]})
        return
    if not hits:
        out.print("没有找到符合条件的公报稿件。")
    for h in hits:
        out.print(f"  [bold]{esc(h.title)}[/bold]{f'（{esc(h.document_number)}）' if h.document_number else ''}")
        out.print(f"    公报 {esc(h.issue)}  {esc(h.organ or '')}  {esc(h.date.isoformat() if h.date else '')}"
                  f"  {f'卷宗 {esc(h.dossier)}' if h.dossier else ('' if h.corrects else '往期导入')}"
                  + (f"  更正公报 {esc(h.corrects)}" if h.corrects else "")
                  + (f"  [yellow]已有更正：公报 {esc('、'.join(h.corrected_by))}[/yellow]" if h.corrected_by else ""))
        if h.snippet:
            out.print(f"    {esc(h.snippet)}")


@gazette_app.command("import")
def gazette_import(ctx: typer.Context,
                   paths: Annotated[list[Path], typer.Argument(help="往期公报 docx（每期一份），或每篇稿件一份（配合 --index）")],
                   as_: AsOpt,
                   index: Annotated[Optional[Path], typer.Option("--index", help="索引 CSV：file,year,number,total,"
                                                                              "title,document_number,organ,date")] = None,
                   as_json: JsonOpt = False) -> None:
    """导入往期公报：作为已出版的期次入库（标记为导入），原件存档并记录指纹，稿件可检索。"""
    from services.gazette.imports import import_history
    with refusals(as_json):
        issues = import_history(services_of(ctx), list(paths), as_, index)
    if as_json:
        emit_json({"issues": issues})
        return
    for v in issues:
        out.print(f"[green]已导入[/green] 公报{v.year}年第{v.number}期（总第{v.total}期），{len(v.items)} 份稿件"
                  f"  原件 SHA-256 {esc(v.source_sha256[:12])}…")
        for i in v.items:
            number = f"（{i['document_number']}）" if i["document_number"] else ""
            out.print(f"    {i['position']}. {esc(i['title'])}{esc(number)}")
