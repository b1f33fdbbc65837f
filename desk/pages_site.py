"""The web release (同步发布) served to the public: /site/policies/D….html, its interpretation page
and their pictures, from the stored content. The signed-off page links here, not to the disk."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from desk.kit import SECURITY_HEADERS, Kit
from documents.problems import problem


def routes(kit: Kit) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/site/{folder}/{name}")
    async def site(request: Request, folder: str, name: str) -> Response:
        from services.publication.site import asset, page
        svc = kit.services()
        path = f"{folder}/{name}"
        if folder in ("policies", "interpretations") and name.endswith(".html"):
            html = await run_in_threadpool(page, svc, path)
            if html is not None:
                return Response(html, media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)
        elif folder == "assets" and (found := await run_in_threadpool(asset, svc, path)) is not None:
            return Response(found[0], media_type=found[1], headers=SECURITY_HEADERS)
        return kit.refused(request, [problem("not_found", "网站上没有这一页（只有已发布且可公开的文件）")])

    return router
