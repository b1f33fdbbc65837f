"""定时发布 and 主题分类 on the desk (issue 15): a signer schedules a signed dossier's web release (or moves
it), cancels it before its moment with a reason, and the drafting office sets the 主题分类 from the
[site] list. The dossier page shows the release's state (desk_dossier.html.j2 #web-release). Every route
goes through the dossier's door (desk/pages_review.py access_of); the services ask the rulebook."""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from desk.kit import Kit
from desk.pages_review import access_of
from documents.problems import Refused, problem

SCHEDULE_CONFIRM = "yes"      # 我已核对，确认到时公开发布: required here, not only in the page


def moment_field(value: str | None) -> dt.datetime | None:
    """A datetime-local field (2026-12-10T09:00), local time; None when blank or not a time."""
    text = (value or "").strip().replace(" ", "T")
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text).replace(second=0, microsecond=0, tzinfo=None)
    except ValueError:
        return None


def release_panel(svc, dossier_id: str, who) -> dict | None:
    """What the dossier page shows of the web release: its state, and which forms the person gets."""
    from review import rules
    from services.publication.schedule import state_of
    state = state_of(svc, dossier_id)
    if state is None:
        return None
    with svc.unit() as uow:
        signer = rules.may_sign_off(who, uow.dossiers.submitters(dossier_id)) is None
    return {"state": state, "may_schedule": signer and state.state in ("held", "scheduled"),
            "may_cancel": signer and state.state == "scheduled"}


def topic_panel(svc, dossier_id: str, who, drafting_unit: str, state: str) -> dict:
    from services.publication.catalogue import may_set_topic
    with svc.unit() as uow:
        topic = uow.dossiers.require(dossier_id).topic
    return {"topic": topic, "topics": svc.config.site.topics,
            "may_set": may_set_topic(who, drafting_unit, state) is None}


def routes(kit: Kit) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.post("/desk/dossiers/{dossier_id}/release/schedule")
    @kit.guarded
    async def schedule(request: Request, dossier_id: str) -> Response:
        from services.publication.schedule import schedule as schedule_release
        session, who = kit.signed_in(request)
        await access_of(kit, request, dossier_id, session, who)      # not seen: 404, as a missing one
        fields = await kit.form_of(request, session, who)
        moment = moment_field(fields.get("at"))
        if moment is None:
            return kit.refused(request, [problem("request_invalid", "请填写公开的日期和时刻")], who, session, 400)
        if (fields.get("confirm") or "") != SCHEDULE_CONFIRM:
            return kit.refused(request, [problem("request_invalid", "到时即公开发布，不能撤回：请勾选“我已核对，确认到时公开发布”")],
                               who, session, 400)
        try:
            await run_in_threadpool(schedule_release, kit.services(), dossier_id, moment, who.name)
        except Refused as r:
            return kit.refused(request, list(r.problems), who, session,
                               400 if r.problem.code == "request_invalid" else None)
        return RedirectResponse(f"/desk/dossiers/{dossier_id}#web-release", status_code=303)

    async def act(request: Request, dossier_id: str, call, anchor: str) -> Response:
        """Signed in, may see the dossier (else 404, as a missing one), a valid form; then the service's
        answer: back to the dossier at `anchor`, or its refusal (400 for a form typed wrong)."""
        session, who = kit.signed_in(request)
        await access_of(kit, request, dossier_id, session, who)
        fields = await kit.form_of(request, session, who)
        try:
            await run_in_threadpool(call, kit.services(), fields, who.name)
        except Refused as r:
            return kit.refused(request, list(r.problems), who, session,
                               400 if r.problem.code == "request_invalid" else None)
        return RedirectResponse(f"/desk/dossiers/{dossier_id}#{anchor}", status_code=303)

    @router.post("/desk/dossiers/{dossier_id}/release/cancel")
    @kit.guarded
    async def cancel(request: Request, dossier_id: str) -> Response:
        from services.publication.schedule import cancel as cancel_release
        return await act(request, dossier_id, lambda svc, fields, name: cancel_release(
            svc, dossier_id, fields.get("reason") or "", name), "web-release")

    @router.post("/desk/dossiers/{dossier_id}/topic")
    @kit.guarded
    async def topic(request: Request, dossier_id: str) -> Response:
        from services.publication.catalogue import set_topic
        return await act(request, dossier_id, lambda svc, fields, name: set_topic(
            svc, dossier_id, fields.get("topic") or "", name), "topic")

    return router
