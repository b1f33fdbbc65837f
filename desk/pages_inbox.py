"""通知 (issue 14): each person's desk inbox. A person sees and marks only their own notices; the
nav shows the unread count on every page (desk/kit.py). Opening one marks it read and goes to the
dossier page it is about."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from desk.kit import Kit
from review.lifecycles import MAIL

KIND_NAMES = {"queue": "待审核", "sign": "待签发", "returned": "退回", "due_soon": "即将到期", "overdue": "已逾期"}


def routes(kit: Kit) -> APIRouter:
    from services.home.notifications import inbox, mark_read, open_notice, shown_body
    router = APIRouter(include_in_schema=False)

    @router.get("/inbox")
    @kit.guarded
    async def inbox_page(request: Request) -> Response:
        session, who = kit.signed_in(request)
        notices = await run_in_threadpool(inbox, kit.services(), who.name)
        items = [{"id": n.id, "kind": n.kind, "kind_name": KIND_NAMES.get(n.kind, n.kind), "subject": n.subject,
                  "body": shown_body(n), "link": n.link, "unread": n.read_at is None,
                  "at": n.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                  "mail": MAIL.states.get(n.mail_status, n.mail_status), "mail_status": n.mail_status,
                  "mail_note": n.note} for n in notices]
        return kit.page(request, "desk_inbox.html.j2", who=who, session=session, items=items,
                        unread=sum(i["unread"] for i in items))

    @router.post("/inbox/read")
    @kit.guarded
    async def read_all(request: Request) -> Response:
        session, who = kit.signed_in(request)
        await kit.form_of(request, session, who)
        await run_in_threadpool(mark_read, kit.services(), who.name)
        return RedirectResponse("/inbox", status_code=303)

    @router.post("/inbox/{notice_id}/open")
    @kit.guarded
    async def open_one(request: Request, notice_id: int) -> Response:
        session, who = kit.signed_in(request)
        await kit.form_of(request, session, who)
        link = await run_in_threadpool(open_notice, kit.services(), who.name, notice_id)
        # Another person's notice answers as a missing one would: back to one's own inbox.
        return RedirectResponse(link if link and link.startswith("/") else "/inbox", status_code=303)

    return router
