"""Dossiers, versions and decisions in the database, converted to and from domain values."""
from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict

from typing import TYPE_CHECKING

from sqlalchemy import func, select, update

from documents.models import DocumentMeta
from documents.problems import Refused
from review import rules
from review.config import Pipeline
from review.decisions import DossierView
from review.units import same_unit
from review.model import Reason, StageDecided, Version, VersionFile
from storage import rows, schema

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.tables import ConsultationRow, DecisionRow, DossierRow, VersionRow

# Queries name the tables' columns (storage/rows.py): a write unit gets mapped rows, a read unit read-only ones.
D, V, F, DEC = schema.dossiers, schema.versions, schema.version_files, schema.decisions


class Dossiers:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, dossier_id: str) -> DossierRow | None:
        """The dossier, or None when there is none with this id."""
        return rows.get(self.session, D, dossier_id)

    def require(self, dossier_id: str) -> DossierRow:
        """The dossier, or Refused(not_found) — what a missing one answers (review.rules.not_found)."""
        row = rows.get(self.session, D, dossier_id)
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
        q = rows.of(self.session, D).where(D.c.state.not_in(["published", "registered"]))
        if doc_number:
            q = q.where(D.c.doc_number == doc_number)
        elif title:
            q = q.where(D.c.title == title)
        else:
            return None
        found = [r for r in rows.fetch(self.session, q) if same_unit(r.drafting_unit, drafting_unit)]
        return found[0] if found else None

    def by_fingerprint(self, fingerprint: str, drafting_unit: str) -> VersionRow | None:
        """A version with these exact files, of one of this unit's dossiers (another unit's identical
        bundle is not a duplicate of it, and must not learn that it exists)."""
        q = (rows.of(self.session, V).join(D, D.c.id == V.c.dossier_id)
             .where(V.c.fingerprint == fingerprint, D.c.drafting_unit == drafting_unit))
        return rows.first(self.session, q)

    def next_id(self, year: int) -> str:
        """D2026-0001, …: from the year's locking counter, taken in the transaction that adds it."""
        from storage.counters import take
        prefix = f"D{year}-"
        n = take(self.session, "dossier", year, lambda: self.session.scalar(
            select(func.count()).select_from(D).where(D.c.id.like(prefix + "%"))) or 0)
        return f"{prefix}{n:04d}"

    def add(self, row: DossierRow) -> None:
        """Add a new dossier, written at once (its id is taken)."""
        self.session.add(row)
        self.session.flush()

    def add_version(self, version: Version, at: dt.datetime, problems: list[dict]) -> VersionRow:
        """Add a version and its files, with the intake problems found in it."""
        from storage.tables import FileRow, VersionRow
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
        return rows.first(self.session, rows.of(self.session, V).where(V.c.dossier_id == dossier_id, V.c.number == number))

    def version(self, dossier_id: str, number: int) -> Version | None:
        """The dossier's version `number` with its files, as a domain value; None when there is none."""
        row = self.version_row(dossier_id, number)
        if row is None:
            return None
        return _as_version(row, rows.fetch(self.session, rows.of(self.session, F).where(F.c.version_id == row.id)
                                           .order_by(F.c.id)))

    def submitters(self, dossier_id: str) -> frozenset[str]:
        """Everyone who submitted a version of the dossier."""
        return frozenset(self.session.scalars(
            select(V.c.submitted_by).where(V.c.dossier_id == dossier_id).distinct()))

    def decisions(self, dossier_id: str) -> list[StageDecided]:
        """The dossier's stage decisions, oldest first, as domain events."""
        found = rows.fetch(self.session, rows.of(self.session, DEC).where(DEC.c.dossier_id == dossier_id)
                           .order_by(DEC.c.id))
        return [_decided(r) for r in found]

    def add_decision(self, e: StageDecided, opinion_sha256: str | None = None) -> DecisionRow:
        """Record a stage decision (with its legality opinion's object, if one was issued)."""
        from storage.tables import DecisionRow
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
        C = schema.consultations
        return rows.first(self.session, rows.of(self.session, C).where(C.c.dossier_id == dossier_id))

    def by_ids(self, ids: set[str]) -> dict[str, DossierRow]:
        """The dossiers with these ids, by id (missing ones absent)."""
        if not ids:
            return {}
        return {r.id: r for r in rows.fetch(self.session, rows.of(self.session, D).where(D.c.id.in_(ids)))}

    def stored_objects(self, keys: list[str] | set[str]) -> set[str]:
        """Which of these object keys (sha256) a stored version's file names."""
        if not keys:
            return set()
        return set(self.session.scalars(select(F.c.sha256).where(F.c.sha256.in_(set(keys)))))

    def opinions(self, dossier_id: str) -> list[DecisionRow]:
        """The dossier's decisions that issued a legality opinion (numbered), oldest first."""
        return rows.fetch(self.session, rows.of(self.session, DEC)
                          .where(DEC.c.dossier_id == dossier_id, DEC.c.opinion_number.is_not(None)).order_by(DEC.c.id))

    def versions_by_fingerprint(self, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], Version]:
        """Many (dossier, fingerprint) versions in two queries (a gazette issue reads a hundred)."""
        if not pairs:
            return {}
        dossiers = {d for d, _ in pairs}
        found = [r for r in rows.fetch(self.session, rows.of(self.session, V).where(V.c.dossier_id.in_(dossiers)))
                 if (r.dossier_id, r.fingerprint) in pairs]
        files: dict[int, list] = {r.id: [] for r in found}
        if found:
            for f in rows.fetch(self.session, rows.of(self.session, F).where(F.c.version_id.in_(files)).order_by(F.c.id)):
                files[f.version_id].append(f)
        return {(r.dossier_id, r.fingerprint): _as_version(r, files[r.id]) for r in found}

    def unit_names(self) -> list[str]:
        """Every drafting unit as dossiers name it (as many as there are units, not dossiers)."""
        return list(self.session.scalars(select(D.c.drafting_unit).distinct()))

    def of_units(self, names: list[str], limit: int) -> list[DossierRow]:
        """The newest dossiers of these drafting units (as unit_names() gives them), at most `limit`."""
        q = rows.of(self.session, D).where(D.c.drafting_unit.in_(names)).order_by(D.c.created_at.desc(), D.c.id.desc())
        return rows.fetch(self.session, q.limit(limit)) if names else []

    def in_states(self, states: tuple[str, ...]) -> list[DossierRow]:
        """Every dossier in these states, the longest waiting first: a queue never drops one, however
        many dossiers came after it."""
        q = rows.of(self.session, D).where(D.c.state.in_(list(states))).order_by(D.c.created_at, D.c.id)
        return rows.fetch(self.session, q)

    def views_of(self, found: list[DossierRow]) -> dict[str, DossierView]:
        """view() of many dossiers at once, by id: a few queries a chunk instead of four a dossier (a
        review queue and 待签发 read every open dossier). A current version this process has built
        before is taken as built (`_BUILT`): its row and files are not read again."""
        out: dict[str, DossierView] = {}
        where = _database_of(self.session)
        for chunk in rows.chunks(found):
            numbers = {r.id: r.current_version for r in chunk}
            submitters: dict[str, set[str]] = {r.id: set() for r in chunk}
            current: dict[str, Version | None] = {}
            wanted: dict[int, tuple] = {}            # version row id -> its key in _BUILT, for those to build
            for d, number, vid, fingerprint, by, *rest in self.session.execute(
                    select(V.c.dossier_id, V.c.number, V.c.id, V.c.fingerprint, V.c.submitted_by, *_SUBMISSION)
                    .where(V.c.dossier_id.in_(list(numbers)))):
                submitters[d].add(by)
                if number == numbers[d]:
                    key = (where, vid, d, number, fingerprint, by, *rest)
                    with _BUILT_LOCK:
                        current[d] = _BUILT.get(key)
                    if current[d] is None:
                        wanted[vid] = key
            if wanted:
                files: dict[int, list] = {vid: [] for vid in wanted}
                for f in rows.fetch(self.session, rows.of(self.session, F).where(F.c.version_id.in_(list(wanted)))
                                    .order_by(F.c.id)):
                    files[f.version_id].append(f)
                for v in rows.fetch(self.session, rows.of(self.session, V).where(V.c.id.in_(list(wanted)))):
                    current[v.dossier_id] = _built(wanted[v.id], _as_version(v, files[v.id]))
            for r in chunk:
                out[r.id] = DossierView(id=r.id, state=r.state, kind=r.kind, drafting_unit=r.drafting_unit,
                                        submitters=frozenset(submitters[r.id]), current=current.get(r.id),
                                        emergency=r.emergency_reason is not None)
        return out

    def decisions_of(self, ids: list[str]) -> dict[str, list[StageDecided]]:
        """decisions() of many dossiers at once, by id (every id present, oldest decision first)."""
        out: dict[str, list[StageDecided]] = {d: [] for d in ids}
        for chunk in rows.chunks(ids):
            for r in rows.fetch(self.session, rows.of(self.session, DEC).where(DEC.c.dossier_id.in_(chunk))
                                .order_by(DEC.c.id)):
                out[r.dossier_id].append(_decided(r))
        return out


    def set_revision_note(self, dossier_id: str, number: int, note: dict) -> None:
        """Store the 修改说明 a version carries (review/revision.py note())."""
        row = self.version_row(dossier_id, number)
        row.revision_note = note
        self.session.flush()

    def revision_notes(self, dossier_id: str) -> list[tuple[int, str, dict | None]]:
        """(number, fingerprint, stored 修改说明) of every version of the dossier, oldest first."""
        q = (select(V.c.number, V.c.fingerprint, V.c.revision_note)
             .where(V.c.dossier_id == dossier_id).order_by(V.c.number))
        return [(n, fp, note) for n, fp, note in self.session.execute(q)]

    def hold(self, ids: set[str]) -> None:
        """Hold the dossiers' rows until the transaction ends (PostgreSQL: SELECT … FOR UPDATE, in id
        order): a change to them that commits meanwhile (撤回公开) waits for this work, or this work,
        reading them after the lock, sees it. SQLite has no row locks: a write that changes nothing
        takes its one writer's lock instead (as lock_consultation does)."""
        if not ids:
            return
        if self.session.get_bind().dialect.name == "sqlite":     # any write locks the whole file
            from sqlalchemy import false
            self.session.execute(update(D).where(false()).values(kind=D.c.kind))
        else:
            self.session.execute(select(D.c.id).where(D.c.id.in_(sorted(ids))).order_by(D.c.id).with_for_update())


