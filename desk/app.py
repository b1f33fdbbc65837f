"""The desk's HTTP API. Flow work runs here, warm; reads and decisions stay with the callers."""
from __future__ import annotations

import hmac
import re
from pathlib import Path

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from desk.api_shapes import JSON_BODY_LIMIT, http_problem, request_problem
from desk.flowwork import FlowWork


class IntakeRequest(BaseModel):
    requests: list[dict]


class PublicationRequest(BaseModel):
    dossier_ids: list[str]
    actor: str = "lockstep"


class ReadRequest(BaseModel):
    args: list[str] = []
    tz: str | None = None
    env: dict[str, str | None] = {}          # cli/fast.py STORES as the command line names them


def create_app(home: Path, token: str, *, access_log: Path | None = None, prefect_url: str | None = None) -> FastAPI:
    # /docs is our own page (desk/api_docs.py). No Swagger UI or ReDoc: FastAPI's pages load an
    # unpinned script from a public CDN, which would run on the desk's origin.
    app = FastAPI(title="Lockstep desk", description="政策文件与解读同步流转：工作流服务接口",
                  docs_url=None, redoc_url=None)
    # One flow run at a time, intake batched (desk/flowwork.py): pages, API and hand-off share it.
    work = FlowWork(home)
    app.state.flow_work = work
    answer_api_errors_as_problems(app)
    app.add_middleware(BodyLimit)
    if access_log is not None:                 # `lockstep serve`: HOME/logs/access.log
        from desk.access_log import AccessLog
        app.add_middleware(AccessLog, path=access_log)
    app.state.prefect_url = prefect_url

    # /api/flows/*: the command line's hand-off (same user, token in desk.json), not for other systems.
    def authorised(authorization: str = Header("")) -> None:
        # As bytes: compare_digest refuses a str with non-ASCII characters (a TypeError, so a 500).
        if not hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
            raise HTTPException(status_code=401, detail={"code": "not_permitted", "message": "令牌无效"})

    @app.get("/api/health")
    def health() -> dict:
        return {"ok": True}            # no path: whoever asks learns only that the desk is up

    @app.get("/healthz", include_in_schema=False)
    def healthz(request: Request):
        """For a load balancer and the operator: the database and the object store answer (200), or
        which does not, by its problem code (503). The workflow server is shown, not required; its
        address (an internal host when [prefect] api_url names one) only to the machine itself."""
        from fastapi.responses import JSONResponse

        from services.home.context import open_services
        from services.home.folder import Home
        answer = _health(lambda: open_services(Home(home)), app.state.prefect_url, _from_this_machine(request))
        return JSONResponse(answer, status_code=200 if answer["ok"] else 503,
                            headers={"Cache-Control": "no-store"})

    def answered(run):
        """A refusal inside a handed-off flow run (a store or database fault) goes back to the
        command line in the one problem shape (flows/handoff.py raises it there), not as a 500."""
        from desk.api import refusal
        from documents.problems import Refused
        try:
            return {"results": run()}
        except Refused as r:
            return refusal(r.problems)

    @app.post("/api/flows/intake", dependencies=[Depends(authorised)], include_in_schema=False)
    def intake(body: IntakeRequest):
        return answered(lambda: work.intake(body.requests))

    @app.post("/api/flows/publication", dependencies=[Depends(authorised)], include_in_schema=False)
    def publication(body: PublicationRequest):
        return answered(lambda: work.publish(body.dossier_ids, body.actor))

    @app.post("/api/flows/publication-sweep", dependencies=[Depends(authorised)], include_in_schema=False)
    def publication_sweep():
        return answered(work.publish_pending)

    @app.post("/api/flows/deadlines", dependencies=[Depends(authorised)], include_in_schema=False)
    def deadlines():
        return answered(work.deadlines)

    # Reads the command line asks of a running desk (cli/fast.py): the same command run here, warm,
    # its printing recorded; {"exit": -1} when the command line had better run it itself.
    def read_route(path: str, words: tuple[str, ...]) -> None:
        @app.post(path, dependencies=[Depends(authorised)], include_in_schema=False, name=path)
        def read(body: ReadRequest):
            from cli.fast import run_read
            return run_read(home, words, body.args, body.tz, body.env) or {"exit": -1, "output": []}

    from cli.fast import READS
    for words, path in READS.items():
        read_route(path, words)

    # Writes the command line hands over whole (cli/fast.py WRITES: submit, sign-off, attach, review):
    # the same command run here, its printing recorded, its flow work given to `work` directly.
    handed = {"/api/flows/intake": lambda body: work.intake(body["requests"]),
              "/api/flows/publication": lambda body: work.publish(body["dossier_ids"], body.get("actor", "lockstep")),
              "/api/flows/publication-sweep": lambda body: work.publish_pending(),
              "/api/flows/deadlines": lambda body: work.deadlines()}

    def write_route(path: str, words: tuple[str, ...]) -> None:
        @app.post(path, dependencies=[Depends(authorised)], include_in_schema=False, name=path)
        def write(body: ReadRequest):
            from cli.fast import run_write
            return run_write(home, words, body.args, body.tz, lambda p, b: handed[p](b), body.env)

    from cli.fast import WRITES
    for words, (path, _, _) in WRITES.items():
        write_route(path, words)

    from desk import pages                 # the web pages: sign-in, submit, review, sign-off, register
    web = pages.router_for(home, work)
    app.state.kit = web.kit                # the pages' Chinese error pages (page_error)
    from desk import pages_consultation    # 征求意见 on the desk, 网络征集 on the site: before the site's catch-all
    app.include_router(pages_consultation.routes(web.kit))
    app.include_router(web)
    from desk import api                   # the JSON API for other systems, /api/v1 (per-person tokens)
    app.include_router(api.routes(home, work))
    from desk import api_docs               # /docs: the API described on a plain page, no script
    app.include_router(api_docs.routes(web.kit, app))
    return app


