"""征求意见 (重大行政决策预公开) on the desk for the drafting office (issue 14), and 网络征集 on the public
site (issue 15 item 5).

Desk, for whoever may see the dossier; every step for the drafting unit's drafters (review.rules.may_consult):
  /desk/dossiers/D/consultation              the period, counts, the adoption table 20 a page (?page=N; past
                                             the last page: the last), import, summary
  /desk/dossiers/D/consultation/moderation   online comments waiting for the office (采用 / 不予采用), 20 a
                                             page (?page=N for 待审核, ?decided=N for 已审核)
  POST …/consultation/open | import | comments/N/adopt | comments/N/moderate | summary

Public, no sign-in (served before the site's catch-all, desk/pages_site.py):
  /site/consultations/D.html           the notice in the government's template, with the comment form while
                                       the period is open (not offered before or after it)
  /site/consultations/D-summary.html   the adoption summary
  POST /site/consultations/D/comments  a comment: name and contact optional, text required (≤ 2000 字);
                                       a double-submit token (cookie + hidden field, SameSite=Strict);
                                       throttled per client address (hashed) and site-wide, coded refusals
Whether a page exists publicly is review.rules.is_public's answer, through the services; everything the
public typed is escaped by the templates (autoescape) and never shown publicly before the office accepts it.
"""
from __future__ import annotations

import datetime as dt
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from desk import auth
from desk.kit import Kit, status_of
from documents.problems import Problem, Refused, problem
from review.consultation import TEXT_MAX

FORM_COOKIE = "lockstep_comment"
MODERATION = "desk_consultation_moderation.html.j2"
FORM_FIELDS_MAX = 8
FORM_BYTES_MAX = 64 * 1024          # a 2000-字 comment is ~6 KB as UTF-8, percent-encoded ~18 KB
DONE = {"opened": "已开始公开征求意见，征求意见公告已发布。", "imported": "意见已录入。",
        "adopted": "已保存采纳情况。", "accepted": "已采用该网上意见，它进入意见采纳情况表。",
        "rejected": "已不予采用该网上意见，它不会公开。", "summary": "意见采纳情况已公布。"}


