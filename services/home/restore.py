"""`lockstep restore BACKUP`: put a backup back as the home, never under a running desk, never losing
the home it replaces (issue 14, Operator: "the README has backup and restore").

Before, restoring meant copying the backup over the home by hand. Done while a desk ran, the desk's
pooled SQLite connections went on writing to the file the copy had replaced: every later write was
lost without a word. So a restore:

1. refuses while anything has the home's database open: a desk (desk.json), a worker, a scheduler or
   any other process (on Linux, every process's open files are looked at), naming them; and while
   LOCKSTEP_DATABASE_URL / LOCKSTEP_OBJECTS are set, which would outrank the restored lockstep.toml;
2. refuses what is not an embedded backup (a SQLite file and an object folder inside the backup
   folder), and a home that is not embedded (PostgreSQL or S3: pg_restore and mc mirror);
3. copies the backup beside the home into a hidden staging folder (the database with SQLite's
   backup API, which checks it; the rest with its modes), brings an older backup's schema up to
   date there, and checks it: the audit chain must be whole and every object the database names
   present. A backup that fails is refused and the staging copy removed; the home is untouched;
4. only then swaps: the home is renamed aside to HOME.before-restore-TIME (kept, never deleted), and
   the checked copy renamed into its place. Both are renames within one folder: a crash between them
   leaves no home at the path and both folders whole, and running the restore again finishes it.

One restore of a home at a time: services/home/restore_lock.py (its lock file goes when a restore
ends, done or refused; one left behind marks a killed restore, which the next one reports).
"""
from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Callable

from pydantic import BaseModel, Field

from documents.problems import Refused, problem
from services.home.backup import LEFT_OUT, TEMP, _copy_tree, _inside, _plan, _refuse
from services.home.crashpoints import crash_point
from services.home.folder import Home, PRIVATE_DIR
from services.home.restore_lock import interrupted_words, one_restore

ENV = ("LOCKSTEP_DATABASE_URL", "LOCKSTEP_OBJECTS")


class RestoreReport(BaseModel):
    home: str
    source: str
    previous: str | None               # where the home it replaced now is (None: there was none)
    events: int                        # audit events in the restored home, the chain whole
    objects: int
    migrated: bool                     # an older Lockstep's backup, brought up to date
    # the copy brought in step with its database, as `storage check --repair` does: files no row names
    # removed from the copy (the backup keeps them), public pages it names written again from their objects
    tidied: dict[str, int] = Field(default_factory=dict)
    interrupted: str | None = None     # 中文: an earlier restore of this home was killed midway (its lock was left)


def holders(files: list[Path]) -> list[int]:
    """Processes (other than this one) that have any of `files` open, from /proc; [] where there is none."""
    wanted = {os.path.realpath(f) for f in files if f.exists()}
    found = []
    proc = Path("/proc")
    if not wanted or not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if any(os.path.realpath(fd) in wanted for fd in (entry / "fd").iterdir()):
                found.append(int(entry.name))
        except OSError:            # gone meanwhile, or another user's (who cannot write our files either)
            continue
    return sorted(found)


def _command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace").strip()[:120]
    except OSError:
        return "?"


def _nobody_uses(home: Home, desk_of: Callable[[Path], dict | None]) -> None:
    if info := desk_of(home.path):
        raise _refuse(f"工作台（进程 {info.get('pid')}，{info.get('url', '')}）正在为主目录 {home.path} 服务；"
                      "在它运行时恢复，它仍会写入被替换的数据库，此后的写入全部丢失",
                      advice="请先停止工作台（Ctrl+C，或 kill -TERM 进程号；它会办完手头的请求再退出），再运行 lockstep restore")
    if not home.exists:
        return
    db, _objects = _plan(home)
    if pids := holders([db, Path(f"{db}-wal"), Path(f"{db}-journal")]):
        shown = "；".join(f"进程 {p}（{_command_of(p)}）" for p in pids[:5])
        raise _refuse(f"主目录的数据库 {db} 正被其他进程打开：{shown}",
                      advice="请先停止这些进程（工作台、工作节点、定时任务等），再运行 lockstep restore")


