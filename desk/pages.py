"""The desk's web pages: sign-in, each person's desk, and the routers of each kind of work.

Plain server-rendered HTML in Chinese, no script. Every page signs the person in from the
session cookie and checks their role and unit; a refusal is the coded problem (`not_permitted`,
403). Flow work (intake, publication) runs here, warm, through flows.run with here=True, one run
at a time, intake batched (desk/flowwork.py). Nothing a request names reaches the filesystem except an
upload's cleaned base name under a fresh temp folder (desk/forms.py).

Each person's work has its own module (desk/pages_*.py) taking the shared Kit (desk/kit.py).
"""
from __future__ import annotations

import secrets
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from desk import (auth, pages_dossier, pages_gazette, pages_gazette_preview, pages_operator, pages_register,
                  pages_report, pages_review, pages_site)
from desk.flowwork import FlowWork
from desk.kit import Kit
from services.dossiers.access import desk_lists, reviews, waiting_for

PAGE_MODULES = (pages_dossier, pages_gazette, pages_gazette_preview, pages_register, pages_operator, pages_review,
                pages_site, pages_report)
from desk import pages_inbox  # noqa: E402  (通知, issue 14)
PAGE_MODULES += (pages_inbox,)
from desk import pages_deliberation  # noqa: E402  (集体审议记录、意见书下载, issue 14)
PAGE_MODULES += (pages_deliberation,)
from desk import pages_release  # noqa: E402  (定时发布、主题分类, issue 15)
PAGE_MODULES += (pages_release,)


def router_for(home: Path, work: FlowWork, **limits) -> APIRouter:
    kit = Kit(home, work, **limits)
    router = APIRouter(include_in_schema=False)
    router.kit = kit
    router.sessions, router.limits = kit.sessions, (kit.by_name, kit.by_client)   # for tests and inspection

    @router.get("/login")
    async def login_form(request: Request) -> Response:
        return _login_page(kit, request, next_path=auth.safe_next(request.query_params.get("next")))

    @router.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=10)
        name = str(form.get("name") or "").strip()
        password = str(form.get("password") or "")
        next_path = auth.safe_next(str(form.get("next") or ""))     # a local path only, or the desk
        if not auth.same_token(str(form.get("csrf") or ""), request.cookies.get(auth.LOGIN_COOKIE)):
            return _login_page(kit, request, status=403, error="登录表单已失效，请重新登录",
                               next_path=next_path)
        if any(ord(ch) < 0x20 or ord(ch) == 0x7f for ch in name):
            # A control character is in no one's name (PostgreSQL could not even look up a NUL).
            return _login_page(kit, request, status=401, error="姓名或密码不正确", next_path=next_path)
        client = auth.client_address(request.client.host if request.client else None,
                                     request.headers.get("x-forwarded-for"), kit.trusted_proxies)
        keys = auth.throttle_keys(client, name)        # (client, name) and client: never the name alone
        if kit.by_name.blocked(keys[0]) or kit.by_client.blocked(keys[1]):
            return _login_page(kit, request, status=429, name=name, error="登录失败次数过多，请一分钟后再试",
                               next_path=next_path)
        person = kit.services().config.person(name)
        ok = await run_in_threadpool(auth.verify_password, home, name, password)
        if person is None or not ok:
            kit.by_name.failed(keys[0])
            kit.by_client.failed(keys[1])
            return _login_page(kit, request, status=401, name=name, error="姓名或密码不正确",
                               next_path=next_path)
        token = kit.sessions.create(person.name)
        response = RedirectResponse(next_path or "/desk", status_code=303)
        response.set_cookie(auth.SESSION_COOKIE, token, httponly=True, samesite="lax", path="/",
                            secure=request.url.scheme == "https")
        response.delete_cookie(auth.LOGIN_COOKIE, path="/login")
        return response

    @router.post("/logout")
    @kit.guarded
    async def logout(request: Request) -> Response:
        session, who = kit.signed_in(request)
        await kit.form_of(request, session, who)
        kit.sessions.drop(request.cookies.get(auth.SESSION_COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(auth.SESSION_COOKIE, path="/")
        return response

    @router.get("/")
    async def root(request: Request) -> Response:
        return RedirectResponse("/desk", status_code=303)

    @router.get("/desk")
    @kit.guarded
    async def desk_home(request: Request) -> Response:
        session, who = kit.signed_in(request)
        svc = kit.services()
        mine, to_sign = await run_in_threadpool(desk_lists, svc, who)
        may_review = reviews(svc.config, who)
        queue = await run_in_threadpool(waiting_for, svc, who) if may_review else []
        from desk.pages_operator import publications_waiting      # 待发布 (the outbox), for signers
        waiting = await run_in_threadpool(publications_waiting, kit, who)
        return kit.page(request, "desk_home.html.j2", who=who, session=session, mine=mine, to_sign=to_sign,
                        queue_count=len(queue), reviews=may_review, waiting=waiting)

    for module in PAGE_MODULES:
        router.include_router(module.routes(kit))
    return router


def _login_page(kit: Kit, request: Request, status: int = 200, name: str = "", error: str | None = None,
                next_path: str | None = None) -> Response:
    token = secrets.token_urlsafe(32)
    response = kit.page(request, "desk_login.html.j2", status, login_csrf=token, login_name=name, error=error,
                        next_path=next_path)
    response.set_cookie(auth.LOGIN_COOKIE, token, httponly=True, samesite="lax", path="/login",
                        secure=request.url.scheme == "https")
    return response
