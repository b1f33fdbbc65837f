"""What every desk page needs: the signed-in person, the rendered page, the coded refusal.

One Kit per desk app. Page modules (desk/pages_*.py) take it and return their routers, so each
module holds one person's work and none of them repeats sign-in, CSRF or the refusal page.
"""
from __future__ import annotations

import functools
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from desk import auth
from desk.flowwork import FlowWork
from documents.bundle import Limits
from documents.models import ROLE_NAMES as FILE_ROLE_NAMES
from documents.problems import Problem, Refused, problem
from review.config import ROLE_NAMES, Person
from review.model import STATE_NAMES
from templates import render

# HTTP status of a refusal's first code, for pages and API alike; any other refusal is 409.
STATUS_OF_CODE = {"not_permitted": 403, "unknown_person": 403, "not_found": 404, "bundle_too_large": 413,
                  "bundle_empty": 400, "bundle_unreadable": 400, "request_invalid": 400, "file_not_found": 400, "revision_note_invalid": 400,
                  "storage_unavailable": 503, "database_unavailable": 503,     # nothing stored: retry later
                  "internal_error": 500}


def status_of(code: str, codes: dict[str, int] = STATUS_OF_CODE) -> int:
    return codes.get(code, 409)
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; style-src 'unsafe-inline'; "
                               "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class Stop(Exception):
    """A page ends early with this response (sign in first, refused, bad form)."""

    def __init__(self, response: Response) -> None:
        self.response = response


