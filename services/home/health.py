"""Is this desk able to work? `/healthz` for a load balancer and an operator (issue 14).

Each part is asked once, bounded by its own timeouts (the database's connect and lock waits, the
object store's bounded client): the answer names each part and its problem code, never a path, a
host or a traceback, so it may be answered to whoever asks.
"""
from __future__ import annotations

from typing import Callable

from documents.problems import Refused
from services.home.context import Services

PROBE = "0" * 64          # a key no object has (a SHA-256 of nothing stored): existence is asked, nothing read


def health(opened: Callable[[], Services], prefect: str | None = None, *, show_url: bool = True) -> dict:
    """`opened` opens the home's services (itself a first trip to the database, which may be away).
    `show_url`: whether the workflow server's address is shown (to the machine itself, not to strangers)."""
    parts: dict[str, dict] = {}
    try:
        svc = opened()
    except Refused as r:
        return {"ok": False, "database": {"ok": False, "code": r.problems[0].code}}
    try:
        with svc.unit() as uow:
            uow.ping()
        parts["database"] = {"ok": True}
    except Refused as r:
        parts["database"] = {"ok": False, "code": r.problems[0].code}
    try:
        svc.store.exists(PROBE)
        parts["storage"] = {"ok": True}
    except Refused as r:
        parts["storage"] = {"ok": False, "code": r.problems[0].code}
    except Exception:                 # noqa: BLE001 - an unreadable store is "not ok", whatever it raised
        parts["storage"] = {"ok": False, "code": "storage_unavailable"}
    ok = all(p["ok"] for p in parts.values())
    if prefect:
        # Shown, not required: with the workflow server away submissions and sign-offs are still
        # accepted and recorded (the outbox), so the desk stays "ok".
        parts["prefect"] = {"ok": _answers(prefect)}
        if show_url:
            parts["prefect"]["url"] = _without_credentials(prefect)
    return {"ok": ok, **parts}


def _without_credentials(url: str) -> str:
    """The workflow server's address as shown to whoever asks: never a user or password in it."""
    from urllib.parse import urlsplit, urlunsplit
    u = urlsplit(url)
    host = u.hostname or ""
    netloc = (f"[{host}]" if ":" in host else host) + (f":{u.port}" if u.port else "")
    return urlunsplit((u.scheme, netloc, u.path, "", ""))


def _answers(api_url: str) -> bool:
    import httpx
    try:
        return httpx.get(api_url.rstrip("/") + "/health", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False
