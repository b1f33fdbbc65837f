"""Queries for gazette issues, items, corrections and their release (issue 12: repositories own every query).

Issues (政府公报 期次), the items placed in them, the 更正启事 they print, and the numbers both get.
Item and notice numbers come from locking counters (storage/counters.py), taken in the transaction
that adds the row: never `max + 1`.
"""
from __future__ import annotations

from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.orm import Session

from review.model import Version
from storage.counters import take
from storage.public import dossier_public
from storage.repos.dossiers import versions_by_fingerprint
from storage.tables import (DossierRow, GazetteCorrectionRow, GazetteImportedItemRow, GazetteImportRow,
                            GazetteIssueItemRow, GazetteIssueRow, GazetteItemRow, EventRow)

# Counter sequences. Item and notice numbers run across years (a notice is removed by its number,
# an item is named by it in a correction), so each is one sequence kept under year 0.
ITEM_SEQUENCE, NOTICE_SEQUENCE, ALL_YEARS = "gazette_item", "gazette_notice", 0

# A release decision's fields on gazette_issues: cleared together when the decision is undone
# (cancelled or abandoned), by undecide_if's conditional write and by GazetteRepo.undecide.
DECISION_FIELDS = ("release_date", "released_at", "released_by", "print_name", "print_sha256", "web_sha256")


class GazetteRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- issues ---------------------------------------------------------------------------------
    def issue(self, issue_id: str) -> GazetteIssueRow | None:
        """The issue with this id ("2019-8"), or None."""
        return self.session.get(GazetteIssueRow, issue_id)

    def issue_numbered(self, year: int, number: int) -> GazetteIssueRow | None:
        """The issue with this 期号 in this year, or None."""
        return self.session.scalars(select(GazetteIssueRow).filter_by(year=year, number=number)).first()

    def issue_with_total(self, total: int) -> GazetteIssueRow | None:
        """The issue with this 总期号, or None."""
        return self.session.scalars(select(GazetteIssueRow).filter_by(total=total)).first()

    def issue_before(self, year: int, number: int) -> GazetteIssueRow | None:
        """The latest issue before year/number (its 总期号 is the one a new issue continues)."""
        q = (select(GazetteIssueRow).where(tuple_(GazetteIssueRow.year, GazetteIssueRow.number) < (year, number))
             .order_by(GazetteIssueRow.year.desc(), GazetteIssueRow.number.desc()))
        return self.session.scalars(q).first()

    def issues(self) -> list[GazetteIssueRow]:
        """Every issue, in year and number order."""
        return list(self.session.scalars(select(GazetteIssueRow).order_by(GazetteIssueRow.year,
                                                                           GazetteIssueRow.number)))

    def is_imported(self, issue_id: str) -> bool:
        """Whether the issue is imported history (printed before Lockstep, no dossiers behind it)."""
        return self.session.get(GazetteImportRow, issue_id) is not None

    def imported_items(self, issue_id: str) -> list[GazetteImportedItemRow]:
        """An imported issue's items, in the order it printed them."""
        return list(self.session.scalars(select(GazetteImportedItemRow).filter_by(issue_id=issue_id)
                                         .order_by(GazetteImportedItemRow.position)))

    # -- items ----------------------------------------------------------------------------------
    def members(self, issue_id: str) -> list[GazetteItemRow]:
        """The gazette items placed in the issue."""
        q = (select(GazetteItemRow).join(GazetteIssueItemRow, GazetteIssueItemRow.item_id == GazetteItemRow.id)
             .where(GazetteIssueItemRow.issue_id == issue_id))
        return list(self.session.scalars(q))

    def placements(self, issue_id: str) -> list[GazetteIssueItemRow]:
        """The issue's links to its items (each with the section it was placed in)."""
        return list(self.session.scalars(select(GazetteIssueItemRow).filter_by(issue_id=issue_id)))

    def placement_of(self, item_id: int) -> GazetteIssueItemRow | None:
        """Where the item is placed, if it is (an item is placed in one issue only)."""
        return self.session.scalars(select(GazetteIssueItemRow).filter_by(item_id=item_id)).first()

    def latest_item(self, dossier_id: str) -> GazetteItemRow | None:
        """The dossier's newest gazette item (the version published last), or None."""
        return self.session.scalars(select(GazetteItemRow).filter_by(dossier_id=dossier_id)
                                    .order_by(GazetteItemRow.id.desc())).first()

    def queue(self) -> list[GazetteItemRow]:
        """Items published and waiting for an issue: queued and not yet placed in a draft issue."""
        placed = select(GazetteIssueItemRow.item_id)
        return list(self.session.scalars(select(GazetteItemRow).filter_by(status="queued")
                                         .where(GazetteItemRow.id.not_in(placed)).order_by(GazetteItemRow.id)))

    def versions_of(self, items: list[GazetteItemRow]) -> dict[tuple[str, str], Version]:
        """(dossier, fingerprint) → the version each item was published from, for those still stored."""
        return versions_by_fingerprint(self.session, {(i.dossier_id, i.fingerprint) for i in items})

    def dossiers_of(self, items: list[GazetteItemRow]) -> dict[str, DossierRow]:
        """Dossier id → the dossier behind each item."""
        ids = {i.dossier_id for i in items}
        if not ids:
            return {}
        return {r.id: r for r in self.session.scalars(select(DossierRow).where(DossierRow.id.in_(ids)))}

    def next_item_number(self) -> int:
        """The next gazette item number (gazette_items.id), from its locking counter: take it in the
        transaction that adds the item, after the slow work. A first use continues after the
        numbers the table holds already."""
        return take(self.session, ITEM_SEQUENCE, ALL_YEARS,
                    lambda: self.session.scalar(select(func.max(GazetteItemRow.id))) or 0)

    # -- corrections (更正启事) ---------------------------------------------------------------------
    def correction(self, notice_id: int) -> GazetteCorrectionRow | None:
        """The notice with this number, or None."""
        return self.session.get(GazetteCorrectionRow, notice_id)

    def notices_in(self, issue_id: str) -> list[tuple[GazetteCorrectionRow, GazetteIssueRow]]:
        """The notices the issue prints, each with the issue it corrects, in printing order."""
        return self._notices(GazetteCorrectionRow.issue_id == issue_id)

    def notices_about(self, issue_id: str) -> list[tuple[GazetteCorrectionRow, GazetteIssueRow]]:
        """The notices the issue prints, and those in released issues that correct it, each with the
        issue it corrects, in printing order."""
        released = select(GazetteIssueRow.id).where(GazetteIssueRow.status == "released")
        return self._notices(or_(GazetteCorrectionRow.issue_id == issue_id,
                                 (GazetteCorrectionRow.corrects_issue_id == issue_id)
                                 & GazetteCorrectionRow.issue_id.in_(released)))

    def _notices(self, *where) -> list[tuple[GazetteCorrectionRow, GazetteIssueRow]]:
        """By the corrected issue, then by the corrected item's place in it, then as added."""
        corrected = GazetteIssueRow
        q = (select(GazetteCorrectionRow, corrected)
             .join(corrected, corrected.id == GazetteCorrectionRow.corrects_issue_id).where(*where)
             .order_by(corrected.year, corrected.number, GazetteCorrectionRow.corrects_position.is_(None),
                       GazetteCorrectionRow.corrects_position, GazetteCorrectionRow.id))
        return [(r, c) for r, c in self.session.execute(q).all()]

    def public_dossiers(self, dossier_ids: set[str]) -> set[str]:
        """Those of the dossiers that are public now (storage.public.dossier_public)."""
        if not dossier_ids:
            return set()
        return {d.id for d in self.session.scalars(select(DossierRow).where(DossierRow.id.in_(dossier_ids)))
                if dossier_public(d)}

    def next_notice_number(self) -> int:
        """The next 更正启事 number (gazette_corrections.id), from its locking counter: take it in the
        transaction that adds the notice, after its checks. A first use continues after the
        numbers the table holds already."""
        return take(self.session, NOTICE_SEQUENCE, ALL_YEARS,
                    lambda: self.session.scalar(select(func.max(GazetteCorrectionRow.id))) or 0)

    # -- release decisions (services/gazette/release.py: the outbox and 定时出版) -----------------
    def release_decision(self, event_hash: str) -> EventRow | None:
        """The audited release decision a gazette_release job carries out (its fingerprint is the
        decision event's hash), or None."""
        return self.session.scalars(select(EventRow).filter_by(hash=event_hash)).first()

    def latest_release_decision(self, issue_id: str, name: str) -> EventRow | None:
        """The issue's latest release decision (events named `name` about the issue), or None."""
        q = select(EventRow).filter_by(name=name, dossier_id=None).order_by(EventRow.seq.desc())
        return next((e for e in self.session.scalars(q) if (e.payload or {}).get("issue") == issue_id), None)

    def scheduled_issues(self) -> list[GazetteIssueRow]:
        """Issues waiting for their publication moment (定时出版), in year and number order."""
        return list(self.session.scalars(select(GazetteIssueRow).filter_by(status="scheduled")
                                         .order_by(GazetteIssueRow.year, GazetteIssueRow.number)))

    # -- editing a draft issue (services/gazette/issues.py, issue 15 item 2) -----------------------
    def items_of(self, dossier_id: str) -> list[GazetteItemRow]:
        """The dossier's gazette items, newest first."""
        return list(self.session.scalars(select(GazetteItemRow).filter_by(dossier_id=dossier_id)
                                         .order_by(GazetteItemRow.id.desc())))

    # -- the order of a draft issue's items (services/gazette/issues.py move_item, issue 15 item 2) ---
    def positions(self, item_ids: list[int]) -> dict[int, int | None]:
        """Item id → its position in the issue it is placed in (items not placed are left out)."""
        if not item_ids:
            return {}
        q = select(GazetteIssueItemRow.item_id, GazetteIssueItemRow.position).where(
            GazetteIssueItemRow.item_id.in_(item_ids))
        return {item: position for item, position in self.session.execute(q)}

    def last_position(self, issue_id: str) -> int:
        """The highest position in the issue (0 for none): a new item goes after it."""
        return self.session.scalar(select(func.max(GazetteIssueItemRow.position)).filter_by(issue_id=issue_id)) or 0

    def touch(self, issue: GazetteIssueRow, now) -> None:
        """Mark the issue changed (updated_at) and write it even when nothing else of it changed, so its
        row_version goes up: a concurrent add, move or release that read the issue first loses and
        runs again (Database.retrying), and two adds never take the same position."""
        from sqlalchemy.orm.attributes import flag_modified
        issue.updated_at = now
        flag_modified(issue, "updated_at")

    # -- 取消定时出版 (services/gazette/release.py cancel_release, issue 15 item 1) ----------------------
    @staticmethod
    def undecide(issue: GazetteIssueRow, now) -> None:
        """The issue's release decision undone on the row read (the caller's transaction holds it)."""
        for name in DECISION_FIELDS:
            setattr(issue, name, None)
        issue.updated_at = now

    def undecide_if(self, issue: GazetteIssueRow, *, status: str, to: str, now) -> bool:
        """The issue's release decision undone in ONE conditional write: its status `status` → `to`
        (the rulebook's answer), the decision's fields cleared, row_version up, only while the row is
        as read (that status and row_version). False when another writer got there first (a second
        cancel, the release at its moment, the editions prepared): nothing written. Holds on
        PostgreSQL (the row's lock: the loser's UPDATE waits, then matches nothing) and on SQLite
        (the write lock). The row object is read again afterwards."""
        from sqlalchemy import update
        done = self.session.execute(
            update(GazetteIssueRow)
            .where(GazetteIssueRow.id == issue.id, GazetteIssueRow.status == status,
                   GazetteIssueRow.row_version == issue.row_version)
            .values(status=to, **dict.fromkeys(DECISION_FIELDS), updated_at=now,
                    row_version=GazetteIssueRow.row_version + 1)
            .returning(GazetteIssueRow.id).execution_options(synchronize_session=False)).scalar()
        self.session.refresh(issue)
        return done is not None
