"""Queries for opinions, consultations and the review's own reads (issue 12: repositories own every query)."""
from __future__ import annotations

from sqlalchemy.orm import Session


class ReviewRepo:
    def __init__(self, session: Session) -> None:
        self.session = session
