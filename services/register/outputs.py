"""The register's outputs written to a folder or file: exports, the public pages, the 清理 lists.

Only public entries go out (DESIGN.md rule 9): publishing.register.entries(public=True).
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel

from documents.problems import Refused, problem
from publishing import register_pages as pages
from publishing.register_rules import IN_FORCE
from services.home.context import Services
from services.register.life import list_entries
from services.review.actions import today as today_of

FORMATS = ("csv", "xlsx", "json")


class Written(BaseModel):
    folder: str | None = None
    files: list[str]
    entries: int
    counts: dict[str, int] = {}


def public_base(config, given: str | None = None) -> str | None:
    """The public site's absolute address that export links start with: `given` (--base-url), else the
    config's site_base_url when it is a full address (https://www.genhe.gov.cn/site), else [mail]
    desk_url joined with site_base_url (the desk serves the public site under it). None: no full address
    is known."""
    site = (config.site_base_url or "/site").strip()
    desk = (config.mail.desk_url or "").strip()
    for candidate in (given, site, f"{desk.rstrip('/')}/{site.lstrip('/')}" if desk else None):
        if candidate and urlsplit(candidate.strip()).scheme in ("http", "https") and urlsplit(candidate.strip()).netloc:
            return candidate.strip().rstrip("/")
    return None


def linked(entries: list, base: str) -> list:
    """The entries with their site links as absolute URLs (the 政策解读 column; JSON's *_url fields)."""
    return [e.model_copy(update={"interpretation_page": f"{base}/{e.interpretation_page.lstrip('/')}"
                                 if e.interpretation_page else None}) for e in entries]


def export_bytes(entries: list, fmt: str, base: str, now: dt.datetime) -> bytes:
    """One export of these (public) entries, every link absolute under `base`."""
    if fmt not in FORMATS:
        raise Refused(problem("invalid_state", f"不支持的导出格式 {fmt}（可用 csv、xlsx 或 json）"))
    shown = linked(entries, base)
    if fmt == "csv":
        return pages.to_csv(shown)
    if fmt == "xlsx":
        return pages.to_xlsx(shown)
    docs = [{**e.model_dump(mode="json"), "interpretation_url": e.interpretation_page,
             "policy_url": f"{base}/policies/{e.dossier}.html"} for e in shown]
    return json.dumps({"exported_at": now.isoformat(), "base_url": base, "entries": docs},
                      ensure_ascii=False, indent=1).encode("utf-8")


NO_BASE = ("导出台帐中的链接须为完整网址：请在 lockstep.toml 中把 site_base_url 设为公开网站的完整地址"
           "（如 site_base_url = \"https://www.genhe.gov.cn/site\"），或用 --base-url 指明")


def export(svc: Services, fmt: str, out: Path, base_url: str | None = None) -> Written:
    if fmt not in FORMATS:
        raise Refused(problem("invalid_state", f"不支持的导出格式 {fmt}（可用 csv、xlsx 或 json）"))
    base = public_base(svc.config, base_url)
    if base is None:
        raise Refused(problem("config_invalid", NO_BASE))
    entries = list_entries(svc, public=True)
    data = export_bytes(entries, fmt, base, svc.now())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return Written(files=[str(out)], entries=len(entries))


def _write(folder: Path, files: dict[str, bytes]) -> list[str]:
    """Public pages: folders 0755 and files 0644 whatever the umask, each written whole and renamed into place."""
    from services.home.folder import write_public
    written = []
    for rel, data in sorted(files.items()):
        write_public(folder / rel, data)
        written.append(str(folder / rel))
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
