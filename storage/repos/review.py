"""Queries for opinions, consultations and the review's own reads (issue 12: repositories own every query).

Reached as `uow.review`. Each method answers one question and returns rows (storage/tables.py),
domain values or plain tuples; none refuses anything — the services decide.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import func, or_, select

from storage import rows, schema

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.tables import CommentRow, ConsultationRow, DossierRow, RegisterEntryRow, ReminderRow

# Queries name the tables' columns (storage/rows.py): a write unit gets mapped rows, a read unit read-only ones.
COMMENTS, CONSULTATIONS, DECISIONS, DOSSIERS = schema.comments, schema.consultations, schema.decisions, schema.dossiers
EVENTS, ENTRIES, REMINDERS, VERSIONS = schema.events, schema.register_entries, schema.reminders, schema.versions


class ReviewRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- the gate's inputs ---------------------------------------------------------------------
    def version_arrived(self, dossier_id: str, number: int) -> dt.datetime | None:
        """When version `number` of the dossier was submitted."""
        return self.session.scalar(select(VERSIONS.c.submitted_at).filter_by(dossier_id=dossier_id, number=number))

    def arrivals_of(self, current: dict[str, int]) -> dict[str, dt.datetime]:
        """version_arrived() of many dossiers at once: dossier id -> its version `current[id]`'s arrival."""
        out: dict[str, dt.datetime] = {}
        for chunk in rows.chunks(list(current)):
            for d, number, at in self.session.execute(
                    select(VERSIONS.c.dossier_id, VERSIONS.c.number, VERSIONS.c.submitted_at)
                    .where(VERSIONS.c.dossier_id.in_(chunk))):
                if number == current[d]:
                    out[d] = at
        return out

    # -- opinions ------------------------------------------------------------------------------
    def opinions_numbered(self, prefix: str) -> int:
        """How many decisions carry an opinion number starting with `prefix` (e.g. 某司合审〔2026〕):
        where a year's opinion counter starts in a home made before the counters."""
        return self.session.scalar(select(func.count()).select_from(DECISIONS)
                                   .where(DECISIONS.c.opinion_number.like(prefix + "%"))) or 0

    # -- consultations -------------------------------------------------------------------------
    def consultation(self, dossier_id: str) -> ConsultationRow | None:
        """The dossier's comment period, if one was opened."""
        return rows.first(self.session, rows.of(self.session, CONSULTATIONS).where(CONSULTATIONS.c.dossier_id == dossier_id))

    def consultations_of(self, ids: list[str]) -> dict[str, ConsultationRow]:
        """consultation() of many dossiers at once: dossier id -> its comment period (only those opened)."""
        return {r.dossier_id: r for chunk in rows.chunks(ids) for r in rows.fetch(
            self.session, rows.of(self.session, CONSULTATIONS).where(CONSULTATIONS.c.dossier_id.in_(chunk)))}

    def comments(self, consultation_id: int) -> list[CommentRow]:
        """The comments recorded in a consultation, in the order they were recorded."""
        return rows.fetch(self.session, rows.of(self.session, COMMENTS)
                          .where(COMMENTS.c.consultation_id == consultation_id).order_by(COMMENTS.c.id))

    def comment(self, comment_id: int) -> CommentRow | None:
        """One comment by its id (the caller checks it belongs to the consultation it names)."""
        return rows.get(self.session, COMMENTS, comment_id)

    def open_consultations(self) -> list[tuple[ConsultationRow, DossierRow]]:
        """Consultations whose adoption summary is not yet published, with their dossiers."""
        from storage.tables import ConsultationRow, DossierRow      # rows a write changes
        return [(c, d) for c, d in self.session.execute(
            select(ConsultationRow, DossierRow).join(DossierRow)
            .where(ConsultationRow.summary_published_at.is_(None)))]

    # -- deadlines -----------------------------------------------------------------------------
    def emergency_signed(self) -> list[DossierRow]:
        """Dossiers signed off in an emergency (their skipped stages are owed after the fact)."""
        return rows.fetch(self.session, rows.of(self.session, DOSSIERS).where(DOSSIERS.c.emergency_reason.is_not(None)))

    def emergency_signed_at(self, dossier_id: str) -> dt.datetime | None:
        """When the dossier was signed off in an emergency (its audit event), if it was."""
        return self.session.scalar(select(EVENTS.c.at).where(EVENTS.c.dossier_id == dossier_id,
                                                             EVENTS.c.name == "dossier.emergency_signed_off"))

    def entries_to_file(self) -> list[RegisterEntryRow]:
        """Register entries in force or pending that are not yet filed (备案) with the level above."""
        return rows.fetch(self.session, rows.of(self.session, ENTRIES).where(
            ENTRIES.c.filed_at.is_(None), ENTRIES.c.status.in_(("in_force", "pending"))))

    def entries_in(self, statuses: Iterable[str]) -> list[RegisterEntryRow]:
        """Register entries in any of `statuses` (those in force: their evaluation and expiry)."""
        return rows.fetch(self.session, rows.of(self.session, ENTRIES).where(ENTRIES.c.status.in_(list(statuses))))

    # -- reminders -----------------------------------------------------------------------------
    def reminder_recorded(self, kind: str, dossier_id: str, due: dt.date, status: str) -> bool:
        """Whether this deadline was already reminded of in this status."""
        return self.session.scalars(select(REMINDERS.c.id).filter_by(kind=kind, dossier_id=dossier_id, due=due,
                                                                     status=status).limit(1)).first() is not None

    def reminders(self) -> list[ReminderRow]:
        """Every recorded reminder, newest first."""
        return rows.fetch(self.session, rows.of(self.session, REMINDERS)
                          .order_by(REMINDERS.c.recorded_at.desc(), REMINDERS.c.id.desc()))

    # -- consultation comments: imports and the public form (issue 14, issue 15 item 5) ----------
    def lock_consultation(self, dossier_id: str) -> ConsultationRow | None:
        """The dossier's consultation, locked for this transaction (its row on PostgreSQL, the write lock on
        SQLite; taken first, before any read): imports, online comments and moderation of one consultation
        happen one at a time, and each sees what the one before it committed."""
        from sqlalchemy import update
        self.session.execute(update(CONSULTATIONS).where(CONSULTATIONS.c.dossier_id == dossier_id)
                             .values(opened_by=CONSULTATIONS.c.opened_by))
        return self.consultation(dossier_id)

    def online_counts(self, consultation_id: int, client: str, since: dt.datetime) -> tuple[int, int]:
        """(online comments this client gave in this consultation since `since`, online comments of this
        consultation waiting for moderation)."""
        recent = self.session.scalar(select(func.count()).select_from(COMMENTS).where(
            COMMENTS.c.consultation_id == consultation_id, COMMENTS.c.source == "online",
            COMMENTS.c.client == client, COMMENTS.c.submitted_at >= since)) or 0
        pending = self.session.scalar(select(func.count()).select_from(COMMENTS).where(
            COMMENTS.c.consultation_id == consultation_id, COMMENTS.c.source == "online",
            COMMENTS.c.moderation == "pending")) or 0
        return recent, pending

    def online_since(self, since: dt.datetime) -> int:
        """Online comments given anywhere on the site since `since` (the site-wide cap)."""
        return self.session.scalar(select(func.count()).select_from(COMMENTS).where(
            COMMENTS.c.source == "online", COMMENTS.c.submitted_at >= since)) or 0

    def online_duplicate(self, consultation_id: int, client: str, text: str) -> CommentRow | None:
        """The online comment this client already gave with these very words in this consultation, if any."""
        return rows.first(self.session, rows.of(self.session, COMMENTS).where(
            COMMENTS.c.consultation_id == consultation_id, COMMENTS.c.source == "online",
            COMMENTS.c.client == client, COMMENTS.c.text == text))

    # -- the desk's moderation queue (网上意见审核), a page at a time ------------------------------
    def online_page(self, consultation_id: int, moderation: Iterable[str], limit: int, offset: int) -> list[CommentRow]:
        """Online comments of the consultation in any of the `moderation` states, oldest first, `limit` of
        them from `offset` (one page of the queue)."""
        return rows.fetch(self.session, rows.of(self.session, COMMENTS).where(
            COMMENTS.c.consultation_id == consultation_id, COMMENTS.c.source == "online",
            COMMENTS.c.moderation.in_(list(moderation))).order_by(COMMENTS.c.id).limit(limit).offset(offset))

    def online_count(self, consultation_id: int, moderation: Iterable[str]) -> int:
        """How many online comments of the consultation are in any of the `moderation` states."""
        return self.session.scalar(select(func.count()).select_from(COMMENTS).where(
            COMMENTS.c.consultation_id == consultation_id, COMMENTS.c.source == "online",
            COMMENTS.c.moderation.in_(list(moderation)))) or 0

    # -- the desk's 意见采纳情况表, a page at a time ----------------------------------------------
    @staticmethod
    def _counted():
        """In the adoption table: every imported comment (source 'imported' or, in older rows, none) and
        the online ones the office accepted (services.review.consultation.CommentView.counted)."""
        return or_(COMMENTS.c.source.is_(None), COMMENTS.c.source != "online", COMMENTS.c.moderation == "accepted")

    def counted_page(self, consultation_id: int, limit: int, offset: int) -> list[CommentRow]:
        """The comments of the adoption table in the order they were recorded, `limit` of them from `offset`."""
        return rows.fetch(self.session, rows.of(self.session, COMMENTS).where(
            COMMENTS.c.consultation_id == consultation_id, self._counted())
            .order_by(COMMENTS.c.id).limit(limit).offset(offset))

    def comment_tallies(self, consultation_id: int) -> list[tuple[str | None, str | None, str | None, int]]:
        """(source, moderation, adopted, how many) for every combination the consultation's comments have:
        the counts of the consultation without reading each comment."""
        return [(s, m, a, n) for s, m, a, n in self.session.execute(
            select(COMMENTS.c.source, COMMENTS.c.moderation, COMMENTS.c.adopted, func.count())
            .where(COMMENTS.c.consultation_id == consultation_id)
            .group_by(COMMENTS.c.source, COMMENTS.c.moderation, COMMENTS.c.adopted))]
