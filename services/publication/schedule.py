"""定时发布 (issue 15, item 1): a signed dossier's web release at a moment to come.

The gazette's scheduled release (services/gazette/release.py) is the model: the decision commits
first (here: the publish job of the sign-off, with its moment in jobs.not_before, and an audited
event), the pages are built at once, checked, stored and fingerprinted (kept on the job's row), and
nothing is public before the moment: the publish job is not claimed before it (storage/jobs.py), and
the publication asks review.rules.is_public with the moment (services/publication/publish.py
`checked`). At the moment the desk's clock, the scheduled check or `lockstep publish --pending` runs
the job: only the numbers are taken then (register, 索引号), put into the prepared pages, which are
stored and shown after the commit, as any publication. Before the moment a signer may cancel it with
a reason (the job is held, audited); the dossier stays signed off until a signer schedules it again
or publishes it (`lockstep publish D`).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import ClassVar

from pydantic import BaseModel

from documents.problems import Problem, Refused, problem
from documents.shown import echoed
from review import rules
from review.lifecycles import WEB_RELEASE
from review.model import Event
from services.home.context import Services
from services.publication.publish import (KIND, PublicationPrepared, PublicationResult, aware, local_time,
                                          moment_of, publish)
from services.review.basics import person, pipeline_for
from storage.jobs import Job


class PublicationScheduled(Event):
    name: ClassVar[str] = "publication.scheduled"
    fingerprint: str
    moment: dt.datetime


class PublicationScheduleCancelled(Event):
    name: ClassVar[str] = "publication.schedule_cancelled"
    fingerprint: str
    moment: dt.datetime
    reason: str


class ReleaseState(BaseModel):
    dossier: str
    state: str                       # review/lifecycles.py WEB_RELEASE
    state_name: str
    moment: dt.datetime | None = None
    note: str | None = None          # why it is held (a cancelled schedule's reason), or a failure


def release_state(dossier_state: str, job: Job | None) -> str:
    """Where a signed dossier's web release is (WEB_RELEASE), from the dossier and its publish job."""
    if dossier_state in rules.PUBLISHED_STATES:
        return "released"
    if job is None or job.status == "failed":
        return "held"
    if job.status == "pending" and job.not_before is not None:
        return "scheduled"
    return "releasing"


def _pipeline(svc: Services, row, version):
    """The pipeline the dossier's door reads (rules.may_see asks which of its stages this version passes)."""
    return pipeline_for(svc.config, version) if version is not None else svc.config.pipeline(row.kind)


def _job_of(uow, dossier_id: str):
    row = uow.dossiers.require(dossier_id)
    version = uow.dossiers.version(dossier_id, row.current_version)
    return row, version, uow.jobs.find(KIND, dossier_id, version.fingerprint)


# 定时发布's and 定时出版's moment as people and clients write it (one reader: the CLI's --publish-at and
# --at, cli/gazette_cmds.py parse_moment, and the API's publish_at, desk/api.py). A date, then a time of
# day; the time may be left out (00:00) and may carry an offset (ISO 8601: 2026-12-10T09:00:00+08:00).
_MOMENT = re.compile(r"^\s*(\d{4})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?)"
                     r"(?:(?:\s*[Tt]\s*|\s+|(?<=日))(\d{1,2})\s*[:：时点]\s*(\d{2})\s*分?(?::(\d{2})(?:\.(\d{1,6}))?)?"
                     r"\s*([Zz]|[+-]\d{2}:?\d{2})?)?\s*$")
MOMENT_FORMS = "2026-12-10 09:00、2026年12月10日 9:00、2026-12-10T09:00:00+08:00 或只写日期（当日 0:00）"


def read_moment(value: str) -> dt.datetime:
    """A moment written as MOMENT_FORMS says: a date (2026-12-10, 2026/12/10, 2026年12月10日) alone is
    00:00 local time; with a time of day (9:00, 09:00:00.5) it is local time unless an offset or Z is
    given. Refused(request_invalid) for anything else; whether it is still to come is check_moment's."""
    text = str(value).translate(str.maketrans("０１２３４５６７８９：－／", "0123456789:-/"))
    m = _MOMENT.match(text)
    if not m:
        raise Refused(problem("request_invalid", f"{echoed(value)} 不是可识别的时间（可写作 {MOMENT_FORMS}）", advice=""))
    year, month, day = int(m[1]), int(m[2] or m[4]), int(m[3] or m[5])
    hour, minute, second = int(m[6] or 0), int(m[7] or 0), int(m[8] or 0)
    micro = int((m[9] or "0").ljust(6, "0"))
    zone = None
    if m[10]:
        if m[10] in "Zz":
            zone = dt.timezone.utc
        else:
            digits = m[10][1:].replace(":", "")
            hours, minutes = int(digits[:2]), int(digits[2:])
            if hours > 23 or minutes > 59:
                raise Refused(problem("request_invalid", f"没有这个时差：{m[10]}", advice=""))
            sign = -1 if m[10][0] == "-" else 1
            zone = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    try:
        return dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)
    except ValueError:
        raise Refused(problem("request_invalid", f"没有这个时刻：{echoed(value)}", advice="")) from None