class Kit:
    def __init__(self, home: Path, work: FlowWork, *, max_upload: int | None = None,
                 name_limit: int = 5, client_limit: int = 20, window: float = 60.0) -> None:
        self.home = home
        self.work = work
        self.sessions = auth.Sessions.for_home(home)   # in the database: any desk answers; lifetimes from [desk]
        self.trusted_proxies = auth.desk_settings(home).trusted_proxies
        self.by_name = auth.RateLimit(home, limit=name_limit, window=window)       # counted by every desk
        self.by_client = auth.RateLimit(home, limit=client_limit, window=window)
        self.max_bytes = max_upload or Limits().max_bundle_bytes

    def services(self):
        from services.home.context import open_services
        from services.home.folder import Home
        return open_services(Home(self.home))          # a fresh Home: config edits apply at once

    def city(self) -> str:
        try:
            from services.home.folder import Home
            return Home(self.home).config.city
        except Exception:           # a page about a missing home still renders
            return ""

    # ------------------------------------------------------------ responses

    def page(self, request: Request, template: str, status: int = 200, who: Person | None = None,
             session: auth.DeskSession | None = None, **ctx) -> HTMLResponse:
        city = ctx.pop("city", None) or self.city()
        if who is not None and "may_review" not in ctx:          # the nav offers the queue to reviewers only
            from services.dossiers.access import reviews
            ctx["may_review"] = reviews(self.services().config, who)
        if who is not None and "unread" not in ctx:              # the nav's 通知 count (issue 14)
            from services.home.notifications import unread_count
            try:
                ctx["unread"] = unread_count(self.services(), who.name)
            except Exception:       # noqa: BLE001 - a page about a database away still renders
                ctx["unread"] = 0
        html = render(template, city=city, who=who, csrf=session.csrf if session else None,
                      role_names=ROLE_NAMES, file_role_names=FILE_ROLE_NAMES, state_names=STATE_NAMES,
                      path=request.url.path, **ctx)
        headers = dict(SECURITY_HEADERS)
        if session is not None:
            headers["Cache-Control"] = "no-store"
        return HTMLResponse(html, status_code=status, headers=headers)

    def refused(self, request: Request, problems, who=None, session=None, status: int | None = None) -> HTMLResponse:
        problems = list(problems)
        code = status or status_of(problems[0].code)
        return self.page(request, "desk_problem.html.j2", code, who, session, problems=problems)

    # ------------------------------------------------------------ who is asking

    def signed_in(self, request: Request) -> tuple[auth.DeskSession, Person]:
        session = self.sessions.get(request.cookies.get(auth.SESSION_COOKIE))
        person = self.services().config.person(session.name) if session else None
        if session is None or person is None:       # back here after signing in (a page, not a POST)
            to = auth.login_url(request.url.path, request.url.query) if request.method == "GET" else "/login"
            raise Stop(RedirectResponse(to, status_code=303))
        request.state.person = person.name          # for the access log (desk/access_log.py)
        return session, person

    def allow(self, request: Request, refusal: Problem | None, who: Person, session) -> None:
        """Stop with the rulebook's refusal (review/rules.py), if the guard gave one."""
        if refusal is not None:
            raise Stop(self.refused(request, [refusal], who, session))

    def require(self, request: Request, allowed: bool, why: str, who: Person, session) -> None:
        if not allowed:
            raise Stop(self.refused(request, [problem("not_permitted", why)], who, session))

    async def form_of(self, request: Request, session: auth.DeskSession, who: Person) -> dict[str, str]:
        form = await request.form(max_files=0, max_fields=50)
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        self.check_csrf(request, fields.get("csrf"), session, who)
        return fields

    def check_csrf(self, request: Request, given: str | None, session, who) -> None:
        if not auth.same_token(given, session.csrf):
            raise Stop(self.refused(request, [problem("not_permitted", "表单校验码缺失或已失效，请刷新页面后重新提交")],
                                    who, session, status=403))

    def actors(self, roles) -> list[str]:
        """Who acts next, in words: the role's name and the people holding it."""
        config = self.services().config
        out = []
        for r in roles or ():
            people = [p.display or p.name for p in config.people if r in p.roles]
            out.append(f"{ROLE_NAMES.get(r, r)}（{'、'.join(people)}）" if people else ROLE_NAMES.get(r, r))
        return out

    def guarded(self, handler):
        """Turn Stop and Refused into responses; keep FastAPI's view of the signature."""

        @functools.wraps(handler)
        async def run(request: Request, *args, **kwargs):
            try:
                return await handler(request, *args, **kwargs)
            except Stop as stop:
                return stop.response
            except Refused as r:
                session = self.sessions.get(request.cookies.get(auth.SESSION_COOKIE))
                who = self.services().config.person(session.name) if session else None
                return self.refused(request, r.problems, who, session)
        return run

    # ------------------------------------------------------------ work the pages and the API share

    async def receive_upload(self, request: Request):
        """The multipart body, streamed to a temp folder and cut off at the size limit; refused
        with bundle_too_large (also on the declared length) or bundle_unreadable. The caller
        discards it."""
        from desk.forms import BadUpload, UploadTooLarge, read_upload
        too_large = Refused(problem("bundle_too_large", f"上传内容超过 {self.max_bytes // (1024 * 1024)} MB"))
        try:
            declared = int(request.headers.get("content-length") or 0)
        except ValueError:
            declared = 0
        if declared > self.max_bytes:
            raise too_large
        try:
            return await read_upload(request.headers.get("content-type", ""), request.stream(), self.max_bytes)
        except UploadTooLarge:
            raise too_large from None
        except BadUpload as e:
            raise Refused(problem("bundle_unreadable", str(e))) from None

    def intake(self, request: dict):
        """Run intake warm (batched with others' uploads); (SubmitResult, the gate's answer if accepted)."""
        from services.dossiers.intake import SubmitResult
        from services.review.actions import gate_answer
        raw = self.work.intake([request])[0]
        if raw.get("queued"):       # a pool home whose pool did not answer in time (flows/on_pool.py)
            from flows.on_pool import Queued
            raise Queued(raw)
        result = SubmitResult.model_validate(raw)
        return result, gate_answer(self.services(), result.dossier) if result.accepted else None

    def attach(self, dossier_id: str, path: Path, role: str, actor: str):
        """Attach or replace one file (no flow: a new version, as the CLI's attach)."""
        from services.dossiers.attach import attach
        from services.review.actions import gate_answer
        svc = self.services()
        result = attach(svc, dossier_id, path, role, actor)
        return result, gate_answer(svc, dossier_id) if result.accepted else None

    def publish(self, dossier_id: str, actor: str) -> dict:
        return self.work.publish([dossier_id], actor)[0]
