"""`lockstep backup TARGET`: a consistent copy of an embedded home while its desk runs; `lockstep restore` puts one back."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.app import JsonOpt, app, home_of
from cli.output import emit_json, err, esc, out, print_problems, refusals
from documents.problems import problem


@app.command("backup")
def backup_home(ctx: typer.Context,
                target: Annotated[Path, typer.Argument(metavar="目标文件夹", help="备份到的文件夹（不存在或为空）")],
                as_json: JsonOpt = False) -> None:
    """备份主目录（SQLite 数据库与对象文件夹）：工作台运行、写入时也可备份。

    先用 SQLite 在线备份 API 复制数据库（一个一致的快照，从不直接复制正在写入的数据库文件），
    再复制对象、网站（site/）、公报目录（gazette/）与 lockstep.toml，保留文件权限；对象按 SHA-256
    保存、有记录引用时从不改动，所以数据库快照引用的每个对象在随后复制时都已存在。
    不复制运行状态：desk.json、cache/、logs/、prefect/（运行中的工作台重建）。
    恢复：停止工作台后 lockstep restore 备份文件夹；或直接 lockstep --home 备份文件夹 …。
    PostgreSQL 或 S3 存储的主目录请用 pg_dump 与 mc mirror（ops/province/GUIDE.md 第 5 节）。"""
    from services.home.backup import backup
    say = (lambda m: err.print(esc(m))) if as_json else (lambda m: out.print(esc(m)))   # its lines name files as written
    with refusals(as_json):
        report = backup(home_of(ctx), target, say)
    damaged = [problem("storage_unavailable", f"主目录的对象存储缺少 {len(report.missing_objects)} 个数据库记录引用的对象"
                       f"（{'、'.join(k[:12] for k in report.missing_objects[:3])}…），副本同样缺少",
                       advice="副本已保留；请对原主目录运行 lockstep storage check 查明缺失的材料，重新提交或从更早的备份取回")
               ] if report.missing_objects else []
    if as_json:
        emit_json({"ok": not damaged, **report.model_dump(mode="json"), "problems": damaged})
        raise typer.Exit(code=1 if damaged else 0)
    dropped = "、".join(f"{n} 个{w}" for w, n in (("对象", report.dropped.get("objects", 0)),
                                                 ("页面", report.dropped.get("pages", 0)),
                                                 ("公报目录", report.dropped.get("editions", 0))) if n)
    out.print(f"[green]已备份[/green] {esc(report.source)} → {esc(report.target)}：{report.files} 个文件，"
              f"{report.bytes} 字节（数据库 {report.database_pages} 页，对象 {report.objects} 个）。")
    if dropped:
        out.print(f"备份数据库之后才写入的 {dropped} 未放入副本（下次备份会包含）。")
    out.print(f"未复制（运行状态，会重建）：{esc('、'.join(report.left_out))}。")
    out.print(f"恢复：停止工作台后运行 lockstep restore {esc(report.target)}（先核对备份，原主目录改名保留）；"
              f"或直接使用副本 lockstep --home {esc(report.target)} …（先运行 lockstep audit verify 与 lockstep storage check）。")
    if damaged:
        print_problems(damaged, "备份已写入，但")
        raise typer.Exit(code=1)


@app.command("restore")
def restore_home(ctx: typer.Context,
                 source: Annotated[Path, typer.Argument(metavar="备份文件夹", help="lockstep backup 写出的文件夹")],
                 as_json: JsonOpt = False) -> None:
    """用备份恢复主目录：原主目录改名保留在旁边（主目录.before-restore-时间），从不删除。

    工作台、工作节点或其他进程仍打开主目录的数据库时拒绝（否则它们继续写入被替换的数据库，此后的写入全部丢失）；
    先把备份复制到主目录旁并核对（数据库完整性、审计链、对象齐全，较早版本的备份先升级数据库结构），
    核对不通过则不恢复、主目录保持原样；通过后才以两次改名替换主目录。"""
    from flows.handoff import desk_of
    from services.home.restore import restore
    say = (lambda m: err.print(esc(m))) if as_json else (lambda m: out.print(esc(m)))   # its lines name files as written
    with refusals(as_json):
        report = restore(home_of(ctx), source, say, desk_of)
    if as_json:
        emit_json({"ok": True, **report.model_dump(mode="json")})
        return
    if report.interrupted:
        out.print(f"[yellow]{esc(report.interrupted)}[/yellow]")
    out.print(f"[green]已恢复[/green] {esc(report.home)} ← {esc(report.source)}：审计链完整（{report.events} 条事件），"
              f"对象 {report.objects} 个。" + ("备份来自较早的版本，已升级数据库结构。" if report.migrated else ""))
    if report.tidied:
        out.print(f"已按恢复后的数据库整理：去掉无记录引用的文件 {report.tidied.get('removed', 0)} 个，"
                  f"重写缺失的公开页面 {report.tidied.get('restored', 0)} 个（备份文件夹本身未改动）。")
    out.print(f"原主目录保留在 {esc(report.previous)}，确认无误后可自行删除。" if report.previous else "原来没有主目录。")
    out.print("现在可以启动工作台（lockstep serve）。")
