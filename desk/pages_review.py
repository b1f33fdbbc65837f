"""The review page: a dossier's policy and its interpretation side by side (docx → sanitised HTML),
the risk assessment, what changed since the previous version, and the approve/return form whose
reasons point at provisions, and the decision it posts. Also the dossier's files, served only to
people who may see it.

`entitled` is the one door to a dossier for every desk page: a missing dossier and someone
else's give the same refusal, so the answer never tells an outsider whether a dossier exists.
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from desk.kit import SECURITY_HEADERS, Kit, Stop
from documents.models import ROLE_NAMES
from documents.problems import Refused, problem

REASON_ROWS = 3              # anchored reason rows on the form; more go in the free text box
INTERPRETATION = ("interpretation_plan", "interpretation_material", "graphic_interpretation")
# Where a reason may point, and how the reason line names the document (services/review/opinions.py).
ANCHORED = (("policy", ""), ("interpretation_plan", "方案："), ("interpretation_material", "解读："))
_QUESTION = re.compile(r"^(问\s*\d{1,3})")
_SHA = re.compile(r"^[0-9a-f]{64}$")
# Served inline only as pictures the browser cannot run; everything else is a download.
_PICTURES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif"}


async def entitled(kit: Kit, request: Request, dossier_id: str, session, who) -> list[str]:
    """The stages the person may act on now; refused alike when the dossier is missing or not theirs."""
    return (await access_of(kit, request, dossier_id, session, who)).act


async def access_of(kit: Kit, request: Request, dossier_id: str, session, who):
    """What the rulebook lets this person do with the dossier. A dossier the person may not see
    answers exactly as a missing one (404 not_found), so a page never confirms it exists."""
    from services.dossiers.access import access
    try:
        return await run_in_threadpool(access, kit.services(), who, dossier_id)
    except Refused as r:
        raise Stop(kit.refused(request, list(r.problems), who, session))


async def review_page(kit: Kit, request: Request, dossier_id: str, session, who, status: int = 200,
                      **extra) -> Response:
    from services.review.actions import status as dossier_status
    may = await access_of(kit, request, dossier_id, session, who)
    # The page shows the documents' full text: whoever may not download them (a not-public
    # dossier for the gazette office or the register) may not read them here either.
    kit.allow(request, may.why_not("download"), who, session)
    act = may.act
    svc = kit.services()
    st = await run_in_threadpool(dossier_status, svc, dossier_id)
    compare = await run_in_threadpool(_compared, svc, dossier_id, st.version, who.name,
                                      request.query_params.get("old"), request.query_params.get("new"))
    if isinstance(compare, Refused):
        raise Stop(kit.refused(request, list(compare.problems), who, session, status=404))
    old, new, last_mine = compare
    view = await run_in_threadpool(review_view, svc, dossier_id, st.version, who.name, (old, new))
    view["compare"] = {"old": old, "new": new, "last_mine": last_mine}
    answered = await run_in_threadpool(_answered, svc, dossier_id, st)      # 退回意见与修改说明
    from desk.pages_deliberation import meeting_panel                       # 集体审议记录 (issue 14)
    extra.setdefault("meeting", await run_in_threadpool(meeting_panel, svc, dossier_id, who))
    from review.kinds import KIND_STAGE_ID                                  # 类别认定 panel: the stage is here
    kind_check = any(s.id == KIND_STAGE_ID for s in st.gate.stages)
    return kit.page(request, "desk_review.html.j2", status, who, session, st=st, v=view, can_act=act,
                    answered_changes=answered, kind_check=kind_check,
                    actors=kit.actors, reason_rows=REASON_ROWS, stage_names=stage_names(svc.config),
                    people=people(svc.config), entered=extra.pop("entered", {}), **extra)


def _compared(svc, dossier_id: str, current: int, person: str, old: str | None, new: str | None):
    """(old, new, the version this person last decided on) for the page's comparison, or the refusal
    for a version the dossier does not have (services/dossiers/versions.py compared_pair)."""
    from services.dossiers.versions import compared_pair, last_decided
    mine = last_decided(svc, dossier_id, person, current)
    try:
        return (*compared_pair(current, mine, old, new), mine)
    except Refused as r:
        return r


def _answered(svc, dossier_id: str, st) -> dict[int, list]:
    """Per reason of the latest return, the change that answers it (services/dossiers/revision.py)."""
    from services.dossiers.revision import answered_changes
    return answered_changes(svc, dossier_id, st.gate.returned, st.version) if st.gate.returned else {}


def stage_names(config) -> dict[str, str]:
    """Stage id → its name in words, over every pipeline (ids are shared between pipelines)."""
    return {s.id: s.name for pl in config.pipelines for s in pl.stages}


def people(config) -> dict[str, str]:
    """Person name → how offices know them (政务服务局局长, not director)."""
    return {p.name: p.display or p.name for p in config.people}


def reason_lines(fields: dict[str, str]) -> list[str]:
    """The form's anchored rows (“一、（二）” + text) and its free lines, as record_decision reads them."""
    lines = []
    for i in range(1, REASON_ROWS + 1):
        anchor, text = (fields.get(f"anchor_{i}") or "").strip(), (fields.get(f"text_{i}") or "").strip()
        if text:
            lines.append(f"{anchor}：{text}" if anchor else text)
    lines += [line.strip() for line in (fields.get("reasons") or "").splitlines() if line.strip()]
    return lines