# Versions a warm process (the desk) has built, by (database, version row id, dossier, number, fingerprint,
# submitter, their unit, drafting unit, kind, submission time). A stored version never changes (review/model.py
# Version: immutable, named by its files' fingerprint), so a queue that reads every open dossier on every page
# view builds each version's files (DocumentMeta from JSON, the most of its cost) once. Bounded;
# storage.unit.forget_database clears a database's. The row id alone does not name a submission: a database
# restored from an older dump under a running desk (PostgreSQL: its pool reconnects) gives the same id, dossier,
# number and files to another clerk's later submission, so the key names who sent it and when.
_BUILT: OrderedDict[tuple, Version] = OrderedDict()
_BUILT_SIZE = 8192
_BUILT_LOCK = threading.Lock()
_SUBMISSION = (V.c.submitted_by_unit, V.c.drafting_unit, V.c.kind, V.c.submitted_at)   # the key's rest


def _database_of(db) -> str:
    """Which database a session or connection reads (the URL, password hidden): part of _BUILT's key."""
    bind = db.engine if hasattr(db, "engine") else db.get_bind()
    return str(bind.url)


def _built(key: tuple, version: Version) -> Version:
    with _BUILT_LOCK:                     # the desk's threads share it
        _BUILT[key] = version
        _BUILT.move_to_end(key)
        while len(_BUILT) > _BUILT_SIZE:
            _BUILT.popitem(last=False)
    return version


