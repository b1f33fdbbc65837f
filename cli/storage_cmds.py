"""The object store and the site folder against the rows: `lockstep storage check [--repair]`."""
from __future__ import annotations

from typing import Annotated

import typer

from cli.app import JsonOpt, app, services_of
from cli.output import emit_json, esc, out, refusals

storage_app = typer.Typer(help="对象存储与网站目录的核对", no_args_is_help=True)
app.add_typer(storage_app, name="storage")

SECTIONS = (("orphan_objects", "无记录引用的对象"), ("stray_pages", "无记录的网站页面"),
            ("stray_editions", "未出版期次的公报目录"), ("temp_files", "临时文件"))


def _age(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} 秒前"
    if seconds < 7200:
        return f"{seconds // 60} 分钟前"
    return f"{seconds // 3600} 小时前"


@storage_app.command("check")
def storage_check(ctx: typer.Context,
                  repair: Annotated[bool, typer.Option("--repair", help="删除无记录的对象、页面和临时文件（从不删除有记录引用的对象）")] = False,
                  grace: Annotated[int, typer.Option("--grace", min=0, max=100000000, help="只修复早于这么多秒的文件（正在写入的不动）")] = 300,
                  as_json: JsonOpt = False) -> None:
    """核对对象存储、网站目录与数据库记录：缺失的对象、无记录的对象与页面、临时文件；--repair 清理。"""
    from services.home.storage_check import check
    with refusals(as_json):
        report = check(services_of(ctx), repair=repair, grace_seconds=grace)
    if as_json:
        emit_json({"ok": report.clean, **report.model_dump(mode="json"), "counts": report.counts,
                   "problems": report.problems})
        raise typer.Exit(code=0 if report.clean else 1)
    counts = report.counts
    out.print(f"对象存储 {esc(report.store)}：{report.objects} 个对象，记录引用 {report.named} 个。")
    if report.missing_objects:
        out.print(f"[red bold]记录引用但存储中缺失的对象（{len(report.missing_objects)}）[/red bold]：")
        for m in report.missing_objects:
            out.print(f"  ✗ {esc(m.sha256)}  {esc('；'.join(m.named_by[:3]))}" + ("……" if len(m.named_by) > 3 else ""))
    if report.missing_pages:
        out.print(f"[red bold]记录在案但网站目录中缺失的公开页面（{len(report.missing_pages)}）[/red bold]：")
        for p in report.missing_pages:
            out.print(f"  {'✓' if p.restored else '✗'} {esc(p.path)}" + ("[green]已从对象存储恢复[/green]" if p.restored else ""))
    if report.release_folders:
        out.print(f"[red bold]与记录不一致的公报出版目录（{len(report.release_folders)}）[/red bold]：")
        for f in report.release_folders:
            mark = ("[green]已按记录重写[/green]" if f.repaired else "保留：" + esc(f.kept_because) if f.kept_because
                    else esc(f"（{f.code}）"))
            out.print(f"  {'✓' if f.repaired else '✗'} {esc(f.message)} {mark}")
    for field, title in SECTIONS:
        found = getattr(report, field)
        if not found:
            continue
        out.print(f"[yellow bold]{esc(title)}（{len(found)}）[/yellow bold]：")
        for x in found:
            mark = ("[green]已删除[/green]" if x.removed else "[green]已移入位置[/green]" if x.placed
                    else "保留：" + esc(x.kept_because) if x.kept_because else "")
            out.print(f"  {'✓' if x.removed or x.placed else '•'} {esc(x.what)}（{esc(_age(x.age_seconds))}）{mark}")
    fixed = counts["removed"] + counts["placed"] + counts["restored"] + counts["rewritten"]
    if report.clean:
        done = f"，已修复 {fixed} 项" if fixed else ""
        out.print(f"[green]存储一致[/green]：每个对象都有记录引用，每条记录的对象都在{esc(done)}。")
        raise typer.Exit(code=0)
    if fixed:
        out.print(f"已修复 {fixed} 项。")
    if not repair and (counts["missing_pages"] or counts["release_folders"] or any(counts[k] for k, _ in SECTIONS)):
        out.print("运行 lockstep storage check --repair 清理上述多余文件、恢复缺失的页面、按记录重写公报出版目录"
                  "（有记录引用的对象不会被删除，撤回公开的文件不会重新出现）。")
    if report.missing_objects:
        out.print("缺失的对象无法自动修复：请从备份恢复对象存储，或重新提交相应材料。")
    raise typer.Exit(code=1)
