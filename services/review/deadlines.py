"""Deadlines on the working-day clock: legality review, comment periods, filing after publication."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pydantic import BaseModel

from review.rules import OPEN_STATES
from review.clock import Deadline, Period, WorkCalendar, add_period, status_on
from review.gate import active_stages, approved_stages, prerequisites
from services.home.context import Services
from services.review.actions import Many, load_many
from services.review.basics import pipeline_for, today
from storage.tables import DossierRow, ReminderRow

if TYPE_CHECKING:
    from storage.unit import Unit

KIND_NAMES = {"legality_review": "合法性审核期限", "consultation": "征求意见期", "filing": "报备期限",
              "retrospective": "紧急签发事后补审", "evaluation": "有效期届满前评估", "expiry": "有效期届满",
              "publication": "待发布", "gazette_release": "待出版公报", "gazette_scheduled": "定时出版"}
# A register entry's evaluation is listed from a month before it is due, its expiry from the day
# the evaluation falls due (six months before): five years of "ok" rows would bury the due list.
EVALUATION_NOTICE = dt.timedelta(days=30)
STATUS_NAMES = {"ok": "未到期", "due_soon": "即将到期", "due_today": "今日到期", "overdue": "已逾期"}


class Due(BaseModel):
    kind: str
    kind_name: str
    dossier: str
    title: str
    start: dt.date
    due: dt.date
    period: str
    status: str
    status_name: str
    estimated: bool = False
    note: str | None = None
    message: str


def _due(kind: str, row_id: str, title: str, deadline: Deadline, on: dt.date, what: str,
         calendar: WorkCalendar | None = None) -> Due:
    status = status_on(deadline, on, calendar)
    return Due(kind=kind, kind_name=KIND_NAMES[kind], dossier=row_id, title=title, start=deadline.start,
               due=deadline.due, period=deadline.period.describe(), status=status,
               status_name=STATUS_NAMES[status], estimated=deadline.estimated, note=deadline.note,
               message=f"{what}，期限 {deadline.due:%Y-%m-%d}（{STATUS_NAMES[status]}）")


def compute(svc: Services, on: dt.date | None = None) -> list[Due]:
    on = on or today(svc)
    clocks = svc.config.clocks
    out: list[Due] = []
    with svc.unit() as uow:
        many = load_many(uow, svc, uow.dossiers.in_states(OPEN_STATES))
        for row in many.rows:
            if (d := legality_due(uow, svc, row, on, many)) is not None:
                out.append(d)
        for row in uow.review.emergency_signed():
            pending = _retrospective(uow, svc, row)
            if pending:
                d = add_period(pending[0], Period.parse(clocks.legality_review), svc.config.calendar)
                out.append(_due("retrospective", row.id, row.title, d, on,
                                f"紧急签发待事后补审：{'、'.join(pending[1])}", svc.config.calendar))
        for c, row in uow.review.open_consultations():
            d = Deadline(start=c.opens, due=c.closes, period=Period(amount=(c.closes - c.opens).days + 1, unit="days"))
            what = "征求意见期结束，意见采纳情况待公布" if on > c.closes else "征求意见期进行中"
            out.append(_due("consultation", row.id, row.title, d, on, what, svc.config.calendar))
        # 备案 runs from publication: a 待施行 document is filed within 30 days too.
        for e in uow.review.entries_to_file():
            d = add_period(e.published_at.astimezone().date(), Period.parse(clocks.filing), svc.config.calendar)
            out.append(_due("filing", e.dossier_id, e.title, d, on, f"{e.registration_number} 待向上级报备",
                            svc.config.calendar))
        out += _register_dues(uow, on)
        out += _publications_waiting(uow, on)
        out += _gazette_waiting(uow, on)
    return sorted(out, key=lambda x: (x.due, x.kind, x.dossier))


def _publications_waiting(uow: Unit, on: dt.date) -> list[Due]:
    """Signed off, publication not done (the outbox, storage/jobs.py): due at once, from its sign-off.
    The sweep (lockstep publish --pending, the desk's start, the scheduled check) publishes them;
    one that failed waits for a person, with its problem."""
    out = []
    for job in uow.jobs.pending("publish"):
        row = uow.dossiers.get(job.dossier_id)
        since = job.created_at.astimezone()
        note = f"待发布：卷宗 {job.dossier_id}，签发于 {since:%Y-%m-%d %H:%M} 起等待"
        if job.status == "pending" and job.not_before is not None:     # 定时发布 (services/publication/schedule.py)
            at = (job.not_before if job.not_before.tzinfo else job.not_before.replace(tzinfo=dt.timezone.utc)).astimezone()
            note = (f"定时发布：卷宗 {job.dossier_id} 将于 {at:%Y-%m-%d %H:%M} 公开"
                    f"（公开前可取消：lockstep publish cancel {job.dossier_id} --reason 理由）")
            d = Deadline(start=since.date(), due=at.date(), period=Period(amount=0, unit="days"))
            due = _due("publication", job.dossier_id, row.title if row else job.dossier_id, d, on, note)
            out.append(due.model_copy(update={"note": note, "period": "定时发布"}))
            continue
        if job.status == "claimed":
            note += f"（{job.status_name}：{job.claimed_by}，{job.claimed_at.astimezone():%H:%M} 起）"
        elif job.status == "failed" and job.last_error:
            note += f"（{job.status_name}：{job.last_error.get('code')}，{job.last_error.get('message', '')}）"
        elif job.last_error:
            note += f"（已尝试 {job.attempts} 次，上次：{job.last_error.get('code')}）"
        d = Deadline(start=since.date(), due=since.date(), period=Period(amount=0, unit="days"))
        due = _due("publication", job.dossier_id, row.title if row else job.dossier_id, d, on, note)
        out.append(due.model_copy(update={"note": note, "period": "签发后即时发布"}))
    return out


def _gazette_waiting(uow: Unit, on: dt.date) -> list[Due]:
    """A release decided and not yet carried out (the outbox's gazette_release job: the sweep does
    it), and an issue scheduled for a moment still to come (public then, cancellable until then)."""
    out = []
    for job in uow.jobs.pending("gazette_release"):
        since = job.created_at.astimezone()
        note = f"待出版：公报 {job.dossier_id}，{since:%Y-%m-%d %H:%M} 决定出版起等待"
        if job.status == "failed" and job.last_error:
            note += f"（{job.status_name}：{job.last_error.get('code')}，{job.last_error.get('message', '')}）"
        d = Deadline(start=since.date(), due=since.date(), period=Period(amount=0, unit="days"))
        due = _due("gazette_release", job.dossier_id, f"公报 {job.dossier_id}", d, on, note)
        out.append(due.model_copy(update={"note": note, "period": "决定后即时出版"}))
    for issue in uow.gazette.issues():
        if issue.status != "scheduled" or issue.released_at is None:
            continue
        at = issue.released_at
        moment = (at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)).astimezone()   # SQLite drops the zone
        note = f"定时出版：公报 {issue.id} 将于 {moment:%Y-%m-%d %H:%M} 公开（此前可取消）"
        d = Deadline(start=on, due=max(on, moment.date()), period=Period(amount=0, unit="days"))
        due = _due("gazette_scheduled", issue.id, f"公报 {issue.id}", d, on, note)
        out.append(due.model_copy(update={"note": note, "period": "定时"}))
    return out


def _register_dues(uow: Unit, on: dt.date) -> list[Due]:
    """Evaluation six months before validity ends, and the end itself, for entries still in force."""
    from publishing import register_rules as rules
    from services.register.life import dates_of
    out = []
    for e in uow.review.entries_in(rules.IN_FORCE):
        effective, until = dates_of(e)
        evaluation = rules.evaluation_due(until)
        if on >= evaluation - EVALUATION_NOTICE:
            d = Deadline(start=effective, due=evaluation, period=Period(amount=(evaluation - effective).days,
                                                                       unit="days"))
            out.append(_due("evaluation", e.dossier_id, e.title, d, on,
                            f"{e.registration_number} 有效期至 {until:%Y-%m-%d}，须在届满前六个月评估"))
        if on >= evaluation:
            d = Deadline(start=effective, due=until, period=Period(amount=(until - effective).days, unit="days"))
            out.append(_due("expiry", e.dossier_id, e.title, d, on,
                            f"{e.registration_number} 有效期届满，届满后将标记为已失效"))
    return out


def legality_due(uow: Unit, svc: Services, row: DossierRow, on: dt.date, many: Many | None = None) -> Due | None:
    """The legality review's deadline while its clock runs (the review queue shows it too); `many`:
    what was read of many dossiers at once (services.review.actions.load_many), holding this one."""
    start = _legality_start(uow, svc, row, many)
    if start is None:
        return None
    d = add_period(start, Period.parse(svc.config.clocks.legality_review), svc.config.calendar)
    return _due("legality_review", row.id, row.title, d, on, "合法性审核待办结", svc.config.calendar)


def _legality_start(uow: Unit, svc: Services, row: DossierRow, many: Many | None) -> dt.date | None:
    """The legality clock starts when the dossier reaches the reviewers: its version's arrival, or
    the approval of the stages before legality, whichever is later. None when not running."""
    if many is not None:
        version, decisions = many.views[row.id].current, many.decisions[row.id]
    else:
        version, decisions = uow.dossiers.version(row.id, row.current_version), uow.dossiers.decisions(row.id)
    pipeline = pipeline_for(svc.config, version)
    stages = active_stages(pipeline, version)
    legality = next((x for x in stages if x.id == "legality"), None)
    done = approved_stages(version, decisions, stages)
    if legality is None or "legality" in done:
        return None
    before = prerequisites(legality, stages)
    if any(p not in done for p in before):
        return None
    arrived = many.arrivals.get(row.id) if many is not None else uow.review.version_arrived(row.id, row.current_version)
    times = [arrived] + [d.at for d in decisions if d.stage in before and d.fingerprint == version.fingerprint]
    return max(times).astimezone().date()


def _retrospective(uow: Unit, svc: Services, row: DossierRow):
    """(signed date, stages) of an emergency sign-off still awaiting review after the fact."""
    from review.decisions import retrospective_pending
    from services.review.actions import load
    _, view = load(uow, row.id)
    pending = retrospective_pending(view, pipeline_for(svc.config, view.current), uow.dossiers.decisions(row.id))
    signed = uow.review.emergency_signed_at(row.id)
    return (signed.astimezone().date(), pending) if pending and signed else None


def record_reminders(svc: Services, on: dt.date | None = None) -> list[Due]:
    """What the scheduled check does: record each due-soon, due-today or overdue deadline once."""
    found = [d for d in compute(svc, on) if d.status != "ok"]
    with svc.unit() as uow:
        for d in found:
            if not uow.review.reminder_recorded(d.kind, d.dossier, d.due, d.status):
                uow.add(ReminderRow(kind=d.kind, dossier_id=d.dossier, due=d.due, status=d.status,
                                    estimated=d.estimated, message=d.message, recorded_at=svc.now()))
    return found


def reminders(svc: Services) -> list[ReminderRow]:
    with svc.unit() as uow:
        return uow.review.reminders()
