"""The dossier's pages: a drafting office submits a bundle, attaches or replaces a file, resubmits
the whole bundle and follows the dossier (progress, returns with their anchored reasons, history
in words); reviewers find their queue (the review page and their decisions are in
desk/pages_review.py); the signer signs off when the gate is open. Every page about a dossier
goes through `entitled` first, so a missing dossier and someone else's look the same."""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from desk.forms import Upload, chosen_manifest
from desk.kit import Kit, Stop, status_of
from desk.pages_review import access_of, entitled, people, stage_names
from flows.on_pool import Queued
from documents.labels import meta_fields
from documents.models import ROLE_NAMES as FILE_ROLE_NAMES
from documents.problems import Problem, Refused, problem
from review import rules
from services.dossiers.access import waiting_for

# The submit form's file inputs by role: (role, several files allowed).
CHOSEN_ROLES = (("policy", False), ("interpretation_plan", False), ("interpretation_material", True),
                ("graphic_interpretation", True), ("risk_assessment", False), ("response_plan", False),
                ("drafting_note", False), ("consultation", True), ("other", True))
EDITABLE = ("submitted", "in_review", "returned")     # an office may still change the bundle
# What the office itself does about each failing check, on this page.
OFFICE_TODO = {
    "policy_missing": "在卷宗页面“补充或替换材料”中选择“政策文件”上传。",
    "interpretation_missing": "在卷宗页面“补充或替换材料”中补充解读方案，或解读材料（文字解读、政策问答、一图读懂）。",
    "interpreter_not_drafter": "解读须由本单位作出：改正材料中的“解读机关”后替换该文件，或由本单位人员提交。",
    "interpretation_mismatch": "解读中写明的政策标题、发文字号须与政策文件一致：改正后替换该文件。",
    "risk_assessment_missing": "在卷宗页面“补充或替换材料”中选择“舆情风险评估”上传评估报告。",
    "risk_assessment_mismatch": "评估报告须写明所评估的本政策文件（标题写《政策标题》，或“评估对象：”写标题或发文字号）：改正后替换该文件。",
    "response_plan_missing": "在评估报告中写明应对处置预案，或另行上传“应对处置预案”；另须宣传部门审核同意。",
    "consultation_open": "须先公开征求意见（一般不少于 30 日）并公布意见采纳情况。",
    "disclosure_unknown": "在政策文件成文日期之后标注“公开属性：主动公开”（或依申请公开；不予公开须写明依据）后替换该文件，"
                          "或请本单位负责人、签发人在本页确定公开属性。",
    "stage_not_approved": "等待审核，本单位无需操作。",
}
# Returned, nobody reviews until the office sends a new version.
RETURNED_TODO = "卷宗已退回：按退回意见修改，补充或替换材料（或重新提交整套材料）后，审核才会继续。"
EVENT_WORDS = {
    "dossier.submitted": "提交材料", "review.stage.decided": "审核", "dossier.signed_off": "签发",
    "dossier.emergency_signed_off": "紧急签发", "dossier.published": "发布（公报待刊、网站、台帐同步）",
    "consultation.opened": "开始公开征求意见", "consultation.comments_recorded": "录入公众意见",
    "consultation.summary_published": "公布意见采纳情况", "register.filed": "向上级报备",
    "consultation.comment_moderated": "审核网上意见", "consultation.comment_decided": "填写意见采纳情况",
}