def _health(opened, prefect_url, show_url: bool = True):
    from services.home.health import health
    return health(opened, prefect_url, show_url=show_url)


_LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _from_this_machine(request: Request) -> bool:
    """Asked on this machine directly: a loopback client, and no proxy saying it forwards someone else's
    request (a local nginx in front of the public site connects from 127.0.0.1 too)."""
    host = request.client.host if request.client else ""
    forwarded = any(h in request.headers for h in ("x-forwarded-for", "forwarded", "x-real-ip"))
    return (host in _LOOPBACK or host.startswith("127.")) and not forwarded


# ---------------------------------------------------------------- the API's errors, one shape

def _api(request: Request) -> bool:
    return request.url.path == "/api" or request.url.path.startswith("/api/")


def answer_api_errors_as_problems(app: FastAPI) -> None:
    """Under /api every error FastAPI or Starlette makes itself (unknown address 404, method 405,
    unreadable body, validation 422, too large 413) leaves as {"ok": false, "problems": [...]}, with a
    stable code and a Chinese message; an unreadable body is 422 request_invalid, as a malformed one is.
    Outside /api an error is a Chinese page (page_error)."""
    from desk.api import refusal

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if not _api(request):
            return await page_error(request, exc)
        headers = dict(exc.headers or {})
        status = 422 if exc.status_code == 400 else exc.status_code
        response = refusal([http_problem(exc.status_code, exc.detail, request.method, headers.get("Allow"))], status)
        response.headers.update(headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        if not _api(request):
            # Pages read their forms themselves: what FastAPI validates there is the address (a word
            # where /inbox/{n}/open wants a number). No such page: the Chinese 404, never English JSON.
            if getattr(request.app.state, "kit", None) is not None:
                return await page_error(request, StarletteHTTPException(404))
            return await request_validation_exception_handler(request, exc)
        return refusal([request_problem(exc.errors())])


def _staff(request: Request) -> bool:
    path = request.url.path
    return path in ("/desk", "/login", "/logout") or path.startswith("/desk/")


async def page_error(request: Request, exc: StarletteHTTPException):
    """Outside /api, an address no page answers (404) or a method it does not take (405) is a Chinese
    page, never FastAPI's JSON: the staff problem page under /desk, the public site's page elsewhere
    (desk/pages_site.py: one 404 page for whatever is missing, unpublished or not public)."""
    from desk.pages_site import public_error
    from documents.problems import problem
    kit = getattr(request.app.state, "kit", None)
    if kit is None:
        return await http_exception_handler(request, exc)
    message = {404: "没有这一页", 405: "该页面不支持这种请求方式"}.get(exc.status_code, "未能办理该请求")
    if _staff(request):
        response = kit.refused(request, [problem("not_found" if exc.status_code == 404 else "request_invalid",
                                                 message)], status=exc.status_code)
    else:
        response = public_error(kit, exc.status_code, message)
    response.headers.update(dict(exc.headers or {}))
    return response


# Uploads (multipart) stream under the Kit's own limit; any other /api body is read whole, so it is small.
UPLOADS = re.compile(r"/api/v1/dossiers(/[^/]+/files)?/?")


class BodyLimit:
    """Refuse an /api request body past its limit while it arrives (declared or streamed): 413."""

    def __init__(self, app, limit: int = JSON_BODY_LIMIT, handoff_limit: int = 16 * JSON_BODY_LIMIT) -> None:
        self.app, self.limit, self.handoff_limit = app, limit, handoff_limit

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith("/api/") or (scope["method"] == "POST" and UPLOADS.fullmatch(path)):
            return await self.app(scope, receive, send)
        limit = self.handoff_limit if path.startswith("/api/flows/") else self.limit
        declared = dict(scope["headers"]).get(b"content-length", b"")
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit or (declared.isdigit() and int(declared) > limit):
                raise StarletteHTTPException(413)
            return message
        return await self.app(scope, counted, send)
