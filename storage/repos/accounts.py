"""Queries for people, passwords, API tokens, desk sessions, the sign-in throttle and the recorded
configuration (issue 13, stateless desks): every desk process reads and writes the same rows, so
any of them answers any request."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select, update

from review.model import ConfigChanged
from storage import rows, schema

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.tables import (AccountRow, ApiTokenRow, ConfigSourceRow, ConfigVersionRow, CredentialRow,
                                DeskSessionRow, EventRow)

# Queries name the tables' columns (storage/rows.py): a write unit gets mapped rows, a read unit read-only ones.
PEOPLE, CRED, TOKENS, SESSIONS = schema.people, schema.credentials, schema.api_tokens, schema.desk_sessions
FAILURES, CONFIGS, SOURCES, EVENTS = schema.login_failures, schema.config_versions, schema.config_sources, schema.events

CONFIG_LOCK = "config.lock"      # a counter row taken as a lock: one config import at a time


class Accounts:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- people ----------------------------------------------------------------------------
    def people(self, *, include_disabled: bool = False) -> list[AccountRow]:
        """Everyone on record, by name; the disabled only when asked."""
        q = rows.of(self.session, PEOPLE).order_by(PEOPLE.c.name)
        if not include_disabled:
            q = q.where(PEOPLE.c.disabled_at.is_(None))
        return rows.fetch(self.session, q)

    def person(self, name: str) -> AccountRow | None:
        return rows.get(self.session, PEOPLE, name)

    def any_person(self) -> bool:
        return self.session.scalars(select(PEOPLE.c.name).limit(1)).first() is not None

    def enabled(self, name: str) -> bool:
        return self.session.scalars(select(PEOPLE.c.name).where(
            PEOPLE.c.name == name, PEOPLE.c.disabled_at.is_(None))).first() is not None

    # -- passwords -------------------------------------------------------------------------
    def credential(self, name: str) -> CredentialRow | None:
        return rows.get(self.session, CRED, name)

    def remove_credential(self, name: str) -> bool:
        return self.session.execute(delete(CRED).where(CRED.c.name == name)).rowcount > 0

    # -- API tokens ------------------------------------------------------------------------
    def token(self, digest: str) -> ApiTokenRow | None:
        return rows.get(self.session, TOKENS, digest)

    def revoke_tokens(self, name: str) -> int:
        return self.session.execute(delete(TOKENS).where(TOKENS.c.name == name)).rowcount

    def token_digests(self) -> set[str]:
        return set(self.session.scalars(select(TOKENS.c.digest)))

    # -- desk sessions ---------------------------------------------------------------------
    def desk_session(self, digest: str) -> DeskSessionRow | None:
        return rows.get(self.session, SESSIONS, digest)

    def drop_session(self, digest: str) -> None:
        self.session.execute(delete(SESSIONS).where(SESSIONS.c.digest == digest))

    def end_sessions(self, name: str) -> int:
        """End every session of a person, on every desk."""
        return self.session.execute(delete(SESSIONS).where(SESSIONS.c.name == name)).rowcount

    def drop_expired_sessions(self, now: float) -> int:
        return self.session.execute(delete(SESSIONS).where(SESSIONS.c.expires < now)).rowcount

    def touch_session(self, digest: str, seen: float, expires: float) -> None:
        self.session.execute(update(SESSIONS).where(SESSIONS.c.digest == digest)
                             .values(seen=seen, expires=expires))

    def session_digests(self) -> set[str]:
        return set(self.session.scalars(select(SESSIONS.c.digest)))

    # -- the sign-in throttle --------------------------------------------------------------
    def failures_since(self, key: str, since: float) -> int:
        return self.session.scalar(select(func.count()).select_from(FAILURES).where(
            FAILURES.c.key == key, FAILURES.c.at > since)) or 0

    def forget_failures_before(self, before: float) -> None:
        self.session.execute(delete(FAILURES).where(FAILURES.c.at <= before))

    # -- the recorded configuration --------------------------------------------------------
    def lock_config(self) -> None:
        """Take the configuration's lock for this transaction (a locking counter's row: on
        PostgreSQL the row lock, on SQLite the write lock): one importer at a time, and the next
        one sees what the first committed."""
        from storage.counters import take
        take(self.session, CONFIG_LOCK, 0, lambda: 0)

    def source(self, source: str) -> ConfigSourceRow | None:
        return rows.get(self.session, SOURCES, source)

    def latest_config(self) -> ConfigVersionRow | None:
        return rows.first(self.session, rows.of(self.session, CONFIGS).order_by(CONFIGS.c.seq.desc()))

    def config_by_sha(self, sha256: str) -> ConfigVersionRow | None:
        return rows.first(self.session, rows.of(self.session, CONFIGS).where(CONFIGS.c.sha256 == sha256)
                          .order_by(CONFIGS.c.seq.desc()))

    def latest_config_sha(self) -> str | None:
        return self.session.scalars(select(CONFIGS.c.sha256).order_by(CONFIGS.c.seq.desc())
                                    .limit(1)).first()

    def last_config_event(self) -> EventRow | None:
        """The newest config.changed event, or None before the first."""
        return rows.first(self.session, rows.of(self.session, EVENTS).where(EVENTS.c.name == ConfigChanged.name)
                          .order_by(EVENTS.c.seq.desc()))

    def config_events(self) -> int:
        return self.session.scalar(select(func.count()).select_from(EVENTS)
                                   .where(EVENTS.c.name == ConfigChanged.name)) or 0

    def disabled_held(self, name: str) -> bool:
        """Whether the person's row says disabled, the row held (PostgreSQL: FOR SHARE) until the
        transaction ends: a `users disable` committing meanwhile waits for the act reading it. A name
        with no row (a person only the file names) is not disabled."""
        at = self.session.execute(select(PEOPLE.c.name, PEOPLE.c.disabled_at).where(PEOPLE.c.name == name)
                                  .with_for_update(read=True)).first()
        return at is not None and at.disabled_at is not None