def _check_source(source: Path) -> tuple[Home, Path, Path]:
    if not source.is_dir():
        raise Refused(problem("file_not_found", f"备份文件夹 {source} 不存在或不是文件夹"))
    backup = Home(source)
    if not backup.exists:
        raise _refuse(f"{source} 不是 Lockstep 的备份（其中没有 lockstep.toml）",
                      advice="请指定 lockstep backup 写出的文件夹")
    try:
        raw = backup.raw
    except (ValueError, UnicodeDecodeError) as e:          # tomllib's TOMLDecodeError is a ValueError
        raise Refused(problem("config_invalid", f"备份的 lockstep.toml 无法读取：{e}",
                              advice="该备份已损坏，未恢复，主目录保持原样；请改用其他备份")) from e
    if not raw:     # never written so by backup: a backup killed as it began the file (before it wrote whole)
        raise _refuse(f"{source} 的 lockstep.toml 是空的：这是一次未写完的备份（备份过程被中断）",
                      advice="未恢复，主目录保持原样；请改用其他备份，或重新运行 lockstep backup 到一个新的文件夹")
    db, objects = _plan(backup)
    for link in (p for p in source.rglob("*") if p.is_symlink()):
        if not _inside(link, source):      # resolved: a link out of the backup (site/etc -> /etc)
            raise _refuse(f"备份中的 {link.relative_to(source)} 是指向备份之外（{os.readlink(link)}）的符号链接，"
                          "恢复后网站或对象存储会读到主目录之外的文件",
                          advice="未恢复，主目录保持原样；请删除该链接或改用 lockstep backup 写出的其他备份")
    for what, path in (("数据库", db), ("对象文件夹", objects)):
        if not _inside(path, source):
            raise _refuse(f"备份的{what} {path} 不在备份文件夹 {source} 之内，恢复后主目录会与备份共用它",
                          advice="请指定 lockstep backup 写出的文件夹（其 lockstep.toml 只指向文件夹内的文件）")
    return backup, db, objects


def _staged_checks(staging: Path) -> tuple[int, int, bool, dict[str, int]]:
    """The staging copy opened as a home of its own: schema brought up to date, chain and objects checked."""
    from services.home.context import Services
    from services.home.storage_check import check
    from storage.db import current_revision, ensure_current, head_revision, make_engine
    from storage.unit import Database
    home = Home(staging)
    engine = make_engine(home.database_url)
    try:
        revision = current_revision(engine)
        if revision is None:
            raise _refuse("备份的数据库中没有 Lockstep 的数据（空文件，或不是 Lockstep 的数据库）",
                          advice="未恢复，主目录保持原样；请改用 lockstep backup 写出的其他备份")
        if revision > head_revision():
            raise _refuse(f"备份来自更新版本的 Lockstep（数据库结构 {revision}，本程序只认到 {head_revision()}）",
                          advice="未恢复，主目录保持原样；请先升级 Lockstep 再恢复")
        migrated = ensure_current(engine)
        svc = Services(home=home, db=Database(engine))
        with svc.unit() as uow:
            findings, events = uow.audit.verify(), uow.audit.count()
        if findings:
            raise Refused(problem("request_invalid", "备份的审计链校验未通过：" + "；".join(
                f"第 {f.seq} 条 {f.message}" for f in findings[:3]) + ("…" if len(findings) > 3 else ""),
                advice="该备份已被改动或损坏，未恢复，主目录保持原样；请改用更早的备份"))
        report = check(svc, repair=True, grace_seconds=0)      # nobody writes the staging copy
        if report.missing_objects:
            raise Refused(problem("storage_unavailable", f"备份的对象存储缺少 {len(report.missing_objects)} 个数据库记录"
                                  f"引用的对象（{'、'.join(m.sha256[:12] for m in report.missing_objects[:3])}…）",
                                  advice="未恢复，主目录保持原样；请改用更早的备份，或用 lockstep --home 备份文件夹 storage check 查明"))
        tidied = {k: v for k, v in report.counts.items() if v and k in ("removed", "restored")}
    finally:
        engine.dispose()
    return events, report.objects, migrated, tidied


