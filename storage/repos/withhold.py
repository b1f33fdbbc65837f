"""Queries for withholding a published document: what carries it on every public output (issue 12:
repositories own every query)."""
from __future__ import annotations

from sqlalchemy.orm import Session


class Withholding:
    def __init__(self, session: Session) -> None:
        self.session = session
