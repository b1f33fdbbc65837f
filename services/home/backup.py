"""`lockstep backup TARGET`: a consistent copy of an embedded home (SQLite + object folder) while its
desk runs and writes (issue 14, Operator).

The order is what makes the copy consistent:
1. the database first, with SQLite's online backup API (storage/backup.py): one snapshot, never a
   file copy of a live WAL database;
2. then the object folder, the public site, the released gazette editions and the rest of the home.
   Objects are content-addressed and never changed or removed while a row names them, so every object
   the snapshot names already exists when the folder is copied after it. Copied the other way round, an
   intake committed between the two copies would name objects the copy lacks;
3. then the copy's lockstep.toml, which makes the folder a backup to `restore`: after every copied file
   has reached the disk, written aside, fsynced and renamed into place (never an empty or a cut one);
4. last, the copy is brought in step with its own database, as `lockstep storage check --repair` would
   do with no grace period (nobody writes the copy): objects, pages and editions written after the
   snapshot are dropped, a page the snapshot names but the site replaced meanwhile is written again
   from its object.

Left out, because they are run state that a running home rebuilds: desk.json (the running desk's
address and token), cache/ (derived answers), logs/ (the desk's access log), prefect/ (the workflow
engine's run records; `lockstep deploy` makes the pool again), temporary files (.tmp-*).

The copy's lockstep.toml names its database and object folder relative to the copy
(sqlite:///lockstep.db, folder:objects), so `--home COPY` (or the copy put back in place) uses its
own files, never the home it came from.
"""
from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path
from typing import Callable

from pydantic import BaseModel, Field

from documents.problems import Refused, problem
from services.home.crashpoints import crash_point
from services.home.folder import CONFIG_NAME, Home, home_relative

LEFT_OUT = {"desk.json": "运行中工作台的地址与令牌", "cache": "可重新计算的缓存", "logs": "工作台访问日志",
            "prefect": "工作流引擎的运行记录（lockstep deploy 可重建）"}
TEMP = ".tmp-"
GUIDE = "ops/province/GUIDE.md 第 5 节“备份”"


class BackupReport(BaseModel):
    source: str
    target: str
    database: str                    # the database file in the copy, relative to it
    database_pages: int
    page_size: int
    database_bytes: int
    objects: int                     # objects in the copy
    files: int                       # every file in the copy, the database included
    bytes: int
    config_rewritten: list[str] = Field(default_factory=list)     # 中文: what the copy's lockstep.toml now names
    dropped: dict[str, int] = Field(default_factory=dict)         # written after the snapshot, not in the copy
    restored_pages: int = 0
    missing_objects: list[str] = Field(default_factory=list)    # named by the snapshot, lacking in the source too
    left_out: list[str] = Field(default_factory=lambda: sorted(LEFT_OUT))


def _refuse(detail: str, advice: str | None = None) -> Refused:
    return Refused(problem("request_invalid", detail, advice=advice))


def _inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def _plan(home: Home) -> tuple[Path, Path]:
    """The source's SQLite file and object folder, or a refusal for a home this cannot copy."""
    from storage.db import sqlite_path
    url, objects = home.database_url, home.objects_url
    db = sqlite_path(url)
    elsewhere = []
    if db is None:
        elsewhere.append("数据库不是 SQLite 文件")
    if not objects.startswith("folder:"):
        elsewhere.append("对象存储不是主目录旁的文件夹（S3/MinIO 存储桶）")
    if elsewhere:
        raise _refuse("、".join(elsewhere) + "，lockstep backup 只备份嵌入式主目录（SQLite 数据库与对象文件夹）",
                      advice=f"请按 {GUIDE}：先用 pg_dump 备份数据库，再用 mc mirror 镜像存储桶（先数据库、后对象）")
    if not db.is_file():
        raise _refuse(f"主目录的数据库文件 {db} 不存在", advice="请核对 --home 或 lockstep.toml 的 [storage] database")
    from storage.objects import open_store
    return db, open_store(objects, root=home.path).root


def _target_ready(home: Home, target: Path) -> None:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise _refuse(f"目标 {target} 已存在且不是空文件夹",
                      advice="请指定一个不存在的或空的文件夹，备份不会覆盖已有内容")
    if _inside(target, home.path):
        raise _refuse(f"目标 {target} 在主目录 {home.path} 之内", advice="请把备份放在主目录之外")
    if _inside(home.path, target):
        raise _refuse(f"主目录 {home.path} 在目标 {target} 之内", advice="请把备份放在主目录之外的新文件夹")


def _copy_tree(source: Path, target: Path, skip: Callable[[Path], bool]) -> None:
    """Files and folders with their modes (private stays private, public stays public) and times;
    temporary files are skipped, a file removed meanwhile is left out."""
    try:
        mode = stat.S_IMODE(source.stat().st_mode)
    except FileNotFoundError:
        return
    target.mkdir(mode=0o700, exist_ok=True)
    for entry in sorted(source.iterdir()):
        if entry.name.startswith(TEMP) or skip(entry):
            continue
        to = target / entry.name
        try:
            if entry.is_symlink():
                os.symlink(os.readlink(entry), to)
            elif entry.is_dir():
                _copy_tree(entry, to, skip)
            elif entry.is_file():
                shutil.copy2(entry, to)          # mode and times; the content is the file's, whole
        except FileNotFoundError:
            continue                             # removed while we copied: nothing the snapshot needs
    os.chmod(target, mode)
    shutil.copystat(source, target)


