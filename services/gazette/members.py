"""What a gazette issue holds, as shown: its items in gazette order and the 更正启事 it prints or that
correct it. Shared by assembling (issues.py), correcting (corrections.py) and releasing (release.py),
which each import it; it imports none of them.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pydantic import BaseModel

from documents.problems import Refused, problem
from documents.shown import echoed
from publishing import corrections as notice_rules
from publishing import gazette_rules as rules
from review import rules as guards
from review.lifecycles import GAZETTE_ISSUE
from services.gazette.items import issue_facts
from services.home.context import Services
from services.review.actions import person

if TYPE_CHECKING:
    from storage.tables import GazetteCorrectionRow, GazetteIssueRow
    from storage.unit import Unit


class IssueItem(BaseModel):
    position: int
    section: str
    dossier: str | None              # None for an item of an imported (pre-Lockstep) issue
    item: int
    title: str
    document_number: str | None = None
    organ: str | None = None
    signed_date: dt.date | None = None


class CorrectionView(BaseModel):
    """A 更正启事 (services/gazette/corrections.py): placed in `issue`, correcting `corrects`."""
    notice: int
    issue: str
    corrects: str
    title: str
    item: int | None = None
    dossier: str | None = None
    corrected_title: str | None = None
    document_number: str | None = None
    text: str
    added_by: str
    added_at: dt.datetime


class IssueView(BaseModel):
    issue: str
    year: int
    number: int
    total: int
    status: str                      # draft, released
    planned_date: dt.date | None = None
    release_date: dt.date | None = None
    released_at: dt.datetime | None = None
    print_name: str | None = None
    print_sha256: str | None = None
    web_sha256: str | None = None
    items: list[IssueItem] = []
    corrections: list[CorrectionView] = []      # the notices this issue prints
    corrected_by: list[CorrectionView] = []     # notices in later released issues correcting this one


class Released(IssueView):
    folder: str
    print_path: str
    web_index: str
    pdf_path: str | None = None      # the print edition's PDF in the folder, once made (publishing/editions_pdf.py)
    pdf_note: dict | None = None     # why there is none yet: a problem (print_pdf_unavailable), or None


def editor(svc: Services, actor: str) -> None:
    """Refused unless the actor may edit the gazette (review.rules.may_edit_gazette)."""
    if refusal := guards.may_edit_gazette(person(svc.config, actor)):
        raise Refused(refusal)


def load_issue(uow: Unit, issue_id: str, *, draft: bool = False) -> GazetteIssueRow:
    """The issue, or Refused(not_found); with draft=True, Refused(invalid_state) once it is out."""
    row = uow.gazette.issue(issue_id)
    if row is None:
        raise Refused(problem("not_found", f"没有公报期次 {echoed(issue_id)}"))
    if draft and GAZETTE_ISSUE.refusal(row.status, "edit"):
        state = "已出版" if row.status == "released" else f"已决定出版（{GAZETTE_ISSUE.states.get(row.status, row.status)}）"
        raise Refused(problem("invalid_state", f"公报{row.year}年第{row.number}期{state}，内容不能再改动"))
    return row


# -- notices ------------------------------------------------------------------------------------
def ref(row: GazetteIssueRow) -> notice_rules.IssueRef:
    return notice_rules.IssueRef(issue=row.id, year=row.year, number=row.number, total=row.total,
                                 status=row.status)


def notice_of(row: GazetteCorrectionRow, corrects: GazetteIssueRow) -> notice_rules.Notice:
    item = None if row.corrects_title is None else notice_rules.CorrectedItem(
        item=row.corrects_item or 0, dossier=row.corrects_dossier, title=row.corrects_title,
        document_number=row.corrects_number, position=row.corrects_position)
    return notice_rules.Notice(id=row.id, corrects=ref(corrects), item=item, text=row.text)


def correction_view(row: GazetteCorrectionRow, notice: notice_rules.Notice) -> CorrectionView:
    return CorrectionView(notice=row.id, issue=row.issue_id, corrects=row.corrects_issue_id, title=notice.title,
                          item=row.corrects_item, dossier=row.corrects_dossier, corrected_title=row.corrects_title,
                          document_number=row.corrects_number, text=row.text, added_by=row.added_by,
                          added_at=row.added_at)


def notices(uow: Unit, issue_id: str) -> list[notice_rules.Notice]:
    """The notices an issue prints, for its two editions. A notice correcting a document that is not
    public now (撤回公开) names nothing of it (publishing/corrections.withdrawn)."""
    found = uow.gazette.notices_in(issue_id)
    public = uow.gazette.public_dossiers({r.corrects_dossier for r, _ in found if r.corrects_dossier})
    return [notice_rules.withdrawn(notice_of(r, c)) if r.corrects_dossier and r.corrects_dossier not in public
            else notice_of(r, c) for r, c in found]


def correction_views(uow: Unit, issue_id: str) -> tuple[list[CorrectionView], list[CorrectionView]]:
    """(the notices the issue prints, the notices in later released issues that correct it)."""
    views = [(r, correction_view(r, notice_of(r, c))) for r, c in uow.gazette.notices_about(issue_id)]
    return ([v for r, v in views if r.issue_id == issue_id],
            [v for r, v in views if r.corrects_issue_id == issue_id and r.issue_id != issue_id])


# -- the issue as shown -------------------------------------------------------------------------
def issue_view(svc: Services, uow: Unit, row: GazetteIssueRow,
               facts: list[rules.ItemFacts] | None = None) -> IssueView:
    """The issue with its items in gazette order and its notices. `facts`: the issue's items' facts
    where the caller has read them already (the release)."""
    view = _items_view(svc, uow, row, facts)
    view.corrections, view.corrected_by = correction_views(uow, row.id)
    return view


def _items_view(svc: Services, uow: Unit, row: GazetteIssueRow,
                facts: list[rules.ItemFacts] | None) -> IssueView:
    head = dict(issue=row.id, year=row.year, number=row.number, total=row.total, status=row.status,
                release_date=row.release_date, print_name=row.print_name,
                # SQLite gives times back naive (they are UTC): a scheduled moment is compared and shown
                released_at=row.released_at and (row.released_at if row.released_at.tzinfo
                                                 else row.released_at.replace(tzinfo=dt.timezone.utc)),
                print_sha256=row.print_sha256, web_sha256=row.web_sha256)
    if uow.gazette.is_imported(row.id):
        return IssueView(**head, items=[
            IssueItem(position=r.position, section="历史公报", dossier=None, item=r.id, title=r.title,
                      document_number=r.doc_number, organ=r.organ, signed_date=r.signed_date)
            for r in uow.gazette.imported_items(row.id)])
    items = uow.gazette.members(row.id)
    by_id = {i.id: i for i in items}
    placed = rules.ordered(facts if facts is not None else issue_facts(svc, uow, items))
    return IssueView(**head, planned_date=row.planned_date, items=[
        IssueItem(position=n, section=section, dossier=f.dossier, item=f.item_id, title=f.title,
                  document_number=f.doc_number, organ=by_id[f.item_id].organ, signed_date=f.signed_date)
        for n, (section, f) in enumerate(placed, 1)])
