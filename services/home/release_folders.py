"""Released gazette editions on disk against their records, for `lockstep storage check [--repair]`.

A released issue's folder under HOME/gazette holds its print edition and, in html/, its electronic
edition as the public may see it now: the stored edition's latest public revision (撤回公开 writes one,
services/dossiers/withhold.py). A withhold rewrites the folder before its commit, so that a withheld
document never shows there; killed in between, it leaves the folder without a document the record
still says is public. This check finds any such difference, either way, as a coded problem
(`release_folder_mismatch`):

- pages of the public edition missing from html/ or holding other bytes, and files there that it does
  not have (the pages of a document withheld since, put back by a copy or an old process);
- the print edition's files readable by all while it prints a document that is not public now, or kept
  private while every document it prints is public.

`--repair` writes the folder again from the stored public edition and sets the print edition's access.
It does so holding the issue's dossiers (storage/repos/dossiers.py hold), as a release's own catch-up
does: a withhold under way commits first (the folder then gets its revision), or waits for the repair
and rewrites the folder after it. Never a withheld document brought back.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from pydantic import BaseModel, Field

from documents.problems import problem
from services.home.context import Services
from services.home.crashpoints import crash_point
from storage.objects import ObjectMissing

CODE = "release_folder_mismatch"
SHOWN = 5                            # file names a message lists


class ReleaseFolder(BaseModel):
    issue: str
    folder: str                      # HOME/gazette/ISSUE
    code: str = CODE
    message: str = ""                # 中文: what differs, and what to do
    missing: list[str] = Field(default_factory=list)       # public pages absent from html/ or with other bytes
    extra: list[str] = Field(default_factory=list)         # files in html/ the public edition does not have
    prints_public: list[str] = Field(default_factory=list)  # readable by all, printing a document not public
    prints_hidden: list[str] = Field(default_factory=list)  # private, though all it prints is public
    repaired: bool = False
    kept_because: str | None = None


def find(svc: Services, root: Path) -> list[ReleaseFolder]:
    """Every released issue whose folder under `root` differs from its record."""
    from services.dossiers.withhold import _print_files, prints_not_public, public_manifest
    if not root.is_dir():
        return []
    with svc.unit() as uow:
        editions = [(i.id, public_manifest(uow, i.web_sha256), _print_files(i), prints_not_public(uow, i.id))
                    for i in uow.withholding.released_editions() if (root / i.id).is_dir()]
    out = []
    for issue, public, prints, hidden in editions:
        try:
            listing = _listing(svc, public)
        except (ObjectMissing, ValueError):
            continue                 # reported with the missing objects; nothing to compare with
        found = _compare(issue, root / issue, listing, prints, hidden)
        if found is not None:
            out.append(found)
    return out


def repair(svc: Services, root: Path, found: list[ReleaseFolder]) -> None:
    """Each folder written again from its issue's public edition now, holding the issue's dossiers."""
    from services.dossiers.withhold import _print_files, _rewrite, prints_not_public, public_manifest
    for f in found:
        with svc.unit() as uow:
            uow.dossiers.hold(uow.withholding.dossiers_of_issue(f.issue))
            issue = next((i for i in uow.withholding.released_editions() if i.id == f.issue), None)
            if issue is None:
                f.kept_because = "该期已不在已出版的记录中"
                continue
            public, hidden = public_manifest(uow, issue.web_sha256), prints_not_public(uow, issue.id)
            crash_point("storage.release_folder.held")      # tests/faults: read and held, nothing written
            try:
                listing = _listing(svc, public)
                pages = {path: svc.store.get(sha) for path, sha in listing.items()}
            except (ObjectMissing, ValueError):
                f.kept_because = "该期电子版的对象缺失或无法读取（见“记录引用但存储中缺失的对象”），无法重写"
                continue
            folder = root / f.issue
            _rewrite(folder / "html", pages)
            for name in _print_files(issue):
                path = folder / name
                if path.is_file() and not path.is_symlink():
                    os.chmod(path, 0o600 if hidden else 0o644)
            f.repaired = True


def _listing(svc: Services, manifest_sha: str) -> dict[str, str]:
    listing = json.loads(svc.store.get(manifest_sha))
    if not isinstance(listing, dict):
        raise ValueError(manifest_sha)
    return listing


def _sha(path: Path) -> str | None:
    if path.is_symlink() or not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _compare(issue: str, folder: Path, listing: dict[str, str], prints: list[str],
             hidden: bool) -> ReleaseFolder | None:
    html = folder / "html"
    on_disk = {p.relative_to(html).as_posix(): p for p in html.rglob("*") if p.is_file() or p.is_symlink()} \
        if html.is_dir() else {}
    missing = sorted(rel for rel, sha in listing.items() if rel not in on_disk or _sha(on_disk[rel]) != sha)
    extra = sorted(set(on_disk) - set(listing))
    public, private = [], []
    for name in prints:
        path = folder / name
        if not path.is_file():
            continue
        mode = path.stat().st_mode
        if hidden and mode & 0o077:
            public.append(name)
        elif not hidden and not mode & 0o004:
            private.append(name)
    if not (missing or extra or public or private):
        return None
    parts = []
    if missing:
        parts.append(f"缺少或内容与记录不同的网页 {len(missing)} 个（{_names(missing)}）")
    if extra:
        parts.append(f"记录中没有的文件 {len(extra)} 个（{_names(extra)}）")
    if public:
        parts.append(f"印刷版 {_names(public)} 对公众可读，但该期刊登有现不公开（撤回公开或不予公开）的文件")
    if private:
        parts.append(f"印刷版 {_names(private)} 不对公众开放，但该期刊登的文件现都公开")
    message = problem(CODE, f"公报 {issue} 的出版目录 {folder} 与记录不一致：" + "；".join(parts)).message
    return ReleaseFolder(issue=issue, folder=str(folder), message=message, missing=missing, extra=extra,
                         prints_public=public, prints_hidden=private)


def _names(names: list[str]) -> str:
    return "、".join(names[:SHOWN]) + ("……" if len(names) > SHOWN else "")
