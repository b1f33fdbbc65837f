"""The registrars' commands (规范性文件公开台帐): list, search, show, file, amend, repeal, expire, export,
pages, cleanup; and the annual-report figures (`lockstep report annual`)."""
# No postponed annotations: typer reads each parameter's Annotated[...] as the object it is,
# not as a string to compile and evaluate when the command line is built (issue 14, "Reads are fast").

import datetime as dt
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.app import AsOpt, JsonOpt, app, services_of
from cli.output import emit_json, esc, out, refusals
from cli.zh import DateOption
from documents.problems import Refused

register_app = typer.Typer(help="规范性文件公开台帐", no_args_is_help=True)
report_app = typer.Typer(help="政府信息公开工作年度报告数据", no_args_is_help=True)
app.add_typer(register_app, name="register")
app.add_typer(report_app, name="report")

NumberArg = Annotated[str, typer.Argument(help="登记号，如 GHDR-2026-0001")]
OutDir = Annotated[Path, typer.Option("--out", help="输出目录")]


class Format(str, Enum):
    csv = "csv"
    xlsx = "xlsx"
    json = "json"


def _doc(e) -> dict:
    """Every field, empty ones as null: clients read filed_at: null as "not filed yet"."""
    return e.model_dump(mode="json")


def _line(e) -> str:
    return (f"  {esc(e.registration_number)}  {esc(e.document_number or '—')}  {esc(e.title)}  \\[{esc(e.status_name)}]"
            f"  施行 {esc(e.effective_date or '待定')}  有效期至 {esc(e.valid_until or '待定')}"
            + (f"  \\[{esc(e.emergency_note)}]" if e.emergency else ""))


def _print_entry(e) -> None:
    out.print(f"[bold]{esc(e.registration_number)}[/bold]  {esc(e.title)}  \\[{esc(e.status_name)}]")
    if e.emergency:
        out.print(f"  [yellow]{esc(e.emergency_note)}[/yellow]")
    rows = [("发文字号", e.document_number), ("制定机关", e.organ), ("起草单位", e.drafting_unit),
            ("成文日期", e.signed_date), ("发布日期", e.published_at.astimezone().date()),
            ("施行日期", e.effective_date or "待定（自刊登的政府公报出版之日起施行）"),
            ("有效期至", e.valid_until or "待定"), ("评估期限", e.evaluation_due or "待定"),
            ("政府公报", e.gazette_issue or "待刊登"), ("合法性审核意见书", e.legality_opinion),
            ("政策解读", e.interpretation_page),
            ("报备", f"{e.reported_on} 报{e.reported_to or '上级机关'}备案，备案号 {e.filing_number}"
                     if e.filed_at else "未报备"),
            ("修改了", "、".join(e.amends)),
            ("被修改", "、".join(f"{n}（{e.amended_on.get(n) or '施行日期待定'}施行）" for n in e.amended_by)),
            ("废止文件", e.repealed_by),
            ("废止日期", f"{e.repealed_on or '待定'}（{e.repeal_note}，此前继续有效）" if e.repeal_pending else e.repealed_on),
            ("废止理由", e.repeal_reason), ("撤回公开", e.withheld_reason)]
    for label, value in rows:
        if value:
            out.print(f"  {esc(label)}：{esc(value)}")


@register_app.command("list")
def register_list(ctx: typer.Context,
                  status: Annotated[Optional[str], typer.Option("--status", help="台帐状态：待施行、现行有效、已修改、已废止、已失效（或 pending、in_force 等）")] = None,
                  as_json: JsonOpt = False) -> None:
    """规范性文件公开台帐。"""
    from cli.names import register_status_id
    from services.register.life import list_entries
    status = register_status_id(status) if status is not None else None
    with refusals(as_json):
        entries = list_entries(services_of(ctx), status)
    if as_json:
        emit_json({"entries": [_doc(e) for e in entries]})
        return
    if not entries:
        out.print("台帐为空。")
    for e in entries:
        out.print(_line(e))