def forget_versions(url: str) -> None:
    """Drop the versions built from the database at `url` (a restore replaced it)."""
    from sqlalchemy import make_url
    where = str(make_url(url))
    with _BUILT_LOCK:
        for key in [k for k in _BUILT if k[0] == where]:
            del _BUILT[key]


def _as_version(row, files: list) -> Version:
    """A stored version row and its file rows (in their stored order) as a domain value."""
    return Version(
        dossier_id=row.dossier_id, number=row.number, fingerprint=row.fingerprint, kind=row.kind,
        drafting_unit=row.drafting_unit, submitted_by=row.submitted_by, submitted_by_unit=row.submitted_by_unit,
        pipeline=Pipeline.model_validate(row.pipeline) if row.pipeline else None,
        files=tuple(VersionFile(name=f.name, role=f.role, sha256=f.sha256, size=f.size,
                                meta=DocumentMeta.model_validate(f.meta) if f.meta else None) for f in files))


def _decided(r) -> StageDecided:
    """A stored decision row as the domain event."""
    return StageDecided(dossier_id=r.dossier_id, actor=r.actor, at=r.at, stage=r.stage, fingerprint=r.fingerprint,
                        verdict=r.verdict, comment=r.comment, unit=r.unit, role=r.role,
                        reasons=tuple(Reason.model_validate(x) for x in r.reasons or ()),
                        opinion_number=r.opinion_number)


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
        X = schema.derived_objects
        q = (select(X.c.source_sha256, X.c.object_sha256)
             .where(X.c.source_sha256.in_(sources), X.c.kind == kind, X.c.maker == maker))
        return {source: obj for source, obj in self.session.execute(q)}

    def record(self, source: str, kind: str, maker: str, obj: str, at: dt.datetime) -> None:
        from storage.tables import DerivedObjectRow
        self.session.add(DerivedObjectRow(source_sha256=source, kind=kind, maker=maker, object_sha256=obj,
                                          created_at=at))

    def put(self, source: str, kind: str, maker: str, obj: str, at: dt.datetime) -> None:
        """Record `obj` as what `maker` made of `source`, replacing an earlier one (a revision)."""
        from storage.tables import DerivedObjectRow
        row = self.session.get(DerivedObjectRow, (source, kind, maker))
        if row is None:
            self.session.add(DerivedObjectRow(source_sha256=source, kind=kind, maker=maker, object_sha256=obj,
                                              created_at=at))
        else:
            row.object_sha256, row.created_at = obj, at
        self.session.flush()
