"""`lockstep backup TARGET`: a consistent copy of an embedded home while its desk runs."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.app import JsonOpt, app, home_of
from cli.output import emit_json, err, out, print_problems, refusals
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
    恢复：lockstep --home 备份文件夹 …，或停止工作台后把备份复制回原处。
    PostgreSQL 或 S3 存储的主目录请用 pg_dump 与 mc mirror（ops/province/GUIDE.md 第 5 节）。"""
    from services.home.backup import backup
    say = (lambda m: err.print(m)) if as_json else out.print
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
    out.print(f"[green]已备份[/green] {report.source} → {report.target}：{report.files} 个文件，"
              f"{report.bytes} 字节（数据库 {report.database_pages} 页，对象 {report.objects} 个）。")
    if dropped:
        out.print(f"备份数据库之后才写入的 {dropped} 未放入副本（下次备份会包含）。")
    out.print(f"未复制（运行状态，会重建）：{'、'.join(report.left_out)}。")
    out.print(f"恢复：lockstep --home {report.target} …，或停止工作台后把该文件夹复制回原处；"
              "随后运行 lockstep audit verify 与 lockstep storage check。")
    if damaged:
        print_problems(damaged, "备份已写入，但")
        raise typer.Exit(code=1)