def routes(kit: Kit) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    async def uploaded(request: Request, session, who) -> Upload:
        """The streamed multipart body, capped, its CSRF token checked; the caller discards it.
        A refused upload (too large, unreadable) is shown by Kit.guarded with its status."""
        upload = await kit.receive_upload(request)
        try:
            kit.check_csrf(request, upload.fields.get("csrf"), session, who)
        except Stop:
            upload.discard()
            raise
        return upload

    def refuse(request, who, session, code: str, message: str):
        raise Stop(kit.refused(request, [Problem(code=code, message=message)], who, session, status=400))

    # ------------------------------------------------------------ drafting office: submit, attach

    async def submit_page(request: Request, session, who, status: int = 200, dossier: str | None = None,
                          refusal: list | None = None, chosen: list | None = None, entered: dict | None = None):
        """The submit form; after a refusal, again with the reason at the top, the files that were
        chosen named (a browser cannot keep them chosen: 请重新选择文件) and what was typed kept.
        For a new version of a returned dossier, one 修改说明 box per reason of the return."""
        returned = None
        if dossier:
            returned = await open_return(request, dossier, session, who)
        kinds = [pl.kind for pl in kit.services().config.pipelines]
        return kit.page(request, "desk_submit.html.j2", status, who, session, kinds=kinds,
                        max_mb=kit.max_bytes // (1024 * 1024), chosen_roles=CHOSEN_ROLES, dossier=dossier or "",
                        returned=returned, refusal=refusal or [], chosen=chosen or [], entered=entered or {})

    async def open_return(request: Request, dossier: str, session, who):
        """The dossier's latest return for the office's answer boxes; a dossier the person may not
        see is refused as a missing one (before anything of it is read)."""
        from services.review.actions import gate_answer
        may = await access_of(kit, request, dossier, session, who)
        if may.why_not("submit_version") is not None:
            return None
        answer = await run_in_threadpool(gate_answer, kit.services(), dossier)
        return answer.returned

    @router.get("/desk/submit")
    @kit.guarded
    async def submit_form(request: Request) -> Response:
        session, who = kit.signed_in(request)
        kit.allow(request, rules.may_submit(who), who, session)
        dossier = (request.query_params.get("dossier") or "").strip() or None
        return await submit_page(request, session, who, dossier=dossier)

    @router.post("/desk/submit")
    @kit.guarded
    async def submit(request: Request) -> Response:
        session, who = kit.signed_in(request)
        kit.allow(request, rules.may_submit(who), who, session)
        try:
            upload = await uploaded(request, session, who)
        except Refused as r:    # too large or unreadable: the form again, the reason at the top
            # No field was read: the dossier a resubmission was for comes from the form's address (the
            # dossier page's form names it there), so its return's answer boxes come back, not a new dossier's form.
            again_for = (request.query_params.get("dossier") or "").strip() or None
            return await submit_page(request, session, who, status_of(r.problem.code), refusal=list(r.problems),
                                     dossier=again_for)
        try:
            hint = (upload.fields.get("dossier") or "").strip() or None
            chosen = chosen_files(upload)
            again = dict(status=400, dossier=hint, chosen=chosen, entered=upload.fields)
            if not upload.files:
                return await submit_page(request, session, who, refusal=[problem(
                    "bundle_empty", "没有选择文件，请选择材料包或逐类选择文件后再提交")], **again)
            chosen_manifest(upload)
            if hint:            # a new version of a dossier: the same door as its page
                may = await access_of(kit, request, hint, session, who)
                kit.allow(request, may.why_not("submit_version"), who, session)
            answers = answer_lines(upload.fields)
            if answers:     # 修改说明 naming no reason of the return: refused before any work, the form again
                from services.dossiers.revision import check_answers
                from services.dossiers.revision import StaleAnswers
                written_for = (upload.fields.get("answers_for") or "").strip() or None     # the form's return
                try:
                    await run_in_threadpool(check_answers, kit.services(), who, hint, answers, written_for)
                except Refused as r:
                    if isinstance(r, StaleAnswers):     # typed for other reasons: not put in this return's boxes
                        again["entered"] = {k: v for k, v in upload.fields.items() if not k.startswith("answer_")}
                    return await submit_page(request, session, who, refusal=list(r.problems),
                                             **{**again, "status": 422})
            request_ = {"paths": [str(p) for p in upload.files], "actor": who.name, "dossier": hint,
                        "answers": answers}
            try:
                result, answer = await run_in_threadpool(kit.intake, request_)
            except Queued as q:     # a pool home: staged and recorded, a worker takes it in
                return kit.page(request, "desk_queued.html.j2", 202, who, session, queued=q.doc)
        finally:
            upload.discard()
        if not result.accepted:     # refused: the form again with the reason at the top and the files named
            return await submit_page(request, session, who, refusal=result.problems, **{**again, "status": 422})
        status = 200
        return kit.page(request, "desk_intake.html.j2", status, who, session, result=result, gate=answer,
                        meta_fields=meta_fields, actors=kit.actors, todo=OFFICE_TODO)

    @router.post("/desk/dossiers/{dossier_id}/attach")
    @kit.guarded
    async def attach(request: Request, dossier_id: str) -> Response:
        session, who = kit.signed_in(request)
        may = await access_of(kit, request, dossier_id, session, who)
        kit.allow(request, may.why_not("submit_version"), who, session)
        upload = await uploaded(request, session, who)
        try:
            role = (upload.fields.get("role") or "").strip()     # no default: the clerk says what the file is
            if role not in FILE_ROLE_NAMES:
                refuse(request, who, session, "manifest_invalid",
                       f"请选择材料类别（{'、'.join(FILE_ROLE_NAMES.values())}），文件没有上传，卷宗没有改变")
            if len(upload.files) != 1 or upload.files[0].suffix.lower() in (".zip", ".json"):
                refuse(request, who, session, "bundle_empty",
                       "请选择一个文件（docx 或图片）；整套材料请用“重新提交整套材料”")
            result, answer = await run_in_threadpool(kit.attach, dossier_id, upload.files[0], role, who.name)
        finally:
            upload.discard()
        return kit.page(request, "desk_attach.html.j2", 200 if result.accepted else 422, who, session,
                        result=result, gate=answer, role=role, dossier=dossier_id, meta_fields=meta_fields,
                        actors=kit.actors, todo=OFFICE_TODO)

    # ------------------------------------------------------------ a dossier

    @router.get("/desk/dossiers/{dossier_id}")
    @kit.guarded
    async def dossier(request: Request, dossier_id: str) -> Response:
        from services.review.actions import status as dossier_status
        session, who = kit.signed_in(request)
        may = await access_of(kit, request, dossier_id, session, who)
        svc = kit.services()
        st = await run_in_threadpool(dossier_status, svc, dossier_id)
        journal, returns = await run_in_threadpool(story, svc, st)
        office = rules.may_submit(who) is None and rules.same_unit(who.unit, st.drafting_unit)
        # 公开属性 unknown: the form to set it, for whom the rulebook allows (services/dossiers/disclosure.py)
        set_disclosure = any(b.code == "disclosure_unknown" for b in st.gate.blocking) and \
            rules.may_set_disclosure(who, st.drafting_unit, st.state) is None
        # 撤回公开 (services/dossiers/withhold.py): the form only for whom the rulebook allows, the record for all
        from services.dossiers.withhold import withheld_of
        withheld = await run_in_threadpool(withheld_of, svc, dossier_id)
        may_withhold = rules.may_withhold(who, st.state, withheld is not None) is None
        # 定时发布 and 主题分类 (desk/pages_release.py, issue 15)
        from desk.pages_release import release_panel, topic_panel
        release = await run_in_threadpool(release_panel, svc, dossier_id, who)
        topics = await run_in_threadpool(topic_panel, svc, dossier_id, who, st.drafting_unit, st.state)
        return kit.page(request, "desk_dossier.html.j2", 200, who, session, st=st, actors=kit.actors,
                        release=release, topics=topics,
                        journal=journal, returns=returns, may_edit=may.submit_version, may=may,
                        stage_names=stage_names(svc.config), people=people(svc.config),
                        todo=_todo(st.state) if office else {}, max_mb=kit.max_bytes // (1024 * 1024),
                        can_act=may.act, can_sign=may.sign_off, set_disclosure=set_disclosure,
                        withheld=withheld, may_withhold=may_withhold,
                        consultation=_major_decision(svc, st.kind))      # 征求意见 (desk/pages_consultation.py)

    # ------------------------------------------------------------ review queue

    @router.get("/desk/queue")
    @kit.guarded
    async def queue(request: Request) -> Response:
        session, who = kit.signed_in(request)
        svc = kit.services()
        kit.allow(request, rules.may_open_review_queue(who, svc.config.pipelines), who, session)
        items = await run_in_threadpool(waiting_for, svc, who)
        return kit.page(request, "desk_queue.html.j2", who=who, session=session, items=items)

    # ------------------------------------------------------------ sign-off

    async def signer(request: Request, dossier_id: str):
        session, who = kit.signed_in(request)
        kit.allow(request, rules.may_sign_off(who, ()), who, session)
        await entitled(kit, request, dossier_id, session, who)
        return session, who

    @router.get("/desk/dossiers/{dossier_id}/sign")
    @kit.guarded
    async def sign_form(request: Request, dossier_id: str) -> Response:
        from services.dossiers.explained import findings, summary_line
        from services.review.actions import gate_answer
        session, who = await signer(request, dossier_id)
        answer = await run_in_threadpool(gate_answer, kit.services(), dossier_id)
        found = await run_in_threadpool(findings, kit.services(), dossier_id)
        signing = await run_in_threadpool(_what_is_signed, kit.services(), dossier_id)
        return kit.page(request, "desk_sign.html.j2", who=who, session=session, gate=answer, actors=kit.actors,
                        consistency=found, consistency_line=summary_line(found), signing=signing)

    @router.post("/desk/dossiers/{dossier_id}/sign")
    @kit.guarded
    async def sign(request: Request, dossier_id: str) -> Response:
        from services.dossiers.explained import findings, summary_line
        from services.review.actions import gate_answer, record_sign_off
        session, who = await signer(request, dossier_id)
        fields = await kit.form_of(request, session, who)
        emergency = (fields.get("emergency_reason") or "").strip() or None
        from desk.pages_release import moment_field
        publish_at = moment_field(fields.get("publish_at"))       # 定时发布 (blank: at once)
        svc = kit.services()

        async def again(status: int, **ctx) -> Response:
            answer = await run_in_threadpool(gate_answer, svc, dossier_id)
            found = await run_in_threadpool(findings, svc, dossier_id)
            signing = await run_in_threadpool(_what_is_signed, svc, dossier_id)
            return kit.page(request, "desk_sign.html.j2", status, who, session, gate=answer, actors=kit.actors,
                            consistency=found, consistency_line=summary_line(found), signing=signing,
                            emergency_reason=emergency or "", **ctx)
        # A 定时发布 moment typed where the browser shows a plain text box, and not readable: never taken
        # as blank (that publishes at once), the form again.
        if publish_at is None and (fields.get("publish_at") or "").strip():
            return await again(400, form_error=f"定时发布的时间“{(fields.get('publish_at') or '').strip()[:30]}”无法识别，"
                                               "未签发：请写成 2026-12-10 09:00 这样的日期和时刻，或留空立即发布")
        # Irreversible and public: the signer confirms on the page, and the server insists on it.
        if (fields.get("confirm") or "") != SIGN_CONFIRM:
            return await again(400, form_error="签发后即同步发布，不能撤回：请先核对签发内容，勾选“我已核对，确认签发并同步发布”后再签发")
        # The version the page showed (its hidden field): a form kept open while a new version came in
        # and went through every stage signs nothing the signer did not see (record_sign_off refuses it).
        shown = (fields.get("version") or "").strip()
        if shown and not (shown.isascii() and shown.isdigit() and len(shown) <= 6):
            return await again(400, form_error="签发表单有误：请重新打开签发页面，核对签发内容后再签发")
        try:
            event = await run_in_threadpool(record_sign_off, svc, dossier_id, who.name, emergency, publish_at,
                                            int(shown) if shown else None)
        except Refused as r:
            # The checklist below already lists what is missing: the refusal names only what it does not.
            answer = await run_in_threadpool(gate_answer, svc, dossier_id)
            listed = {(b.code, b.message) for b in answer.blocking}
            rest = [p for p in r.problems if (p.code, p.message) not in listed]
            return await again(status_of(r.problem.code), refused=True, refusal=rest)
        published = await run_in_threadpool(kit.publish, dossier_id, who.name)
        if published.get("scheduled_at"):          # 定时发布: the moment as the signer reads it
            import datetime as _dt
            at = _dt.datetime.fromisoformat(str(published["scheduled_at"]))
            published = {**published, "scheduled_at_local": (at if at.tzinfo else at.replace(
                tzinfo=_dt.timezone.utc)).astimezone().strftime("%Y年%m月%d日 %H:%M")}
        return kit.page(request, "desk_signed.html.j2", 200 if published.get("published") or
                        published.get("scheduled_at") else 202 if published.get("queued") else 500, who, session,
                        event=event, published=published, dossier=dossier_id)

    # ------------------------------------------------------------ 公开属性 (services/dossiers/disclosure.py)

    @router.post("/desk/dossiers/{dossier_id}/disclosure")
    @kit.guarded
    async def disclosure(request: Request, dossier_id: str) -> Response:
        """Set the 公开属性 the policy's marking leaves unknown; the service asks the rulebook."""
        from fastapi.responses import RedirectResponse
        from services.dossiers.disclosure import set_disclosure
        session, who = kit.signed_in(request)
        await access_of(kit, request, dossier_id, session, who)      # not seen: 404, as a missing one
        fields = await kit.form_of(request, session, who)
        try:
            await run_in_threadpool(set_disclosure, kit.services(), dossier_id, (fields.get("value") or "").strip(),
                                    who.name, fields.get("ground"))
        except Refused as r:
            return kit.refused(request, list(r.problems), who, session)
        return RedirectResponse(f"/desk/dossiers/{dossier_id}#gate", status_code=303)

    # ------------------------------------------------------------ 撤回公开 (services/dossiers/withhold.py)

    @router.post("/desk/dossiers/{dossier_id}/withhold")
    @kit.guarded
    async def withhold(request: Request, dossier_id: str) -> Response:
        """Take a published document off every public output, with a reason; the service asks the
        rulebook (review.rules.may_withhold_with)."""
        from fastapi.responses import RedirectResponse
        from services.dossiers.withhold import withhold as withhold_dossier
        session, who = kit.signed_in(request)
        await access_of(kit, request, dossier_id, session, who)      # not seen: 404, as a missing one
        fields = await kit.form_of(request, session, who)
        try:
            await run_in_threadpool(withhold_dossier, kit.services(), dossier_id, fields.get("reason") or "",
                                    who.name)
        except Refused as r:       # a reason too short is the form's fault (400), as the pages answer
            return kit.refused(request, list(r.problems), who, session,
                               400 if r.problem.code == "request_invalid" else None)
        return RedirectResponse(f"/desk/dossiers/{dossier_id}#withheld", status_code=303)

    return router


