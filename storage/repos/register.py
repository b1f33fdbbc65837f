"""Queries for the normative-document register: entries, links, searches, report figures (issue 12:
repositories own every query). Reached as `uow.register`; the rules are in publishing/register_rules.py,
the actions in services/register/."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import cache

from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, or_, select, true

from documents.problems import Refused, problem
from storage import register_search, rows, schema
from storage.public import public_dossier
from storage.register_status import status_now

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.tables import DossierRow, GazetteIssueRow, RegisterEntryRow, RegisterLinkRow

# Queries name the tables' columns (storage/rows.py): a write unit gets mapped rows, a read unit read-only ones.
ENTRIES, LINKS, DOSSIERS = schema.register_entries, schema.register_links, schema.dossiers
ITEMS, ISSUES, PLACED = schema.gazette_items, schema.gazette_issues, schema.gazette_issue_items
FILES, VERSIONS, PAGES = schema.version_files, schema.versions, schema.pages

FEW = 500       # up to this many ids are asked for by name; more, and the whole table is read once


# The statements an entry's view reads (services/register/life.views: the public entry page, the desk's) are
# built once and kept, the names asked for an expanding bound parameter, as storage/repos/public_site.py
# does: building a statement (and the by_entry alias's columns) cost more than SQLite's answer.

def _ids(name: str = "ids"):
    return bindparam(name, expanding=True)


# Statements that select whole rows are kept per kind of unit (`read_only`: storage/rows.py).

@cache
def _by_number(read_only: bool):
    return rows.of(read_only, ENTRIES).where(ENTRIES.c.registration_number == bindparam("number")).limit(1)


@cache
def _by_ids(read_only: bool):
    return rows.of(read_only, ENTRIES).where(ENTRIES.c.id.in_(_ids()))


@cache
def _links(named: bool):
    """Each link's row with its entry's number (entry_number) and the acting entry's (by_number):
    read-only rows in every unit, for what an entry shows."""
    by = ENTRIES.alias("by_entry")
    q = (select(LINKS, ENTRIES.c.registration_number.label("entry_number"),
                by.c.registration_number.label("by_number"))
         .join(ENTRIES, ENTRIES.c.id == LINKS.c.entry_id)
         .outerjoin(by, by.c.id == LINKS.c.by_entry_id)
         .order_by(LINKS.c.at, LINKS.c.id))
    if named:
        q = q.where(or_(LINKS.c.entry_id.in_(_ids()), LINKS.c.by_entry_id.in_(_ids("ids2"))))
    return q


@cache
def _placements(named: bool):
    """The released issue's row with the dossier it carries (placed_dossier): read-only rows in every unit."""
    q = (select(ITEMS.c.dossier_id.label("placed_dossier"), ISSUES)
         .join(PLACED, PLACED.c.item_id == ITEMS.c.id)
         .join(ISSUES, ISSUES.c.id == PLACED.c.issue_id)
         .where(ISSUES.c.status == "released")
         .order_by(ISSUES.c.release_date))
    return q.where(ITEMS.c.dossier_id.in_(_ids())) if named else q


@cache
def _withheld(read_only: bool, named: bool):
    q = rows.of(read_only, DOSSIERS).where(DOSSIERS.c.withheld_at.is_not(None))
    return q.where(DOSSIERS.c.id.in_(_ids())) if named else q


@cache
def _in_emergency(named: bool):
    q = select(DOSSIERS.c.id).where(DOSSIERS.c.emergency_reason.is_not(None))
    return q.where(DOSSIERS.c.id.in_(_ids())) if named else q


@cache
def _effective_dates():
    return select(ENTRIES.c.registration_number, ENTRIES.c.effective_date).where(
        ENTRIES.c.registration_number.in_(_ids()))


class RegisterRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- entries ------------------------------------------------------------------------------
    def entries(self, status: str | None = None, *, public: bool = False,
                today: dt.date | None = None) -> list[RegisterEntryRow]:
        """Entries in register order (year, serial), optionally of one status: the stored one, or with
        `today` the status on that day (storage/register_status.py, as the pages show it). public=True
        leaves out any entry whose dossier is not public now (storage/public.py, the one
        review.rules.is_public: 不予公开, an unknown attribute, 撤回公开): a public output checks again
        rather than trust that such a document never got an entry."""
        q = rows.of(self.session, ENTRIES).order_by(ENTRIES.c.year, ENTRIES.c.serial)
        if status:
            q = q.where((ENTRIES.c.status if today is None else status_now(today)) == status)
        if public:
            q = q.join(DOSSIERS, DOSSIERS.c.id == ENTRIES.c.dossier_id).where(public_dossier(DOSSIERS))
        return rows.fetch(self.session, q)

    def newest(self, statuses: tuple[str, ...] | None, limit: int, *, public: bool = False,
               today: dt.date) -> list[RegisterEntryRow]:
        """At most `limit` entries of these statuses on `today` (None: any), newest first (year, serial
        descending): a page of the register reads its rows, never the whole register. public=True as in
        `entries`."""
        q = rows.of(self.session, ENTRIES).order_by(ENTRIES.c.year.desc(), ENTRIES.c.serial.desc()).limit(limit)
        if statuses is not None:
            q = q.where(status_now(today).in_(statuses))
        if public:
            q = q.join(DOSSIERS, DOSSIERS.c.id == ENTRIES.c.dossier_id).where(public_dossier(DOSSIERS))
        return rows.fetch(self.session, q)

    def by_number(self, registration_number: str) -> RegisterEntryRow | None:
        """The entry with this registration number, if any."""
        return rows.first(self.session, _by_number(rows.read_only(self.session)), {"number": registration_number})

    def require(self, registration_number: str) -> RegisterEntryRow:
        """The entry with this registration number, or Refused(not_found)."""
        e = self.by_number(registration_number)
        if e is None:
            raise Refused(problem("not_found", f"台帐中没有登记号 {registration_number}"))
        return e

    def entry_for(self, dossier_id: str) -> RegisterEntryRow | None:
        """The dossier's entry, if it was published."""
        return rows.first(self.session, rows.of(self.session, ENTRIES).where(ENTRIES.c.dossier_id == dossier_id))

    def by_ids(self, ids: list[int]) -> list[RegisterEntryRow]:
        """The entries with these ids, in the order given (ids not found are left out)."""
        if not ids:
            return []
        found = {e.id: e for e in rows.fetch(self.session, _by_ids(rows.read_only(self.session)), {"ids": list(ids)})}
        return [found[i] for i in ids if i in found]

    def max_serial(self, year: int) -> int:
        """The highest serial the year's entries hold (0 for none): the floor of the year's
        "register" counter (storage/counters.py) when a home from before the counters first takes one."""
        return self.session.scalar(select(func.max(ENTRIES.c.serial)).where(ENTRIES.c.year == year)) or 0

    # -- links ----------------------------------------------------------------------------------
    def links(self, entry_ids: list[int] | None = None) -> list[tuple[RegisterLinkRow, str, str | None]]:
        """Every link as (link, entry's number, acting entry's number or None), oldest first;
        with entry_ids, only the links those entries take part in. The links are read-only rows."""
        if entry_ids is None:
            found = self.session.execute(_links(False))
        elif not entry_ids:
            return []
        else:
            ids = list(entry_ids)
            found = self.session.execute(_links(True), {"ids": ids, "ids2": ids})
        return [(r, r.entry_number, r.by_number) for r in found]

    def is_amended(self, entry_id: int, by_entry_id: int | None = None) -> bool:
        """Whether an amendment of the entry is recorded (with by_entry_id: one by that entry)."""
        q = select(LINKS.c.id).where(LINKS.c.kind == "amend", LINKS.c.entry_id == entry_id)
        if by_entry_id is not None:
            q = q.where(LINKS.c.by_entry_id == by_entry_id)
        return self.session.scalars(q.limit(1)).first() is not None

    # -- what an entry shows besides itself ------------------------------------------------------
    def placements(self, dossier_ids: list[str] | None = None) -> dict[str, GazetteIssueRow]:
        """dossier → the released gazette issue that carries it (a draft issue does not count yet), as a
        read-only row."""
        if dossier_ids is not None and not dossier_ids:
            return {}
        placed = (self.session.execute(_placements(False)) if dossier_ids is None
                  else self.session.execute(_placements(True), {"ids": list(dossier_ids)}))
        found: dict[str, GazetteIssueRow] = {}
        for issue in placed:
            found.setdefault(issue.placed_dossier, issue)     # the first issue to carry it is where it was published
        return found

    def withheld(self, dossier_ids: list[str]) -> dict[str, DossierRow]:
        """Of these dossiers, those withheld (撤回公开), by id."""
        if not dossier_ids:
            return {}
        named = len(dossier_ids) <= FEW
        wanted = set(dossier_ids)
        found = rows.fetch(self.session, _withheld(rows.read_only(self.session), named),
                           {"ids": list(dossier_ids)} if named else {})
        return {d.id: d for d in found if d.id in wanted}

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
        q = (select(ITEMS.c.dossier_id, FILES.c.role)
             .join(VERSIONS, (VERSIONS.c.dossier_id == ITEMS.c.dossier_id)
                   & (VERSIONS.c.fingerprint == ITEMS.c.fingerprint))
             .join(FILES, FILES.c.version_id == VERSIONS.c.id))
        roles: dict[str, set[str]] = defaultdict(set)
        for dossier, role in self.session.execute(q):
            roles[dossier].add(role)
        return roles

    def page_releases(self) -> list[tuple[str, str, object]]:
        """Every released site page as (dossier, page kind, released_at)."""
        return [tuple(r) for r in self.session.execute(select(PAGES.c.dossier_id, PAGES.c.kind, PAGES.c.released_at))]

    # -- search (storage/register_search.py) ---------------------------------------------------------
    def index_entry(self, registration_number: str) -> None:
        """(Re)write one entry's search-index row in this transaction (SQLite; PostgreSQL keeps its own)."""
        self.session.flush()
        e = self.by_number(registration_number)
        if e is not None:
            register_search.index_entry(self.session, e)

    def search_ids(self, text: str, status: str | None = None,
                   limit: int = register_search.DEFAULT_LIMIT, *, today: dt.date) -> list[int]:
        """Ids of the public entries whose title, document number, organ or registration number holds
        `text` (and of `status` on `today`), newest first."""
        return register_search.search_ids(self.session, text, status, limit, today=today)

    # -- the annual report's table (publishing/annual_table.py) ---------------------------------------
    def entry_kinds(self) -> dict[str, str]:
        """dossier → its kind (文件类别: 行政规范性文件, 政府规章, …) for every dossier with an entry."""
        q = select(DOSSIERS.c.id, DOSSIERS.c.kind).join(ENTRIES, ENTRIES.c.dossier_id == DOSSIERS.c.id)
        return {d: k for d, k in self.session.execute(q)}

    # -- issue 15 item 6: amendments dated by the amending document ---------------------------------
    def effective_dates(self, numbers: set[str]) -> dict[str, object]:
        """Registration number → its 施行日期 (None while 待定), for these numbers."""
        if not numbers:
            return {}
        return {n: d for n, d in self.session.execute(_effective_dates(), {"ids": list(numbers)})}

    def amended_by_entry(self, entry_id: int) -> list[RegisterEntryRow]:
        """The entries the entry amends (register_links of kind amend it acts in)."""
        q = (rows.of(self.session, ENTRIES).join(LINKS, LINKS.c.entry_id == ENTRIES.c.id)
             .where(LINKS.c.kind == "amend", LINKS.c.by_entry_id == entry_id))
        return rows.fetch(self.session, q)

    # -- issue 15 item 6: a repeal dated by the repealing document ----------------------------------
    def repeal_of(self, entry_id: int) -> str | None:
        """The registration number of the document recorded to repeal the entry, when that repeal is
        still to come (the entry not repealed yet); None otherwise."""
        by = ENTRIES.alias("by_entry")
        q = (select(by.c.registration_number).select_from(LINKS)
             .join(by, by.c.id == LINKS.c.by_entry_id)
             .join(ENTRIES, ENTRIES.c.id == LINKS.c.entry_id)
             .where(LINKS.c.kind == "repeal", LINKS.c.entry_id == entry_id,
                    ENTRIES.c.status != "repealed", by.c.status.not_in(("repealed", "expired"))))
        return self.session.scalars(q.limit(1)).first()

    def repeals_by(self, entry_id: int) -> list[tuple[RegisterLinkRow, RegisterEntryRow]]:
        """The repeals the entry was recorded to make: (link, the entry it repeals), oldest first."""
        from storage.tables import RegisterEntryRow, RegisterLinkRow     # rows a write changes
        q = (select(RegisterLinkRow, RegisterEntryRow)
             .join(RegisterEntryRow, RegisterEntryRow.id == RegisterLinkRow.entry_id)
             .where(RegisterLinkRow.kind == "repeal", RegisterLinkRow.by_entry_id == entry_id)
             .order_by(RegisterLinkRow.at, RegisterLinkRow.id))
        return [tuple(r) for r in self.session.execute(q)]

    # -- a gazette release dates its entries together (services/register/life.date_on_release) -------
    def entries_for(self, dossier_ids: list[str]) -> dict[str, RegisterEntryRow]:
        """dossier → its entry (the first recorded), for many dossiers in one query."""
        q = rows.of(self.session, ENTRIES).order_by(ENTRIES.c.id)
        if len(dossier_ids) <= FEW:
            q = q.where(ENTRIES.c.dossier_id.in_(dossier_ids))
        wanted, out = set(dossier_ids), {}
        for e in rows.fetch(self.session, q):
            if e.dossier_id in wanted:
                out.setdefault(e.dossier_id, e)
        return out

    def links_acting(self, entry_ids: list[int]) -> dict[int, dict[str, list[tuple[RegisterLinkRow, RegisterEntryRow]]]]:
        """entry → {"amend": [...], "repeal": [...]}: the links it acts in (by_entry_id), each with the
        entry acted on, oldest first; and under "amended", the links that amend the entry itself. One
        query for what `amended_by_entry`, `repeals_by` and `is_amended` answer one entry at a time."""
        from storage.tables import RegisterEntryRow, RegisterLinkRow     # rows a write changes
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

    def hold(self, numbers: list[str] | None = None) -> None:
        """Hold the entries with these registration numbers (None: every entry) until the transaction
        ends, taken first, before they are read: a status change (废止, 修改, the scheduled expiry and
        taking effect) waits for another under way and then reads what it committed. PostgreSQL: SELECT …
        FOR UPDATE in id order; SQLite: a write that matches nothing takes its one writer's lock."""
        if self.session.get_bind().dialect.name == "sqlite":     # any write locks the whole file
            from sqlalchemy import false, update
            self.session.execute(update(ENTRIES).where(false()).values(status=ENTRIES.c.status))
            return
        where = ENTRIES.c.registration_number.in_(sorted(set(numbers))) if numbers is not None else true()
        self.session.execute(select(ENTRIES.c.id).where(where).order_by(ENTRIES.c.id).with_for_update())
