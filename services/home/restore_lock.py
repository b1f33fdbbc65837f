"""One `lockstep restore` of a home at a time: a lock file beside the home (.HOME.restore.lock).

The lock is an flock on the file, so it dies with its process: a killed restore never blocks the next
one. The file says who took it (process, backup, time) and is removed when the restore ends, done or
refused; one left behind is therefore the mark of a restore that was killed. The next restore reports
it (and goes on: the home, or the home set aside and the backup, are whole), and a command on a home
that a killed restore left missing says which restore to run again instead of "run lockstep init".
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
from pathlib import Path
from typing import Iterator

from documents.problems import Refused, problem

TRIES = 5                # a restore ending meanwhile removes the file we opened: open it again, this often


def lock_path(home: Path) -> Path:
    return home.parent / f".{home.name}.restore.lock"


def _read(fd: int) -> dict:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        found = json.loads(os.read(fd, 65536).decode("utf-8") or "{}")
        return found if isinstance(found, dict) else {}
    except (OSError, ValueError):
        return {}


def _held_by(holder: dict) -> str:
    return f"进程 {holder.get('pid', '?')}，{holder.get('started', '?')} 开始，备份 {holder.get('source', '?')}"


@contextlib.contextmanager
def one_restore(home: Path, source: Path) -> Iterator[dict | None]:
    """Hold the home's restore lock; yields what a killed restore left in it (None: nothing). Refused
    (request_invalid) while another restore holds it. The file goes when the block ends, however."""
    lock = lock_path(home)
    lock.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(TRIES):
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            os.close(fd)
            raise Refused(problem(
                "request_invalid", f"主目录 {home} 的另一次恢复正在进行（{_held_by(holder)}）",
                advice=f"请等它结束后再运行；若该进程已停住（kill -STOP）或卡住，先结束它（kill {holder.get('pid', '进程号')}），"
                       "再运行一次同样的 lockstep restore 命令")) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)             # the restore that held it ended and removed it meanwhile: take the new one
    else:
        raise Refused(problem("request_invalid", f"主目录 {home} 的恢复锁 {lock} 一直在变动",
                              advice="另有恢复在反复启动；请等它们结束后再运行 lockstep restore"))
    left = _read(fd) or None
    try:
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps({"pid": os.getpid(), "source": str(source),
                                 "started": dt.datetime.now().astimezone().isoformat(timespec="seconds")},
                                ensure_ascii=False).encode("utf-8"))
        yield left
    finally:
        lock.unlink(missing_ok=True)        # still ours: nobody else takes it while we hold it
        os.close(fd)


def interrupted_words(holder: dict) -> str:
    """中文: what a killed restore's lock says, and the way forward."""
    return (f"上一次恢复（{_held_by(holder)}）被中断，遗留的锁文件已清除；本次恢复照常进行"
            f"（遗留的隐藏副本已清除，原主目录若已改名则保留在 主目录.before-restore-时间）")


def interrupted_restore(home: Path) -> str | None:
    """Advice for a command on a missing home that a killed restore left missing (its lock is there
    and nobody holds it), naming the command that finishes it; None otherwise."""
    lock = lock_path(home)
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return f"主目录 {home} 正在恢复中（{_held_by(_read(fd))}），请等恢复结束后再试"
        holder = _read(fd)
    finally:
        os.close(fd)
    source = holder.get("source") or "备份文件夹"
    return (f"主目录 {home} 的恢复（{_held_by(holder)}）被中断：请再运行一次 lockstep --home {home} restore {source}"
            f" 完成它（原主目录若已改名，保留在 {home.name}.before-restore-时间）；不要运行 lockstep init")