def check_moment(at: dt.datetime, now: dt.datetime) -> dt.datetime:
    """The moment in UTC (a naive one is local time); a moment passed, one this clock cannot place or
    one beyond rules.RELEASE_HORIZON_YEARS is refused (rules.release_moment, release_moment_problem)."""
    moment = rules.release_moment(at)      # None: year 1 or 9999 and an offset, no such moment here
    if moment is None:
        raise Refused(problem("request_invalid", f"定时发布的时间 {at.isoformat()} 超出可用范围，请填写将来的时间"))
    if moment <= now:
        raise Refused(problem("request_invalid", f"定时发布的时间 {local_time(moment)} 已过，"
                                                 "请填写将来的时间（不定时则签发后立即发布）"))
    if far := rules.release_moment_problem(moment, now):
        raise Refused(far)
    return moment


def schedule(svc: Services, dossier_id: str, at: dt.datetime, actor: str) -> PublicationResult:
    """定时发布 (or a new moment for one): a signer, a signed dossier not yet public, a moment to come.
    The pages are built, checked and stored at once (`prepare`)."""
    who = person(svc.config, actor)

    def decide() -> None:
        with svc.unit() as uow:
            row, version, job = _job_of(uow, dossier_id)
            if refusal := (rules.may_see(who, dossier_id, row.drafting_unit, row.state, _pipeline(svc, row, version),
                                         version)
                           or rules.may_sign_off(who, uow.dossiers.submitters(dossier_id))):
                raise Refused(refusal)
            if refusal := WEB_RELEASE.refusal(release_state(row.state, job), "schedule"):
                raise Refused(refusal)
            now = uow.now()
            moment = check_moment(at, now)
            if job is not None and job.status == "pending" and job.not_before is not None \
                    and aware(job.not_before) == moment:
                return              # the same moment again (a double click): nothing changes, nothing recorded
            if job is None:         # signed off before the outbox
                uow.jobs.add(KIND, dossier_id, version.fingerprint, now, actor)
            if uow.jobs.schedule(KIND, dossier_id, version.fingerprint, moment) is None:
                raise Refused(problem("invalid_state", f"卷宗 {dossier_id} 正在发布，不能再定时"))
            uow.audit.append(PublicationScheduled(dossier_id=dossier_id, actor=actor, at=now,
                                                  fingerprint=version.fingerprint, moment=moment))
    svc.retrying(decide)
    return publish(svc, dossier_id, actor)


def schedule_at_sign_off(uow, dossier_id: str, fingerprint: str, at: dt.datetime, actor: str,
                         now: dt.datetime) -> dt.datetime:
    """In the sign-off's transaction (services/review/actions.py): its publish job waits for `at`."""
    moment = check_moment(at, now)
    uow.jobs.schedule(KIND, dossier_id, fingerprint, moment)
    uow.audit.append(PublicationScheduled(dossier_id=dossier_id, actor=actor, at=now, fingerprint=fingerprint,
                                          moment=moment))
    return moment


