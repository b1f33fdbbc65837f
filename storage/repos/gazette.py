"""Queries for gazette issues, items, corrections and their release (issue 12: repositories own every query)."""
from __future__ import annotations

from sqlalchemy.orm import Session


class GazetteRepo:
    def __init__(self, session: Session) -> None:
        self.session = session
