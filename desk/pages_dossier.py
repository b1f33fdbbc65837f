"""The dossier's pages: a drafting office submits a bundle and follows it, reviewers decide
their stage from their queue, the signer signs off when the gate is open."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from desk.forms import BadUpload, UploadTooLarge, read_upload
from desk.kit import STATUS_OF_CODE, Kit
from documents.labels import meta_fields
from documents.problems import Refused, problem
from services.worklists import OPEN_STATES, reviews, rights, waiting_for


def routes(kit: Kit) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    # ------------------------------------------------------------ drafting office: submit a bundle

    @router.get("/desk/submit")
    @kit.guarded
    async def submit_form(request: Request) -> Response:
        session, who = kit.signed_in(request)
        kit.require(request, "drafter" in who.roles, f"{who.name} 不是起草人员，不能提交材料", who, session)
        return kit.page(request, "desk_submit.html.j2", who=who, session=session, max_mb=kit.max_bytes // (1024 * 1024))

    @router.post("/desk/submit")
    @kit.guarded
    async def submit(request: Request) -> Response:
        session, who = kit.signed_in(request)
        kit.require(request, "drafter" in who.roles, f"{who.name} 不是起草人员，不能提交材料", who, session)
        too_large = [problem("bundle_too_large", f"上传内容超过 {kit.max_bytes // (1024 * 1024)} MB")]
        try:
            if int(request.headers.get("content-length") or 0) > kit.max_bytes:
                return kit.refused(request, too_large, who, session, status=413)
        except ValueError:
            pass
        try:
            upload = await read_upload(request.headers.get("content-type", ""), request.stream(), kit.max_bytes)
        except UploadTooLarge:
            return kit.refused(request, too_large, who, session, status=413)
        except BadUpload as e:
            return kit.refused(request, [problem("bundle_unreadable", str(e))], who, session, status=400)
        try:
            kit.check_csrf(request, upload.fields.get("csrf"), session, who)
            if not upload.files:
                return kit.refused(request, [problem("bundle_empty", "没有选择文件")], who, session, status=400)
            hint = (upload.fields.get("dossier") or "").strip() or None
            request_ = {"paths": [str(p) for p in upload.files], "actor": who.name, "dossier": hint}
            result, answer = await run_in_threadpool(_intake, kit, request_)
        finally:
            upload.discard()
        status = 200 if result.accepted else 422
        return kit.page(request, "desk_intake.html.j2", status, who, session, result=result, gate=answer,
                    meta_fields=meta_fields, actors=kit.actors)

    # ------------------------------------------------------------ a dossier

    @router.get("/desk/dossiers/{dossier_id}")
    @kit.guarded
    async def dossier(request: Request, dossier_id: str) -> Response:
        session, who = kit.signed_in(request)
        return await _dossier_page(request, dossier_id, session, who)

    async def _dossier_page(request, dossier_id, session, who, status: int = 200, **extra) -> Response:
        from services.review import status as dossier_status
        svc = kit.services()
        st = await run_in_threadpool(dossier_status, svc, dossier_id)
        see, act = await run_in_threadpool(rights, svc, who, dossier_id)
        kit.require(request, see, f"{who.name}（{who.unit}）在卷宗 {dossier_id} 上没有角色，不能查看", who, session)
        return kit.page(request, "desk_dossier.html.j2", status, who, session, st=st, actors=kit.actors,
                    can_act=act, can_sign="signer" in who.roles and st.state in OPEN_STATES, **extra)

    @router.post("/desk/dossiers/{dossier_id}/decide")
    @kit.guarded
    async def decide(request: Request, dossier_id: str) -> Response:
        from services.review import record_decision
        session, who = kit.signed_in(request)
        fields = await kit.form_of(request, session, who)
        verdict = fields.get("verdict")
        if verdict not in ("approve", "return"):
            return kit.refused(request, [problem("not_permitted", "请选择“通过”或“退回”")], who, session, status=400)
        reasons = [line.strip() for line in (fields.get("reasons") or "").splitlines() if line.strip()]
        event, _ = await run_in_threadpool(record_decision, kit.services(), dossier_id, fields.get("stage", ""),
                                           verdict, fields.get("comment", "").strip(), who.name, reasons)
        done = f"已{'通过' if verdict == 'approve' else '退回'}“{event.stage}”环节"
        if event.opinion_number:
            done += f"，合法性审核意见书 {event.opinion_number}"
        return await _dossier_page(request, dossier_id, session, who, done=done)

    # ------------------------------------------------------------ review queue

    @router.get("/desk/queue")
    @kit.guarded
    async def queue(request: Request) -> Response:
        session, who = kit.signed_in(request)
        svc = kit.services()
        kit.require(request, reviews(svc.config, who), f"{who.name} 没有审核角色", who, session)
        items = await run_in_threadpool(waiting_for, svc, who)
        return kit.page(request, "desk_queue.html.j2", who=who, session=session, items=items)

    # ------------------------------------------------------------ sign-off

    @router.get("/desk/dossiers/{dossier_id}/sign")
    @kit.guarded
    async def sign_form(request: Request, dossier_id: str) -> Response:
        from services.review import gate_answer
        session, who = kit.signed_in(request)
        kit.require(request, "signer" in who.roles, f"{who.name} 没有签发权限", who, session)
        answer = await run_in_threadpool(gate_answer, kit.services(), dossier_id)
        return kit.page(request, "desk_sign.html.j2", who=who, session=session, gate=answer, actors=kit.actors)

    @router.post("/desk/dossiers/{dossier_id}/sign")
    @kit.guarded
    async def sign(request: Request, dossier_id: str) -> Response:
        from services.review import gate_answer, record_sign_off
        session, who = kit.signed_in(request)
        kit.require(request, "signer" in who.roles, f"{who.name} 没有签发权限", who, session)
        await kit.form_of(request, session, who)
        svc = kit.services()
        try:
            event = await run_in_threadpool(record_sign_off, svc, dossier_id, who.name)
        except Refused as r:
            answer = await run_in_threadpool(gate_answer, svc, dossier_id)
            status = STATUS_OF_CODE.get(r.problem.code, 409)
            return kit.page(request, "desk_sign.html.j2", status, who, session, gate=answer, actors=kit.actors,
                        refusal=list(r.problems))
        published = await run_in_threadpool(_publish, kit, dossier_id, who.name)
        return kit.page(request, "desk_signed.html.j2", 200 if published.get("published") else 500, who, session,
                    event=event, published=published, dossier=dossier_id)

    return router


def _intake(kit: Kit, request: dict):
    from flows.run import run_intake
    from services.intake import SubmitResult
    from services.review import gate_answer
    with kit.engine_lock:
        raw = run_intake(kit.home, [request], here=True)[0]
    result = SubmitResult.model_validate(raw)
    answer = gate_answer(kit.services(), result.dossier) if result.accepted else None
    return result, answer


def _publish(kit: Kit, dossier_id: str, actor: str) -> dict:
    from flows.run import run_publication
    with kit.engine_lock:
        return run_publication(kit.home, [dossier_id], actor, here=True)[0]
