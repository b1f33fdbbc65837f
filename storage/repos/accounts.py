"""Queries for people, passwords, API tokens, desk sessions, the sign-in throttle and the recorded
configuration (issue 13, stateless desks): every desk process reads and writes the same rows, so
any of them answers any request."""
from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from review.model import ConfigChanged
from storage.counters import take
from storage.tables import (AccountRow, ApiTokenRow, ConfigSourceRow, ConfigVersionRow, CredentialRow,
                            DeskSessionRow, EventRow, LoginFailureRow)

CONFIG_LOCK = "config.lock"      # a counter row taken as a lock: one config import at a time


class Accounts:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- people ----------------------------------------------------------------------------
    def people(self, *, include_disabled: bool = False) -> list[AccountRow]:
        """Everyone on record, by name; the disabled only when asked."""
        q = select(AccountRow).order_by(AccountRow.name)
        if not include_disabled:
            q = q.where(AccountRow.disabled_at.is_(None))
        return list(self.session.scalars(q))

    def person(self, name: str) -> AccountRow | None:
        return self.session.get(AccountRow, name)

    def any_person(self) -> bool:
        return self.session.scalars(select(AccountRow.name).limit(1)).first() is not None

    def enabled(self, name: str) -> bool:
        return self.session.scalars(select(AccountRow.name).where(
            AccountRow.name == name, AccountRow.disabled_at.is_(None))).first() is not None

    # -- passwords -------------------------------------------------------------------------
    def credential(self, name: str) -> CredentialRow | None:
        return self.session.get(CredentialRow, name)

    def remove_credential(self, name: str) -> bool:
        return self.session.execute(delete(CredentialRow).where(CredentialRow.name == name)).rowcount > 0

    # -- API tokens ------------------------------------------------------------------------
    def token(self, digest: str) -> ApiTokenRow | None:
        return self.session.get(ApiTokenRow, digest)

    def revoke_tokens(self, name: str) -> int:
        return self.session.execute(delete(ApiTokenRow).where(ApiTokenRow.name == name)).rowcount

    def token_digests(self) -> set[str]:
        return set(self.session.scalars(select(ApiTokenRow.digest)))

    # -- desk sessions ---------------------------------------------------------------------
    def desk_session(self, digest: str) -> DeskSessionRow | None:
        return self.session.get(DeskSessionRow, digest)

    def drop_session(self, digest: str) -> None:
        self.session.execute(delete(DeskSessionRow).where(DeskSessionRow.digest == digest))

    def end_sessions(self, name: str) -> int:
        """End every session of a person, on every desk."""
        return self.session.execute(delete(DeskSessionRow).where(DeskSessionRow.name == name)).rowcount

    def drop_expired_sessions(self, now: float) -> int:
        return self.session.execute(delete(DeskSessionRow).where(DeskSessionRow.expires < now)).rowcount

    def touch_session(self, digest: str, seen: float, expires: float) -> None:
        self.session.execute(update(DeskSessionRow).where(DeskSessionRow.digest == digest)
                             .values(seen=seen, expires=expires))

    def session_digests(self) -> set[str]:
        return set(self.session.scalars(select(DeskSessionRow.digest)))

    # -- the sign-in throttle --------------------------------------------------------------
    def failures_since(self, key: str, since: float) -> int:
        return self.session.scalar(select(func.count()).select_from(LoginFailureRow).where(
            LoginFailureRow.key == key, LoginFailureRow.at > since)) or 0

    def forget_failures_before(self, before: float) -> None:
        self.session.execute(delete(LoginFailureRow).where(LoginFailureRow.at <= before))

    # -- the recorded configuration --------------------------------------------------------
    def lock_config(self) -> None:
        """Take the configuration's lock for this transaction (a locking counter's row: on
        PostgreSQL the row lock, on SQLite the write lock): one importer at a time, and the next
        one sees what the first committed."""
        take(self.session, CONFIG_LOCK, 0, lambda: 0)

    def source(self, source: str) -> ConfigSourceRow | None:
        return self.session.get(ConfigSourceRow, source)

    def latest_config(self) -> ConfigVersionRow | None:
        return self.session.scalars(select(ConfigVersionRow).order_by(ConfigVersionRow.seq.desc()).limit(1)).first()

    def config_by_sha(self, sha256: str) -> ConfigVersionRow | None:
        return self.session.scalars(select(ConfigVersionRow).where(ConfigVersionRow.sha256 == sha256)
                                    .order_by(ConfigVersionRow.seq.desc()).limit(1)).first()

    def latest_config_sha(self) -> str | None:
        return self.session.scalars(select(ConfigVersionRow.sha256).order_by(ConfigVersionRow.seq.desc())
                                    .limit(1)).first()

    def last_config_event(self) -> EventRow | None:
        """The newest config.changed event, or None before the first."""
        return self.session.scalars(select(EventRow).where(EventRow.name == ConfigChanged.name)
                                    .order_by(EventRow.seq.desc()).limit(1)).first()

    def config_events(self) -> int:
        return self.session.scalar(select(func.count()).select_from(EventRow)
                                   .where(EventRow.name == ConfigChanged.name)) or 0

