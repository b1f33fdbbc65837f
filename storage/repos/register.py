"""Queries for the normative-document register: entries, searches, exports, report figures (issue 12: repositories own every query)."""
from __future__ import annotations

from sqlalchemy.orm import Session


class RegisterRepo:
    def __init__(self, session: Session) -> None:
        self.session = session
