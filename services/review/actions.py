"""Reads and decisions on a dossier: the gate's answer, status, reviews, sign-off.

None of this touches the workflow engine: people wait on these.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, NamedTuple

from pydantic import BaseModel, Field

from documents.problems import Refused, problem
from review import rules
from review.config import Config, Person
from review.decisions import Decide, DossierView, decide, retrospective_pending, sign_off
from review.gate import Blocking, active_stages, approved_stages, gate
from review.lifecycles import DOSSIER
from review.model import STATE_NAMES, Consultation, Reason, SignedOff, StageDecided, Version
from review.revision import Returned, returned_view, unanswered_warnings
from documents.problems import Problem
from services.home.context import Services
from services.review.basics import person, pipeline_for, pipeline_of, still_enabled, today  # noqa: F401  (callers import them from here)

if TYPE_CHECKING:
    from storage.tables import DossierRow
    from storage.unit import Unit


class StageStatus(BaseModel):
    id: str
    name: str
    roles: tuple[str, ...]
    approved: bool


class GateAnswer(BaseModel):
    dossier: str
    version: int
    fingerprint: str
    state: str
    ready: bool
    blocking: list[Blocking] = Field(default_factory=list)
    stages: list[StageStatus] = Field(default_factory=list)
    # After a return (review/revision.py): who returned it, when, the anchored reasons with their
    # answers; next_move says it is the drafting office's turn while the dossier waits on it.
    returned: Returned | None = None
    next_move: str | None = None
    warnings: list[Problem] = Field(default_factory=list)     # reason_unanswered: 未答复


def load(uow: Unit, dossier_id: str) -> tuple[DossierRow, DossierView]:
    """The dossier and what the rules read of it, or Refused(not_found) (review.rules.not_found)."""
    return uow.dossiers.view(dossier_id)


def consultation_of(uow: Unit, dossier_id: str) -> Consultation | None:
    return _consultation(uow.review.consultation(dossier_id))


def _consultation(row) -> Consultation | None:
    if row is None:
        return None
    return Consultation(opens=row.opens, closes=row.closes, summary_published=row.summary_published_at is not None)


class Many(NamedTuple):
    """What the gate reads of many dossiers, read at once (`load_many`): the review queue, 待签发 and the
    deadline check read every open dossier, and a handful of queries per dossier made those pages
    take seconds once a province had a few thousand open."""
    rows: list[DossierRow]
    views: dict[str, DossierView]
    decisions: dict[str, list[StageDecided]]
    consultations: dict[str, Consultation | None]
    arrivals: dict[str, dt.datetime]          # when each one's current version was submitted
    today: dt.date


def load_many(uow: Unit, svc: Services, found: list[DossierRow]) -> Many:
    ids = [r.id for r in found]
    consultations = uow.review.consultations_of(ids)
    return Many(rows=found, views=uow.dossiers.views_of(found), decisions=uow.dossiers.decisions_of(ids),
                consultations={d: _consultation(consultations.get(d)) for d in ids},
                arrivals=uow.review.arrivals_of({r.id: r.current_version for r in found}), today=today(svc))


def answer_of(uow: Unit, svc: Services, row: DossierRow, many: Many) -> GateAnswer:
    """answer_in() for one of the dossiers `many` holds, from what was read at once (the same answer)."""
    view, decisions = many.views[row.id], many.decisions[row.id]
    answer = _answer(svc.config, view, decisions, many.today, many.consultations[row.id], _disclosure_set(row))
    return with_return(uow, answer, view, decisions, svc.config)


def _answer(config: Config, view: DossierView, decisions: list[StageDecided], today: dt.date,
            consultation: Consultation | None = None, disclosure_set: str | None = None) -> GateAnswer:
    version: Version = view.current
    pipeline = pipeline_for(config, version)
    blocking = gate(version, decisions, pipeline, consultation=consultation, today=today, units=config.unit_book,
                    disclosure_set=disclosure_set)
    ok = approved_stages(version, decisions, pipeline.stages)
    stages = [StageStatus(id=s.id, name=s.name, roles=s.roles, approved=s.id in ok)
              for s in active_stages(pipeline, version)]
    return GateAnswer(dossier=view.id, version=version.number, fingerprint=version.fingerprint,
                      state=view.state, ready=not blocking, blocking=blocking, stages=stages)


def answer_in(uow: Unit, svc: Services, view: DossierView) -> GateAnswer:
    inputs = _gate_inputs(uow, svc, view.id)
    return with_return(uow, _answer(svc.config, view, *inputs), view, inputs[0], svc.config)


def with_return(uow: Unit, answer: GateAnswer, view: DossierView, decisions: list[StageDecided],
                config: Config | None = None) -> GateAnswer:
    """The answer with the latest return, its reasons beside their answers, and whose move it is."""
    if not any(d.verdict == "return" for d in decisions):
        return answer
    returned = returned_view(decisions, uow.dossiers.revision_notes(view.id), view.state)
    if returned is not None and config is not None and (who := config.person(returned.by)) is not None:
        returned = returned.model_copy(update={"by_display": who.display or who.name})
    return answer.model_copy(update={"returned": returned, "next_move": returned.next_move if returned else None,
                                     "warnings": unanswered_warnings(returned)})


def _gate_inputs(uow: Unit, svc: Services, dossier_id: str) -> tuple:
    """What the gate reads besides the dossier view: (decisions, today, consultation, disclosure set)."""
    return (uow.dossiers.decisions(dossier_id), today(svc), consultation_of(uow, dossier_id),
            disclosure_set_by_person(uow, dossier_id))


def disclosure_set_by_person(uow: Unit, dossier_id: str) -> str | None:
    """The 公开属性 a person set for the dossier (services/dossiers/disclosure.py); None when it is read from
    the policy's own marking (dossiers.disclosure_by is NULL)."""
    return _disclosure_set(uow.dossiers.get(dossier_id))


