"""The desk's JSON API (/api/v1) for other systems: a document-management system, the
legality-review platform. The same actions as the pages, the same checks, the same coded problems.

- Who: `Authorization: Bearer <token>`, a person's token from `lockstep users token NAME` (only its
  SHA-256 is kept). A missing or unknown token is 401 with code not_permitted.
- Checks: role and unit exactly as the pages check them (services.dossiers.access.rights, the services'
  own refusals). A refusal is the command line's shape, {"ok": false, "problems": [...]}, with the
  HTTP status of its code (desk/kit.py STATUS_OF_CODE; 409 otherwise).
- Uploads stream to a size-capped temp folder (Kit.receive_upload); flow work (intake,
  publication) runs here, warm, one run at a time, intake batched (desk/flowwork.py).
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from desk import auth
from desk.api_shapes import (ATTACH_BODY, BUNDLE_BODY, COMMON, FILE_ROLES, JSON_SIZE, REGISTER_STATUSES, UPLOAD_SIZE,
                             DecisionIn, DecisionOut, MeOut, PublicationOut, QueueOut, RegisterOut, SignOffIn,
                             SignOffOut, SignOffRefused, StatusOut, SubmitOut, refusal_doc, request_problem,
                             submit_refused)
from desk.flowwork import FlowWork
from desk.kit import STATUS_OF_CODE, Kit, status_of
from documents.problems import Problem, Refused, problem
from review import rules
from review.config import Person
from review.gate import Blocking
from services.dossiers.intake import SubmitResult
from services.register.life import EntryView
from services.review.actions import GateAnswer

# A request the API cannot use is 422 here; the pages show a form again instead.
API_STATUS = {**STATUS_OF_CODE, "request_invalid": 422, "manifest_invalid": 422}


# ---------------------------------------------------------------- refusals as JSON

class NotSignedIn(Exception):
    pass


def refusal(problems, status: int | None = None, **extra) -> JSONResponse:
    problems = list(problems)
    code = status or status_of(problems[0].code, API_STATUS)
    return JSONResponse(jsonable_encoder({**extra, "ok": False, "problems": problems}), status_code=code)


class ProblemRoute(APIRoute):
    """Every refusal on the API, from a service, a check or FastAPI's own request validation, leaves
    in one shape; nothing else about the desk's pages (HTML refusals) changes."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def run(request: Request):
            try:
                if await _lone_surrogate(request):
                    return refusal([problem("request_invalid", "请求内容含有无法保存的字符（孤立的 UTF-16 代理项，"
                                                               "如 \\ud800），请删去后重新提交")])
                return await handler(request)
            except Refused as r:
                return refusal(r.problems)
            except NotSignedIn:
                response = refusal([problem("not_permitted", "缺少接口令牌或令牌无效，请用 lockstep users token 姓名 "
                                                             "生成令牌，并以 Authorization: Bearer 令牌 发送")], 401)
                response.headers["WWW-Authenticate"] = "Bearer"
                return response
            except RequestValidationError as e:
                return refusal([request_problem(e.errors())])
        return run