def routes(kit: Kit) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/desk/dossiers/{dossier_id}/review")
    @kit.guarded
    async def review(request: Request, dossier_id: str) -> Response:
        session, who = kit.signed_in(request)
        return await review_page(kit, request, dossier_id, session, who)

    @router.post("/desk/dossiers/{dossier_id}/decide")
    @kit.guarded
    async def decide(request: Request, dossier_id: str) -> Response:
        from services.review.actions import gate_answer, record_decision
        session, who = kit.signed_in(request)
        await entitled(kit, request, dossier_id, session, who)
        fields = await kit.form_of(request, session, who)
        verdict = fields.get("verdict")
        if verdict not in ("approve", "return"):      # no default: the reviewer says it; what was typed stays
            return await review_page(kit, request, dossier_id, session, who, 400, entered=fields, refusal=[
                problem("request_invalid", "请选择“通过”或“退回”后再提交")])
        svc = kit.services()
        seen = (fields.get("version") or "").strip()
        current = await run_in_threadpool(gate_answer, svc, dossier_id)
        if seen and seen != str(current.version):     # the office changed the bundle while it was being read
            return await review_page(kit, request, dossier_id, session, who, 409, entered=fields, refusal=[
                problem("invalid_state", f"审阅期间卷宗已更新为第 {current.version} 版，请重新审阅后再提交")])
        try:
            event, _ = await run_in_threadpool(record_decision, svc, dossier_id, fields.get("stage", ""), verdict,
                                               fields.get("comment", "").strip(), who.name, reason_lines(fields),
                                               int(seen) if seen.isdecimal() and len(seen) <= 6 else None)
        except Refused as r:
            # An anchor that matches no provision, a return without reasons, an approval with some:
            # the form again with what was typed.
            if r.problem.code not in ("not_found", "request_invalid", "deliberation_record_missing"):
                raise
            return await review_page(kit, request, dossier_id, session, who,
                                     422 if r.problem.code == "not_found" else 400, entered=fields,
                                     refusal=list(r.problems))
        name = next((s.name for s in current.stages if s.id == event.stage), event.stage)
        done = f"已{'通过' if verdict == 'approve' else '退回'}“{name}”环节"
        if event.opinion_number:
            done += f"，合法性审核意见书 {event.opinion_number}"
        return await review_page(kit, request, dossier_id, session, who, done=done)

    @router.post("/desk/dossiers/{dossier_id}/consistency/explain")
    @kit.guarded
    async def explain_finding(request: Request, dossier_id: str) -> Response:
        """A reviewer marks one of the interpretation's findings explained (解读与政策一致性：已说明)."""
        from services.dossiers.explained import explain
        session, who = kit.signed_in(request)
        await access_of(kit, request, dossier_id, session, who)
        fields = await kit.form_of(request, session, who)
        try:
            done = await run_in_threadpool(explain, kit.services(), dossier_id, fields.get("finding", ""),
                                           fields.get("reason", ""), who.name)
        except Refused as r:
            # A short reason, a finding of an earlier version, one explained meanwhile: the page
            # again with what was typed. Whoever may not explain is refused as on every page.
            code = r.problem.code
            if code == "not_permitted":
                raise
            status = {"request_invalid": 400, "not_found": 422, "invalid_state": 409}.get(code)
            if status is None:
                raise
            return await review_page(kit, request, dossier_id, session, who, status, entered=fields,
                                     explain_refusal=list(r.problems))
        return await review_page(kit, request, dossier_id, session, who,
                                 explained_done=f"已说明 解读 {done.finding.anchor}：‘{done.finding.text}’；"
                                                f"解读与政策一致性：{done.unexplained} 处未说明")

    @router.get("/desk/dossiers/{dossier_id}/files/{sha256}")
    @kit.guarded
    async def download(request: Request, dossier_id: str, sha256: str) -> Response:
        session, who = kit.signed_in(request)
        may = await access_of(kit, request, dossier_id, session, who)
        kit.allow(request, may.why_not("download"), who, session)
        found = await run_in_threadpool(file_of, kit.services(), dossier_id, sha256) if _SHA.match(sha256) else None
        if found is None:
            return kit.refused(request, [problem("not_found", "本卷宗没有这份材料")], who, session)
        name, data = found
        suffix = PurePosixPath(name).suffix.lower()
        disposition = "inline" if suffix in _PICTURES else "attachment"
        headers = {**SECURITY_HEADERS, "Cache-Control": "no-store",
                   "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}"}
        return Response(data, media_type=_PICTURES.get(suffix, "application/octet-stream"), headers=headers)

    return router


