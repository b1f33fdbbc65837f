"""The normative-document register (规范性文件公开台帐): numbering and entries."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.tables import RegisterEntryRow

STATUS_NAMES = {"in_force": "现行有效", "amended": "已修改", "repealed": "已废止", "expired": "已失效"}


def registration_number(fmt: str, prefix: str, year: int, serial: int) -> str:
    return fmt.format(prefix=prefix, year=year, serial=serial)


def next_serial(s: Session, year: int) -> int:
    """Gap-free per year; the unique (year, serial) constraint refuses a racing duplicate."""
    return (s.scalar(select(func.max(RegisterEntryRow.serial)).filter_by(year=year)) or 0) + 1


def entries(s: Session, status: str | None = None) -> list[RegisterEntryRow]:
    q = select(RegisterEntryRow).order_by(RegisterEntryRow.year, RegisterEntryRow.serial)
    if status:
        q = q.filter_by(status=status)
    return list(s.scalars(q))


def entry_for(s: Session, dossier_id: str) -> RegisterEntryRow | None:
    return s.scalars(select(RegisterEntryRow).filter_by(dossier_id=dossier_id)).first()


def year_of(signed: dt.date | None, now: dt.datetime) -> int:
    return signed.year if signed else now.year
