"""The desk's web pages (issue 5, first slice): sign in, submit a bundle, the dossier, the review
queue, sign-off, and the public register. Plain server-rendered HTML in Chinese, no script.

Every page signs the person in from the session cookie and checks their role and unit; a
refusal is the coded problem (`not_permitted`, 403). Flow work (intake, publication) runs here,
warm, through flows.run with here=True, one run at a time under the desk's engine lock. Nothing
a request names reaches the filesystem except an upload's cleaned base name under a fresh
temp folder (desk/forms.py).
"""
from __future__ import annotations

import threading
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from desk import auth
from desk.forms import BadUpload, UploadTooLarge, read_upload
from documents.bundle import Limits
from documents.labels import meta_fields
from documents.models import ROLE_NAMES as FILE_ROLE_NAMES
from documents.problems import Refused, problem
from review.config import ROLE_NAMES, Person, same_unit
from review.model import STATE_NAMES
from templates import render

OPEN_STATES = ("submitted", "in_review")
SIGNED_STATES = ("signed_off", "published", "registered")
STATUS_OF_CODE = {"not_permitted": 403, "unknown_person": 403, "not_found": 404}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; style-src 'unsafe-inline'; "
                               "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class _Stop(Exception):
    """A page ends early with this response (sign in first, refused, bad form)."""

    def __init__(self, response: Response) -> None:
        self.response = response