# ---------------------------------------------------------------- what the review page shows

def file_of(svc, dossier_id: str, sha256: str) -> tuple[str, bytes] | None:
    """A file recorded in any version of this dossier; the key comes from our records, never the URL."""
    with svc.unit() as uow:
        row = uow.dossiers.get(dossier_id)
        for n in range(row.current_version, 0, -1) if row else ():
            hit = next((f for f in uow.dossiers.version(dossier_id, n).files if f.sha256 == sha256), None)
            if hit is not None:
                return hit.name, svc.store.get(hit.sha256)
    return None


def converted(svc, sources: list[str]) -> dict[str, str]:
    """docx sha256 → mammoth's HTML, converted once per file and kept as a derived object
    (publishing/derived.py, as publication and the gazette do): a large docx costs its conversion at
    its first view only, every later view (any dossier, any version holding it) reads it back.
    Retried: two first views at once both convert, one records."""
    from publishing.derived import Derived

    def once() -> dict[str, str]:
        with svc.unit() as uow:
            return Derived(uow.derived, uow.store, uow.now).html(sources)
    return svc.retrying(once) if sources else {}


def review_view(svc, dossier_id: str, number: int, who_name: str | None = None,
                compare: tuple[int, int] | None = None) -> dict:
    from documents.diff import paragraphs
    from publishing.web_release import page_html
    from desk.review_findings import place_findings
    from review.alignment import aligned
    from services.dossiers.explained import findings
    from review.kinds import normative_signals
    with svc.unit() as uow:
        version = uow.dossiers.version(dossier_id, number)
    blobs: dict[str, bytes] = {}
    shown_roles = ("policy", *INTERPRETATION, "risk_assessment", "response_plan")
    html = converted(svc, sorted({f.sha256 for f in version.of_role(*shown_roles) if f.meta is not None}))

    def data(f) -> bytes:
        return blobs.setdefault(f.sha256, svc.store.get(f.sha256))

    def shown(f) -> dict:
        href = f"/desk/dossiers/{dossier_id}/files/{f.sha256}"
        out = {"name": f.name, "role": f.role, "href": href, "meta": f.meta}
        if f.meta is not None:
            out["html"] = page_html(html[f.sha256])
        elif PurePosixPath(f.name).suffix.lower() in _PICTURES:
            out["image"] = href
        return out

    policy_meta = version.policy.meta if version.policy else None
    anchors = []
    read: dict[str, list] = {}      # role → its paragraphs, for the anchors and 逐条对照
    for role, prefix in ANCHORED:
        f = next((f for f in version.of_role(role) if f.meta is not None), None)
        read[role] = paragraphs(f.name, data(f)) if f else []
        for p in read[role]:
            question = _QUESTION.match(p.text) if role == "interpretation_material" else None
            if (p.level is not None and p.anchor) or question:
                where = question.group(1).replace(" ", "") if question else p.anchor
                anchors.append({"value": prefix + where, "document": ROLE_NAMES[role], "where": where,
                                "text": p.text[:36] + ("…" if len(p.text) > 36 else "")})
    shown_view = {"version": version.number,
            "disclosure": policy_meta.disclosure if policy_meta else None,
            "policy": [shown(f) for f in version.of_role("policy")],
            "interpretation": [shown(f) for f in version.of_role(*INTERPRETATION)],
            "risks": [shown(f) for f in version.of_role("risk_assessment")],
            "response_plans": [shown(f) for f in version.of_role("response_plan")],
            "others": [{"name": f.name, "role": f.role, "href": f"/desk/dossiers/{dossier_id}/files/{f.sha256}"}
                       for f in version.files if f.role not in ("policy", "risk_assessment", "response_plan",
                                                                *INTERPRETATION)],
            "risk_level": version.risk_level, "anchors": anchors,
            # 类别认定 (review/kinds.py): what in the policy suggests a 规范性文件, for the legal reviewer.
            "kind_signals": normative_signals(policy_meta),
            "aligned": aligned(read["policy"], read["interpretation_material"], read["interpretation_plan"]),
            "versions": list(range(1, number + 1)),
            "diff": diff_view(svc, dossier_id, *compare) if compare and compare[0] != compare[1] else None}
    # The interpretation's findings beside the texts they name (desk/review_findings.py).
    found = findings(svc, dossier_id, who_name) if who_name else None
    return place_findings(shown_view, found, version, lambda f: paragraphs(f.name, data(f)))