def cancel(svc: Services, dossier_id: str, reason: str, actor: str) -> ReleaseState:
    """取消定时发布: before its moment, by a signer, with a reason (audited). The dossier stays signed
    off and its job held: nothing is published until a signer schedules it again or publishes it.
    Of two cancels at once one holds the job (one conditional write, storage/jobs.py hold); the
    others are told what did happen, read again after the lost write (_cancel_lost): cancelled
    already, and by whom, or being published, or published."""
    who = person(svc.config, actor)

    def work() -> ReleaseState | None:
        with svc.unit() as uow:
            row, version, job = _job_of(uow, dossier_id)
            if refusal := (rules.may_see(who, dossier_id, row.drafting_unit, row.state, _pipeline(svc, row, version),
                                         version)
                           or rules.may_sign_off(who, uow.dossiers.submitters(dossier_id))):
                raise Refused(refusal)
            if refusal := WEB_RELEASE.refusal(release_state(row.state, job), "cancel"):
                raise Refused(_cancel_lost(uow, dossier_id, row, version, job) or refusal)
            if refusal := rules.cancel_reason_problem(reason):
                raise Refused(refusal)
            now, moment = uow.now(), moment_of(job)
            if moment <= now:
                raise Refused(problem("invalid_state", f"卷宗 {dossier_id} 定时发布的时间 {local_time(moment)} 已到，"
                                                       "不能再取消"))
            # The held job's note, as the dossier page and `lockstep due` show it (the detail alone).
            why = Problem(code="invalid_state", message=f"定时于 {local_time(moment)} 的发布已由 {actor} 取消，理由："
                          f"{reason.strip()}；须由签发人重新定时（lockstep publish schedule）或发布（lockstep publish）")
            if uow.jobs.hold(KIND, dossier_id, version.fingerprint, why) is None:
                return None         # another writer got there first: what it did is read afresh below
            uow.audit.append(PublicationScheduleCancelled(dossier_id=dossier_id, actor=actor, at=now,
                                                          fingerprint=version.fingerprint, moment=moment,
                                                          reason=reason.strip()))
            return ReleaseState(dossier=dossier_id, state="held", state_name=WEB_RELEASE.states["held"],
                                moment=None, note=why.message)

    def lost() -> Problem:
        with svc.unit() as uow:
            row, version, job = _job_of(uow, dossier_id)
            state = release_state(row.state, job)
            return (_cancel_lost(uow, dossier_id, row, version, job)
                    or WEB_RELEASE.refusal(state, "cancel")
                    or problem("invalid_state", f"卷宗 {dossier_id} 的定时发布正被同时更改，请稍后再试", advice=""))
    if (done := svc.retrying(work)) is not None:
        return done
    raise Refused(svc.retrying(lost))


def _cancel_lost(uow, dossier_id: str, row, version, job: Job | None) -> Problem | None:
    """Why a cancel finds no scheduled release to cancel, in words for what did happen (None: the
    rulebook's own words fit: it was never scheduled, or its publication failed)."""
    state = release_state(row.state, job)
    if state == "released":
        return problem("invalid_state", f"卷宗 {dossier_id} 已发布，不能再取消", advice="")
    if state == "releasing":
        return problem("invalid_state", f"卷宗 {dossier_id} 正在发布，不能再取消", advice="")
    if state == "scheduled":
        return problem("invalid_state", f"卷宗 {dossier_id} 的定时发布已被取消并重新定时（现定于 "
                                        f"{local_time(moment_of(job))}），请确认后再决定是否取消", advice="")
    # held: by a cancel when the version's latest schedule event is a cancellation
    last = next((e for e in reversed(uow.audit.history(dossier_id))
                 if e.name in (PublicationScheduled.name, PublicationScheduleCancelled.name)
                 and (e.payload or {}).get("fingerprint") == version.fingerprint), None)
    if last is None or last.name != PublicationScheduleCancelled.name:
        return None
    return problem("invalid_state", f"卷宗 {dossier_id} 的定时发布已被取消（{last.actor} 于 {local_time(aware(last.at))} "
                                    f"取消定时发布，理由：{(last.payload or {}).get('reason', '')}），现待签发人重新定时或发布",
                   advice="")


def state_of(svc: Services, dossier_id: str) -> ReleaseState | None:
    """The web release's state of a signed dossier (None before sign-off)."""
    with svc.unit() as uow:
        row = uow.dossiers.get(dossier_id)
        if row is None or row.state not in rules.SIGNED_STATES:
            return None
        version = uow.dossiers.version(dossier_id, row.current_version)
        job = uow.jobs.find(KIND, dossier_id, version.fingerprint)
    state = release_state(row.state, job)
    return ReleaseState(dossier=dossier_id, state=state, state_name=WEB_RELEASE.states[state],
                        moment=moment_of(job) if state == "scheduled" else None,
                        note=(job.last_error or {}).get("message") if job is not None and state == "held" else None)


def publish_due(svc: Services, actor: str = "lockstep") -> list[dict]:
    """Every scheduled release whose moment has come, published now (the desk's clock calls this every
    half minute; `lockstep publish --pending` and the scheduled check reach them through the sweep). A
    job whose worker died mid-way is claimed again (storage/jobs.py claim), one held by a live worker
    is left to it."""
    from services.publication.publish import _claim, _run
    with svc.unit() as uow:
        now = uow.now()
        due = [j.dossier_id for j in uow.jobs.pending(KIND)
               if j.status in ("pending", "claimed") and (m := moment_of(j)) is not None and m <= now]
    out = []
    for dossier_id in due:
        try:
            jobs = svc.retrying(lambda d=dossier_id: _claim(svc, dossier_id=d, limit=1))
            if jobs:
                out.append(_run(svc, dossier_id, jobs[0].actor or actor, jobs[0]).model_dump(mode="json"))
        except Refused as r:
            out.append({"dossier": dossier_id, "published": False,
                        "problems": [p.model_dump(mode="json") for p in r.problems]})
    return out
