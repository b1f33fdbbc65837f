"""Queries for people, roles and the recorded configuration (issue 12: repositories own every query)."""
from __future__ import annotations

from sqlalchemy.orm import Session


class PeopleRepo:
    def __init__(self, session: Session) -> None:
        self.session = session