def chosen_files(upload) -> list[dict]:
    """What the office chose, by name and the form field it came in (a refused form names them)."""
    from desk.forms import ROLE_FIELD
    out = []
    for path in upload.files:
        field = upload.file_fields.get(path, "")
        role = field[len(ROLE_FIELD):] if field.startswith(ROLE_FIELD) else None
        out.append({"name": path.name, "role": role})
    return out


def answer_lines(fields: dict[str, str]) -> list[str]:
    """The form's 修改说明 boxes (answer_N for reason N of the return) as “理由N=…” lines; empty
    boxes are left out (the reason shows as 未答复)."""
    out = []
    for key, value in sorted(fields.items()):
        n = key[len("answer_"):] if key.startswith("answer_") else ""
        if n.isdigit() and (value or "").strip():      # as typed: review.revision reads 理由N, refuses the rest
            out.append(f"理由{n}={value.strip()}")
    return out


def _todo(state: str) -> dict[str, str]:
    return {**OFFICE_TODO, "stage_not_approved": RETURNED_TODO} if state == "returned" else OFFICE_TODO


def story(svc, st) -> tuple[list[dict], list[dict]]:
    """The dossier's history in words, and its returns (newest first) with the version each returned."""
    stages = stage_names(svc.config)
    with svc.unit() as uow:
        events = [(e.name, e.actor, e.at, dict(e.payload)) for e in uow.audit.history(st.dossier)]
    version_of = {p.get("fingerprint"): p.get("version") for name, _, _, p in events if name == "dossier.submitted"}
    journal = [{"what": _words(name, p, stages), "who": _who(svc.config, actor), "at": _when(p.get("at"), at)}
               for name, actor, at, p in events]
    returns = [{"d": d, "stage": stages.get(d.stage, d.stage), "version": version_of.get(d.fingerprint),
                "at": _when(None, d.at)} for d in reversed(st.decisions) if d.verdict == "return"]
    return journal, returns