def routes(kit: Kit) -> APIRouter:
    from services.review import consultation as cons
    router = APIRouter(include_in_schema=False)

    def base(d: str) -> str:
        return f"/desk/dossiers/{d}/consultation"

    async def page(request: Request, d: str, session, who, status: int = 200, errors: list[Problem] | None = None,
                   template: str = "desk_consultation.html.j2", **ctx) -> Response:
        done = DONE.get(request.query_params.get("done", ""))
        if template == MODERATION:           # one page of the queue (and of the decided ones), not every comment
            at = {**request.query_params, **ctx.get("form", {})}      # a refused POST: the page it came from
            q = await run_in_threadpool(cons.moderation_page, kit.services(), d, who.name,
                                        _page_number(at.get("page")), _page_number(at.get("decided")))
            return kit.page(request, template, status, who, session, q=q, errors=errors or [], done=done)
        at = {**request.query_params, **ctx.get("form", {})}      # a refused POST: the page it came from
        seen = await run_in_threadpool(cons.desk_consultation, kit.services(), d, who.name, _page_number(at.get("page")))
        skipped = request.query_params.get("skipped", "")
        if done and skipped.isdecimal() and int(skipped):
            done += f"其中 {int(skipped)} 条此前已录入，未重复录入。"
        default_from = seen.today
        return kit.page(request, template, status, who, session, c=seen, v=seen.consultation, errors=errors or [],
                        done=done, default_from=default_from, default_to=default_from + dt.timedelta(days=29),
                        adoption=cons.ADOPTION, form=ctx.pop("form", {}), **ctx)

    async def acting(request: Request, d: str, handler, *, upload: bool = False,
                     template: str = "desk_consultation.html.j2") -> Response:
        """A POST step: signed in, CSRF checked, the service called; a refusal shows the page again with the
        reason at the top and what was typed kept."""
        session, who = kit.signed_in(request)
        if upload:
            got = await kit.receive_upload(request)
            try:
                kit.check_csrf(request, got.fields.get("csrf"), session, who)
                fields, files = got.fields, list(got.files)
                try:
                    to = await run_in_threadpool(handler, who, fields, files)
                except Refused as r:
                    return await page(request, d, session, who, status_of(r.problem.code), r.problems,
                                      template=template, form=fields)
            finally:
                got.discard()
        else:
            fields = await kit.form_of(request, session, who)
            try:
                to = await run_in_threadpool(handler, who, fields, [])
            except Refused as r:
                return await page(request, d, session, who, status_of(r.problem.code), r.problems,
                                  template=template, form=fields)
        return RedirectResponse(to, status_code=303)

    def svc():
        return kit.services()

    @router.get("/desk/dossiers/{d}/consultation")
    @kit.guarded
    async def consultation_page(request: Request, d: str) -> Response:
        session, who = kit.signed_in(request)
        return await page(request, d, session, who)

    @router.get("/desk/dossiers/{d}/consultation/moderation")
    @kit.guarded
    async def moderation_page(request: Request, d: str) -> Response:
        session, who = kit.signed_in(request)
        return await page(request, d, session, who, template=MODERATION)

    @router.post("/desk/dossiers/{d}/consultation/open")
    @kit.guarded
    async def open_(request: Request, d: str) -> Response:
        def run(who, f, _files):
            opens, closes = _day(f.get("opens"), "开始日期"), _day(f.get("closes"), "截止日期")
            cons.open_consultation(svc(), d, opens, closes, who.name, (f.get("reason") or "").strip() or None)
            return f"{base(d)}?done=opened"
        return await acting(request, d, run)

    @router.post("/desk/dossiers/{d}/consultation/import")
    @kit.guarded
    async def import_(request: Request, d: str) -> Response:
        def run(who, f, files):
            if files:
                if len(files) != 1 or files[0].suffix.lower() not in (".csv", ".json"):
                    raise Refused(problem("manifest_invalid", "请选择一个意见导出文件（CSV 或 JSON）"))
                try:
                    items = cons.read_comments_file(files[0])
                except (ValueError, UnicodeDecodeError) as e:
                    raise Refused(problem("manifest_invalid", f"意见导出文件无法读取：{type(e).__name__}",
                                          advice="请上传 UTF-8 或 GBK 编码的 CSV，或 JSON 文件")) from None
                source = files[0].name
            elif (f.get("text") or "").strip():
                items = [{"author": (f.get("author") or "").strip() or None, "text": f["text"].strip(),
                          "received_on": (f.get("received_on") or "").strip() or None}]
                source = "录入"
            else:
                raise Refused(problem("manifest_invalid", "请选择意见导出文件，或填写一条意见的内容"))
            v = cons.record_comments(svc(), d, items, who.name, source)
            return f"{base(d)}?done=imported&skipped={v.duplicates}"
        return await acting(request, d, run, upload=True)

    @router.post("/desk/dossiers/{d}/consultation/comments/{n}/adopt")
    @kit.guarded
    async def adopt(request: Request, d: str, n: int) -> Response:
        def run(who, f, _files):
            cons.decide_comment(svc(), d, n, f.get("adopted") or "", (f.get("response") or "").strip() or None,
                                who.name)
            return f"{base(d)}?page={_page_number(f.get('page'))}&done=adopted#c{n}"     # back to its page
        return await acting(request, d, run)

    @router.post("/desk/dossiers/{d}/consultation/comments/{n}/moderate")
    @kit.guarded
    async def moderate(request: Request, d: str, n: int) -> Response:
        def run(who, f, _files):
            action = f.get("action") or ""
            cons.moderate_comment(svc(), d, n, action, who.name, f.get("reason"))
            back = f"page={_page_number(f.get('page'))}&decided={_page_number(f.get('decided'))}"   # the same pages
            return f"{base(d)}/moderation?{back}&done={'accepted' if action == 'accept' else 'rejected'}"
        return await acting(request, d, run, template=MODERATION)

    @router.post("/desk/dossiers/{d}/consultation/summary")
    @kit.guarded
    async def summary(request: Request, d: str) -> Response:
        def run(who, _f, _files):
            cons.publish_summary(svc(), d, who.name)
            return f"{base(d)}?done=summary"
        return await acting(request, d, run)

    # ------------------------------------------------------------ the public side (网络征集)

    from desk.pages_site import not_found, public_page, refused_publicly, site_services

    def client_of(request: Request) -> str:
        return auth.client_address(request.client.host if request.client else None,
                                   request.headers.get("x-forwarded-for"), kit.trusted_proxies)

    def public_form(request: Request, d: str, info, status: int = 200, error: Problem | None = None,
                    form: dict | None = None, received: bool = False) -> Response:
        from services.publication.site import framed_page
        s = site_services(kit)
        found = framed_page(s, f"consultations/{d}.html")
        if found is None:
            return not_found(kit)
        token = request.cookies.get(FORM_COOKIE) or ""
        if len(token) < 32 or not token.isascii():
            token = secrets.token_urlsafe(32)
        response = public_page(kit, "site_consultation.html.j2", status, svc=s, section="consultations",
                               title=found[0], content=found[1], c=info, token=token, error=error,
                               form=form or {}, received=received, text_max=TEXT_MAX)
        if info.accepting:
            response.set_cookie(FORM_COOKIE, token, httponly=True, samesite="strict", path="/site/consultations",
                                secure=request.url.scheme == "https", max_age=6 * 3600)
        return response

    @router.get("/site/consultations/{name}")
    async def public_consultation(request: Request, name: str) -> Response:
        from services.publication.site import framed_page
        try:
            s = site_services(kit)
            if name.endswith("-summary.html"):
                found = await run_in_threadpool(framed_page, s, f"consultations/{name}")
                if found is None:
                    return not_found(kit)
                return public_page(kit, "site_page.html.j2", svc=s, section="consultations", title=found[0],
                                   content=found[1], crumb="意见征集")
            if not name.endswith(".html"):
                return not_found(kit)
            d = name.removesuffix(".html")
            info = await run_in_threadpool(cons.public_consultation, s, d)
            if info is None:
                return not_found(kit)
            return await run_in_threadpool(public_form, request, d, info, received=request.query_params.get("received") == "1")
        except Refused as r:
            return refused_publicly(kit, r)

    @router.post("/site/consultations/{d}/comments")
    async def public_comment(request: Request, d: str) -> Response:
        async def again(info, status: int, error: Problem, form: dict | None = None) -> Response:
            return await run_in_threadpool(public_form, request, d, info, status, error, form)
        try:
            s = site_services(kit)
            info = await run_in_threadpool(cons.public_consultation, s, d)
            if info is None:
                return not_found(kit)
            fields = await _small_form(request)
            if fields is None:
                return await again(info, 413, problem("request_invalid", "提交的内容过长或无法读取，请精简后刷新页面重新提交"))
            kept = {k: fields.get(k, "")[:TEXT_MAX + 100] for k in ("name", "contact", "text")}
            if info.closed is not None:                  # before or after the period: refused, coded
                return await again(info, status_of(info.closed.code), info.closed)
            if not auth.same_token(fields.get("form"), request.cookies.get(FORM_COOKIE)):
                return await again(info, 403, problem("request_invalid", "表单已失效（或浏览器未保存本站的 Cookie），"
                                                                          "请刷新页面后重新提交"), kept)
            try:
                await run_in_threadpool(cons.submit_online_comment, s, d, fields.get("name"), fields.get("contact"),
                                        fields.get("text"), client_of(request))
            except Refused as r:
                if r.problem.code == "not_found":
                    return not_found(kit)
                status = 429 if r.problem.code == "too_many_requests" else status_of(r.problem.code)
                return await again(info, status, r.problem, kept)
            return RedirectResponse(f"/site/consultations/{d}.html?received=1#comment", status_code=303)
        except Refused as r:
            return refused_publicly(kit, r)

    return router


def _page_number(text: str | None) -> int:
    """?page=3 → 3; missing, not a number, or absurd → 1 (the service keeps it within the pages there are)."""
    text = (text or "").strip()
    return int(text) if text.isdecimal() and 0 < len(text) <= 6 else 1


def _day(text: str | None, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        raise Refused(problem("date_format", f"{label}应写成 2026-07-01 这样的日期")) from None


async def _small_form(request: Request) -> dict[str, str] | None:
    """A urlencoded form of at most FORM_BYTES_MAX bytes and FORM_FIELDS_MAX fields, read as it arrives (a
    body past the cap stops being read), or None. Anything but a browser's plain form is refused too."""
    from urllib.parse import parse_qsl
    if not (request.headers.get("content-type") or "").startswith("application/x-www-form-urlencoded"):
        return None
    declared = request.headers.get("content-length") or ""
    if declared.isdecimal() and int(declared) > FORM_BYTES_MAX:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_BYTES_MAX:
            return None
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=FORM_FIELDS_MAX)
    except (UnicodeDecodeError, ValueError):
        return None
    return dict(pairs)