def router_for(home: Path, engine_lock: threading.Lock, *, max_upload: int | None = None,
               name_limit: int = 5, client_limit: int = 20, window: float = 60.0) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    sessions = auth.Sessions()
    by_name = auth.RateLimit(limit=name_limit, window=window)
    by_client = auth.RateLimit(limit=client_limit, window=window)
    max_bytes = max_upload or Limits().max_bundle_bytes
    router.sessions, router.limits = sessions, (by_name, by_client)     # for tests and inspection

    # ------------------------------------------------------------ helpers

    def services():
        from services.context import open_services
        from services.home import Home
        return open_services(Home(home))          # a fresh Home: config edits apply at once

    def page(request: Request, template: str, status: int = 200, who: Person | None = None,
             session: auth.DeskSession | None = None, **ctx) -> HTMLResponse:
        svc_city = ctx.pop("city", None) or _city(home)
        html = render(template, city=svc_city, who=who, csrf=session.csrf if session else None,
                      role_names=ROLE_NAMES, file_role_names=FILE_ROLE_NAMES, state_names=STATE_NAMES, **ctx)
        headers = dict(SECURITY_HEADERS)
        if session is not None:
            headers["Cache-Control"] = "no-store"
        return HTMLResponse(html, status_code=status, headers=headers)

    def refused(request: Request, problems, who=None, session=None, status: int | None = None) -> HTMLResponse:
        problems = list(problems)
        code = status or STATUS_OF_CODE.get(problems[0].code, 409)
        return page(request, "desk_problem.html.j2", code, who, session, problems=problems)

    def signed_in(request: Request) -> tuple[auth.DeskSession, Person]:
        session = sessions.get(request.cookies.get(auth.SESSION_COOKIE))
        person = services().config.person(session.name) if session else None
        if session is None or person is None:
            raise _Stop(RedirectResponse("/login", status_code=303))
        return session, person

    def require(request: Request, allowed: bool, why: str, who: Person, session) -> None:
        if not allowed:
            raise _Stop(refused(request, [problem("not_permitted", why)], who, session))

    async def form_of(request: Request, session: auth.DeskSession, who: Person) -> dict[str, str]:
        form = await request.form(max_files=0, max_fields=50)
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        check_csrf(request, fields.get("csrf"), session, who)
        return fields

    def check_csrf(request: Request, given: str | None, session, who) -> None:
        if not auth.same_token(given, session.csrf):
            raise _Stop(refused(request, [problem("not_permitted", "表单校验码缺失或已失效，请刷新页面后重新提交")],
                                who, session, status=403))

    def actors(roles) -> list[str]:
        """Who acts next, in words: the role's name and the people holding it."""
        config = services().config
        out = []
        for r in roles or ():
            people = [p.display or p.name for p in config.people if r in p.roles]
            out.append(f"{ROLE_NAMES.get(r, r)}（{'、'.join(people)}）" if people else ROLE_NAMES.get(r, r))
        return out

    def guarded(handler):
        """Turn _Stop and Refused into responses; keep FastAPI's view of the signature."""
        import functools

        @functools.wraps(handler)
        async def run(request: Request, *args, **kwargs):
            try:
                return await handler(request, *args, **kwargs)
            except _Stop as stop:
                return stop.response
            except Refused as r:
                session = sessions.get(request.cookies.get(auth.SESSION_COOKIE))
                who = services().config.person(session.name) if session else None
                return refused(request, r.problems, who, session)
        return run

    # ------------------------------------------------------------ sign in and out

    @router.get("/login")
    async def login_form(request: Request) -> Response:
        return _login_page(request, page)

    @router.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=10)
        name = str(form.get("name") or "").strip()
        password = str(form.get("password") or "")
        if not auth.same_token(str(form.get("csrf") or ""), request.cookies.get(auth.LOGIN_COOKIE)):
            return _login_page(request, page, status=403, error="登录表单已失效，请重新登录")
        client = request.client.host if request.client else "unknown"
        keys = (f"name:{name}", f"client:{client}")
        if by_name.blocked(keys[0]) or by_client.blocked(keys[1]):
            return _login_page(request, page, status=429, name=name,
                               error="登录失败次数过多，请一分钟后再试")
        person = services().config.person(name)
        ok = await run_in_threadpool(auth.verify_password, home, name, password)
        if person is None or not ok:
            by_name.failed(keys[0])
            by_client.failed(keys[1])
            return _login_page(request, page, status=401, name=name, error="姓名或密码不正确")
        token = sessions.create(person.name)
        response = RedirectResponse("/desk", status_code=303)
        response.set_cookie(auth.SESSION_COOKIE, token, httponly=True, samesite="lax", path="/",
                            secure=request.url.scheme == "https")
        response.delete_cookie(auth.LOGIN_COOKIE, path="/login")
        return response

    @router.post("/logout")
    @guarded
    async def logout(request: Request) -> Response:
        session, who = signed_in(request)
        await form_of(request, session, who)
        sessions.drop(request.cookies.get(auth.SESSION_COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(auth.SESSION_COOKIE, path="/")
        return response

    # ------------------------------------------------------------ the person's desk

    @router.get("/")
    async def root(request: Request) -> Response:
        return RedirectResponse("/desk", status_code=303)

    @router.get("/desk")
    @guarded
    async def desk_home(request: Request) -> Response:
        session, who = signed_in(request)
        svc = services()
        mine, to_sign = await run_in_threadpool(_desk_lists, svc, who)
        queue = await run_in_threadpool(waiting_for, svc, who) if _reviews(svc.config, who) else []
        return page(request, "desk_home.html.j2", who=who, session=session, mine=mine, to_sign=to_sign,
                    queue_count=len(queue), reviews=_reviews(svc.config, who))

    # ------------------------------------------------------------ drafting office: submit a bundle

    @router.get("/desk/submit")
    @guarded
    async def submit_form(request: Request) -> Response:
        session, who = signed_in(request)
        require(request, "drafter" in who.roles, f"{who.name} 不是起草人员，不能提交材料", who, session)
        return page(request, "desk_submit.html.j2", who=who, session=session, max_mb=max_bytes // (1024 * 1024))

    @router.post("/desk/submit")
    @guarded
    async def submit(request: Request) -> Response:
        session, who = signed_in(request)
        require(request, "drafter" in who.roles, f"{who.name} 不是起草人员，不能提交材料", who, session)
        too_large = [problem("bundle_too_large", f"上传内容超过 {max_bytes // (1024 * 1024)} MB")]
        try:
            if int(request.headers.get("content-length") or 0) > max_bytes:
                return refused(request, too_large, who, session, status=413)
        except ValueError:
            pass
        try:
            upload = await read_upload(request.headers.get("content-type", ""), request.stream(), max_bytes)
        except UploadTooLarge:
            return refused(request, too_large, who, session, status=413)
        except BadUpload as e:
            return refused(request, [problem("bundle_unreadable", str(e))], who, session, status=400)
        try:
            check_csrf(request, upload.fields.get("csrf"), session, who)
            if not upload.files:
                return refused(request, [problem("bundle_empty", "没有选择文件")], who, session, status=400)
            hint = (upload.fields.get("dossier") or "").strip() or None
            request_ = {"paths": [str(p) for p in upload.files], "actor": who.name, "dossier": hint}
            result, answer = await run_in_threadpool(_intake, home, engine_lock, services, request_)
        finally:
            upload.discard()
        status = 200 if result.accepted else 422
        return page(request, "desk_intake.html.j2", status, who, session, result=result, gate=answer,
                    meta_fields=meta_fields, actors=actors)

    # ------------------------------------------------------------ a dossier

    @router.get("/desk/dossiers/{dossier_id}")
    @guarded
    async def dossier(request: Request, dossier_id: str) -> Response:
        session, who = signed_in(request)
        return await _dossier_page(request, dossier_id, session, who)

    async def _dossier_page(request, dossier_id, session, who, status: int = 200, **extra) -> Response:
        from services.review import status as dossier_status
        svc = services()
        st = await run_in_threadpool(dossier_status, svc, dossier_id)
        see, act = await run_in_threadpool(_rights, svc, who, dossier_id)
        require(request, see, f"{who.name}（{who.unit}）在卷宗 {dossier_id} 上没有角色，不能查看", who, session)
        return page(request, "desk_dossier.html.j2", status, who, session, st=st, actors=actors,
                    can_act=act, can_sign="signer" in who.roles and st.state in OPEN_STATES, **extra)

    @router.post("/desk/dossiers/{dossier_id}/decide")
    @guarded
    async def decide(request: Request, dossier_id: str) -> Response:
        from services.review import record_decision
        session, who = signed_in(request)
        fields = await form_of(request, session, who)
        verdict = fields.get("verdict")
        if verdict not in ("approve", "return"):
            return refused(request, [problem("not_permitted", "请选择“通过”或“退回”")], who, session, status=400)
        reasons = [line.strip() for line in (fields.get("reasons") or "").splitlines() if line.strip()]
        event, _ = await run_in_threadpool(record_decision, services(), dossier_id, fields.get("stage", ""),
                                           verdict, fields.get("comment", "").strip(), who.name, reasons)
        done = f"已{'通过' if verdict == 'approve' else '退回'}“{event.stage}”环节"
        if event.opinion_number:
            done += f"，合法性审核意见书 {event.opinion_number}"
        return await _dossier_page(request, dossier_id, session, who, done=done)

    # ------------------------------------------------------------ review queue

    @router.get("/desk/queue")
    @guarded
    async def queue(request: Request) -> Response:
        session, who = signed_in(request)
        svc = services()
        require(request, _reviews(svc.config, who), f"{who.name} 没有审核角色", who, session)
        items = await run_in_threadpool(waiting_for, svc, who)
        return page(request, "desk_queue.html.j2", who=who, session=session, items=items)

    # ------------------------------------------------------------ sign-off

    @router.get("/desk/dossiers/{dossier_id}/sign")
    @guarded
    async def sign_form(request: Request, dossier_id: str) -> Response:
        from services.review import gate_answer
        session, who = signed_in(request)
        require(request, "signer" in who.roles, f"{who.name} 没有签发权限", who, session)
        answer = await run_in_threadpool(gate_answer, services(), dossier_id)
        return page(request, "desk_sign.html.j2", who=who, session=session, gate=answer, actors=actors)

    @router.post("/desk/dossiers/{dossier_id}/sign")
    @guarded
    async def sign(request: Request, dossier_id: str) -> Response:
        from services.review import gate_answer, record_sign_off
        session, who = signed_in(request)
        require(request, "signer" in who.roles, f"{who.name} 没有签发权限", who, session)
        await form_of(request, session, who)
        svc = services()
        try:
            event = await run_in_threadpool(record_sign_off, svc, dossier_id, who.name)
        except Refused as r:
            answer = await run_in_threadpool(gate_answer, svc, dossier_id)
            status = STATUS_OF_CODE.get(r.problem.code, 409)
            return page(request, "desk_sign.html.j2", status, who, session, gate=answer, actors=actors,
                        refusal=list(r.problems))
        published = await run_in_threadpool(_publish, home, engine_lock, dossier_id, who.name)
        return page(request, "desk_signed.html.j2", 200 if published.get("published") else 500, who, session,
                    event=event, published=published, dossier=dossier_id)

    # ------------------------------------------------------------ public register

    @router.get("/register")
    async def register_page(request: Request) -> Response:
        from publishing.register_rules import IN_FORCE
        from services.register_life import list_entries
        entries = await run_in_threadpool(list_entries, services(), None, public=True)
        shown = [e for e in entries if e.status in IN_FORCE]
        return page(request, "desk_register.html.j2", entries=shown)

    return router


# ---------------------------------------------------------------- plain helpers

def _city(home: Path) -> str:
    try:
        from services.home import Home
        return Home(home).config.city
    except Exception:           # a page about a missing home still renders
        return ""


def _login_page(request: Request, page, status: int = 200, name: str = "", error: str | None = None) -> Response:
    import secrets
    token = secrets.token_urlsafe(32)
    response = page(request, "desk_login.html.j2", status, login_csrf=token, login_name=name, error=error)
    response.set_cookie(auth.LOGIN_COOKIE, token, httponly=True, samesite="lax", path="/login",
                        secure=request.url.scheme == "https")
    return response


def _reviews(config, who: Person) -> bool:
    roles = {r for pl in config.pipelines for s in pl.stages for r in s.roles}
    return bool(roles & set(who.roles))


def _intake(home: Path, lock: threading.Lock, services, request: dict):
    from flows.run import run_intake
    from services.intake import SubmitResult
    from services.review import gate_answer
    with lock:
        raw = run_intake(home, [request], here=True)[0]
    result = SubmitResult.model_validate(raw)
    answer = gate_answer(services(), result.dossier) if result.accepted else None
    return result, answer


def _publish(home: Path, lock: threading.Lock, dossier_id: str, actor: str) -> dict:
    from flows.run import run_publication
    with lock:
        return run_publication(home, [dossier_id], actor, here=True)[0]


def _rights(svc, who: Person, dossier_id: str) -> tuple[bool, list[str]]:
    """(may see the dossier, the stages the person may act on now)."""
    from review.gate import active_stages
    from services.review import load, pipeline_for
    with svc.session() as s:
        row, view = load(s, dossier_id)
        stages = active_stages(pipeline_for(svc.config, view.current), view.current)
        submitter = who.name in view.submitters
    own_unit = same_unit(who.unit, row.drafting_unit)
    on_stage = [st for st in stages if set(st.roles) & set(who.roles) and (not st.same_unit or own_unit)]
    see = (own_unit or bool(on_stage) or "signer" in who.roles
           or (row.state in SIGNED_STATES and {"gazette_editor", "registrar"} & set(who.roles)))
    act = [st.id for st in on_stage] if not submitter and row.state in OPEN_STATES else []
    return see, act


def waiting_for(svc, who: Person) -> list[dict]:
    """Dossiers waiting on a stage this person may approve: the stage is in the gate's blocking
    list with a role the person holds (and the unit, for a same-unit stage), and the person did
    not submit the dossier."""
    from review.gate import active_stages, approved_stages, prerequisites
    from services.review import answer_in, load, pipeline_for
    from storage.repository import Dossiers
    out = []
    with svc.session() as s:
        for row in Dossiers(s).list(500):
            if row.state not in OPEN_STATES:
                continue
            _, view = load(s, row.id)
            if who.name in view.submitters:
                continue
            answer = answer_in(s, svc, view)
            stages = active_stages(pipeline_for(svc.config, view.current), view.current)
            specs = {st.id: st for st in stages}
            s_decisions = Dossiers(s).decisions(row.id)
            done = approved_stages(view.current, s_decisions, stages)
            for b in answer.blocking:
                spec = specs.get(b.stage or "")
                if b.code != "stage_not_approved" or spec is None or not set(b.roles or ()) & set(who.roles):
                    continue
                if spec.same_unit and not same_unit(who.unit, row.drafting_unit):
                    continue
                before = [specs[p].name for p in prerequisites(spec, stages) if p not in done and p in specs]
                out.append({"dossier": row.id, "title": row.title, "doc_number": row.doc_number,
                            "drafting_unit": row.drafting_unit, "version": answer.version,
                            "stage": spec.id, "stage_name": spec.name, "waiting_on": before,
                            "state_name": STATE_NAMES.get(row.state, row.state)})
    return out


def _desk_lists(svc, who: Person) -> tuple[list[dict], list[dict]]:
    """The person's own unit's dossiers, and for a signer the open dossiers with their gate."""
    from services.review import answer_in, load
    from storage.repository import Dossiers
    mine, to_sign = [], []
    with svc.session() as s:
        for row in Dossiers(s).list(200):
            item = {"dossier": row.id, "title": row.title, "doc_number": row.doc_number,
                    "state_name": STATE_NAMES.get(row.state, row.state), "drafting_unit": row.drafting_unit}
            if same_unit(who.unit, row.drafting_unit):
                mine.append(item)
            if "signer" in who.roles and row.state in OPEN_STATES:
                _, view = load(s, row.id)
                to_sign.append({**item, "ready": answer_in(s, svc, view).ready})
    return mine, to_sign
