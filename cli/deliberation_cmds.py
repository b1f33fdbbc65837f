"""集体审议: the 常务会议 secretary records the meeting that deliberated a dossier (services/review/deliberation.py)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.app import AsOpt, JsonOpt, app, services_of
from cli.output import emit_json, esc, out, refusals
from cli.zh import DateOption
from documents.problems import Refused, problem
from documents.shown import echoed
from documents.titles import book_title

deliberation_app = typer.Typer(help="集体审议：记录审议本卷宗的会议（会议名称、第几次、日期、会议纪要），按纪要内容查找",
                               no_args_is_help=True)
app.add_typer(deliberation_app, name="deliberation")


def _shown(record) -> dict:
    return {**record.model_dump(mode="json"), "words": record.words}


def _print(record) -> None:
    out.print(f"  会议：{esc(record.words)}")
    out.print(f"  会议纪要：{esc(record.minutes_name or '（未附）')}" + (f"（sha256 {esc(record.minutes_sha256[:12])}…）"
                                                                  if record.minutes_sha256 else ""))
    out.print(f"  记录人：{esc(record.recorded_by)}，{esc(record.recorded_at.astimezone().strftime('%Y-%m-%d %H:%M'))}")


@deliberation_app.command("record")
def record_cmd(ctx: typer.Context, dossier: Annotated[str, typer.Argument(help="卷宗编号")],
               meeting: Annotated[str, typer.Option("--meeting", help="会议名称，如 市政府常务会议")],
               held_on: Annotated[dt.datetime, DateOption("--held-on", help="会议日期，如 2026-12-01 或 2026年12月1日")],
               minutes: Annotated[Path, typer.Option("--minutes", help="会议纪要（docx），存入对象存储，全文可查")],
               as_: AsOpt,
               session: Annotated[Optional[int], typer.Option(
                   "--session", min=1, max=9999, help="第几次会议，如 12（第12次会议）；无届次的会议不写")] = None,
               as_json: JsonOpt = False) -> None:
    """记录审议本卷宗当前版本的会议：会议名称、第几次会议、会议日期、会议纪要（记入审计链）。
    由集体审议环节的审核人员（如常务会议记录人）办理；环节通过前可再次记录以更正，通过后不能更改。"""
    from services.review.deliberation import record_deliberation
    with refusals(as_json, {"dossier": dossier}):
        if not minutes.is_file():
            raise Refused(problem("file_not_found", f"会议纪要“{echoed(minutes, 200)}”不存在", file=str(minutes)))
        shown = record_deliberation(services_of(ctx), dossier, meeting=meeting, session_number=session,
                                    held_on=held_on.date(), minutes_name=minutes.name,
                                    minutes=minutes.read_bytes(), actor_name=as_)
    if as_json:
        emit_json({"ok": True, **_shown(shown)})
        return
    out.print(f"[green]已记录集体审议[/green] 卷宗 {esc(shown.dossier)} 第 {shown.version} 版")
    _print(shown)
    out.print(f"  下一步：lockstep review {esc(shown.dossier)} --stage 集体审议 --approve --as {esc(as_)}")


@deliberation_app.command("show")
def show_cmd(ctx: typer.Context, dossier: Annotated[str, typer.Argument(help="卷宗编号")],
             version: Annotated[Optional[int], typer.Option("--version", min=1, max=999999, help="第几版（默认当前版本）")] = None,
             as_json: JsonOpt = False) -> None:
    """查看卷宗（当前版本或指定版本）的集体审议记录。"""
    from services.review.deliberation import deliberation_of
    with refusals(as_json, {"dossier": dossier}):
        shown = deliberation_of(services_of(ctx), dossier, version)
    if as_json:
        emit_json({"dossier": dossier, "deliberation": _shown(shown) if shown else None})
        return
    if shown is None:
        out.print(f"卷宗 {esc(dossier)} {esc('第 %d 版' % version if version else '当前版本')}尚未记录集体审议会议。")
        return
    out.print(f"卷宗 {esc(dossier)} 第 {shown.version} 版的集体审议记录")
    _print(shown)


@deliberation_app.command("search")
def search_cmd(ctx: typer.Context, text: Annotated[str, typer.Argument(help="要查找的文字：会议名称、纪要内容或文件标题")],
               as_: AsOpt, as_json: JsonOpt = False) -> None:
    """按会议名称、会议纪要全文或文件标题查找集体审议记录（只列出该人员有权查看的卷宗）。"""
    from services.review.deliberation import search_deliberations
    with refusals(as_json, {"text": text}):
        hits = search_deliberations(services_of(ctx), text, as_)
    if as_json:
        emit_json({"text": text, "hits": [_shown(h) for h in hits]})
        return
    if not hits:
        out.print(f"没有找到含“{esc(text)}”的集体审议记录。")
        return
    out.print(f"找到 {len(hits)} 次会议记录：")
    for h in hits:
        out.print(f"  {h.words}　{h.dossier} 第 {h.version} 版{book_title(h.title)}", markup=False)
        if h.excerpt:
            out.print(f"    {h.excerpt}", markup=False)
