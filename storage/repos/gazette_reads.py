"""Queries for gazette search, past-issue import and the desk's gazette views (issue 12: repositories own every query)."""
from __future__ import annotations

from sqlalchemy.orm import Session


class GazetteReads:
    def __init__(self, session: Session) -> None:
        self.session = session
