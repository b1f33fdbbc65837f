"""The public site (政府信息公开), served by the desk apart from the staff pages: its own template
(templates/site_base.html.j2, the government's name from the config, no staff navigation), its own
Chinese 404 page, and no sign-in.

  /site/                      index of published policies, newest first (文号, 发布日期, 施行日期, 有效性)
  /site/policies/D….html      a policy as released, under its facts as they stand now (register entry)
  /site/interpretations/D….html, /site/consultations/D….html (and D…-summary.html), /site/assets/…
  /site/consultations         意见征集: notices and adoption summaries
  /gazette                    released issues by year, each linking to its electronic edition
  /gazette/search             the gazette database, hits marked

Every read asks review.rules.is_public (through storage/public.py): a document that is not public
now, one not published yet and one that never existed answer the same 404 page, byte for byte.
"""
from __future__ import annotations

import datetime as dt
import functools
import time

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from desk.kit import SECURITY_HEADERS, Kit, status_of
from desk.public_cache import cached
from documents.problems import Refused
from templates import render

PUBLIC_HEADERS = {**SECURITY_HEADERS, "Cache-Control": "no-cache"}
SEARCH_FIELDS = {"text": "全文", "number": "文号", "organ": "发文机关", "from": "成文日期起", "to": "成文日期止"}
SEARCH_MAX = 100
HEADINGS = {400: "请求有误", 405: "不支持的请求方式", 413: "请求内容过大", 503: "服务暂时不可用"}


_OPENED: dict[str, tuple[tuple, object]] = {}     # home → (config file's stamp, the services opened for it)
REOPEN_SECONDS = 5                                # config records made without touching the file show within this