def diff_view(svc, dossier_id: str, old: int, new: int, context: int = 1) -> dict:
    """Version `old` against version `new`, each document's changes under their provisions;
    unchanged paragraphs fold away except `context` around each change."""
    from services.dossiers.versions import diff_versions
    d = diff_versions(svc, dossier_id, old, new)
    documents = []
    for doc in d.documents:
        changes = doc.changes
        near = {k + i for k, c in enumerate(changes) if c.kind != "equal" for i in range(-context, context + 1)}
        moved_from = {c.old_text: c.old_index for c in changes if c.kind == "delete"}
        moved_to = {c.new_text: c.new_index for c in changes if c.kind == "insert"}
        rows, hidden = [], 0
        for k, c in enumerate(changes):
            if k not in near:
                hidden += 1
                continue
            if hidden:
                rows.append({"gap": hidden})
                hidden = 0
            moved = moved_from.get(c.new_text) if c.kind == "insert" else (
                moved_to.get(c.old_text) if c.kind == "delete" else None)
            rows.append({"c": c, "moved": moved})
        if hidden and len(rows):
            rows.append({"gap": hidden})
        documents.append({"role_name": doc.role_name, "old_name": doc.old_name, "new_name": doc.new_name,
                          "summary": doc.summary, "rows": rows})
    return {"old": d.old, "new": d.new, "documents": documents}