@register_app.command("search")
def register_search(ctx: typer.Context, text: Annotated[str, typer.Argument(help="标题、发文字号、制定机关或登记号中的任意连续文字")],
                    status: Annotated[Optional[str], typer.Option("--status", help="台帐状态：待施行、现行有效、已修改、已废止、已失效（或 pending、in_force 等）")] = None,
                    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="最多返回几条（最新登记的在前）")] = 50,
                    as_json: JsonOpt = False) -> None:
    """检索公开台帐：标题、发文字号、制定机关、登记号中的任意连续文字；不予公开的文件不会出现。"""
    from cli.names import register_status_id
    from services.register.search import search
    status = register_status_id(status) if status is not None else None
    with refusals(as_json):
        entries = search(services_of(ctx), text, status, limit)
    if as_json:
        emit_json({"entries": [_doc(e) for e in entries]})
        return
    if not entries:
        out.print("没有找到符合条件的文件。")
    for e in entries:
        out.print(_line(e))


@register_app.command("show")
def register_show(ctx: typer.Context, number: NumberArg, as_json: JsonOpt = False) -> None:
    """一条台帐记录：日期、公报期号、解读、报备、修改与废止关系。"""
    from services.register.life import show
    with refusals(as_json):
        entry = show(services_of(ctx), number)
    emit_json({"entry": _doc(entry)}) if as_json else _print_entry(entry)


@register_app.command("file")
def register_file(ctx: typer.Context, registration_number: NumberArg,
                  number: Annotated[str, typer.Option("--number", help="上级机关的备案号")],
                  reported_to: Annotated[str, typer.Option("--reported-to", metavar="机关",
                                                           help="报备机关，如 呼伦贝尔市人民政府")],
                  as_: AsOpt,
                  reported_on: Annotated[Optional[dt.datetime], DateOption(
                      "--reported-on", help="报备日期（默认今天），如 2026-12-07、2026年12月7日")] = None,
                  as_json: JsonOpt = False) -> None:
    """记录向上级机关报备（备案）：报备日期、报备机关、备案号。"""
    from services.register.registrar import record_filing
    with refusals(as_json):
        entry = record_filing(services_of(ctx), registration_number, number, as_, reported_to=reported_to,
                              reported_on=reported_on.date() if reported_on else None)
    if as_json:
        emit_json({"entry": entry})
    else:
        out.print(f"[green]已记录报备[/green] {esc(entry['registration_number'])}：{esc(entry['reported_on'])} 报"
                  f"{esc(entry['reported_to'])}备案，备案号 {esc(entry['filing_number'])}")


@register_app.command("amend")
def register_amend(ctx: typer.Context, number: NumberArg,
                   by: Annotated[str, typer.Option("--by", help="作出修改的新文件的登记号")],
                   as_: AsOpt, as_json: JsonOpt = False) -> None:
    """记录新文件修改了某一文件（两条记录互相链接，原文件状态为已修改）。"""
    from services.register.life import amend
    with refusals(as_json):
        entry = amend(services_of(ctx), number, by, as_)
    if as_json:
        emit_json({"entry": _doc(entry)})
    else:
        out.print(f"[green]已记录修改[/green] {esc(number)} 经 {esc(by)} 修改")


