"""The outbox (issue 12, STYLE.md §9): machine work a decision starts, as rows.

A decision writes its job in its own transaction (`Jobs.add`); any worker, in any process on any
machine, claims pending jobs (`claim`: `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two claimers never
take the same row; on SQLite the database has one writer and each claim is a compare-and-set on the
row's status and holder), does the work, and marks the job done in the transaction that records the
work (`done`). A job held by a worker that died (same host, its process gone) or held longer than
`stale_after` is claimed again. Every status change goes through review/lifecycles.py JOB.
"""
from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
from dataclasses import dataclass

from sqlalchemy import and_, false, or_, select, update
from sqlalchemy.orm import Session

from documents.problems import Problem
from review.lifecycles import JOB
from storage.tables import JobRow

STALE_AFTER = dt.timedelta(minutes=5)      # a live worker finishes a publication well within this

_worker: tuple[int, str] | None = None


def worker_id() -> str:
    """This process as a job holder: host:pid:random (the random part tells a reused pid apart)."""
    global _worker
    if _worker is None or _worker[0] != os.getpid():          # a forked child is another worker
        _worker = (os.getpid(), f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}")
    return _worker[1]


def holder_alive(holder: str | None) -> bool:
    """False only when the holder is known dead: a process of this host that is gone, or an earlier
    process whose pid this one now has. Another host's worker is trusted until `stale_after`."""
    if not holder:
        return False
    host, _, rest = holder.partition(":")
    pid_text, _, _ = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return True
    pid = int(pid_text)
    if pid == os.getpid():
        return holder == worker_id()
    return pid_alive(pid)


