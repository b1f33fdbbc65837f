"""A consistent copy of a live SQLite database: SQLite's online backup API (`lockstep backup`).

A file copy of a database in WAL mode that a desk is writing may be torn (the main file and its -wal
from different moments); the backup API reads one snapshot. It copies every page in one step
(pages=-1): under WAL a reader does not block writers, and a stepwise backup would start over
each time another connection writes between two steps, so it might never end on a busy desk.
"""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path


@dataclass
class DatabaseCopy:
    pages: int
    page_size: int
    bytes: int


def backup_sqlite(source: Path, target: Path) -> DatabaseCopy:
    """Copy the database at `source` into a new file `target` (0600 from the first byte)."""
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    src = sqlite3.connect(f"file:{source.resolve()}?mode=rw", uri=True, timeout=30)   # never creates one
    try:
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst, pages=-1)
            if (ok := dst.execute("PRAGMA quick_check").fetchone()[0]) != "ok":
                raise sqlite3.DatabaseError(f"副本未通过完整性检查：{ok}")
            pages = dst.execute("PRAGMA page_count").fetchone()[0]
            size = dst.execute("PRAGMA page_size").fetchone()[0]
            dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            dst.close()
    finally:
        src.close()
    for leftover in (Path(f"{target}-wal"), Path(f"{target}-shm")):
        if leftover.exists() and leftover.stat().st_size == 0:
            leftover.unlink()
    os.chmod(target, 0o600)
    return DatabaseCopy(pages=pages, page_size=size, bytes=target.stat().st_size)


def sync_filesystem(folder: Path) -> None:
    """Every file written so far on the filesystem holding `folder` reaches the disk (syncfs; os.sync
    where there is none): a copy's files are durable before the file that marks it complete."""
    import ctypes
    fd = os.open(folder, os.O_RDONLY)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if not hasattr(libc, "syncfs") or libc.syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


def write_whole(path: Path, data: bytes, mode: int = 0o600, *, halfway=None) -> None:
    """Write a file whole or not at all, even across a kill -9 or a power cut: a temporary file beside it
    (.tmp-*, `mode` from its first byte), fsync, one rename over `path`, fsync of the folder. A reader
    (restore) finds no file or the whole one, never an empty or a cut one. `halfway`: called between
    the two halves of the data (tests/faults: a crash point)."""
    import tempfile
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data[:len(data) // 2])
            f.flush()
            if halfway is not None:
                halfway()
            f.write(data[len(data) // 2:])
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
