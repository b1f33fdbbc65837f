"""Queries for the normative-document register: entries, links, searches, report figures (issue 12:
repositories own every query). Reached as `uow.register`; the rules are in publishing/register_rules.py,
the actions in services/register/."""
from __future__ import annotations

from collections import defaultdict
from functools import cache

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session

from documents.problems import Refused, problem
from storage import register_search
from storage.public import public_dossier
from storage.tables import (DossierRow, FileRow, GazetteIssueItemRow, GazetteIssueRow, GazetteItemRow, PageRow,
                            RegisterEntryRow, RegisterLinkRow, VersionRow)

FEW = 500       # up to this many ids are asked for by name; more, and the whole table is read once


# The statements an entry's view reads (services/register/life.views: the public entry page, the desk's) are
# built once and kept, the names asked for an expanding bound parameter, as storage/repos/public_site.py
# does: building a statement (and the by_entry alias's columns) cost more than SQLite's answer.

def _ids(name: str = "ids"):
    return bindparam(name, expanding=True)


@cache
def _by_number():
    return select(RegisterEntryRow).where(RegisterEntryRow.registration_number == bindparam("number")).limit(1)


@cache
def _by_ids():
    return select(RegisterEntryRow).where(RegisterEntryRow.id.in_(_ids()))


@cache
def _links(named: bool):
    by = RegisterEntryRow.__table__.alias("by_entry")
    q = (select(RegisterLinkRow, RegisterEntryRow.registration_number, by.c.registration_number)
         .join(RegisterEntryRow, RegisterEntryRow.id == RegisterLinkRow.entry_id)
         .outerjoin(by, by.c.id == RegisterLinkRow.by_entry_id)
         .order_by(RegisterLinkRow.at, RegisterLinkRow.id))
    if named:
        q = q.where(or_(RegisterLinkRow.entry_id.in_(_ids()), RegisterLinkRow.by_entry_id.in_(_ids("ids2"))))
    return q


@cache
def _placements(named: bool):
    q = (select(GazetteItemRow.dossier_id, GazetteIssueRow)
         .join(GazetteIssueItemRow, GazetteIssueItemRow.item_id == GazetteItemRow.id)
         .join(GazetteIssueRow, GazetteIssueRow.id == GazetteIssueItemRow.issue_id)
         .where(GazetteIssueRow.status == "released")
         .order_by(GazetteIssueRow.release_date))
    return q.where(GazetteItemRow.dossier_id.in_(_ids())) if named else q


@cache
def _withheld(named: bool):
    q = select(DossierRow).where(DossierRow.withheld_at.is_not(None))
    return q.where(DossierRow.id.in_(_ids())) if named else q


@cache
def _in_emergency(named: bool):
    q = select(DossierRow.id).where(DossierRow.emergency_reason.is_not(None))
    return q.where(DossierRow.id.in_(_ids())) if named else q


@cache
def _effective_dates():
    return select(RegisterEntryRow.registration_number, RegisterEntryRow.effective_date).where(
        RegisterEntryRow.registration_number.in_(_ids()))


class RegisterRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- entries ------------------------------------------------------------------------------
    def entries(self, status: str | None = None, *, public: bool = False) -> list[RegisterEntryRow]:
        """Entries in register order (year, serial), optionally of one status. public=True leaves out
        any entry whose dossier is not public now (storage/public.py, the one review.rules.is_public:
        不予公开, an unknown attribute, 撤回公开): a public output checks again rather than trust that
        such a document never got an entry."""
        q = select(RegisterEntryRow).order_by(RegisterEntryRow.year, RegisterEntryRow.serial)
        if status:
            q = q.filter_by(status=status)
        if public:
            q = q.join(DossierRow, DossierRow.id == RegisterEntryRow.dossier_id).where(public_dossier(DossierRow))
        return list(self.session.scalars(q))

    def newest(self, statuses: tuple[str, ...] | None, limit: int, *, public: bool = False) -> list[RegisterEntryRow]:
        """At most `limit` entries of these statuses (None: any), newest first (year, serial descending):
        a page of the register reads its rows, never the whole register. public=True as in `entries`."""
        q = select(RegisterEntryRow).order_by(RegisterEntryRow.year.desc(), RegisterEntryRow.serial.desc()).limit(limit)
        if statuses is not None:
            q = q.where(RegisterEntryRow.status.in_(statuses))
        if public:
            q = q.join(DossierRow, DossierRow.id == RegisterEntryRow.dossier_id).where(public_dossier(DossierRow))
        return list(self.session.scalars(q))

    def by_number(self, registration_number: str) -> RegisterEntryRow | None:
        """The entry with this registration number, if any."""
        return self.session.scalars(_by_number(), {"number": registration_number}).first()

    def require(self, registration_number: str) -> RegisterEntryRow:
        """The entry with this registration number, or Refused(not_found)."""
        e = self.by_number(registration_number)
        if e is None:
            raise Refused(problem("not_found", f"台帐中没有登记号 {registration_number}"))
        return e

    def entry_for(self, dossier_id: str) -> RegisterEntryRow | None:
        """The dossier's entry, if it was published."""
        return self.session.scalars(select(RegisterEntryRow).filter_by(dossier_id=dossier_id)).first()

    def by_ids(self, ids: list[int]) -> list[RegisterEntryRow]:
        """The entries with these ids, in the order given (ids not found are left out)."""
        if not ids:
            return []
        rows = {e.id: e for e in self.session.scalars(_by_ids(), {"ids": list(ids)})}
        return [rows[i] for i in ids if i in rows]

    def max_serial(self, year: int) -> int:
        """The highest serial the year's entries hold (0 for none): the floor of the year's
        "register" counter (storage/counters.py) when a home from before the counters first takes one."""
        return self.session.scalar(select(func.max(RegisterEntryRow.serial)).filter_by(year=year)) or 0

    # -- links ----------------------------------------------------------------------------------
    def links(self, entry_ids: list[int] | None = None) -> list[tuple[RegisterLinkRow, str, str | None]]:
        """Every link as (link, entry's number, acting entry's number or None), oldest first;
        with entry_ids, only the links those entries take part in."""
        if entry_ids is None:
            return [tuple(r) for r in self.session.execute(_links(False))]
        if not entry_ids:
            return []
        ids = list(entry_ids)
        return [tuple(r) for r in self.session.execute(_links(True), {"ids": ids, "ids2": ids})]

    def is_amended(self, entry_id: int, by_entry_id: int | None = None) -> bool:
        """Whether an amendment of the entry is recorded (with by_entry_id: one by that entry)."""
        q = select(RegisterLinkRow.id).filter_by(kind="amend", entry_id=entry_id)
        if by_entry_id is not None:
            q = q.filter_by(by_entry_id=by_entry_id)
        return self.session.scalars(q.limit(1)).first() is not None

    # -- what an entry shows besides itself ------------------------------------------------------
    def placements(self, dossier_ids: list[str] | None = None) -> dict[str, GazetteIssueRow]:
        """dossier → the released gazette issue that carries it (a draft issue does not count yet)."""
        if dossier_ids is not None and not dossier_ids:
            return {}
        rows = (self.session.execute(_placements(False)) if dossier_ids is None
                else self.session.execute(_placements(True), {"ids": list(dossier_ids)}))
        found: dict[str, GazetteIssueRow] = {}
        for dossier, issue in rows:
            found.setdefault(dossier, issue)     # the first issue to carry it is where it was published
        return found

    def withheld(self, dossier_ids: list[str]) -> dict[str, DossierRow]:
        """Of these dossiers, those withheld (撤回公开), by id."""
        if not dossier_ids:
            return {}
        named = len(dossier_ids) <= FEW
        wanted = set(dossier_ids)
        rows = self.session.scalars(_withheld(named), {"ids": list(dossier_ids)} if named else {})
        return {d.id: d for d in rows if d.id in wanted}

    def signed_in_emergency(self, dossier_ids: list[str]) -> list[str]:
        """Of these dossiers, those signed off in an emergency (dossiers.emergency_reason set)."""
        if not dossier_ids:
            return []
        named = len(dossier_ids) <= FEW
        wanted = set(dossier_ids)
        return [d for d in self.session.scalars(_in_emergency(named), {"ids": list(dossier_ids)} if named else {})
                if d in wanted]

    # -- annual-report figures ----------------------------------------------------------------------
    def published_roles(self) -> dict[str, set[str]]:
        """dossier → the roles of the files in the version it was published from (its gazette item)."""
        q = (select(GazetteItemRow.dossier_id, FileRow.role)
             .join(VersionRow, (VersionRow.dossier_id == GazetteItemRow.dossier_id)
                   & (VersionRow.fingerprint == GazetteItemRow.fingerprint))
             .join(FileRow, FileRow.version_id == VersionRow.id))
        roles: dict[str, set[str]] = defaultdict(set)
        for dossier, role in self.session.execute(q):
            roles[dossier].add(role)
        return roles

    def page_releases(self) -> list[tuple[str, str, object]]:
        """Every released site page as (dossier, page kind, released_at)."""
        return [tuple(r) for r in self.session.execute(select(PageRow.dossier_id, PageRow.kind, PageRow.released_at))]

    # -- search (storage/register_search.py) ---------------------------------------------------------
    def index_entry(self, registration_number: str) -> None:
        """(Re)write one entry's search-index row in this transaction (SQLite; PostgreSQL keeps its own)."""
        self.session.flush()
        e = self.by_number(registration_number)
        if e is not None:
            register_search.index_entry(self.session, e)

    def search_ids(self, text: str, status: str | None = None,
                   limit: int = register_search.DEFAULT_LIMIT) -> list[int]:
        """Ids of the public entries whose title, document number, organ or registration number holds
        `text` (and of `status`), newest first."""
        return register_search.search_ids(self.session, text, status, limit)

    # -- the annual report's table (publishing/annual_table.py) ---------------------------------------
    def entry_kinds(self) -> dict[str, str]:
        """dossier → its kind (文件类别: 行政规范性文件, 政府规章, …) for every dossier with an entry."""
        q = select(DossierRow.id, DossierRow.kind).join(RegisterEntryRow, RegisterEntryRow.dossier_id == DossierRow.id)
        return {d: k for d, k in self.session.execute(q)}

    # -- issue 15 item 6: amendments dated by the amending document ---------------------------------
    def effective_dates(self, numbers: set[str]) -> dict[str, object]:
        """Registration number → its 施行日期 (None while 待定), for these numbers."""
        if not numbers:
            return {}
        return {n: d for n, d in self.session.execute(_effective_dates(), {"ids": list(numbers)})}

    def amended_by_entry(self, entry_id: int) -> list[RegisterEntryRow]:
        """The entries the entry amends (register_links of kind amend it acts in)."""
        q = (select(RegisterEntryRow).join(RegisterLinkRow, RegisterLinkRow.entry_id == RegisterEntryRow.id)
             .where(RegisterLinkRow.kind == "amend", RegisterLinkRow.by_entry_id == entry_id))
        return list(self.session.scalars(q))

    # -- issue 15 item 6: a repeal dated by the repealing document ----------------------------------
    def repeal_of(self, entry_id: int) -> str | None:
        """The registration number of the document recorded to repeal the entry, when that repeal is
        still to come (the entry not repealed yet); None otherwise."""
        by = RegisterEntryRow.__table__.alias("by_entry")
        q = (select(by.c.registration_number).select_from(RegisterLinkRow)
             .join(by, by.c.id == RegisterLinkRow.by_entry_id)
             .join(RegisterEntryRow, RegisterEntryRow.id == RegisterLinkRow.entry_id)
             .where(RegisterLinkRow.kind == "repeal", RegisterLinkRow.entry_id == entry_id,
                    RegisterEntryRow.status != "repealed", by.c.status.not_in(("repealed", "expired"))))
        return self.session.scalars(q.limit(1)).first()

    def repeals_by(self, entry_id: int) -> list[tuple[RegisterLinkRow, RegisterEntryRow]]:
        """The repeals the entry was recorded to make: (link, the entry it repeals), oldest first."""
        q = (select(RegisterLinkRow, RegisterEntryRow)
             .join(RegisterEntryRow, RegisterEntryRow.id == RegisterLinkRow.entry_id)
             .where(RegisterLinkRow.kind == "repeal", RegisterLinkRow.by_entry_id == entry_id)
             .order_by(RegisterLinkRow.at, RegisterLinkRow.id))
        return [tuple(r) for r in self.session.execute(q)]

    # -- a gazette release dates its entries together (services/register/life.date_on_release) -------
    def entries_for(self, dossier_ids: list[str]) -> dict[str, RegisterEntryRow]:
        """dossier → its entry (the first recorded), for many dossiers in one query."""
        q = select(RegisterEntryRow).order_by(RegisterEntryRow.id)
        if len(dossier_ids) <= FEW:
            q = q.where(RegisterEntryRow.dossier_id.in_(dossier_ids))
        wanted, out = set(dossier_ids), {}
        for e in self.session.scalars(q):
            if e.dossier_id in wanted:
                out.setdefault(e.dossier_id, e)
        return out

    def links_acting(self, entry_ids: list[int]) -> dict[int, dict[str, list[tuple[RegisterLinkRow, RegisterEntryRow]]]]:
        """entry → {"amend": [...], "repeal": [...]}: the links it acts in (by_entry_id), each with the
        entry acted on, oldest first; and under "amended", the links that amend the entry itself. One
        query for what `amended_by_entry`, `repeals_by` and `is_amended` answer one entry at a time."""
        ids = set(entry_ids)
        out: dict[int, dict[str, list]] = {i: {"amend": [], "repeal": [], "amended": []} for i in ids}
        q = (select(RegisterLinkRow, RegisterEntryRow)
             .join(RegisterEntryRow, RegisterEntryRow.id == RegisterLinkRow.entry_id)
             .where(RegisterLinkRow.kind.in_(("amend", "repeal")))
             .order_by(RegisterLinkRow.at, RegisterLinkRow.id))
        if len(ids) <= FEW:
            q = q.where(RegisterLinkRow.by_entry_id.in_(ids) | RegisterLinkRow.entry_id.in_(ids))
        for link, target in self.session.execute(q):
            if link.by_entry_id in ids:
                out[link.by_entry_id][link.kind].append((link, target))
            if link.kind == "amend" and link.entry_id in ids:
                out[link.entry_id]["amended"].append((link, target))
        return out