def _words(name: str, p: dict, stages: dict[str, str]) -> str:
    if name == "dossier.submitted":
        n = p.get("version")
        files = f"，{len(p.get('files') or {})} 个文件"
        return f"提交材料，形成第 {n} 版{files}" + ("（此前的审核随之失效）" if n and n > 1 else "")
    if name == "review.stage.decided":
        verdict = "通过" if p.get("verdict") == "approve" else "退回"
        text = f"{stages.get(p.get('stage'), p.get('stage'))}：{verdict}"
        text += f"（{p['comment']}）" if p.get("comment") else ""
        return text + (f"，意见书 {p['opinion_number']}" if p.get("opinion_number") else "")
    if name == "review.deliberation.recorded":        # 集体审议 (services/review/deliberation.py)
        from services.review.deliberation import meeting_words
        try:
            held = dt.date.fromisoformat(p.get("held_on") or "")
        except ValueError:
            held = None
        words = meeting_words(p.get("meeting") or "", p.get("session_number"), held) if held else p.get("meeting")
        return f"{'更正' if p.get('replaced') else '记录'}集体审议会议：{words}（第 {p.get('version')} 版）"
    if name == "dossier.disclosure_set":
        return f"确定公开属性为“{p.get('value')}”" + (f"（依据：{p['ground']}）" if p.get("ground") else "")
    if name == "dossier.kind_changed":                # 类别认定 answered by a resubmission (review/kinds.py)
        return f"第 {p.get('version')} 版改按{p.get('kind')}办理（原为{p.get('previous')}）"
    words = EVENT_WORDS.get(name, name)
    if name == "dossier.emergency_signed_off" and p.get("reason"):
        words += f"：{p['reason']}"
    if p.get("registration_number"):
        words += f"，登记号 {p['registration_number']}"
    return words


