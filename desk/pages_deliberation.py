"""集体审议 and the 合法性审核意见书 on the desk (issue 14): the 常务会议 secretary's record of the
meeting on the review page (meeting, 第N次, date, minutes docx), the minutes and the opinions as
downloads, and the search over the minutes. Every route goes through the dossier's door
(desk/pages_review.py access_of): a dossier the person may not see answers as a missing one."""
from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from desk.kit import SECURITY_HEADERS, Kit, Stop, status_of
from desk.pages_review import access_of, review_page
from documents.problems import Refused, problem
from documents.shown import echoed

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MINUTES_MAX = 20 * 1024 * 1024


def docx_response(name: str, data: bytes) -> Response:
    """A docx download named in Chinese: RFC 5987 filename* (UTF-8) beside an ASCII fallback."""
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in name) or "document.docx"
    headers = {**SECURITY_HEADERS, "Cache-Control": "no-store",
               "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"}
    return Response(data, media_type=DOCX, headers=headers)


def _version_field(text: str | None) -> int | None:
    """The form's version (hidden field): blank is none given; anything but a number is no version (0)."""
    text = (text or "").strip()
    if not text:
        return None
    return int(text) if text.isdecimal() and len(text) <= 6 else 0


def meeting_panel(svc, dossier_id: str, who):
    """The review page's 集体审议 panel (services/review/deliberation.py panel), or None."""
    from services.review.deliberation import panel
    return panel(svc, dossier_id, who)


def routes(kit: Kit) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/desk/dossiers/{dossier_id}/opinions/{number}")
    @kit.guarded
    async def opinion(request: Request, dossier_id: str, number: str) -> Response:
        """A 合法性审核意见书 as stored when it was issued (docx), for whoever may see the dossier."""
        from services.review.opinions import opinion_file
        session, who = kit.signed_in(request)
        await access_of(kit, request, dossier_id, session, who)
        found = await run_in_threadpool(opinion_file, kit.services(), dossier_id, number)
        if found is None:
            return kit.refused(request, [problem("not_found", f"本卷宗没有意见书 {echoed(number)}")], who, session)
        return docx_response(*found)

    @router.get("/desk/dossiers/{dossier_id}/deliberation/minutes")
    @kit.guarded
    async def minutes(request: Request, dossier_id: str) -> Response:
        from services.review.deliberation import minutes_of
        session, who = kit.signed_in(request)
        await access_of(kit, request, dossier_id, session, who)
        version = request.query_params.get("version")
        found = await run_in_threadpool(minutes_of, kit.services(), dossier_id,
                                        int(version) if (version or "").isdecimal() else None)
        if found is None:
            return kit.refused(request, [problem("not_found", "本卷宗没有会议纪要")], who, session)
        return docx_response(*found)

    @router.post("/desk/dossiers/{dossier_id}/deliberation")
    @kit.guarded
    async def record(request: Request, dossier_id: str) -> Response:
        """The secretary's record of the meeting; refused: the review page again, what was typed kept."""
        from services.review.deliberation import parse_day, record_deliberation
        session, who = kit.signed_in(request)
        await access_of(kit, request, dossier_id, session, who)      # not seen: 404, as a missing one
        upload = await kit.receive_upload(request)
        try:
            kit.check_csrf(request, upload.fields.get("csrf"), session, who)
            fields = dict(upload.fields)
            session_text = (fields.get("session_number") or "").strip()
            number = int(session_text) if session_text.isdecimal() else (None if not session_text else -1)
            data = name = None
            if upload.files:
                path = upload.files[0]
                name = path.name
                data = path.read_bytes()[:MINUTES_MAX + 1]
            try:
                if data is not None and len(data) > MINUTES_MAX:
                    raise Refused(problem("bundle_too_large", f"会议纪要超过 {MINUTES_MAX // (1024 * 1024)} MB"))
                shown = await run_in_threadpool(
                    record_deliberation, kit.services(), dossier_id, meeting=fields.get("meeting") or "",
                    session_number=number, held_on=parse_day(fields.get("held_on")), minutes_name=name,
                    minutes=data, actor_name=who.name, version=_version_field(fields.get("version")))
            except Refused as r:
                code = r.problem.code
                if code in ("not_found", "not_permitted"):
                    raise
                return await review_page(kit, request, dossier_id, session, who,
                                         400 if code == "deliberation_record_missing" else status_of(code),
                                         meeting_refusal=list(r.problems), meeting_entered=fields)
        except Stop:
            raise
        finally:
            upload.discard()
        return RedirectResponse(f"/desk/dossiers/{dossier_id}/review?recorded={shown.version}#deliberation",
                                status_code=303)

    @router.get("/desk/deliberations")
    @kit.guarded
    async def search(request: Request) -> Response:
        """集体审议查询: meetings whose name, minutes or dossier title contain the words typed."""
        from services.review.deliberation import search_deliberations
        session, who = kit.signed_in(request)
        q = (request.query_params.get("q") or "").strip()[:100]
        hits = await run_in_threadpool(search_deliberations, kit.services(), q, who.name) if q else []
        return kit.page(request, "desk_deliberations.html.j2", who=who, session=session, q=q, hits=hits)

    return router