@register_app.command("repeal")
def register_repeal(ctx: typer.Context, number: NumberArg,
                    reason: Annotated[str, typer.Option("--reason", help="废止理由（必填，如“上位法已废止”）")],
                    as_: AsOpt,
                    by: Annotated[Optional[str], typer.Option("--by", help="废止它的文件的登记号（如有）")] = None,
                    yes: Annotated[bool, typer.Option("--yes", "-y", help="不再询问，确认废止（废止后不能撤回）")] = False,
                    as_json: JsonOpt = False) -> None:
    """废止一份文件（写明理由，可指明废止文件）；废止后不能撤回：在终端中先询问确认，或用 --yes 确认。"""
    from services.register.life import repeal, repeal_request_problem
    from cli.gazette_cmds import interactive
    if not reason.strip():
        raise typer.BadParameter("请写明废止理由", param_hint="--reason")
    confirmed = yes
    if not yes and not as_json and interactive():        # a person at a terminal confirms here
        confirmed = typer.confirm(f"确认废止 {number}？废止后不能撤回", default=False)
    with refusals(as_json, {"entry": number}):
        if refusal := repeal_request_problem(reason, confirmed):
            raise Refused(refusal)
        entry = repeal(services_of(ctx), number, as_, by=by, reason=reason)
    if as_json:
        emit_json({"entry": _doc(entry)})
    else:
        if entry.repeal_pending:        # the repealing document takes effect later: in force until then
            out.print(f"[green]已记录废止[/green] {esc(number)}：{esc(entry.repeal_note)}（由 {esc(by)} 废止，此前继续有效）")
        else:
            out.print(f"[green]已废止[/green] {esc(number)}" + (f"（由 {esc(by)} 废止，{esc(entry.repealed_on)} 起）" if by
                                                           else f"（{esc(reason)}）"))


@register_app.command("expire")
def register_expire(ctx: typer.Context, as_: AsOpt,
                    today: Annotated[Optional[dt.datetime], DateOption("--today", help="按哪一天计算（默认今天）")] = None,
                    as_json: JsonOpt = False) -> None:
    """施行日期已到的待施行文件转为现行有效，有效期已届满的文件标记为已失效（与定时检查相同）。"""
    from services.register.life import expire, take_effect
    from services.review.actions import today as today_of
    with refusals(as_json):
        svc = services_of(ctx)
        day = today.date() if today else today_of(svc)
        effective = take_effect(svc, day, as_)
        expired = expire(svc, day, as_)
    if as_json:
        emit_json({"expired": [_doc(e) for e in expired], "took_effect": [_doc(e) for e in effective]})
        return
    if effective:
        out.print(f"转为现行有效 {len(effective)} 件。")
        for e in effective:
            out.print(_line(e))
    out.print(f"已失效 {len(expired)} 件。" if expired else "没有有效期已届满的文件。")
    for e in expired:
        out.print(_line(e))


@register_app.command("export")
def register_export(ctx: typer.Context, fmt: Annotated[Format, typer.Option("--format", help="csv、xlsx 或 json")],
                    to: Annotated[Path, typer.Option("--out", help="输出文件")],
                    base_url: Annotated[Optional[str], typer.Option(
                        "--base-url", metavar="网址", help="公开网站的完整地址，如 https://www.genhe.gov.cn/site"
                                                          "（默认取 lockstep.toml 的 site_base_url）")] = None,
                    as_json: JsonOpt = False) -> None:
    """导出台帐（CSV 为带 BOM 的 UTF-8，Excel 可直接打开；XLSX 表头为中文；JSON 供其他系统读取）；链接为完整网址。"""
    from urllib.parse import urlsplit

    from services.register.outputs import export
    if base_url is not None and not (urlsplit(base_url).scheme in ("http", "https") and urlsplit(base_url).netloc):
        raise typer.BadParameter(f"{base_url} 不是完整网址（应如 https://www.genhe.gov.cn/site）", param_hint="--base-url")
    with refusals(as_json):
        written = export(services_of(ctx), fmt.value, to, base_url)
    if as_json:
        emit_json({"export": written})
    else:
        out.print(f"[green]已导出[/green] {esc(written.entries)} 条记录到 {esc(written.files[0])}")


@register_app.command("pages")
def register_pages(ctx: typer.Context, to: OutDir, as_json: JsonOpt = False) -> None:
    """生成公开台帐网页（可检索、按状态筛选）与每份文件的页面。"""
    from services.register.outputs import site
    with refusals(as_json):
        written = site(services_of(ctx), to)
    if as_json:
        emit_json({"pages": written})
    else:
        out.print(f"[green]已生成[/green] 台帐网页 {esc(to / 'index.html')}（{esc(written.entries)} 份文件）")


