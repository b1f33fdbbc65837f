"""A draft issue's two editions before release (样稿): built from the stored content exactly as
release would build them, shown to gazette editors only, never stored or published.

Building an issue takes about a second for 100 items, and the electronic edition is many pages
that link to each other, so the last preview of each issue is kept in memory while its contents
and date stay the same.
"""
from __future__ import annotations

import datetime as dt
import re
import threading
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from desk.kit import SECURITY_HEADERS, Kit
from review import rules
from desk.pages_gazette import _date
from documents.problems import Refused, problem
from documents.shown import echoed

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TYPES = {".html": "text/html; charset=utf-8", ".json": "application/json", ".png": "image/png",
         ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".css": "text/css"}


# Every preview page says what it is (issue 15): 样稿 in its title and a banner and watermark over it,
# so a printed or forwarded preview is never taken for the released edition.
SAMPLE_BANNER = ('<div class="lockstep-sample" role="note" style="position:sticky;top:0;z-index:2147483647;'
                 'background:#b71c1c;color:#fff;font:bold 16px/1.6 sans-serif;text-align:center;padding:4px 8px">'
                 '样稿 · 未出版，仅供核对，不得引用或转发</div>'
                 '<div class="lockstep-sample-mark" aria-hidden="true" style="position:fixed;inset:0;'
                 'pointer-events:none;z-index:2147483646;display:flex;align-items:center;justify-content:center;'
                 'font:bold 160px/1 sans-serif;color:rgba(183,28,28,.12);transform:rotate(-30deg)">样稿</div>')
_TITLE = re.compile(rb"<title>", re.I)
_BODY = re.compile(rb"<body[^>]*>", re.I)


def sample_marked(page: bytes) -> bytes:
    """An electronic-edition page as a preview shows it: 【样稿】 before its title, the banner first in its body."""
    page = _TITLE.sub("<title>【样稿】".encode(), page, count=1)
    banner = SAMPLE_BANNER.encode()
    marked, n = _BODY.subn(lambda m: m.group(0) + banner, page, count=1)
    return marked if n else banner + page


def routes(kit: Kit) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    kept: dict[str, tuple[tuple, object]] = {}
    lock = threading.Lock()

    def built(issue_id: str, day: dt.date | None):
        from services.gazette.issues import show_issue
        from services.gazette.release import preview
        svc = kit.services()
        view = show_issue(svc, issue_id)
        if view.status != "draft":
            raise Refused(problem("invalid_state", f"公报 {issue_id} 已出版，请查看已出版的电子版与印刷版"))
        # 更正启事 are part of the contents: adding or removing one makes a new preview.
        stamp = (tuple(i.dossier for i in view.items), tuple((c.notice, c.text) for c in view.corrections),
                 day or view.planned_date, svc.now().astimezone().date())
        with lock:
            if issue_id in kept and kept[issue_id][0] == stamp:
                return kept[issue_id][1]
        editions = preview(svc, issue_id, day)
        with lock:
            kept[issue_id] = (stamp, editions)
        return editions

    def editor(request: Request):
        session, who = kit.signed_in(request)
        kit.allow(request, rules.may_edit_gazette(who), who, session)
        return session, who

    async def editions_for(request: Request, issue_id: str):
        session, who = editor(request)
        try:
            day = _date(request.query_params.get("date"), "出版日期")
        except ValueError as e:
            raise Refused(problem("request_invalid", str(e))) from None
        # The admission rules refuse a preview as they would refuse the release (Kit.guarded shows it).
        return await run_in_threadpool(built, issue_id, day)

    @router.get("/desk/gazette/issues/{issue_id}/preview/web/{path:path}")
    @kit.guarded
    async def web(request: Request, issue_id: str, path: str) -> Response:
        editions = await editions_for(request, issue_id)
        name = path or "index.html"
        if name not in editions.pages:
            return kit.refused(request, [problem("not_found", f"样稿中没有 {echoed(name)}")])
        suffix = name[name.rfind("."):].lower() if "." in name else ""
        headers = {**SECURITY_HEADERS, "Cache-Control": "no-store"}
        data = sample_marked(editions.pages[name]) if suffix == ".html" else editions.pages[name]
        return Response(data, media_type=TYPES.get(suffix, "application/octet-stream"), headers=headers)

    @router.get("/desk/gazette/issues/{issue_id}/preview.docx")
    @kit.guarded
    async def print_copy(request: Request, issue_id: str) -> Response:
        editions = await editions_for(request, issue_id)
        name = f"样稿-{editions.print_name}"
        disposition = f'attachment; filename="preview-{issue_id}.docx"; filename*=UTF-8\'\'{quote(name)}'
        return Response(editions.docx, media_type=DOCX,
                        headers={**SECURITY_HEADERS, "Cache-Control": "no-store", "Content-Disposition": disposition})

    return router
