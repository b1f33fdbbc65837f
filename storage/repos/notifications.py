"""Notifications (issue 14): each person's desk inbox, and the e-mail outbox beside it.

A notification row is written in the transaction of the decision that makes its person the next
actor (`add`: once per `key`, so a rerun adds nothing); the sender claims rows whose mail is pending
(`claim`: `FOR UPDATE SKIP LOCKED` on PostgreSQL; on SQLite a compare-and-set on status and holder,
as storage/jobs.py), sends them after that transaction, and marks each sent, given back (a fault,
tried again later), failed or skipped. Every mail status change goes through review/lifecycles.py MAIL.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, false, func, or_, select, update
from sqlalchemy.orm import Session

from review.lifecycles import MAIL
from storage.jobs import STALE_AFTER, holder_alive, worker_id
from storage.tables import NotificationRow


@dataclass(frozen=True)
class Notice:
    id: int
    key: str
    person: str
    kind: str
    dossier_id: str | None
    stage: str | None
    subject: str
    body: str
    link: str | None
    created_at: dt.datetime
    read_at: dt.datetime | None
    address: str | None
    mail_status: str
    claimed_by: str | None
    claimed_at: dt.datetime | None
    attempts: int
    next_attempt_at: dt.datetime | None
    note: str | None
    sent_at: dt.datetime | None

    @property
    def mail_status_name(self) -> str:
        return MAIL.states.get(self.mail_status, self.mail_status)


def _notice(r: NotificationRow, **changes) -> Notice:
    values = {f: getattr(r, f) for f in Notice.__dataclass_fields__}
    values.update(changes)
    return Notice(**values)


class Notifications:
    def __init__(self, session: Session) -> None:
        self.session = session

    # ------------------------------------------------------------ writing (in the decision's transaction)

    def has(self, key: str) -> bool:
        return self.session.scalars(select(NotificationRow.id).filter_by(key=key)).first() is not None

    def add(self, *, key: str, person: str, kind: str, subject: str, body: str, at: dt.datetime,
            address: str | None, dossier_id: str | None = None, stage: str | None = None,
            link: str | None = None, note: str | None = None) -> Notice | None:
        """The notice, its mail pending (or skipped, with `note`, when there is no address); None when
        a notice with this key exists. A concurrent writer of the same key fails this transaction's
        commit on the unique key (IntegrityError): Database.retrying runs the whole unit again, and
        then this finds the winner's notice. (No savepoint: on SQLite a savepoint taken before the
        transaction's first write would commit on its own.)"""
        if self.has(key):
            return None
        status = "pending" if address else "skipped"
        row = NotificationRow(key=key, person=person, kind=kind, dossier_id=dossier_id, stage=stage,
                              subject=subject, body=body, link=link, created_at=at, address=address or None,
                              mail_status=status, attempts=0, note=None if address else note)
        self.session.add(row)
        self.session.flush()
        return _notice(row)

    # ------------------------------------------------------------ the inbox

    def inbox(self, person: str, limit: int = 200) -> list[Notice]:
        """The person's notices, newest first."""
        q = (select(NotificationRow).filter_by(person=person)
             .order_by(NotificationRow.created_at.desc(), NotificationRow.id.desc()).limit(limit))
        return [_notice(r) for r in self.session.scalars(q)]

    def unread(self, person: str) -> int:
        q = select(func.count(NotificationRow.id)).where(NotificationRow.person == person,
                                                         NotificationRow.read_at.is_(None))
        return int(self.session.scalar(q) or 0)

    def mark_read(self, person: str, at: dt.datetime, ids: list[int] | None = None) -> int:
        """Mark the person's own notices read (these ids, or all); another person's are never touched."""
        where = [NotificationRow.person == person, NotificationRow.read_at.is_(None)]
        if ids is not None:
            where.append(NotificationRow.id.in_(list(ids)))
        done = self.session.execute(update(NotificationRow).where(*where).values(read_at=at)
                                    .execution_options(synchronize_session=False))
        return done.rowcount

    def of_dossier(self, dossier_id: str) -> list[Notice]:
        q = select(NotificationRow).filter_by(dossier_id=dossier_id).order_by(NotificationRow.id)
        return [_notice(r) for r in self.session.scalars(q)]

    def all(self) -> list[Notice]:
        return [_notice(r) for r in self.session.scalars(select(NotificationRow).order_by(NotificationRow.id))]

    # ------------------------------------------------------------ the mail outbox

    def claim(self, limit: int = 50, worker: str | None = None, stale_after: dt.timedelta = STALE_AFTER, *,
              now: dt.datetime, due_only: bool = True, retry_failed: bool = False,
              exclude: tuple[int, ...] | list[int] = ()) -> list[Notice]:
        """Up to `limit` notices whose mail is pending (and, with `due_only`, whose next attempt is
        due), or held by a dead worker or for longer than `stale_after`; oldest first. `retry_failed`:
        failed ones too (a person asked again). The caller commits."""
        s = self.session
        worker = worker or worker_id()
        where = []
        if exclude:
            where.append(NotificationRow.id.not_in(list(exclude)))
        held = s.execute(select(NotificationRow.id, NotificationRow.claimed_by)
                         .where(*where, NotificationRow.mail_status == "sending")).all()
        dead = [i for i, holder in held if not holder_alive(holder)]
        pending = NotificationRow.mail_status == "pending"
        if due_only:
            pending = and_(pending, or_(NotificationRow.next_attempt_at.is_(None),
                                        NotificationRow.next_attempt_at <= now))
        open_states = [pending] + ([NotificationRow.mail_status == "failed"] if retry_failed else [])
        q = (select(NotificationRow).where(*where, or_(*open_states, and_(
                NotificationRow.mail_status == "sending",
                or_(NotificationRow.claimed_at < now - stale_after,
                    NotificationRow.id.in_(dead) if dead else false()))))
             .order_by(NotificationRow.id).limit(limit).with_for_update(skip_locked=True))
        taken = []
        for r in s.scalars(q).all():
            status = r.mail_status
            if status == "sending":
                status = MAIL.step(status, "release")
            elif status == "failed":
                status = MAIL.step(status, "retry")
            status = MAIL.step(status, "claim")
            done = s.execute(update(NotificationRow)
                             .where(NotificationRow.id == r.id, self._same_holder(r.mail_status, r.claimed_by))
                             .values(mail_status=status, claimed_by=worker, claimed_at=now,
                                     attempts=NotificationRow.attempts + 1)
                             .execution_options(synchronize_session=False))
            if done.rowcount == 1:
                taken.append(_notice(r, mail_status=status, claimed_by=worker, claimed_at=now,
                                     attempts=r.attempts + 1))
            s.expire(r)
        return taken

    @staticmethod
    def _same_holder(status: str, holder: str | None):
        return and_(NotificationRow.mail_status == status,
                    NotificationRow.claimed_by.is_(None) if holder is None else NotificationRow.claimed_by == holder)

    def _move(self, n: Notice, action: str, **values) -> bool:
        """The claimed notice's mail moves by `action` (MAIL); False when it is no longer this holder's."""
        done = self.session.execute(
            update(NotificationRow).where(NotificationRow.id == n.id, self._same_holder(n.mail_status, n.claimed_by))
            .values(mail_status=MAIL.step(n.mail_status, action), **values)
            .execution_options(synchronize_session=False))
        return done.rowcount == 1

    def sent(self, n: Notice, at: dt.datetime) -> bool:
        return self._move(n, "send", sent_at=at, note=None, next_attempt_at=None)

    def give_back(self, n: Notice, note: str, next_attempt_at: dt.datetime) -> bool:
        """A fault (the server away, a temporary refusal): pending again, tried from `next_attempt_at`."""
        return self._move(n, "release", note=note, next_attempt_at=next_attempt_at)

    def failed(self, n: Notice, note: str) -> bool:
        return self._move(n, "fail", note=note)

    def skipped(self, n: Notice, note: str) -> bool:
        return self._move(n, "skip", note=note)

    def waiting(self) -> list[Notice]:
        """Notices whose mail is not settled (pending, sending or failed), oldest first."""
        q = (select(NotificationRow).where(NotificationRow.mail_status.in_(("pending", "sending", "failed")))
             .order_by(NotificationRow.id))
        return [_notice(r) for r in self.session.scalars(q)]
