"""The register (规范性文件公开台帐): the public pages, and the registrars' desk.

Public pages (/register…) need no sign-in and show only what is public: every read goes through
the public filters (publishing.register.entries(public=True), register_search, public_entry), so
an entry whose dossier is 不予公开 is absent from lists, searches and its own page alike
(DESIGN.md rule 9). Registrars (/desk/register…) amend, repeal and file through CSRF-checked forms
and download the CSV / XLSX exports (public entries, as `lockstep register export` writes them).
"""
from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from desk.kit import SECURITY_HEADERS, Kit, status_of
from desk.public_cache import cached
from review import rules
from documents.problems import Refused, problem
from documents.shown import echoed

SHOWN = 500                     # a page lists at most this many; search narrows the rest
FILTERS = {"current": "现行有效", "pending": "待施行", "amended": "已修改", "repealed": "已废止", "expired": "已失效", "all": "全部"}
DONE = {"amended": "已记录修改", "repealed": "已废止", "filed": "已记录报备",
        "repeal_recorded": "已记录废止：自废止文件施行之日起废止，此前本文件继续有效"}
EXPORTS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "json": "application/json; charset=utf-8"}


QUERY_MAX = 100                 # a search longer than the form takes is refused, never cut into a wider one


def chosen_filter(request: Request) -> tuple[str, str]:
    """(search text, status key) of a register list's query. Fail closed: a status that is not one of
    FILTERS, or a search longer than the form allows, is refused (request_invalid, the API's code for a
    bad query value), never answered with the 现行有效 list or a shorter search. No status is 现行有效."""
    text = (request.query_params.get("q") or "").strip()
    key = request.query_params.get("status") or "current"
    if key not in FILTERS:
        named = "、".join(f"{k}（{name}）" for k, name in FILTERS.items())
        raise Refused(problem("request_invalid", f"有效性“{echoed(key)}”无法识别，可选：{named}", advice=""))
    if len(text) > QUERY_MAX:
        raise Refused(problem("request_invalid", f"检索词为 {len(text)} 个字，不能超过 {QUERY_MAX} 个字", advice=""))
    return text, key


def _entries(svc, text: str, key: str, public: bool) -> tuple[list, bool]:
    """(entries newest first, whether more matched than are shown). 现行有效 counts amended
    documents too: they stay in force as amended (publishing/register_rules.IN_FORCE)."""
    from publishing.register_rules import IN_FORCE
    from services.register.life import newest_entries
    from services.register.search import search
    single = key if key in ("pending", "amended", "repealed", "expired") else None
    if text:
        found = search(svc, text, single, SHOWN + 1)
        if key == "current":
            found = [e for e in found if e.status in IN_FORCE]
    else:           # one page read from the database, newest first: never the whole register
        statuses = IN_FORCE if key == "current" else (single,) if single else None
        found = newest_entries(svc, statuses, SHOWN + 1, public=public)
    return found[:SHOWN], len(found) > SHOWN


