"""Site files in step with the rows that name them (issue 12, item 4): pages a publication writes
under temporary names before its commit and moves into place after it (`Staged`), the sweep that
places a killed run's committed pages and removes the rest (`tidy_site`), and a single public page
written at once (`write_page`)."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePath

from services.home.context import Services
from services.home.crashpoints import crash_point
from services.home.folder import public_folder
from storage.jobs import STALE_AFTER
from storage.public import dossier_public


def write_page(svc: Services, path: str, html: str) -> str:
    """A public page: kept in the object store and written under the home's site folder."""
    data = html.encode("utf-8")
    sha = svc.store.put(data, content_type="text/html; charset=utf-8")
    _write_atomic(svc.home.site / path, data)
    return sha


def _write_atomic(path: Path, data: bytes) -> Path:
    public_folder(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    os.fchmod(fd, 0o644)            # a public page: a web server reads it (mkstemp makes 0600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return path


# A page staged by a publication: .tmp-<host>-<pid>-<random>~<file name>, beside where it goes.
_STAGED = re.compile(r"^\.tmp-(?P<host>.+)-(?P<pid>\d+)-(?P<rand>[0-9a-f]{8})~(?P<name>.+)$")


class Staged:
    """Site files written under temporary names before the commit and moved into place after it:
    a kill before the commit leaves no page without its row, only temporary files the sweep removes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: list[tuple[Path, Path]] = []

    def write(self, rel: str, data: bytes) -> Path:
        target = self.root / rel
        public_folder(target.parent)
        tmp = target.parent / f".tmp-{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}~{target.name}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.fchmod(fd, 0o644)            # a public page: a web server reads it
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        self.files.append((tmp, target))
        return target

    def place(self) -> list[Path]:
        for tmp, target in self.files:
            os.replace(tmp, target)
        return [target for _, target in self.files]

    def discard(self) -> None:
        for tmp, _ in self.files:
            tmp.unlink(missing_ok=True)
        self.files = []


def _writer_gone(m: re.Match, path: Path, stale_after: dt.timedelta) -> bool:
    """Whether a staged file's writer is over: its process (this host) is gone, or it is older than
    `stale_after` (another host's writer, or a pid since reused)."""
    if _older_than(path, stale_after):
        return True
    if not path.exists():
        return False            # placed or removed meanwhile
    if m["host"] != socket.gethostname() or int(m["pid"]) == os.getpid():
        return False
    try:
        os.kill(int(m["pid"]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass
    return False


def tidy_site(svc: Services, stale_after: dt.timedelta = STALE_AFTER) -> tuple[list[str], list[str]]:
    """Temporary files in the site folder whose writer is over: a staged page whose row was committed
    (same bytes as its row's object, its dossier still public) is moved into place; a picture is
    moved into place when a public, published dossier holds it; anything else is removed (its
    transaction never committed, or another writer's leftover). Returns (placed, removed) site paths."""
    site = svc.home.site
    if not site.is_dir():
        return [], []
    strays = [p for p in site.rglob(".tmp-*") if p.is_file()]
    placed: list[str] = []
    removed: list[str] = []
    if not strays:
        return placed, removed
    with svc.unit() as uow:
        for p in strays:
            m = _STAGED.match(p.name)
            if m is None:            # another writer's temp file (_write_atomic): only when long left
                if _older_than(p, stale_after):
                    p.unlink(missing_ok=True)
                    removed.append(p.relative_to(site).as_posix())
                continue
            if not _writer_gone(m, p, stale_after):
                continue
            target = p.parent / m["name"]
            rel = target.relative_to(site).as_posix()
            try:
                sha = hashlib.sha256(p.read_bytes()).hexdigest()
            except FileNotFoundError:
                continue
            keep = False
            if rel.startswith("assets/"):
                keep = PurePath(rel).stem == sha and any(
                    dossier_public(d) and d.state in ("published", "registered")
                    for d in uow.site.holding_file(sha))
            else:
                row = uow.site.page_at(rel)
                keep = row is not None and row.sha256 == sha and dossier_public(uow.dossiers.get(row.dossier_id))
            if keep:
                os.replace(p, target)
                placed.append(rel)
            else:
                p.unlink(missing_ok=True)
                removed.append(rel)
    return placed, removed


def _older_than(path: Path, age: dt.timedelta) -> bool:
    try:
        return time.time() - path.stat().st_mtime > age.total_seconds()
    except FileNotFoundError:
        return False


@contextmanager
def pages_after_commit(svc: Services, dossier_id: str) -> Iterator[Staged]:
    """Pages of the dossier staged in the block (`stage_page`) are moved into place when it ends
    normally, after the unit of work opened inside it has committed (`with pages_after_commit(svc, d)
    as staged, svc.unit() as uow:`), and removed when it fails. A kill between leaves a temporary file
    (tidy_site and storage check remove it) or a committed row whose page `storage check --repair`
    writes from its object: never a public page without its row. A dossier that stopped being public
    meanwhile (a take-down found nothing in place yet) has them taken down again at once."""
    staged = Staged(svc.home.site)
    try:
        yield staged
    except BaseException:
        staged.discard()
        raise
    crash_point("site.pages_committed")     # tests/faults: committed, its pages not yet in place
    placed = staged.place()
    with svc.unit() as uow:
        uow.dossiers.hold({dossier_id})     # a change under way commits first
        public = dossier_public(uow.dossiers.get(dossier_id))
    if not public:
        for path in placed:
            path.unlink(missing_ok=True)


def stage_page(svc: Services, staged: Staged, path: str, html: str) -> str:
    """write_page's object, with the page staged to be shown after the commit."""
    data = html.encode("utf-8")
    sha = svc.store.put(data, content_type="text/html; charset=utf-8")
    staged.write(path, data)
    return sha