def restore(home: Home, source: Path, say: Callable[[str], None] | None = None,
            desk_of: Callable[[Path], dict | None] = lambda _p: None) -> RestoreReport:
    """`desk_of(home)`: the desk serving the home, if any (the command line's flows.handoff.desk_of)."""
    say = say or (lambda _m: None)
    if named := [v for v in ENV if os.environ.get(v)]:
        raise _refuse(f"环境变量 {'、'.join(named)} 已设置：它们优先于恢复后主目录的 lockstep.toml，恢复不会生效",
                      advice=f"请在未设置 {'、'.join(named)} 的终端中运行 lockstep restore")
    source = source.absolute()
    _backup, db, _objects = _check_source(source)
    if _inside(source, home.path) or _inside(home.path, source):
        raise _refuse(f"备份 {source} 与主目录 {home.path} 互相包含", advice="请指定主目录之外的备份文件夹")
    path = home.path.absolute()
    with one_restore(path, source) as left:
        if left is not None:                # a restore killed midway: said, and carried on from the start
            say(interrupted_words(left))
        for staged in path.parent.glob(f".{path.name}.restoring-*"):
            shutil.rmtree(staged, ignore_errors=True)   # only a copy of a backup: its home is whole beside it
        report = _restore(home, path, source, db, say, desk_of)
        report.interrupted = interrupted_words(left) if left is not None else None
        return report


def _restore(home: Home, path: Path, source: Path, db: Path, say: Callable[[str], None],
             desk_of: Callable[[Path], dict | None]) -> RestoreReport:
    from storage.unit import forget_database
    if home.exists:
        forget_database(home.database_url)      # this process's own pool, on the file about to be replaced
    _nobody_uses(home, desk_of)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    staging = path.parent / f".{path.name}.restoring-{stamp}"
    aside = path.parent / f"{path.name}.before-restore-{stamp}"
    try:
        staging.mkdir(mode=PRIVATE_DIR, parents=True)
        say("1/3 正在复制备份的数据库（SQLite 备份 API，同时检查完整性）…")
        from storage.backup import backup_sqlite
        db_rel = db.resolve().relative_to(source.resolve())
        (staging / db_rel).parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        try:
            backup_sqlite(db, staging / db_rel)
        except sqlite3.DatabaseError as e:
            raise _refuse(f"备份的数据库 {db} 已损坏或不是 SQLite 数据库：{e}",
                          advice="未恢复，主目录保持原样；请改用其他备份") from e
        say("2/3 正在复制对象、网站、公报目录与 lockstep.toml…")
        skip = {db.resolve(), *(Path(f"{db.resolve()}{s}") for s in ("-wal", "-shm", "-journal", ".migrating"))}
        _copy_tree(source, staging, lambda p: (p.parent.resolve() == source.resolve() and p.name in LEFT_OUT)
                   or p.resolve() in skip or p.name.startswith(TEMP))
        (staging / "prefect").mkdir(mode=PRIVATE_DIR, exist_ok=True)
        say("3/3 正在核对副本：数据库结构、审计链与对象…")
        events, count, migrated, tidied = _staged_checks(staging)
        _nobody_uses(home, desk_of)                 # once more, just before the swap
        previous = _swap(path, staging, aside)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return RestoreReport(home=str(path), source=str(source), previous=previous, events=events, objects=count,
                         migrated=migrated, tidied=tidied)


def _swap(path: Path, staging: Path, aside: Path) -> str | None:
    """The home aside, the checked copy in its place; where the home went (None: there was none).
    A rename that fails (the home is a mount point, a folder we may not rename) puts back what moved."""
    previous = None
    try:
        if path.exists():
            os.rename(path, aside)
            previous = str(aside)
        crash_point("restore.between_renames")
        os.rename(staging, path)
    except OSError as e:
        if previous is not None and not path.exists():
            os.rename(aside, path)
        raise _refuse(f"无法替换主目录 {path}：{e.strerror or e}（主目录保持原样）",
                      advice="主目录是挂载点或不能改名时，请停止工作台后按 README“备份与恢复”手工复制") from e
    return previous
