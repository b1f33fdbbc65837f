"""The register's outputs written to a folder or file: exports, the public pages, the 清理 lists.

Only public entries go out (DESIGN.md rule 9): publishing.register.entries(public=True).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel

from documents.problems import Refused, problem
from publishing import register_pages as pages
from publishing.register_rules import IN_FORCE
from services.home.context import Services
from services.register.life import list_entries
from services.review.actions import today as today_of

FORMATS = ("csv", "xlsx")


class Written(BaseModel):
    folder: str | None = None
    files: list[str]
    entries: int
    counts: dict[str, int] = {}


def export(svc: Services, fmt: str, out: Path) -> Written:
    if fmt not in FORMATS:
        raise Refused(problem("invalid_state", f"不支持的导出格式 {fmt}（可用 csv 或 xlsx）"))
    entries = list_entries(svc, public=True)
    data = pages.to_csv(entries) if fmt == "csv" else pages.to_xlsx(entries)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return Written(files=[str(out)], entries=len(entries))


def _write(folder: Path, files: dict[str, bytes]) -> list[str]:
    written = []
    for rel, data in sorted(files.items()):
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(str(path))
    return written


def site(svc: Services, out: Path) -> Written:
    """Regenerated whole each time: the register page and one page per entry."""
    entries = list_entries(svc, public=True)
    now = svc.now().astimezone()
    files = pages.register_site(entries, city=svc.config.city, as_of=f"{now.year}年{now.month}月{now.day}日")
    written = _write(out, files)
    # An entry's page from an earlier run whose document is not public now (撤回公开) goes too.
    for stale in (out / "entries").glob("*.html"):
        if f"entries/{stale.name}" not in files:
            stale.unlink()
    return Written(folder=str(out), files=written, entries=len(entries))


def cleanup(svc: Services, out: Path, on: dt.date | None = None) -> Written:
    entries = list_entries(svc, public=True)
    files = pages.cleanup_lists(entries, city=svc.config.city, as_of=on or today_of(svc))
    counts = {"in_force": sum(e.status in IN_FORCE for e in entries),
              "repealed": sum(e.status == "repealed" for e in entries),
              "expired": sum(e.status == "expired" for e in entries)}
    return Written(folder=str(out), files=_write(out, files), entries=len(entries), counts=counts)
