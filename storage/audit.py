"""The audit chain: every action is an append-only event hashing the one before it."""
from __future__ import annotations

import hashlib
import json

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from review.model import Event
from storage.tables import EventRow

GENESIS = "0" * 64


def event_hash(prev_hash: str, seq: int, name: str, actor: str, at: str, payload: dict) -> str:
    body = json.dumps({"prev": prev_hash, "seq": seq, "name": name, "actor": actor, "at": at,
                       "payload": payload}, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def append(session: Session, event: Event) -> EventRow:
    """Append in the caller's transaction, so the event commits with the change it records."""
    last = session.execute(select(EventRow.seq, EventRow.hash).order_by(EventRow.seq.desc()).limit(1)).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    # The time is hashed as the text kept in the payload: databases differ in how they return datetimes.
    payload = {"event": event.name, **event.model_dump(mode="json", exclude={"dossier_id", "actor"})}
    at = payload["at"]
    row = EventRow(seq=seq, dossier_id=event.dossier_id, name=event.name, actor=event.actor,
                   at=event.at, payload=payload, prev_hash=prev,
                   hash=event_hash(prev, seq, event.name, event.actor, at, payload))
    session.add(row)
    session.flush()
    return row


def history(session: Session, dossier_id: str) -> list[EventRow]:
    return list(session.scalars(select(EventRow).filter_by(dossier_id=dossier_id).order_by(EventRow.seq)))


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(EventRow)) or 0


class Finding(BaseModel):
    seq: int
    problem: str          # changed, removed, reordered
    message: str


def verify(session: Session) -> list[Finding]:
    """Recompute the chain: a changed row fails its own hash, a removed one leaves a gap and a
    broken link, a reordered one breaks the link to its predecessor."""
    findings: list[Finding] = []
    prev_hash, expected_seq = GENESIS, 1
    for row in session.scalars(select(EventRow).order_by(EventRow.seq)):
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
