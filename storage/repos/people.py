"""Queries for people, roles and the recorded configuration (issue 12: repositories own every query)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from review.model import ConfigChanged
from storage.tables import EventRow


class PeopleRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def last_config_change(self) -> EventRow | None:
        """The newest recorded change of lockstep.toml (a config.changed event), or None before the first."""
        return self.session.scalars(select(EventRow).where(EventRow.name == ConfigChanged.name)
                                    .order_by(EventRow.seq.desc()).limit(1)).first()