def _disclosure_set(row: DossierRow | None) -> str | None:
    return row.disclosure if row is not None and row.disclosure_by else None


def gate_answer(svc: Services, dossier_id: str) -> GateAnswer:
    with svc.reading() as uow:
        _, view = load(uow, dossier_id)
        return answer_in(uow, svc, view)


class Status(BaseModel):
    dossier: str
    title: str
    doc_number: str | None
    kind: str
    drafting_unit: str
    state: str
    state_name: str
    version: int
    gate: GateAnswer
    files: list[dict]
    decisions: list[StageDecided]
    history: list[dict]
    emergency_reason: str | None = None    # signed off without its stages: needs retrospective review
    retrospective_pending: list[str] = []  # the skipped stages not yet reviewed after the fact


def status(svc: Services, dossier_id: str) -> Status:
    with svc.reading() as uow:
        row, view = load(uow, dossier_id)
        decisions = uow.dossiers.decisions(dossier_id)
        answer = answer_in(uow, svc, view)
        files = [{"name": f.name, "role": f.role, "sha256": f.sha256, "size": f.size}
                 for f in view.current.files]
        history = [{"seq": e.seq, "event": e.name, "actor": e.actor, "at": e.payload.get("at")}
                   for e in uow.audit.history(dossier_id)]
        return Status(dossier=row.id, title=row.title, doc_number=row.doc_number, kind=row.kind,
                      drafting_unit=row.drafting_unit, state=row.state,
                      state_name=STATE_NAMES.get(row.state, row.state), version=row.current_version,
                      gate=answer, files=files, decisions=decisions, history=history,
                      emergency_reason=row.emergency_reason,
                      retrospective_pending=retrospective_pending(view, pipeline_for(svc.config, view.current),
                                                                  decisions))


def record_decision(svc: Services, dossier_id: str, stage: str, verdict: str, comment: str,
                    actor_name: str, reasons: list[str] = (), version: int | None = None) -> tuple[StageDecided, GateAnswer]:
    """`reasons`: texts like “一、（二）：表述不清” or “解读：问3：…”, anchored to provisions. `version`: the
    version the reviewer read (the review page's form); another current version is refused, in the
    deciding transaction, never decided unread (nor reasons anchored in one version recorded on another)."""
    from services.review.opinions import anchor_reasons     # reads docx: only decisions with reasons pay for it
    actor = person(svc.config, actor_name)
    anchored = anchor_reasons(svc, dossier_id, list(reasons), actor, stage)   # the person is checked first
    done = svc.retrying(lambda: _record_decision(svc, dossier_id, stage, verdict, comment, actor, anchored,
                                                 version))
    if done[0].verdict == "approve":
        # a review owed after an emergency sign-off: its public pages say what is still owed
        from services.publication.publish import refresh_emergency_pages
        refresh_emergency_pages(svc, dossier_id)
    return done