async def _lone_surrogate(request: Request) -> bool:
    """A JSON body holding a string with a lone surrogate ("\\ud800": valid JSON, but no database or
    UTF-8 page can hold it). Only JSON bodies are read here (uploads stream on)."""
    import json
    if not (request.headers.get("content-type") or "").startswith("application/json"):
        return False
    try:
        json.dumps(json.loads(await request.body()), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    except ValueError:          # not JSON at all: FastAPI's own validation says so
        return False
    return False


def reply(model: BaseModel, status: int = 200) -> JSONResponse:
    return JSONResponse(jsonable_encoder(model), status_code=status)


class DisclosureIn(BaseModel):
    """The 公开属性 a person sets when the policy's marking leaves it unknown (disclosure_unknown)."""
    value: Literal["主动公开", "依申请公开", "不予公开"]
    ground: str | None = Field(None, max_length=300, description="法律依据；不予公开时必填")


class ExplainIn(BaseModel):
    """解读与政策一致性：why a finding is not an error (at least 10 written characters)."""
    finding: str = Field(..., max_length=64, description="问题编号（GET …/consistency 的 findings[].id）")
    reason: str = Field(..., max_length=2000, description="说明理由（不少于 10 个字，空格、标点不计）")


class WithholdIn(BaseModel):
    """撤回公开: why the published document leaves every public output (at least 10 characters)."""
    reason: str = Field(..., max_length=2000, description="撤回公开的理由（不少于 10 个字，空格不计）")


def need(allowed: bool, why: str) -> None:
    if not allowed:
        raise Refused(problem("not_permitted", why))


def guard(refusal: Problem | None) -> None:
    """Refuse with the rulebook's answer (review/rules.py), if it gave one."""
    if refusal is not None:
        raise Refused(refusal)


# ---------------------------------------------------------------- uploads

def submitted(result: SubmitResult, answer: GateAnswer | None) -> JSONResponse:
    """200 accepted; a refused bundle is 413 when it is too large, else 422 (as the pages answer)."""
    errors = {p.code for p in result.problems if p.severity == "error"}
    status = 200 if result.accepted else 413 if "bundle_too_large" in errors else 422
    return reply(SubmitOut(**dict(result), ok=result.accepted, gate=answer), status)


# ---------------------------------------------------------------- the routes

def routes(home: Path, work: FlowWork, max_upload: int | None = None) -> APIRouter:
    from fastapi.responses import JSONResponse

    from flows.on_pool import Queued
    from services.review.actions import gate_answer, record_decision, record_sign_off, status
    from services.dossiers.access import access, waiting_for
    kit = Kit(home, work, max_upload=max_upload)
    services = _Services(kit)
    router = APIRouter(prefix="/api/v1", route_class=ProblemRoute, responses=COMMON)
    bearer = HTTPBearer(auto_error=False, description="lockstep users token 姓名 生成的接口令牌（只显示一次）")

    async def caller(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Person:
        # One trip through the thread pool: the token and the person are rows in the database.
        def who_is(token: str | None) -> Person | None:
            name = auth.token_user(home, token)
            return services().config.person(name) if name else None    # disabled or removed: no access
        token = credentials.credentials if credentials else None
        who = await run_in_threadpool(who_is, token) if token and token.startswith(auth.TOKEN_PREFIX) else None
        if who is None:
            raise NotSignedIn()
        request.state.person = who.name          # for the access log (desk/access_log.py)
        return who

    def seeing(who: Person, dossier_id: str):
        """Another unit's dossier answers exactly as a missing one (404 not_found)."""
        svc = services()
        return svc, access(svc, who, dossier_id).act

    # Endpoints are async and send their work to the thread pool once: a sync endpoint takes a second
    # trip for its response model, and in a burst every call then waits for all the others' first trip.

    @router.get("/me", tags=["人员"], summary="令牌对应的人员、单位与角色", response_model=MeOut)
    async def me(who: Person = Depends(caller)):
        return MeOut(**dict(who))

    @router.post("/dossiers", tags=["卷宗"], summary="提交材料包：新卷宗，或指定卷宗的新版本",
                 response_model=SubmitOut, openapi_extra=BUNDLE_BODY,
                 responses={**UPLOAD_SIZE, 404: refusal_doc("没有指定的卷宗（表单字段 dossier）"),
                            409: refusal_doc("指定的卷宗当前状态不能提交新版本"), 422: submit_refused("材料未被接收（problems 列出原因）")})
    async def submit(request: Request, who: Person = Depends(caller)):
        guard(rules.may_submit(who))
        upload = await kit.receive_upload(request)
        try:
            if not upload.files:
                raise Refused(problem("bundle_empty", "没有上传文件（表单字段 files）"))
            hint = (upload.fields.get("dossier") or "").strip() or None
            try:
                result, answer = await run_in_threadpool(kit.intake, {
                    "paths": [str(p) for p in upload.files], "actor": who.name, "dossier": hint})
            except Queued as q:     # a pool home: staged and recorded, a worker takes it in (202)
                return JSONResponse(jsonable_encoder({**q.doc, "ok": True}), status_code=202)
        finally:
            upload.discard()
        return submitted(result, answer)

    @router.post("/dossiers/{dossier_id}/files", tags=["卷宗"], summary="补充或替换一份材料（形成新版本，此前的审核失效）",
                 response_model=SubmitOut, openapi_extra=ATTACH_BODY,
                 responses={**UPLOAD_SIZE, 404: refusal_doc("没有该卷宗"), 409: refusal_doc("卷宗当前状态不能提交新版本"),
                            422: submit_refused("材料未被接收（problems 列出原因）")})
    async def attach_file(request: Request, dossier_id: str, who: Person = Depends(caller)):
        guard(rules.may_submit(who))
        guard((await run_in_threadpool(access, services(), who, dossier_id)).why_not("submit_version"))
        upload = await kit.receive_upload(request)
        try:
            role = (upload.fields.get("role") or "").strip()
            if role not in FILE_ROLES:
                raise Refused(problem("manifest_invalid", f"没有材料角色“{role}”（可用：{'、'.join(FILE_ROLES)}）"))
            if len(upload.files) != 1:
                raise Refused(problem("bundle_empty", "请在表单字段 file 中上传一份文件"))
            result, answer = await run_in_threadpool(kit.attach, dossier_id, upload.files[0], role, who.name)
        finally:
            upload.discard()
        return submitted(result, answer)

    @router.get("/dossiers/{dossier_id}", tags=["卷宗"], summary="卷宗状态：版本、材料、审核记录、签发条件与历史",
                response_model=StatusOut, responses={404: refusal_doc("没有该卷宗")})
    async def dossier_status(dossier_id: str, who: Person = Depends(caller)):
        def read():
            svc, act = seeing(who, dossier_id)
            return StatusOut(**dict(status(svc, dossier_id)), may_act=act)
        return await run_in_threadpool(read)

    @router.get("/dossiers/{dossier_id}/gate", tags=["审核与签发"], summary="签发条件：列出全部未满足的条件与下一步由谁办理",
                response_model=GateAnswer, responses={404: refusal_doc("没有该卷宗")})
    async def gate(dossier_id: str, who: Person = Depends(caller)):
        return await run_in_threadpool(lambda: gate_answer(seeing(who, dossier_id)[0], dossier_id))

    @router.post("/dossiers/{dossier_id}/decisions", tags=["审核与签发"],
                 summary="审核一个环节：通过或退回（附意见，理由可定位到条款）", response_model=DecisionOut,
                 responses={404: refusal_doc("没有该卷宗"), 409: refusal_doc("卷宗当前状态不允许审核"), **JSON_SIZE})
    async def decide(dossier_id: str, body: DecisionIn, who: Person = Depends(caller)):
        await run_in_threadpool(seeing, who, dossier_id)
        reasons = [r.strip() for r in body.reasons if r.strip()]
        # body.version: the version the reviewer read; checked in the deciding transaction itself
        event, answer = await run_in_threadpool(record_decision, services(), dossier_id, body.stage, body.verdict,
                                                body.comment.strip(), who.name, reasons, body.version)
        return DecisionOut(dossier=dossier_id, decision=event, gate=answer)

    @router.post("/dossiers/{dossier_id}/sign-off", tags=["审核与签发"],
                 summary="签发：条件不满足时拒绝并列出原因；签发后同步发布（公报待刊、网站页面、台帐）",
                 response_model=SignOffOut, responses={404: refusal_doc("没有该卷宗"),
                                                      202: {"model": SignOffOut, "description": "已签发，定时发布"
                                                            "（publication.scheduled_at：页面已生成并核对，到时公开），"
                                                            "或已交工作池排队（publication.queued）"},
                                                      409: {"model": SignOffRefused, "description": "签发被拒绝"},
                                                      500: {"model": SignOffOut, "description": "已签发，但发布未完成"
                                                            "（publication.problems 列出原因，可重新发布）"},
                                                      **JSON_SIZE})
    async def sign_off(dossier_id: str, body: SignOffIn | None = None, who: Person = Depends(caller)):
        guard(rules.may_sign_off(who, ()))
        await run_in_threadpool(seeing, who, dossier_id)
        svc = services()
        emergency = (body.emergency_reason or "").strip() or None if body else None
        # 定时发布: read as the command line's --publish-at is (one reader); a moment passed is refused
        # by the sign-off itself (services/publication/schedule.py check_moment).
        from services.publication.schedule import read_moment
        moment = read_moment(body.publish_at) if body is not None and body.publish_at is not None else None
        try:
            event = await run_in_threadpool(record_sign_off, svc, dossier_id, who.name, emergency, moment,
                                            body.version if body is not None else None)
        except Refused as r:
            answer = await run_in_threadpool(gate_answer, svc, dossier_id)
            return refusal(r.problems, dossier=dossier_id, signed=False, ready=answer.ready,
                           blocking=[p for p in r.problems if isinstance(p, Blocking)], gate=answer)
        raw = await run_in_threadpool(kit.publish, dossier_id, who.name)
        published, queued = PublicationOut.model_validate(raw), bool(raw.get("queued"))
        # queued (a pool home whose pool did not answer in time): signed, the publish job recorded: 202;
        # scheduled (定时发布): signed, the pages built, checked and stored, public at the moment: 202
        later = queued or (published.scheduled_at is not None and not published.problems)
        return reply(SignOffOut(ok=published.published or later, dossier=dossier_id, signed_off=event,
                                publication=published, problems=[] if published.published else published.problems),
                     200 if published.published else 202 if later else 500)

    from services.dossiers.disclosure import DisclosureResult, set_disclosure

    @router.post("/dossiers/{dossier_id}/disclosure", tags=["审核与签发"],
                 summary="确定公开属性（文件标注无法识别时；起草单位负责人或签发人，签发前）",
                 response_model=DisclosureResult,
                 responses={404: refusal_doc("没有该卷宗"),
                            409: refusal_doc("卷宗已签发，或文件标注不予公开而请求设为公开（invalid_state、not_public）"),
                            **JSON_SIZE})
    async def disclosure(dossier_id: str, body: DisclosureIn, who: Person = Depends(caller)):
        await run_in_threadpool(seeing, who, dossier_id)
        return await run_in_threadpool(set_disclosure, services(), dossier_id, body.value, who.name, body.ground)

    from services.dossiers.withhold import WithholdResult, withhold as withhold_dossier

    @router.post("/dossiers/{dossier_id}/withhold", tags=["台帐"],
                 summary="撤回公开（公报编辑或台帐管理员）：从网站、公开台帐、公报电子版、订阅源和更正启事中撤下，"
                         "印刷版不变",
                 response_model=WithholdResult,
                 responses={403: refusal_doc("不是公报编辑或台帐管理员（not_permitted）"), 404: refusal_doc("没有该卷宗"),
                            409: refusal_doc("卷宗尚未发布，或已撤回公开（invalid_state）"),
                            422: refusal_doc("理由不足 10 个字（request_invalid）"), **JSON_SIZE})
    async def withhold(dossier_id: str, body: WithholdIn, who: Person = Depends(caller)):
        await run_in_threadpool(seeing, who, dossier_id)
        return await run_in_threadpool(lambda: withhold_dossier(services(), dossier_id, body.reason, who.name))

    from services.dossiers.explained import ExplainResult, FindingsView, explain, findings

    @router.get("/dossiers/{dossier_id}/consistency", tags=["审核与签发"],
                summary="解读与政策一致性：当前版本的不一致之处（含编号、是否已说明）与解读未涉及的条款；仅作提示，不影响签发",
                response_model=FindingsView, responses={404: refusal_doc("没有该卷宗")})
    async def consistency(dossier_id: str, who: Person = Depends(caller)):
        return await run_in_threadpool(lambda: findings(services(), dossier_id, who.name))

    @router.post("/dossiers/{dossier_id}/consistency/explained", tags=["审核与签发"],
                 summary="标记一处解读与政策不一致为已说明（本卷宗某一环节的审核人员，须写明理由；记入审计链）",
                 response_model=ExplainResult,
                 responses={403: refusal_doc("不审核本卷宗的任何环节，或提交了本卷宗（not_permitted）"),
                            404: refusal_doc("没有该卷宗，或当前版本没有该编号的问题（not_found）"),
                            409: refusal_doc("卷宗已签发，或该问题已说明（invalid_state）"),
                            422: refusal_doc("理由不足 10 个字（request_invalid）"), **JSON_SIZE})
    async def explain_finding(dossier_id: str, body: ExplainIn, who: Person = Depends(caller)):
        return await run_in_threadpool(lambda: explain(services(), dossier_id, body.finding, body.reason, who.name))

    from services.review.consultation import ConsultationView

    @router.get("/dossiers/{dossier_id}/consultation", tags=["征求意见"],
                summary="重大行政决策公开征求意见：期限、意见数与采纳情况、全部意见，以及待审核的网上意见（pending_comments）",
                response_model=ConsultationView,
                responses={404: refusal_doc("没有该卷宗（not_found）"),
                           409: refusal_doc("尚未开始征求意见（consultation_not_started）")})
    async def consultation(dossier_id: str, who: Person = Depends(caller)):
        from services.review.consultation import view           # names and contacts: whoever may see the dossier
        return await run_in_threadpool(lambda: view(services(), dossier_id, who.name))

    @router.get("/queue", tags=["审核与签发"], summary="等待本人审核的环节", response_model=QueueOut)
    async def queue(who: Person = Depends(caller)):
        svc = services()
        guard(rules.may_open_review_queue(who, svc.config.pipelines))
        return QueueOut(items=await run_in_threadpool(waiting_for, svc, who))

    @router.get("/register", tags=["台帐"], summary="规范性文件台帐（台帐管理员可见全部，其他人只见可公开的）",
                response_model=RegisterOut)
    async def register_list(status: REGISTER_STATUSES | None = Query(None, description="按状态筛选"),
                            who: Person = Depends(caller)):
        from services.register.life import list_entries
        return RegisterOut(entries=await run_in_threadpool(
            lambda: list_entries(services(), status, public=_public(who))))

    @router.get("/register/{number}", tags=["台帐"], summary="台帐中的一条记录（按登记号）",
                response_model=EntryView, responses={404: refusal_doc("没有该登记号")})
    async def register_entry(number: str, who: Person = Depends(caller)):
        from services.register.views import register_entry as entry
        return await run_in_threadpool(lambda: entry(services(), number, public=_public(who)))

    return router


class _Services:
    """The API's services, opened again only when the config file changes: a fresh open parses the
    config (~1 ms, twice a call), and a config edit still applies from the next request, as on the pages."""

    def __init__(self, kit: Kit) -> None:
        self.kit, self.stamp, self.svc = kit, None, None

    def __call__(self):
        from services.home.folder import Home
        st = Home(self.kit.home).config_path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp != self.stamp or self.svc is None:
            self.svc, self.stamp = self.kit.services(), stamp
        return self.svc


def _public(who: Person) -> bool:
    """Only the registrar keeps the whole register; everyone else reads what the public may."""
    return rules.may_keep_register(who) is not None
