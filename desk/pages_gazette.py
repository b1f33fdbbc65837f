"""The gazette editors' pages (公报编辑): the publish-ready queue, opening an issue, adding items
(refusals shown with their items and reasons), release of both editions, the gazette database search.

Every /desk/gazette page needs the gazette_editor role. A released issue's editions are served
from the stored content under /gazette/ISSUE/…: the same pages are the editor's preview and the
public edition (a released issue is public by rule 7; rule 9 kept not-public items out of it).
"""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from desk import auth
from desk.kit import SECURITY_HEADERS, Kit, status_of
from documents.problems import Refused
from review import rules

STATUS = {"draft": "编排中", "releasing": "出版中", "scheduled": "定时出版", "released": "已出版"}
CONFIRM = "yes"                 # the release form's 我已核对，确认出版 box: required here, not only in the page
# Releases go under the home, in the folder `lockstep demo` uses; a request never names a path.
RELEASE_FOLDER = "gazette"


def _date(text: str | None, label: str) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{label}应写成 2019-08-30 这样的日期") from None


def _moment(text: str | None) -> dt.datetime | None:
    """定时出版's moment from the form's datetime-local field (2026-12-10T09:00), local time; empty: now."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        raise ValueError("定时出版的时间应写成 2026-12-10 09:00 这样的日期和时刻") from None


def _number(text: str | None, label: str, low: int, high: int, required: bool = True) -> int | None:
    text = (text or "").strip()
    if not text and not required:
        return None
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(f"{label}应为 {low}–{high} 之间的整数")
    return int(text)


def routes(kit: Kit) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def editor(request: Request):
        session, who = kit.signed_in(request)
        kit.allow(request, rules.may_edit_gazette(who), who, session)
        return session, who

    async def board(request, session, who, status: int = 200, **extra) -> Response:
        from services.gazette.issues import list_issues, queue
        svc = kit.services()
        items = await run_in_threadpool(queue, svc)
        issues = await run_in_threadpool(list_issues, svc)
        year = svc.now().astimezone().year
        number = max((i.number for i in issues if i.year == year), default=0) + 1
        return kit.page(request, "desk_gazette.html.j2", status, who, session, queue=items, statuses=STATUS,
                        drafts=[i for i in issues if i.status != "released"],
                        released=[i for i in reversed(issues) if i.status == "released"],
                        suggest={"year": year, "number": number}, **extra)

    async def issue_page(request, session, who, issue_id: str, status: int = 200, **extra) -> Response:
        from services.gazette.views import editions, print_toc
        from services.gazette.issues import list_issues, queue, show_issue
        svc = kit.services()
        view = await run_in_threadpool(show_issue, svc, issue_id)
        stored = await run_in_threadpool(editions, svc, issue_id) if view.status == "released" else None
        toc = await run_in_threadpool(print_toc, svc, stored) if stored else []
        from services.gazette.views import pdf_state
        pdf = await run_in_threadpool(pdf_state, svc, stored) if stored else None
        items = await run_in_threadpool(queue, svc) if view.status == "draft" else []
        # A 更正启事 corrects a released issue earlier than this one (publishing/corrections.py).
        correctable = [i for i in await run_in_threadpool(list_issues, svc) if i.status == "released"
                       and (i.year, i.number) < (view.year, view.number)] if view.status == "draft" else []
        return kit.page(request, "desk_gazette_issue.html.j2", status, who, session, view=view, stored=stored,
                        toc=toc, pdf=pdf, queue=items, statuses=STATUS, correctable=correctable[::-1], **extra)

    async def act(request, session, who, issue_id: str, done: str, work, **keep) -> Response:
        """Change the issue; a refusal shows the issue page with it (and what was typed), else back to
        the page saying what was done."""
        try:
            await run_in_threadpool(work)
        except Refused as r:
            return await issue_page(request, session, who, issue_id, status_of(r.problem.code),
                                    refusal=list(r.problems), **keep)
        return RedirectResponse(f"/desk/gazette/issues/{issue_id}?done={done}", status_code=303)

    # ------------------------------------------------------------ the queue and the issues

    @router.get("/desk/gazette")
    @kit.guarded
    async def gazette_home(request: Request) -> Response:
        session, who = editor(request)
        return await board(request, session, who)

    @router.post("/desk/gazette/issues")
    @kit.guarded
    async def new_issue(request: Request) -> Response:
        from services.gazette.issues import create_issue
        session, who = editor(request)
        fields = await kit.form_of(request, session, who)
        try:
            year = _number(fields.get("year"), "年份", 1949, 2999)
            number = _number(fields.get("number"), "期号", 1, 999)
            total = _number(fields.get("total"), "总期号", 1, 99999, required=False)
            planned = _date(fields.get("planned"), "计划出版日期")
        except ValueError as e:
            return await board(request, session, who, 400, form_error=str(e))
        try:
            view = await run_in_threadpool(create_issue, kit.services(), year, number, who.name, total, planned)
        except Refused as r:
            return await board(request, session, who, status_of(r.problem.code),
                               refusal=list(r.problems))
        return RedirectResponse(f"/desk/gazette/issues/{view.issue}", status_code=303)

    @router.get("/desk/gazette/issues/{issue_id}")
    @kit.guarded
    async def issue(request: Request, issue_id: str) -> Response:
        session, who = editor(request)
        done = {"added": "稿件已编入本期", "released": "已出版：印刷版与电子版同时生成，指纹已记录",
                "scheduled": "已定时出版：印刷版与电子版已生成并记录指纹，到公开时间才对外公开",
                "cancelled": "已取消定时出版，本期回到编排中",
                "corrected": "更正启事已编入本期", "uncorrected": "更正启事已撤下",
                "removed": "稿件已移出本期，回到待刊队列", "moved": "已调整稿件顺序"}
        done["queued"] = "出版决定已受理并记录，等待工作节点生成出版物；可用 lockstep due 查看"   # a pool home
        return await issue_page(request, session, who, issue_id, done=done.get(request.query_params.get("done")))

    @router.post("/desk/gazette/issues/{issue_id}/add")
    @kit.guarded
    async def add(request: Request, issue_id: str) -> Response:
        from services.gazette.issues import add_items
        session, who = editor(request)
        # Several checkboxes share one name: read the form whole (Kit.form_of keeps one value per name).
        form = await request.form(max_files=0, max_fields=500)
        kit.check_csrf(request, form.get("csrf"), session, who)
        chosen = [d for d in form.getlist("dossier") if isinstance(d, str) and d.strip()]
        if not chosen:
            return await issue_page(request, session, who, issue_id, 400, form_error="请先勾选要编入本期的稿件")
        try:
            await run_in_threadpool(add_items, kit.services(), issue_id, chosen, who.name)
        except Refused as r:
            # The rules name each refused item "（卷宗 D）": those are unticked and marked, the rest stay
            # ticked, so the editor resubmits at once (if the wording changes, only the marks go).
            refused = {d for d in chosen if any(f"卷宗 {d}" in p.message for p in r.problems)}
            return await issue_page(request, session, who, issue_id, status_of(r.problem.code),
                                    refusal=list(r.problems), chosen=set(chosen) - refused, refused=refused)
        return RedirectResponse(f"/desk/gazette/issues/{issue_id}?done=added", status_code=303)

    @router.post("/desk/gazette/issues/{issue_id}/remove")
    @kit.guarded
    async def remove(request: Request, issue_id: str) -> Response:
        from services.gazette.issues import remove_items
        session, who = editor(request)
        fields = await kit.form_of(request, session, who)
        dossier = (fields.get("dossier") or "").strip()
        if not dossier:
            return await issue_page(request, session, who, issue_id, 400, form_error="请指明要移出本期的稿件")
        return await act(request, session, who, issue_id, "removed",
                         lambda: remove_items(kit.services(), issue_id, [dossier], who.name))

    @router.post("/desk/gazette/issues/{issue_id}/move")
    @kit.guarded
    async def move(request: Request, issue_id: str) -> Response:
        """上移 / 下移 an item within its section (services.gazette.issues.move_item)."""
        from services.gazette.issues import move_item
        session, who = editor(request)
        fields = await kit.form_of(request, session, who)
        dossier = (fields.get("dossier") or "").strip()
        step = {"up": -1, "down": 1}.get((fields.get("direction") or "").strip())
        if not dossier or step is None:
            return await issue_page(request, session, who, issue_id, 400, form_error="请指明要上移或下移的稿件")
        return await act(request, session, who, issue_id, "moved",
                         lambda: move_item(kit.services(), issue_id, dossier, who.name, step=step))

    @router.post("/desk/gazette/issues/{issue_id}/delete")
    @kit.guarded
    async def delete(request: Request, issue_id: str) -> Response:
        from services.gazette.issues import delete_issue
        session, who = editor(request)
        await kit.form_of(request, session, who)
        try:
            await run_in_threadpool(delete_issue, kit.services(), issue_id, who.name)
        except Refused as r:
            return await issue_page(request, session, who, issue_id, status_of(r.problem.code),
                                    refusal=list(r.problems))
        return RedirectResponse("/desk/gazette", status_code=303)

    @router.post("/desk/gazette/issues/{issue_id}/release")
    @kit.guarded
    async def release(request: Request, issue_id: str) -> Response:
        session, who = editor(request)
        fields = await kit.form_of(request, session, who)
        try:
            day = _date(fields.get("date"), "出版日期")
            at = _moment(fields.get("at"))
        except ValueError as e:
            return await issue_page(request, session, who, issue_id, 400, form_error=str(e))
        # Irreversible: the editor confirms on the page, and the server insists on it.
        if (fields.get("confirm") or "") != CONFIRM:
            return await issue_page(request, session, who, issue_id, 400,
                                    form_error="出版后不能撤回：请先核对样稿，勾选“我已核对，确认出版”后再出版")
        from flows.on_pool import Queued, release_anywhere
        try:            # a pool home: a worker of the pool builds the editions (flows/on_pool.py)
            return await act(request, session, who, issue_id, "scheduled" if at else "released",
                             lambda: release_anywhere(kit.services(), issue_id, kit.home / RELEASE_FOLDER, who.name,
                                                      day, at=at))
        except Queued:
            return RedirectResponse(f"/desk/gazette/issues/{issue_id}?done=queued", status_code=303)

    @router.post("/desk/gazette/issues/{issue_id}/cancel")
    @kit.guarded
    async def cancel(request: Request, issue_id: str) -> Response:
        from services.gazette.release import cancel_release
        session, who = editor(request)
        fields = await kit.form_of(request, session, who)
        return await act(request, session, who, issue_id, "cancelled",
                         lambda: cancel_release(kit.services(), issue_id, fields.get("reason") or "", who.name))

    # ------------------------------------------------------------ 更正启事 in a draft issue

    @router.post("/desk/gazette/issues/{issue_id}/corrections")
    @kit.guarded
    async def add_correction(request: Request, issue_id: str) -> Response:
        from services.gazette.corrections import add_correction as add
        session, who = editor(request)
        fields = await kit.form_of(request, session, who)
        corrects, dossier = (fields.get("corrects") or "").strip(), (fields.get("dossier") or "").strip()
        text = fields.get("text") or ""
        if not corrects:
            return await issue_page(request, session, who, issue_id, 400, form_error="请选择被更正的一期（已出版）",
                                    correction_text=text)
        return await act(request, session, who, issue_id, "corrected",
                         lambda: add(kit.services(), issue_id, corrects, text, who.name, dossier=dossier or None),
                         correction_text=text)

    @router.post("/desk/gazette/issues/{issue_id}/corrections/{notice}/remove")
    @kit.guarded
    async def remove_correction(request: Request, issue_id: str, notice: int) -> Response:
        from services.gazette.corrections import remove_correction as remove
        session, who = editor(request)
        await kit.form_of(request, session, who)
        return await act(request, session, who, issue_id, "uncorrected",
                         lambda: remove(kit.services(), notice, who.name))

    # ------------------------------------------------------------ the gazette database

    @router.get("/desk/gazette/search")
    @kit.guarded
    async def search(request: Request) -> Response:
        from services.gazette.search import search as find
        session, who = editor(request)
        q = {k: (request.query_params.get(k) or "").strip() for k in ("text", "number", "organ", "from", "to")}
        hits, error = None, None
        try:
            since, until = _date(q["from"], "起始日期"), _date(q["to"], "截止日期")
            if since and until and since > until:
                raise ValueError("起始日期不能晚于截止日期")
        except ValueError as e:
            error, since, until = str(e), None, None
        if not error and any(q.values()):
            hits = await run_in_threadpool(lambda: find(kit.services(), q["text"] or None, number=q["number"] or None,
                                                        organ=q["organ"] or None, date_from=since, date_to=until,
                                                        limit=200))
        return kit.page(request, "desk_gazette_search.html.j2", 400 if error else 200, who, session, q=q,
                        hits=hits, form_error=error)

    # ------------------------------------------------------------ a released issue's two editions

    def withheld_from(request: Request, issue_id: str, *, printed: bool = False) -> set[str]:
        """Dossiers of the issue not public now (review.rules.is_public) that the served edition would
        still show, kept from everyone but its editors: for the web edition those its public revision
        does not already withdraw (services/dossiers/withhold.py); for the print edition, which is never
        revised, every one of them."""
        from review.rules import may_edit_gazette
        from services.gazette.views import not_public_in, withheld
        session = kit.sessions.get(request.cookies.get(auth.SESSION_COOKIE))
        person = kit.services().config.person(session.name) if session else None
        if person is not None and may_edit_gazette(person) is None:
            return set()
        return (not_public_in if printed else withheld)(kit.services(), issue_id)

    def missing(request: Request) -> Response:
        from desk.pages_site import not_found      # the one public 404 page (desk/pages_site.py)
        return not_found(kit)

    # html/: the folder name a release writes, which a 更正启事's link to the corrected item uses.
    @router.get("/gazette/{issue_id}/web/{path:path}")
    @router.get("/gazette/{issue_id}/html/{path:path}")
    @kit.guarded
    async def web_edition(request: Request, issue_id: str, path: str) -> Response:
        from services.gazette.views import editions, web_file
        svc = kit.services()
        stored = await run_in_threadpool(editions, svc, issue_id)
        found = stored and await run_in_threadpool(web_file, svc, stored, path or "index.html")
        hidden = await run_in_threadpool(withheld_from, request, issue_id) if found else set()
        # The index and the feed list every item; an item page names its own dossier.
        if not found or (hidden and (path in ("", "index.html", "feed.json")
                                     or any(f"/{d}." in f"/{path}" for d in hidden))):
            return missing(request)
        # no-cache, as the site's pages: a cache asks again, so a page a withhold has replaced is not kept
        return Response(found[0], media_type=found[1], headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})

    @router.get("/gazette/{issue_id}/{name}.docx")
    @kit.guarded
    async def print_edition(request: Request, issue_id: str, name: str) -> Response:
        from urllib.parse import quote

        from services.gazette.views import editions
        svc = kit.services()
        stored = await run_in_threadpool(editions, svc, issue_id)
        if not stored or stored.print_name != f"{name}.docx" or await run_in_threadpool(
                lambda: withheld_from(request, issue_id, printed=True)):
            return missing(request)
        data = await run_in_threadpool(svc.store.get, stored.print_sha256)
        # An ASCII name for old browsers, the Chinese one (RFC 5987) for the rest.
        disposition = (f'attachment; filename="gazette-{stored.issue}.docx"; '
                       f"filename*=UTF-8''{quote(stored.print_name)}")
        return Response(data, headers={**SECURITY_HEADERS, "Content-Disposition": disposition},
                        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")

    @router.get("/gazette/{issue_id}/{name}.pdf")
    @kit.guarded
    async def print_edition_pdf(request: Request, issue_id: str, name: str) -> Response:
        """The print edition's PDF (made from the docx after the release, where LibreOffice is installed)."""
        from urllib.parse import quote

        from services.gazette.views import editions, print_pdf
        svc = kit.services()
        stored = await run_in_threadpool(editions, svc, issue_id)
        pdf = stored and await run_in_threadpool(print_pdf, svc, stored)
        if not pdf or pdf[0] != f"{name}.pdf" or await run_in_threadpool(
                lambda: withheld_from(request, issue_id, printed=True)):
            return missing(request)
        data = await run_in_threadpool(svc.store.get, pdf[1])
        disposition = (f'inline; filename="gazette-{stored.issue}.pdf"; '
                       f"filename*=UTF-8''{quote(pdf[0])}")
        return Response(data, headers={**SECURITY_HEADERS, "Content-Disposition": disposition},
                        media_type="application/pdf")

    return router