def _config(home: Home, target: Path, db_rel: str, objects_rel: str) -> list[str]:
    """The copy's lockstep.toml: the source's, naming the copy's own database and object folder."""
    import tomlkit
    doc = tomlkit.parse(home.config_path.read_text(encoding="utf-8"))
    storage = doc.setdefault("storage", tomlkit.table())
    notes = []
    named_db = storage.get("database", "sqlite:///lockstep.db")
    if home_relative(str(named_db), target) != f"sqlite:///{(target / db_rel).resolve()}":
        storage["database"] = f"sqlite:///{db_rel}"
        notes.append(f"数据库原为 {home.database_url}，副本中改为 sqlite:///{db_rel}（相对副本主目录）")
    named_objects = str(storage.get("objects", "folder:objects"))
    kept = named_objects.startswith("folder:") and not Path(named_objects.removeprefix("folder:")).is_absolute() \
        and (target / named_objects.removeprefix("folder:")).resolve() == (target / objects_rel).resolve()
    if not kept:
        storage["objects"] = f"folder:{objects_rel}"
        notes.append(f"对象存储原为 {home.objects_url}，副本中改为 folder:{objects_rel}（相对副本主目录）")
    # Last of the copy, and whole or not at all: restore takes a folder with lockstep.toml for a backup, so
    # the copied files reach the disk first, then the file is written aside and renamed into place.
    from storage.backup import sync_filesystem, write_whole
    sync_filesystem(target)
    write_whole(target / CONFIG_NAME, tomlkit.dumps(doc).encode("utf-8"), 0o600,
                halfway=lambda: crash_point("backup.config_halfway"))    # tests/faults: a cut write
    return notes


def _in_step(target: Path, db_file: Path, objects: Path) -> tuple[dict[str, int], int, list[str]]:
    """Drop from the copy what its database does not name, write again a page it names but lacks:
    storage check --repair with no grace, on the copy's own database and folder (never the
    LOCKSTEP_DATABASE_URL / LOCKSTEP_OBJECTS a shell may name)."""
    from services.home.context import Services
    from services.home.storage_check import check
    from storage.db import make_engine
    from storage.objects import FolderStore
    from storage.unit import Database
    engine = make_engine(f"sqlite:///{db_file.resolve()}")
    try:
        svc = Services(home=Home(target), db=Database(engine))
        svc.__dict__["store"] = FolderStore(objects)
        report = check(svc, repair=True, grace_seconds=0)
    finally:
        engine.dispose()
    dropped = {"objects": sum(1 for x in report.orphan_objects if x.removed),
               "pages": sum(1 for x in report.stray_pages if x.removed),
               "editions": sum(1 for x in report.stray_editions if x.removed)}
    # Objects the snapshot names but the source lacked too (a damaged home): the copy is kept, as good as
    # its source, and the command says so (exit 1).
    return dropped, report.counts["restored"], [m.sha256 for m in report.missing_objects]


def backup(home: Home, target: Path, say: Callable[[str], None] | None = None) -> BackupReport:
    say = say or (lambda _m: None)
    home.require()
    db, objects = _plan(home)
    _target_ready(home, target)
    db_rel = db.resolve().relative_to(home.path.resolve()).as_posix() if _inside(db, home.path) else "lockstep.db"
    objects_rel = (objects.resolve().relative_to(home.path.resolve()).as_posix()
                   if _inside(objects, home.path) and objects.resolve() != home.path.resolve() else "objects")
    made = not target.exists()
    target.mkdir(parents=True, exist_ok=True, mode=0o700)    # the home's own mode once its files are in
    try:
        return _copy(home, target, db, objects, db_rel, objects_rel, say)
    except BaseException:
        # A half copy must not look like a backup (a full disk, a fault): what this made goes again.
        if made:
            shutil.rmtree(target, ignore_errors=True)
        else:
            for entry in target.iterdir():
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
        raise


def _copy(home: Home, target: Path, db: Path, objects: Path, db_rel: str, objects_rel: str,
          say: Callable[[str], None]) -> BackupReport:
    from storage.backup import backup_sqlite
    (target / db_rel).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    say("1/3 正在在线备份数据库（工作台可继续运行）…")
    copied = backup_sqlite(db, target / db_rel)
    say(f"    数据库 {db_rel}：{copied.pages} 页，{copied.bytes} 字节")
    say("2/3 正在复制对象、网站与公报目录…")
    _copy_tree(objects, target / objects_rel, lambda _p: False)
    skip_names = set(LEFT_OUT) | {CONFIG_NAME}
    taken = {objects.resolve(), (home.path / objects_rel).resolve()}      # copied above, or its stand-in
    for f in (db, home.path / db_rel):
        taken |= {f.resolve(), *(Path(f"{f.resolve()}{s}") for s in ("-wal", "-shm", "-journal", ".migrating"))}
    _copy_tree(home.path, target, lambda p: (p.parent.resolve() == home.path.resolve() and p.name in skip_names)
               or p.resolve() in taken)            # the home's mode and times last
    crash_point("backup.copied")                # tests/faults: everything copied but lockstep.toml
    notes = _config(home, target, db_rel, objects_rel)
    crash_point("backup.config_written")        # tests/faults: a whole copy, not yet in step
    for n in notes:
        say(f"    {n}")
    say("3/3 正在按副本的数据库核对副本（去掉备份数据库之后才写入的对象与页面）…")
    dropped, restored, missing = _in_step(target, target / db_rel, target / objects_rel)
    from storage.objects import FolderStore
    files = [p for p in target.rglob("*") if p.is_file() and not p.is_symlink()]
    return BackupReport(source=str(home.path.resolve()), target=str(target.resolve()), database=db_rel,
                        database_pages=copied.pages, page_size=copied.page_size, database_bytes=copied.bytes,
                        objects=sum(1 for _ in FolderStore(target / objects_rel).keys()), files=len(files),
                        bytes=sum(p.stat().st_size for p in files), config_rewritten=notes, dropped=dropped,
                        restored_pages=restored, missing_objects=missing)
