"""Dossiers, versions and decisions in the database, converted to and from domain values."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from documents.models import DocumentMeta
from documents.problems import Refused
from review import rules
from review.config import Pipeline
from review.decisions import DossierView
from review.units import same_unit
from review.model import Reason, StageDecided, Version, VersionFile
from storage.tables import ConsultationRow, DecisionRow, DerivedObjectRow, DossierRow, FileRow, VersionRow


class Dossiers:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, dossier_id: str) -> DossierRow | None:
        """The dossier, or None when there is none with this id."""
        return self.session.get(DossierRow, dossier_id)

    def require(self, dossier_id: str) -> DossierRow:
        """The dossier, or Refused(not_found) — what a missing one answers (review.rules.not_found)."""
        row = self.session.get(DossierRow, dossier_id)
        if row is None:
            raise Refused(rules.not_found(dossier_id))
        return row

    def view(self, dossier_id: str) -> tuple[DossierRow, DossierView]:
        """The dossier and what the rules read of it (state, kind, unit, submitters, current version),
        or Refused(not_found)."""
        row = self.require(dossier_id)
        view = DossierView(id=row.id, state=row.state, kind=row.kind, drafting_unit=row.drafting_unit,
                           submitters=self.submitters(dossier_id),
                           current=self.version(dossier_id, row.current_version),
                           emergency=row.emergency_reason is not None)
        return row, view

    def find_open(self, drafting_unit: str, doc_number: str | None, title: str | None) -> DossierRow | None:
        """A dossier the unit still has under way with this policy (by number, else by title)."""
        q = select(DossierRow).where(DossierRow.state.not_in(["published", "registered"]))
        if doc_number:
            q = q.where(DossierRow.doc_number == doc_number)
        elif title:
            q = q.where(DossierRow.title == title)
        else:
            return None
        rows = [r for r in self.session.scalars(q) if same_unit(r.drafting_unit, drafting_unit)]
        return rows[0] if rows else None

    def by_fingerprint(self, fingerprint: str, drafting_unit: str) -> VersionRow | None:
        """A version with these exact files, of one of this unit's dossiers (another unit's identical
        bundle is not a duplicate of it, and must not learn that it exists)."""
        q = (select(VersionRow).join(DossierRow, DossierRow.id == VersionRow.dossier_id)
             .where(VersionRow.fingerprint == fingerprint, DossierRow.drafting_unit == drafting_unit))
        return self.session.scalars(q.limit(1)).first()

    def next_id(self, year: int) -> str:
        """D2026-0001, …: from the year's locking counter, taken in the transaction that adds it."""
        from storage.counters import take
        prefix = f"D{year}-"
        n = take(self.session, "dossier", year, lambda: self.session.scalar(
            select(func.count()).select_from(DossierRow).where(DossierRow.id.like(prefix + "%"))) or 0)
        return f"{prefix}{n:04d}"

    def add(self, row: DossierRow) -> None:
        """Add a new dossier, written at once (its id is taken)."""
        self.session.add(row)
        self.session.flush()

    def add_version(self, version: Version, at: dt.datetime, problems: list[dict]) -> VersionRow:
        """Add a version and its files, with the intake problems found in it."""
        row = VersionRow(dossier_id=version.dossier_id, number=version.number,
                         fingerprint=version.fingerprint, kind=version.kind,
                         drafting_unit=version.drafting_unit, submitted_by=version.submitted_by,
                         submitted_by_unit=version.submitted_by_unit, submitted_at=at, problems=problems,
                         pipeline=version.pipeline.model_dump(mode="json") if version.pipeline else None)
        self.session.add(row)
        self.session.flush()
        for f in version.files:
            self.session.add(FileRow(version_id=row.id, name=f.name, role=f.role, sha256=f.sha256,
                                     size=f.size, meta=f.meta.model_dump(mode="json") if f.meta else None))
        self.session.flush()
        return row

    def version_row(self, dossier_id: str, number: int) -> VersionRow | None:
        """The stored row of the dossier's version `number`, or None."""
        return self.session.scalars(select(VersionRow).filter_by(dossier_id=dossier_id, number=number)).first()

    def version(self, dossier_id: str, number: int) -> Version | None:
        """The dossier's version `number` with its files, as a domain value; None when there is none."""
        row = self.version_row(dossier_id, number)
        if row is None:
            return None
        files = self.session.scalars(select(FileRow).filter_by(version_id=row.id).order_by(FileRow.id))
        return Version(
            dossier_id=dossier_id, number=row.number, fingerprint=row.fingerprint, kind=row.kind,
            drafting_unit=row.drafting_unit, submitted_by=row.submitted_by,
            submitted_by_unit=row.submitted_by_unit,
            pipeline=Pipeline.model_validate(row.pipeline) if row.pipeline else None,
            files=tuple(VersionFile(name=f.name, role=f.role, sha256=f.sha256, size=f.size,
                                    meta=DocumentMeta.model_validate(f.meta) if f.meta else None)
                        for f in files))

    def submitters(self, dossier_id: str) -> frozenset[str]:
        """Everyone who submitted a version of the dossier."""
        return frozenset(self.session.scalars(
            select(VersionRow.submitted_by).filter_by(dossier_id=dossier_id).distinct()))

    def decisions(self, dossier_id: str) -> list[StageDecided]:
        """The dossier's stage decisions, oldest first, as domain events."""
        rows = self.session.scalars(select(DecisionRow).filter_by(dossier_id=dossier_id).order_by(DecisionRow.id))
        return [StageDecided(dossier_id=r.dossier_id, actor=r.actor, at=r.at, stage=r.stage,
                             fingerprint=r.fingerprint, verdict=r.verdict, comment=r.comment, unit=r.unit,
                             role=r.role, reasons=tuple(Reason.model_validate(x) for x in r.reasons or ()),
                             opinion_number=r.opinion_number)
                for r in rows]

    def add_decision(self, e: StageDecided, opinion_sha256: str | None = None) -> DecisionRow:
        """Record a stage decision (with its legality opinion's object, if one was issued)."""
        row = DecisionRow(dossier_id=e.dossier_id, fingerprint=e.fingerprint, stage=e.stage,
                          verdict=e.verdict, actor=e.actor, unit=e.unit, comment=e.comment, at=e.at,
                          role=e.role, reasons=[r.model_dump(mode="json") for r in e.reasons] or None,
                          opinion_number=e.opinion_number, opinion_sha256=opinion_sha256)
        self.session.add(row)
        self.session.flush()
        # Read back as stored, so `decisions()` in this transaction gives its time as the database
        # gives every other one (SQLite drops the zone): the gate sorts them together.
        self.session.refresh(row)
        return row

    def consultation(self, dossier_id: str) -> ConsultationRow | None:
        """The dossier's comment period, if one was opened (services use uow.review.consultation)."""
        return self.session.scalars(select(ConsultationRow).filter_by(dossier_id=dossier_id)).first()

    def by_ids(self, ids: set[str]) -> dict[str, DossierRow]:
        """The dossiers with these ids, by id (missing ones absent)."""
        if not ids:
            return {}
        return {r.id: r for r in self.session.scalars(select(DossierRow).where(DossierRow.id.in_(ids)))}

    def stored_objects(self, keys: list[str] | set[str]) -> set[str]:
        """Which of these object keys (sha256) a stored version's file names."""
        if not keys:
            return set()
        return set(self.session.scalars(select(FileRow.sha256).where(FileRow.sha256.in_(set(keys)))))

    def opinions(self, dossier_id: str) -> list[DecisionRow]:
        """The dossier's decisions that issued a legality opinion (numbered), oldest first."""
        return list(self.session.scalars(
            select(DecisionRow).where(DecisionRow.dossier_id == dossier_id, DecisionRow.opinion_number.is_not(None))
            .order_by(DecisionRow.id)))

    def versions_by_fingerprint(self, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], Version]:
        """Many (dossier, fingerprint) versions in two queries (a gazette issue reads a hundred)."""
        if not pairs:
            return {}
        dossiers = {d for d, _ in pairs}
        rows = [r for r in self.session.scalars(select(VersionRow).where(VersionRow.dossier_id.in_(dossiers)))
                if (r.dossier_id, r.fingerprint) in pairs]
        files: dict[int, list[FileRow]] = {r.id: [] for r in rows}
        if rows:
            for f in self.session.scalars(select(FileRow).where(FileRow.version_id.in_(files)).order_by(FileRow.id)):
                files[f.version_id].append(f)
        return {(r.dossier_id, r.fingerprint): Version(
            dossier_id=r.dossier_id, number=r.number, fingerprint=r.fingerprint, kind=r.kind,
            drafting_unit=r.drafting_unit, submitted_by=r.submitted_by, submitted_by_unit=r.submitted_by_unit,
            pipeline=Pipeline.model_validate(r.pipeline) if r.pipeline else None,
            files=tuple(VersionFile(name=f.name, role=f.role, sha256=f.sha256, size=f.size,
                                    meta=DocumentMeta.model_validate(f.meta) if f.meta else None)
                        for f in files[r.id]))
            for r in rows}

    def list(self, limit: int = 100) -> list[DossierRow]:
        """The newest dossiers first, at most `limit`."""
        return list(self.session.scalars(select(DossierRow).order_by(DossierRow.created_at.desc()).limit(limit)))


    def set_revision_note(self, dossier_id: str, number: int, note: dict) -> None:
        """Store the 修改说明 a version carries (review/revision.py note())."""
        row = self.version_row(dossier_id, number)
        row.revision_note = note
        self.session.flush()

    def revision_notes(self, dossier_id: str) -> list[tuple[int, str, dict | None]]:
        """(number, fingerprint, stored 修改说明) of every version of the dossier, oldest first."""
        q = (select(VersionRow.number, VersionRow.fingerprint, VersionRow.revision_note)
             .filter_by(dossier_id=dossier_id).order_by(VersionRow.number))
        return [(n, fp, note) for n, fp, note in self.session.execute(q)]


