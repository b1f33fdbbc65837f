"""Operators: a link from the desk home to the Prefect UI's flow runs, when a Prefect server is used.

Lockstep's processes take the server from PREFECT_API_URL (flows/engine.py lets an operator's
value win; the config has no key for it), so that is where the desk looks too. There is no operator
role in review/config.py, so the link is shown to every signed-in person, in a small 运行状态 part
of the desk home: seeing that flows run is harmless, and the Prefect UI has its own access control.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from urllib.parse import urlsplit

from fastapi import APIRouter

from desk.kit import Kit
from templates import environment

_API = re.compile(r"^(https?://[^\s\"'<>]+?)/api/?$")


def prefect_runs_url(environ=None) -> str | None:
    """The Prefect UI's flow-runs page, or None when no Prefect server is named (embedded mode)."""
    environ = os.environ if environ is None else environ
    ui = (environ.get("PREFECT_UI_URL") or "").strip().rstrip("/")
    if ui and urlsplit(ui).scheme in ("http", "https") and _API.match(ui + "/api"):
        return ui + "/runs"
    m = _API.match((environ.get("PREFECT_API_URL") or "").strip())
    return m.group(1) + "/runs" if m else None


def routes(kit: Kit) -> APIRouter:
    # The desk home (desk/pages.py) renders with a fixed context; a template global lets its small
    # 运行状态 section ask for the link without the home page knowing about operators.
    environment().globals.setdefault("prefect_runs_url", prefect_runs_url)
    return APIRouter(include_in_schema=False)


def publications_waiting(kit: Kit, who) -> list[dict]:
    """Signed off, not yet published: dossier, title, since when, where it stands. Shown to people
    who may sign off (review.rules.may_sign_off), who see every dossier to be signed anyway."""
    from review.rules import may_sign_off
    from services.publication.publish import waiting
    if who is None or may_sign_off(who, ()) is not None:
        return []
    svc = kit.services()
    jobs = waiting(svc)
    if not jobs:
        return []
    with svc.unit() as uow:
        titles = {j.dossier_id: (row.title if (row := uow.dossiers.get(j.dossier_id)) else "") for j in jobs}
    def status(j) -> str:           # 定时发布 (services/publication/schedule.py): waiting for its moment
        if j.status == "pending" and j.not_before is not None:
            at = j.not_before if j.not_before.tzinfo else j.not_before.replace(tzinfo=dt.timezone.utc)
            return f"定时发布：将于 {at.astimezone():%Y-%m-%d %H:%M} 公开"
        return j.status_name
    return [{"dossier": j.dossier_id, "title": titles[j.dossier_id], "status": status(j),
             "since": j.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
             "error": (j.last_error or {}).get("message")} for j in jobs]