def site_services(kit: Kit):
    """The services the public pages read through, opened again only when lockstep.toml changed (or every few
    seconds): opening parses the config, which costs more than a public page's own queries."""
    from services.home.folder import Home
    home = Home(kit.home)
    stat = home.config_path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size, int(time.monotonic() // REOPEN_SECONDS))
    seen = _OPENED.get(str(kit.home))
    if seen is None or seen[0] != stamp:
        seen = _OPENED[str(kit.home)] = (stamp, kit.services())
    return seen[1]


def government(kit: Kit, svc=None) -> str:
    """The government the public site speaks for (config site_name, else 根河市人民政府)."""
    try:
        return (svc or site_services(kit)).config.government
    except Exception:           # a page about a broken home still renders
        return "人民政府"


def public_page(kit: Kit, template: str, status: int = 200, svc=None, **ctx) -> HTMLResponse:
    html = render(template, government=government(kit, svc), **ctx)
    return HTMLResponse(html, status_code=status, headers=dict(PUBLIC_HEADERS))


def not_found(kit: Kit) -> HTMLResponse:
    """The one public 404: the same page and status for a withheld, an unpublished and a missing document."""
    return public_page(kit, "site_404.html.j2", 404)


def public_error(kit: Kit, status: int, message: str, problem_code: str | None = None) -> HTMLResponse:
    if status == 404:
        return not_found(kit)
    return public_page(kit, "site_error.html.j2", status, code=status, problem_code=problem_code,
                       heading=HEADINGS.get(status, "未能办理"), message=message)


def _date(text: str, label: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{label}应写成 2026-01-31 这样的日期") from None


def routes(kit: Kit) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def publicly(handler):
        """A refusal (a store or database fault, a refused query) as a public page, never the staff one."""
        @functools.wraps(handler)
        async def run(*args, **kwargs):
            try:
                return await handler(*args, **kwargs)
            except Refused as r:
                return refused_publicly(kit, r)
        return run

    @router.get("/site")
    async def site_root() -> Response:
        return RedirectResponse("/site/", status_code=301)

    @router.get("/site/")
    @publicly
    @cached(kit)
    async def site_home(request: Request) -> Response:
        from services.gazette.public import issues_by_year
        from services.publication.site import policy_index
        svc = site_services(kit)
        # one hop to the thread pool for both reads: under load each hop waits its turn again
        policies, years = await run_in_threadpool(lambda: (policy_index(svc), issues_by_year(svc)))
        latest = [i for _, issues in years for i in issues if i.href][:4]
        return public_page(kit, "site_home.html.j2", svc=svc, section="home", policies=policies, issues=latest)

    @router.get("/site/consultations")
    @publicly
    @cached(kit)
    async def consultations(request: Request) -> Response:
        from services.publication.site import consultation_index
        svc = site_services(kit)
        items = await run_in_threadpool(consultation_index, svc)
        return public_page(kit, "site_consultations.html.j2", svc=svc, section="consultations", items=items,
                           today=svc.now().astimezone().date())

    @router.get("/site/policies/{name}")
    @publicly
    @cached(kit)
    async def policy(request: Request, name: str) -> Response:
        from publishing.web_release import short_title
        from services.publication.site import policy_view
        if not name.endswith(".html"):
            return not_found(kit)
        svc = site_services(kit)
        p = await run_in_threadpool(policy_view, svc, name.removesuffix(".html"))
        if p is None:
            return not_found(kit)
        from markupsafe import Markup
        return public_page(kit, "site_policy.html.j2", svc=svc, section="policies", p=p, short_title=short_title(p.title),
                           body_html=Markup(p.body_html), notice_html=Markup(p.notice_html))

    @router.get("/site/{folder}/{name}")
    @publicly
    async def site(request: Request, folder: str, name: str) -> Response:
        from services.publication.site import asset, framed_page
        svc = site_services(kit)
        path = f"{folder}/{name}"
        if folder in ("interpretations", "consultations") and name.endswith(".html"):
            found = await run_in_threadpool(framed_page, svc, path)
            if found is not None:
                crumb = "意见征集" if folder == "consultations" else "政策解读"
                return public_page(kit, "site_page.html.j2", svc=svc, section=folder if folder == "consultations"
                                   else "policies", title=found[0], content=found[1], crumb=crumb)
        elif folder == "assets" and (picture := await run_in_threadpool(asset, svc, path)) is not None:
            return Response(picture[0], media_type=picture[1], headers=dict(PUBLIC_HEADERS))     # no-cache too
        return not_found(kit)

    # ------------------------------------------------------------ the gazette, for the public

    @router.get("/gazette")
    @publicly
    @cached(kit)
    async def gazette(request: Request) -> Response:
        from services.gazette.public import issues_by_year
        svc = site_services(kit)
        years = await run_in_threadpool(issues_by_year, svc)
        return public_page(kit, "site_gazette.html.j2", svc=svc, section="gazette", years=years)

    @router.get("/gazette/")
    async def gazette_slash() -> Response:
        return RedirectResponse("/gazette", status_code=301)

    @router.get("/gazette/search")
    @publicly
    async def gazette_search(request: Request) -> Response:
        from services.gazette.public import highlight, public_search
        q = {k: (request.query_params.get(k) or "").strip() for k in ("text", "number", "organ", "from", "to")}
        hits, error = None, None
        try:
            # fail closed: a condition longer than its field is refused, never cut into a wider search
            if too_long := [SEARCH_FIELDS[k] for k in SEARCH_FIELDS if len(q[k]) > SEARCH_MAX]:
                raise ValueError(f"{'、'.join(too_long)}不能超过 {SEARCH_MAX} 个字")
            since, until = _date(q["from"], "起始日期"), _date(q["to"], "截止日期")
            if since and until and since > until:
                raise ValueError("起始日期不能晚于截止日期")
        except ValueError as e:
            error, since, until = str(e), None, None
            q = {k: v[:SEARCH_MAX] for k, v in q.items()}       # the form shown again, not the whole input
        if not error and any(q.values()):
            try:
                hits = await run_in_threadpool(lambda: public_search(
                    site_services(kit), q["text"] or None, number=q["number"] or None, organ=q["organ"] or None,
                    date_from=since, date_to=until))
            except Refused as r:
                error = r.problem.message
        return public_page(kit, "site_gazette_search.html.j2", 400 if error else 200, section="search", q=q,
                           hits=hits, form_error=error,
                           mark=lambda text: highlight(text, q["text"], q["number"], q["organ"]))

    return router


def refused_publicly(kit: Kit, r: Refused) -> HTMLResponse:
    """A public page's refusal (a search holding control characters, a store that did not answer):
    the public template with the problem's Chinese message; not_found is the one 404 page."""
    return public_error(kit, status_of(r.problem.code), r.problem.message, r.problem.code)