def versions_by_fingerprint(session: Session, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], Version]:
    """Many (dossier, fingerprint) versions in two queries; services call
    `uow.dossiers.versions_by_fingerprint(pairs)` (this stays for storage code holding a session)."""
    return Dossiers(session).versions_by_fingerprint(pairs)


class DerivedObjects:
    """Which stored object was made from which original, by what (storage/tables.DerivedObjectRow)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, sources: set[str], kind: str, maker: str) -> dict[str, str]:
        """original sha256 → derived object sha256, for those of `sources` already made."""
        if not sources:
            return {}
        q = (select(DerivedObjectRow.source_sha256, DerivedObjectRow.object_sha256)
             .where(DerivedObjectRow.source_sha256.in_(sources))
             .filter_by(kind=kind, maker=maker))
        return {source: obj for source, obj in self.session.execute(q)}

    def record(self, source: str, kind: str, maker: str, obj: str, at: dt.datetime) -> None:
        self.session.add(DerivedObjectRow(source_sha256=source, kind=kind, maker=maker, object_sha256=obj,
                                          created_at=at))

    def put(self, source: str, kind: str, maker: str, obj: str, at: dt.datetime) -> None:
        """Record `obj` as what `maker` made of `source`, replacing an earlier one (a revision)."""
        row = self.session.get(DerivedObjectRow, (source, kind, maker))
        if row is None:
            self.session.add(DerivedObjectRow(source_sha256=source, kind=kind, maker=maker, object_sha256=obj,
                                              created_at=at))
        else:
            row.object_sha256, row.created_at = obj, at
        self.session.flush()
