"""The public register page: entries in force, only what is public."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from desk.kit import Kit


def routes(kit: Kit) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    # ------------------------------------------------------------ public register

    @router.get("/register")
    async def register_page(request: Request) -> Response:
        from publishing.register_rules import IN_FORCE
        from services.register_life import list_entries
        entries = await run_in_threadpool(list_entries, kit.services(), None, public=True)
        shown = [e for e in entries if e.status in IN_FORCE]
        return kit.page(request, "desk_register.html.j2", entries=shown)

    return router
