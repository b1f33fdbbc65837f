"""Queries for publication: site pages and web releases (issue 12: repositories own every query)."""
from __future__ import annotations

from sqlalchemy.orm import Session


class SiteRepo:
    def __init__(self, session: Session) -> None:
        self.session = session