def routes(kit: Kit) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    async def listing(request: Request, template: str, public: bool, **ctx) -> Response:
        try:
            text, key = chosen_filter(request)
        except Refused as r:
            return kit.refused(request, r.problems, ctx.get("who"), ctx.get("session"))
        entries, more = await run_in_threadpool(_entries, kit.services(), text, key, public)
        return kit.page(request, template, entries=entries, more=more, q=text, chosen=key, filters=FILTERS,
                        shown=SHOWN, **ctx)

    # ------------------------------------------------------------ public register

    # The public pages speak in the site's template (desk/pages_site.py): the government's name, the one
    # public 404 page for an entry that is absent or not public, a refused search as a public page.

    @router.get("/register")
    @cached(kit, reads=("q", "status"))
    async def register_page(request: Request) -> Response:
        from desk.pages_site import public_page, refused_publicly, site_services
        svc = site_services(kit)
        try:
            text, key = chosen_filter(request)
            entries, more = await run_in_threadpool(_entries, svc, text, key, True)
        except Refused as r:
            return refused_publicly(kit, r)
        from services.publication.site import catalogue_of      # 索引号 and 主题分类 (issue 15)
        catalogue = await run_in_threadpool(catalogue_of, svc, [e.dossier for e in entries])
        return public_page(kit, "site_register.html.j2", svc=svc, section="register", entries=entries, more=more, q=text,
                           chosen=key, filters=FILTERS, shown=SHOWN, catalogue=catalogue)

    @router.get("/register/{number}")
    @cached(kit)
    async def public_entry(request: Request, number: str) -> Response:
        from desk.pages_site import not_found, public_page, refused_publicly, site_services
        from services.publication.site import public_entry_page
        svc = site_services(kit)
        try:
            found = await run_in_threadpool(public_entry_page, svc, number)     # one unit, one threadpool hop
        except Refused as r:
            return refused_publicly(kit, r)
        if found is None:
            return not_found(kit)
        entry, full_text, public = found
        return public_page(kit, "site_register_entry.html.j2", svc=svc, section="register", e=entry, full_text=full_text,
                           public=public)

    # ------------------------------------------------------------ registrars

    def registrar(request: Request):
        session, who = kit.signed_in(request)
        kit.allow(request, rules.may_keep_register(who), who, session)
        return session, who

    @router.get("/desk/register")
    @kit.guarded
    async def desk_register(request: Request) -> Response:
        session, who = registrar(request)
        return await listing(request, "desk_register_manage.html.j2", public=False, who=who, session=session)

    @router.get("/desk/register/export.{fmt}")
    @kit.guarded
    async def export(request: Request, fmt: str) -> Response:
        from services.register.life import list_entries
        from services.register.outputs import export_bytes, public_base
        registrar(request)
        if fmt not in EXPORTS:
            return kit.refused(request, [problem("not_found", f"不支持的导出格式 {echoed(fmt)}（可用 csv、xlsx 或 json）")])
        if filtered := [name for name in ("status", "q") if name in request.query_params]:
            # the export is the whole public register: a filter it would not apply is refused, not dropped
            return kit.refused(request, [problem("request_invalid", f"导出的是全部可公开的台帐记录，不按"
                                                 f"{'、'.join(filtered)}筛选；请去掉该条件后重新导出", advice="")])
        svc = kit.services()
        # Links are absolute: the config's public address, else this desk's own (it serves the public site).
        base = public_base(svc.config) or (f"{str(request.base_url).rstrip('/')}/"
                                          f"{(svc.config.site_base_url or '/site').strip().lstrip('/')}").rstrip("/")
        entries = await run_in_threadpool(list_entries, svc, None, public=True)
        data = await run_in_threadpool(export_bytes, entries, fmt, base, svc.now())
        day = svc.now().astimezone().strftime("%Y%m%d")
        disposition = (f'attachment; filename="register-{day}.{fmt}"; '
                       f"filename*=UTF-8''{quote(f'规范性文件公开台帐-{day}.{fmt}')}")
        return Response(data, media_type=EXPORTS[fmt],
                        headers={**SECURITY_HEADERS, "Content-Disposition": disposition, "Cache-Control": "no-store"})

    async def manage_page(request, session, who, number: str, status: int = 200, **extra) -> Response:
        from services.register.life import show
        svc = kit.services()
        entry = await run_in_threadpool(show, svc, number)
        return kit.page(request, "desk_register_entry.html.j2", status, who, session, e=entry, manage=True,
                        today=svc.now().astimezone().date(), **extra)

    @router.get("/desk/register/{number}")
    @kit.guarded
    async def manage_entry(request: Request, number: str) -> Response:
        session, who = registrar(request)
        return await manage_page(request, session, who, number, done=DONE.get(request.query_params.get("done")))

    @router.post("/desk/register/{number}/{action}")
    @kit.guarded
    async def act(request: Request, number: str, action: str) -> Response:
        import datetime as dt

        from services.register.life import REPEAL_CONFIRM, amend, repeal, repeal_request_problem
        from services.register.registrar import record_filing
        session, who = registrar(request)
        fields = await kit.form_of(request, session, who)
        by, reason = (fields.get("by") or "").strip() or None, (fields.get("reason") or "").strip() or None
        filing, organ = (fields.get("filing_number") or "").strip(), (fields.get("reported_to") or "").strip()
        try:
            day = dt.date.fromisoformat(fields["reported_on"].strip()) if (fields.get("reported_on") or "").strip() else None
        except ValueError:
            return await manage_page(request, session, who, number, 400, form_error="报备日期应写成 2026-12-07 这样的日期")
        svc = kit.services()
        # 废止 is not undone: a reason and the 我已核对，确认废止 box, checked here, not only in the page.
        unconfirmed = repeal_request_problem(reason, (fields.get("confirm") or "") == REPEAL_CONFIRM)
        calls = {"amend": (lambda: amend(svc, number, by or "", who.name), by, "请填写作出修改的新文件的登记号"),
                 "repeal": (lambda: repeal(svc, number, who.name, by=by, reason=reason), not unconfirmed,
                            unconfirmed.message if unconfirmed else ""),
                 "file": (lambda: record_filing(svc, number, filing, who.name, reported_to=organ, reported_on=day),
                          filing and organ, "请填写报备机关和上级机关的备案号")}
        if action not in calls:
            return kit.refused(request, [problem("not_found", f"没有“{echoed(action)}”这项台帐操作")], who, session)
        call, given, missing = calls[action]
        if not given:
            return await manage_page(request, session, who, number, 400, form_error=missing,
                                     kept={"by": by or "", "reason": reason or ""} if action == "repeal" else {})
        try:
            answer = await run_in_threadpool(call)
        except Refused as r:
            return await manage_page(request, session, who, number, status_of(r.problem.code),
                                     refusal=list(r.problems))
        done = {"amend": "amended", "repeal": "repealed", "file": "filed"}[action]
        if action == "repeal" and getattr(answer, "repeal_pending", False):   # 将于…废止 (life.repeal)
            done = "repeal_recorded"
        return RedirectResponse(f"/desk/register/{quote(number)}?done={done}", status_code=303)

    return router