def _who(config, name: str) -> str:
    person = config.person(name)
    return f"{person.display or person.name}（{person.unit}）" if person else name


def _when(text: str | None, at: dt.datetime | None) -> str:
    try:
        moment = dt.datetime.fromisoformat(text) if text else at
        return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else ""
    except (TypeError, ValueError):
        return text or ""


SIGN_CONFIRM = "yes"            # the sign form's 我已核对，确认签发并同步发布 box: required here, not only in the page


def _what_is_signed(svc, dossier_id: str) -> dict:
    """What the signer signs, to check before an irreversible public release: the title, 文号, the
    version, the 合法性审核意见书 numbers and the 集体审议 decisions on this version (if any)."""
    from services.review.actions import status
    st = status(svc, dossier_id)
    names, known = {s.id: s.name for s in st.gate.stages}, people(svc.config)
    current = [d for d in st.decisions if d.fingerprint == st.gate.fingerprint and d.verdict == "approve"]
    return {"title": st.title, "doc_number": st.doc_number, "version": st.version, "kind": st.kind,
            "drafting_unit": st.drafting_unit,
            "opinions": [d.opinion_number for d in current if d.opinion_number],
            "deliberation": [{"stage": names.get(d.stage, d.stage), "actor": known.get(d.actor, d.actor), "at": d.at,
                              "comment": d.comment} for d in current if d.stage == "deliberation"],
            "meeting": _meeting(svc, dossier_id)}


def _meeting(svc, dossier_id: str) -> dict | None:
    """The 集体审议 record of the version signed (services/review/deliberation.py): meeting, 第N次,
    date, and the minutes' link; None when none was recorded."""
    from services.review.deliberation import deliberation_of
    found = deliberation_of(svc, dossier_id)
    return None if found is None else {"words": found.words, "minutes_name": found.minutes_name,
                                       "minutes_href": found.minutes_href,
                                       "recorded_by": people(svc.config).get(found.recorded_by, found.recorded_by)}


def _major_decision(svc, kind: str) -> bool:
    """Whether the dossier's kind needs public consultation (重大行政决策): the dossier page links to 征求意见."""
    from services.review.basics import pipeline_of
    return pipeline_of(svc.config, kind).major_decision