def pid_alive(pid: int) -> bool:
    """A process of this machine is there (another user's counts: it cannot be signalled, but lives)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    dossier_id: str
    fingerprint: str
    status: str
    claimed_by: str | None
    claimed_at: dt.datetime | None
    attempts: int
    last_error: dict | None
    actor: str | None
    created_at: dt.datetime
    done_at: dt.datetime | None
    not_before: dt.datetime | None = None      # scheduled work (0018): not claimed before this moment
    result: dict | None = None          # the work's answer (an intake's dossier or refusal, a publication)

    @property
    def status_name(self) -> str:
        return JOB.states.get(self.status, self.status)


def _job(r: JobRow, **changes) -> Job:
    values = {f: getattr(r, f) for f in Job.__dataclass_fields__}
    values.update(changes)
    return Job(**values)


def _same_holder(r_status: str, r_holder: str | None):
    return and_(JobRow.status == r_status,
                JobRow.claimed_by.is_(None) if r_holder is None else JobRow.claimed_by == r_holder)


class Jobs:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, kind: str, dossier_id: str, fingerprint: str, at: dt.datetime, actor: str | None = None,
            request: dict | None = None) -> Job:
        """The job, pending; one per (kind, dossier, fingerprint): a second add returns the first.
        `request`: what the work needs besides its subject and fingerprint (an intake's dossier and 修改说明),
        kept in `result` as {"request": …} until the work's answer replaces it."""
        s = self.session
        existing = s.scalars(select(JobRow).filter_by(kind=kind, dossier_id=dossier_id,
                                                      fingerprint=fingerprint)).first()
        if existing is not None:
            return _job(existing)
        row = JobRow(kind=kind, dossier_id=dossier_id, fingerprint=fingerprint, status="pending",
                     attempts=0, actor=actor, created_at=at, result={"request": request} if request else None)
        s.add(row)
        s.flush()
        return _job(row)

    def claim(self, kind: str, limit: int = 20, worker: str | None = None,
              stale_after: dt.timedelta = STALE_AFTER, *, now: dt.datetime, dossier_id: str | None = None,
              exclude: tuple[int, ...] | list[int] = (), retry_failed: bool = False,
              job_id: int | None = None) -> list[Job]:
        """Up to `limit` jobs of `kind` for `worker`: pending ones, and claimed ones whose holder died
        or has held them since before now - stale_after (oldest first). `dossier_id`: that dossier's
        only; `job_id`: that job only (a pool's flow run is given the id); `retry_failed`: a failed one
        too (a person asked again). The caller commits."""
        s = self.session
        worker = worker or worker_id()
        where = [JobRow.kind == kind]
        if dossier_id is not None:
            where.append(JobRow.dossier_id == dossier_id)
        if job_id is not None:
            where.append(JobRow.id == job_id)
        if exclude:
            where.append(JobRow.id.not_in(list(exclude)))
        held = s.execute(select(JobRow.id, JobRow.claimed_by).where(*where, JobRow.status == "claimed")).all()
        dead = [i for i, holder in held if not holder_alive(holder)]
        open_states = [JobRow.status == "pending"] + ([JobRow.status == "failed"] if retry_failed else [])
        # Scheduled work (定时发布) waits for its moment: no claimer takes it before.
        where.append(or_(JobRow.not_before.is_(None), JobRow.not_before <= now))
        q = (select(JobRow).where(*where, or_(*open_states, and_(
                JobRow.status == "claimed",
                or_(JobRow.claimed_at < now - stale_after, JobRow.id.in_(dead) if dead else false()))))
             .order_by(JobRow.id).limit(limit).with_for_update(skip_locked=True))
        taken = []
        for r in s.scalars(q).all():
            status = r.status
            if status == "claimed":
                status = JOB.step(status, "release")
            elif status == "failed":
                status = JOB.step(status, "retry")
            status = JOB.step(status, "claim")
            # Compare-and-set: on SQLite nothing locked the row, so another process may have taken it.
            done = s.execute(update(JobRow).where(JobRow.id == r.id, _same_holder(r.status, r.claimed_by))
                             .values(status=status, claimed_by=worker, claimed_at=now,
                                     attempts=JobRow.attempts + 1)
                             .execution_options(synchronize_session=False))
            if done.rowcount == 1:
                taken.append(_job(r, status=status, claimed_by=worker, claimed_at=now, attempts=r.attempts + 1))
            s.expire(r)
        return taken

    def done(self, kind: str, dossier_id: str, fingerprint: str, now: dt.datetime) -> Job | None:
        """Mark the job done: called in the transaction that records the work (so both or neither)."""
        r = self.session.scalars(select(JobRow).filter_by(kind=kind, dossier_id=dossier_id, fingerprint=fingerprint)
                                 .with_for_update()).first()
        if r is None:
            return None
        if r.status != "done":
            r.status = JOB.step(r.status, "finish")
            r.done_at = now
        return _job(r)

    def failed(self, job: Job, problem: Problem, *, retry: bool) -> bool:
        """Give the job back with its problem: pending again (`retry`: a fault, the sweep tries again)
        or failed (a refusal a person must see). False when the job is no longer this holder's."""
        status = JOB.step(job.status, "release" if retry else "fail")
        done = self.session.execute(
            update(JobRow).where(JobRow.id == job.id, _same_holder(job.status, job.claimed_by))
            .values(status=status, last_error=problem.model_dump(mode="json"))
            .execution_options(synchronize_session=False))
        return done.rowcount == 1

    def release(self, job: Job) -> bool:
        """Give a claimed job back untouched (the worker stops before doing it)."""
        done = self.session.execute(
            update(JobRow).where(JobRow.id == job.id, _same_holder(job.status, job.claimed_by))
            .values(status=JOB.step(job.status, "release"))
            .execution_options(synchronize_session=False))
        return done.rowcount == 1

    def pending(self, kind: str | None = None) -> list[Job]:
        """Jobs not done (pending, claimed or failed), oldest first: what waits, and since when."""
        q = select(JobRow).where(JobRow.status != "done").order_by(JobRow.created_at, JobRow.id)
        if kind is not None:
            q = q.where(JobRow.kind == kind)
        return [_job(r) for r in self.session.scalars(q)]

    def of(self, kind: str, dossier_id: str) -> list[Job]:
        return [_job(r) for r in self.session.scalars(select(JobRow).filter_by(kind=kind, dossier_id=dossier_id)
                                                      .order_by(JobRow.id))]

    def answered(self, job: Job, answer: dict, now: dt.datetime) -> bool:
        """Mark a claimed job done with the work's answer kept on its row (`result`; an intake job: the
        dossier it made, or the problems that refused it). False when the job is no longer this
        holder's (a sweep took it over)."""
        done = self.session.execute(
            update(JobRow).where(JobRow.id == job.id, _same_holder(job.status, job.claimed_by))
            .values(status=JOB.step(job.status, "finish"), done_at=now, result=answer)
            .execution_options(synchronize_session=False))
        return done.rowcount == 1

    def keep_result(self, job_id: int, answer: dict) -> None:
        """The work's answer on a job already marked done in the work's own transaction (a publication:
        `done` there, its answer here, for whoever asked and polls the row)."""
        self.session.execute(update(JobRow).where(JobRow.id == job_id).values(result=answer)
                             .execution_options(synchronize_session=False))

    def get(self, job_id: int) -> Job | None:
        r = self.session.get(JobRow, job_id, populate_existing=True)
        return None if r is None else _job(r)

    def find(self, kind: str, dossier_id: str, fingerprint: str) -> Job | None:
        r = self.session.scalars(select(JobRow).filter_by(kind=kind, dossier_id=dossier_id,
                                                          fingerprint=fingerprint)).first()
        return None if r is None else _job(r)

    def kinds_waiting(self, kind: str) -> list[tuple[str, int, dt.datetime]]:
        """(subject, jobs not done, oldest created_at) per subject of `kind`: a staged batch and what waits."""
        rows = self.session.execute(
            select(JobRow.dossier_id, JobRow.id, JobRow.created_at)
            .where(JobRow.kind == kind, JobRow.status != "done").order_by(JobRow.created_at, JobRow.id)).all()
        out: dict[str, list] = {}
        for subject, _, created in rows:
            entry = out.setdefault(subject, [subject, 0, created])
            entry[1] += 1
        return [tuple(v) for v in out.values()]

    # -- scheduled work (定时发布, issue 15; services/publication/schedule.py) ------------------------------
    def schedule(self, kind: str, dossier_id: str, fingerprint: str, not_before: dt.datetime) -> Job | None:
        """The job waits for `not_before` (pending; a failed one, e.g. a cancelled schedule, is asked
        again); what was prepared for an earlier moment is forgotten. None when there is no such job or
        it is being run or done."""
        r = self.session.scalars(select(JobRow).filter_by(kind=kind, dossier_id=dossier_id, fingerprint=fingerprint)
                                 .with_for_update()).first()
        if r is None or r.status not in ("pending", "failed"):
            return None
        if r.status == "failed":
            r.status = JOB.step(r.status, "retry")
        r.not_before, r.result, r.last_error = not_before, None, None
        self.session.flush()
        return _job(r)

    def hold(self, kind: str, dossier_id: str, fingerprint: str, why: Problem) -> Job | None:
        """A pending job taken out of the queue with why (a cancelled schedule): failed, as a refusal a
        person must look at; it is run again only when a person asks (lockstep publish D, or a new
        schedule). None when there is no pending job."""
        # One conditional write (the row's lock on PostgreSQL, the write lock on SQLite, where a SELECT …
        # FOR UPDATE locks nothing): of two cancels at once, only one finds the job still pending.
        held = self.session.execute(
            update(JobRow).filter_by(kind=kind, dossier_id=dossier_id, fingerprint=fingerprint, status="pending")
            .values(status=JOB.step(JOB.step("pending", "claim"), "fail"), claimed_by=None,
                    last_error=why.model_dump(mode="json"))
            .returning(JobRow.id).execution_options(synchronize_session=False)).scalar()
        if held is None:
            return None
        r = self.session.get(JobRow, held, populate_existing=True)
        return _job(r)

    def note_prepared(self, kind: str, dossier_id: str, fingerprint: str, result: dict) -> None:
        """Keep the work's answer so far on the job's row (a scheduled release: what was prepared)."""
        self.session.execute(update(JobRow).filter_by(kind=kind, dossier_id=dossier_id, fingerprint=fingerprint)
                             .values(result=result).execution_options(synchronize_session=False))