def _record_decision(svc: Services, dossier_id: str, stage: str, verdict: str, comment: str,
                     actor: Person, reasons: tuple[Reason, ...], version: int | None = None) -> tuple[StageDecided, GateAnswer]:
    with svc.unit() as uow:
        still_enabled(uow, actor)       # disabled since this process read its people: refused
        row, view = load(uow, dossier_id)
        pipeline = pipeline_for(svc.config, view.current)
        if refusal := rules.may_see(actor, dossier_id, row.drafting_unit, row.state, pipeline, view.current):
            raise Refused(refusal)      # a stranger learns nothing, not even the drafting unit
        if version is not None and version != view.current.number:
            raise Refused(problem("invalid_state", f"审阅期间卷宗已更新为第 {view.current.number} 版，请重新审阅后再提交"))
        # Every read first, so that while a legality opinion's number (a counter row's lock) is held
        # only the decisions are read again, for the gate after this one.
        decisions, on, consultation, disclosure = _gate_inputs(uow, svc, dossier_id)
        event, next_state = decide(Decide(stage=stage, verdict=verdict, comment=comment, actor=actor,
                                          reasons=reasons),
                                   view, pipeline, decisions, svc.now())
        # 集体审议 with a meeting_record stage: approved only with the version's meeting record (issue 14).
        spec = next((s for s in pipeline.stages if s.id == event.stage), None)
        if spec is not None and (refusal := rules.deliberation_record_problem(
                spec, event.verdict, uow.deliberations.for_version(dossier_id, view.current.number) is not None)):
            raise Refused(refusal)
        decided = uow.dossiers.add_decision(event)
        row.state, row.updated_at = next_state, event.at
        view = view.model_copy(update={"state": next_state})
        after = uow.dossiers.decisions(dossier_id)
        answer = with_return(uow, _answer(svc.config, view, after, on, consultation, disclosure), view, after,
                             svc.config)
        # Who acts next is told, in this transaction (services/review/notify.py); mail goes after the commit.
        from services.review.notify import after_decision
        after_decision(uow, svc, row, view, event, gate_open=answer.ready)
        if stage == "legality":
            # Last: the opinion's number (a counter row's lock, held until the commit) is taken after
            # every read; only the number put in, the docx stored and the rows written follow it.
            from services.review.opinions import attach_opinion
            event, decided.opinion_sha256 = attach_opinion(svc, uow, row, event)
            decided.opinion_number = event.opinion_number
        uow.audit.append(event)
    return event, answer


def record_sign_off(svc: Services, dossier_id: str, actor_name: str,
                    emergency_reason: str | None = None, publish_at: dt.datetime | None = None,
                    version: int | None = None) -> SignedOff:
    """Sign off when the gate is open, writing the publish job in the same transaction; the caller
    then runs that job (a flow), and the sweep does if the caller dies first. `publish_at`: 定时发布,
    the job waits for that moment (services/publication/schedule.py). `version`: the version the
    signer was shown (the sign page's form); another current version is refused, never signed unseen."""
    actor = person(svc.config, actor_name)
    return svc.retrying(lambda: _record_sign_off(svc, dossier_id, actor, emergency_reason, publish_at, version))


def _record_sign_off(svc: Services, dossier_id: str, actor: Person, emergency_reason: str | None,
                     publish_at: dt.datetime | None = None, version: int | None = None) -> SignedOff:
    with svc.unit() as uow:
        still_enabled(uow, actor)       # disabled since this process read its people: refused
        row, view = load(uow, dossier_id)
        if refusal := rules.may_see(actor, dossier_id, row.drafting_unit, row.state,
                                    pipeline_for(svc.config, view.current), view.current):
            raise Refused(refusal)      # before "already signed": a stranger learns nothing of the dossier
        if row.state in rules.SIGNED_STATES:
            raise Refused(problem("invalid_state", f"卷宗 {dossier_id} 已于此前签发"))
        if version is not None and version != view.current.number:
            raise Refused(problem("invalid_state", f"签发页面显示的是第 {version} 版，卷宗 {dossier_id} 现为第 "
                                                   f"{view.current.number} 版：请重新核对签发内容后再签发"))
        answer = answer_in(uow, svc, view)
        event = sign_off(actor, view, answer.blocking, svc.now(), emergency_reason,
                         pipeline=pipeline_for(svc.config, view.current))
        row.state, row.updated_at = DOSSIER.step(row.state, "sign_off"), event.at
        if emergency_reason is not None:
            row.emergency_reason = event.reason
        uow.audit.append(event)
        # The outbox (storage/jobs.py): the publication it starts, in the same transaction, so a
        # sign-off is never committed without it; any worker or the sweep runs it.
        uow.jobs.add("publish", dossier_id, view.current.fingerprint, event.at, actor=actor.name)
        if publish_at is not None:          # 定时发布: the job waits for its moment (checked: one to come)
            from services.publication.schedule import schedule_at_sign_off
            schedule_at_sign_off(uow, dossier_id, view.current.fingerprint, publish_at, actor.name, event.at)
    return event
