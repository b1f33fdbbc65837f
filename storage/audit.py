"""The audit chain: every action is an append-only event hashing the one before it."""
from __future__ import annotations

import hashlib
import json

from typing import TYPE_CHECKING

from pydantic import BaseModel
from sqlalchemy import func, select, update

from review.model import Event
from storage import rows as read
from storage.schema import counters as COUNTERS, events as EVENTS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.tables import EventRow

GENESIS = "0" * 64
CHAIN = "audit"          # the chain's counter (one row, year 0)


def event_hash(prev_hash: str, seq: int, name: str, actor: str, at: str, payload: dict) -> str:
    body = json.dumps({"prev": prev_hash, "seq": seq, "name": name, "actor": actor, "at": at,
                       "payload": payload}, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def append(session: Session, event: Event) -> EventRow:
    """Append in the caller's transaction, so the event commits with the change it records.

    The next number comes from the chain's locking counter (storage/counters.py): a concurrent
    append waits until the one before it commits, then links to it. Taken as max + 1, racing
    appends collided on the primary key and ran their whole transactions again, until a crowd
    exhausted the retries (tests/faults/test_crowd.py: 500s with 40 reviewers on two desks)."""
    from storage.counters import take
    from storage.tables import EventRow
    seq = take(session, CHAIN, 0, lambda: _last(session)[0])
    last_seq, prev = _last(session)
    if seq != last_seq + 1:       # events the counter never saw (removed rows, an older writer): follow the rows
        seq = last_seq + 1
        session.execute(update(COUNTERS).where(COUNTERS.c.sequence == CHAIN, COUNTERS.c.year == 0)
                        .values(value=seq))
    # The time is hashed as the text kept in the payload: databases differ in how they return datetimes.
    payload = {"event": event.name, **event.model_dump(mode="json", exclude={"dossier_id", "actor"})}
    at = payload["at"]
    row = EventRow(seq=seq, dossier_id=event.dossier_id, name=event.name, actor=event.actor,
                   at=event.at, payload=payload, prev_hash=prev,
                   hash=event_hash(prev, seq, event.name, event.actor, at, payload))
    session.add(row)
    session.flush()
    return row


def append_all(session: Session, events: list[Event]) -> list[EventRow]:
    """Append several events in order, as `append` one by one would (same numbers, same links), with
    one counter UPDATE, one read of the chain's end and one INSERT of them all: a release dating a
    hundred register entries writes two hundred events."""
    if not events:
        return []
    from storage.counters import take_run
    from storage.tables import EventRow
    first = take_run(session, CHAIN, 0, lambda: _last(session)[0], len(events))
    last_seq, prev = _last(session)
    if first != last_seq + 1:     # as in append: follow the rows
        first = last_seq + 1
        session.execute(update(COUNTERS).where(COUNTERS.c.sequence == CHAIN, COUNTERS.c.year == 0)
                        .values(value=first + len(events) - 1))
    rows = []
    for seq, event in enumerate(events, first):
        payload = {"event": event.name, **event.model_dump(mode="json", exclude={"dossier_id", "actor"})}
        row = EventRow(seq=seq, dossier_id=event.dossier_id, name=event.name, actor=event.actor,
                       at=event.at, payload=payload, prev_hash=prev,
                       hash=event_hash(prev, seq, event.name, event.actor, payload["at"], payload))
        rows.append(row)
        prev = row.hash
    session.add_all(rows)
    session.flush()
    return rows


def _last(session: Session) -> tuple[int, str]:
    last = session.execute(select(EVENTS.c.seq, EVENTS.c.hash).order_by(EVENTS.c.seq.desc()).limit(1)).first()
    return (last[0], last[1]) if last else (0, GENESIS)


def history(session: Session, dossier_id: str) -> list[EventRow]:
    return read.fetch(session, read.of(session, EVENTS).where(EVENTS.c.dossier_id == dossier_id).order_by(EVENTS.c.seq))


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(EVENTS)) or 0


class Finding(BaseModel):
    seq: int
    problem: str          # changed, removed, reordered
    message: str


def verify(session: Session) -> list[Finding]:
    """Recompute the chain: a changed row fails its own hash, a removed one leaves a gap and a
    broken link, a reordered one breaks the link to its predecessor."""
    findings: list[Finding] = []
    prev_hash, expected_seq = GENESIS, 1
    for row in session.execute(select(EVENTS).order_by(EVENTS.c.seq)):
        if row.seq != expected_seq:
            findings.append(Finding(seq=row.seq, problem="removed",
                                    message=f"第 {expected_seq}–{row.seq - 1} 条事件缺失"))
        if row.prev_hash != prev_hash:
            findings.append(Finding(seq=row.seq, problem="reordered",
                                    message=f"第 {row.seq} 条事件与前一条的链接断开（被删除或调换顺序）"))
        at = (row.payload or {}).get("at", "")
        if event_hash(row.prev_hash, row.seq, row.name, row.actor, at, row.payload) != row.hash:
            findings.append(Finding(seq=row.seq, problem="changed",
                                    message=f"第 {row.seq} 条事件（{row.name}）的内容被改动"))
        prev_hash, expected_seq = row.hash, row.seq + 1
    return findings


class AuditLog:
    """The unit of work's handle on the audit chain: `uow.audit.append(event)`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def append(self, event: Event) -> EventRow:
        self._actors_enabled([event])
        return append(self.session, event)

    def _actors_enabled(self, events: list[Event]) -> None:
        """No act is recorded for a person disabled (`lockstep users disable`) before it commits,
        whichever service records it and whatever people the process read when it started: the
        person's row is read (and held, so a disable committing meanwhile waits) in the act's own
        transaction. Refused as review.rules.person_disabled; the operator's own config and people
        changes (review.rules.OPERATOR_EVENTS) are not a person's acts."""
        from documents.problems import Refused
        from review.rules import OPERATOR_EVENTS, person_disabled
        from storage.repos.accounts import Accounts
        accounts = Accounts(self.session)
        for actor in dict.fromkeys(e.actor for e in events if e.name not in OPERATOR_EVENTS and e.actor):
            if accounts.disabled_held(actor):
                raise Refused(person_disabled(actor))

    def history(self, dossier_id: str) -> list[EventRow]:
        return history(self.session, dossier_id)

    def count(self) -> int:
        return count(self.session)

    def verify(self) -> list[Finding]:
        return verify(self.session)

    def append_all(self, events: list[Event]) -> list[EventRow]:
        self._actors_enabled(events)
        return append_all(self.session, events)