@register_app.command("cleanup")
def register_cleanup(ctx: typer.Context, to: OutDir, as_json: JsonOpt = False) -> None:
    """规范性文件清理：生成现行有效、已废止、已失效文件目录（网页）。"""
    from services.register.outputs import cleanup
    with refusals(as_json):
        written = cleanup(services_of(ctx), to)
    if as_json:
        emit_json({"cleanup": written})
        return
    c = written.counts
    out.print(f"[green]已生成清理结果[/green] {esc(to)}：现行有效 {c['in_force']} 件，已废止 {c['repealed']} 件，"
              f"已失效 {c['expired']} 件")


@report_app.command("annual")
def report_annual(ctx: typer.Context,
                  year: Annotated[int, typer.Argument(help="年度，如 2019", min=1990, max=2200)],
                  table: Annotated[bool, typer.Option(
                      "--table", help="按国办公开办函〔2021〕30号表二的格式输出（规章、行政规范性文件及政策解读情况）")] = False,
                  unit: Annotated[Optional[str], typer.Option("--unit", help="只统计该单位制发的文件（全称或简称）；不写则为全部单位")] = None,
                  to: Annotated[Optional[Path], typer.Option("--out", help="写出 Excel 表格（.xlsx），与 --table 同用")] = None,
                  as_json: JsonOpt = False) -> None:
    """年度报告中规范性文件与政策解读的数据（全部由记录计算）；--table 按官方表格输出。"""
    if (unit is not None or to is not None) and not table:
        raise typer.BadParameter("--unit、--out 须与 --table 同用", param_hint="--table")
    if to is not None and to.suffix.lower() != ".xlsx":
        raise typer.BadParameter("输出文件须以 .xlsx 结尾", param_hint="--out")
    if table:
        return _annual_table(ctx, year, unit, to, as_json)
    from services.register.report import annual
    with refusals(as_json):
        report = annual(services_of(ctx), year)
    if as_json:
        emit_json({"report": report, "table": {f.key: f.value for f in report.figures}})
        return
    out.print(f"[bold]{esc(year)}年度 行政规范性文件[/bold]")
    for f in report.figures:
        out.print(f"  {esc(f.name)}：{esc(f.value)}{esc(f.unit)}")


def _annual_table(ctx: typer.Context, year: int, unit: str | None, to: Path | None, as_json: bool) -> None:
    from publishing.annual_table import as_json as table_json
    from publishing.annual_xlsx import to_xlsx
    from services.register.report import annual_table
    with refusals(as_json):
        t = annual_table(services_of(ctx), year, unit)
    if to is not None:
        to.parent.mkdir(parents=True, exist_ok=True)
        to.write_bytes(to_xlsx(t))
    if as_json:
        emit_json({"table": table_json(t), "xlsx": str(to) if to else None})
        return
    out.print(f"[bold]{esc(t.title)}[/bold]（{esc(t.unit_label)}）")
    out.print("  第二十条第（一）项　信息内容：本年制发件数 / 本年废止件数 / 现行有效件数")
    for r in t.rows:
        out.print(f"  {esc(r.category)}：{r.made} / {r.repealed} / {r.in_force}")
    i = t.interpretation
    out.print(f"  政策解读：本年制发 {i.made} 件，解读 {i.interpreted} 件（{i.interpreted_share}%），"
              f"图文解读 {i.graphic} 件（{i.graphic_share}%），与政策同日发布 {i.same_day} 件（{i.same_day_share}%）")
    for n in t.notes:
        out.print(f"  [dim]说明：{esc(n)}[/dim]")
    if to is not None:
        out.print(f"[green]已写出[/green] {esc(to)}")
