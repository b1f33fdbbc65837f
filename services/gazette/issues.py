"""Gazette issues (政府公报): assemble an issue from the queue, release both editions together.

DESIGN.md rule 7 (gazette before effect) and rule 9 (not public stays out) are checked when an
item is added (against the planned date, if one was given) and again at release.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from documents.problems import Refused, problem
from publishing import gazette_rules as rules
from review import rules as guards
from review.lifecycles import GAZETTE_ISSUE
from review.model import Event
from services.home.context import Services
from services.gazette.items import derived, issue_facts
from services.review.actions import person
from storage import audit
from storage.tables import (GazetteImportedItemRow, GazetteImportRow, GazetteIssueItemRow, GazetteIssueRow,
                            GazetteItemRow)

class IssueCreated(Event):
    name: ClassVar[str] = "gazette.issue.created"
    issue: str
    year: int
    number: int
    total: int


class ItemAdded(Event):
    name: ClassVar[str] = "gazette.issue.item_added"
    issue: str
    item: int
    section: str


class IssueReleased(Event):
    name: ClassVar[str] = "gazette.issue.released"
    issue: str
    release_date: dt.date
    print_sha256: str
    web_sha256: str
    dossiers: tuple[str, ...]


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


def _editor(svc: Services, actor: str) -> None:
    if refusal := guards.may_edit_gazette(person(svc.config, actor)):
        raise Refused(refusal)


def _issue(s: Session, issue_id: str, *, draft: bool = False) -> GazetteIssueRow:
    row = s.get(GazetteIssueRow, issue_id)
    if row is None:
        raise Refused(problem("not_found", f"没有公报期次 {issue_id}"))
    if draft and GAZETTE_ISSUE.refusal(row.status, "edit"):
        raise Refused(problem("invalid_state", f"公报{row.year}年第{row.number}期已出版，内容不能再改动"))
    return row


def _members(s: Session, issue_id: str) -> list[GazetteItemRow]:
    q = (select(GazetteItemRow).join(GazetteIssueItemRow, GazetteIssueItemRow.item_id == GazetteItemRow.id)
         .where(GazetteIssueItemRow.issue_id == issue_id))
    return list(s.scalars(q))


def _imported_items(s: Session, issue_id: str) -> list[IssueItem]:
    rows = s.scalars(select(GazetteImportedItemRow).filter_by(issue_id=issue_id)
                     .order_by(GazetteImportedItemRow.position))
    return [IssueItem(position=r.position, section="历史公报", dossier=None, item=r.id, title=r.title,
                      document_number=r.doc_number, organ=r.organ, signed_date=r.signed_date) for r in rows]


def _view(svc: Services, s: Session, row: GazetteIssueRow, facts: list[rules.ItemFacts] | None = None) -> IssueView:
    """`facts`: the issue's items' facts where the caller has read them already (the release)."""
    from services.gazette.corrections import correction_views
    view = _items_view(svc, s, row, facts)
    view.corrections, view.corrected_by = correction_views(s, row.id)
    return view


def _items_view(svc: Services, s: Session, row: GazetteIssueRow, facts: list[rules.ItemFacts] | None) -> IssueView:
    if s.get(GazetteImportRow, row.id) is not None:
        return IssueView(issue=row.id, year=row.year, number=row.number, total=row.total, status=row.status,
                         release_date=row.release_date, released_at=row.released_at,
                         print_name=row.print_name, print_sha256=row.print_sha256, web_sha256=row.web_sha256,
                         items=_imported_items(s, row.id))
    items = _members(s, row.id)
    by_id = {i.id: i for i in items}
    placed = rules.ordered(facts if facts is not None else issue_facts(svc, s, items))
    return IssueView(issue=row.id, year=row.year, number=row.number, total=row.total, status=row.status,
                     planned_date=row.planned_date, release_date=row.release_date, released_at=row.released_at,
                     print_name=row.print_name, print_sha256=row.print_sha256, web_sha256=row.web_sha256,
                     items=[IssueItem(position=n, section=section, dossier=f.dossier, item=f.item_id,
                                      title=f.title, document_number=f.doc_number,
                                      organ=by_id[f.item_id].organ, signed_date=f.signed_date)
                            for n, (section, f) in enumerate(placed, 1)])


def create_issue(svc: Services, year: int, number: int, actor: str, total: int | None = None,
                 planned: dt.date | None = None) -> IssueView:
    _editor(svc, actor)

    def work() -> IssueView:
        with svc.session() as s:
            if s.scalars(select(GazetteIssueRow).filter_by(year=year, number=number)).first():
                raise Refused(problem("invalid_state", f"公报{year}年第{number}期已建立"))
            previous = s.scalars(select(GazetteIssueRow)
                                 .where(tuple_(GazetteIssueRow.year, GazetteIssueRow.number) < (year, number))
                                 .order_by(GazetteIssueRow.year.desc(), GazetteIssueRow.number.desc())).first()
            running = total if total is not None else rules.next_total(previous.total if previous else None)
            if s.scalars(select(GazetteIssueRow).filter_by(total=running)).first():
                raise Refused(problem("invalid_state", f"总第{running}期已被使用，请用 --total 指明总期号"))
            now = svc.now()
            row = GazetteIssueRow(id=f"{year}-{number}", year=year, number=number, total=running, status="draft",
                                  planned_date=planned, created_by=actor, created_at=now, updated_at=now)
            s.add(row)
            s.flush()
            audit.append(s, IssueCreated(dossier_id=None, actor=actor, at=now, issue=row.id, year=year,
                                         number=number, total=running))
            return _view(svc, s, row)
    return svc.retrying(work)


def add_items(svc: Services, issue_id: str, dossiers: list[str], actor: str) -> IssueView:
    _editor(svc, actor)

    def work() -> IssueView:
        with svc.session() as s:
            issue = _issue(s, issue_id)
            if refusal := guards.may_add_to_issue(person(svc.config, actor), issue.status):
                raise Refused(refusal)
            found, problems = [], []
            for d in dict.fromkeys(dossiers):
                item = s.scalars(select(GazetteItemRow).filter_by(dossier_id=d)
                                 .order_by(GazetteItemRow.id.desc())).first()
                placed = item and s.scalars(select(GazetteIssueItemRow).filter_by(item_id=item.id)).first()
                if item is None:
                    problems.append(problem("not_found", f"卷宗 {d} 不在公报待刊队列"))
                elif placed or item.status != "queued":
                    other = s.get(GazetteIssueRow, placed.issue_id) if placed else None
                    where = f"公报{other.year}年第{other.number}期" if other else "已出版的一期"
                    problems.append(problem("invalid_state", f"卷宗 {d} 的稿件已编入{where}，一份稿件只能刊登一次"))
                else:
                    found.append(item)
            found = list(zip(found, issue_facts(svc, s, found, d=derived(svc, s)))) if found else []
            problems += rules.admission_problems([f for _, f in found], issue.planned_date)
            if problems:
                raise Refused(*problems)
            now = svc.now()
            for item, f in found:
                section = rules.section_of(f)
                s.add(GazetteIssueItemRow(issue_id=issue.id, item_id=item.id, section=section,
                                          added_by=actor, added_at=now))
                audit.append(s, ItemAdded(dossier_id=item.dossier_id, actor=actor, at=now, issue=issue.id,
                                          item=item.id, section=section))
            issue.updated_at = now      # bumps row_version: a release that read the issue first loses
            s.flush()
            return _view(svc, s, issue)
    return svc.retrying(work)


def show_issue(svc: Services, issue_id: str) -> IssueView:
    with svc.session() as s:
        return _view(svc, s, _issue(s, issue_id))


def list_issues(svc: Services) -> list[IssueView]:
    with svc.session() as s:
        rows = s.scalars(select(GazetteIssueRow).order_by(GazetteIssueRow.year, GazetteIssueRow.number))
        return [_view(svc, s, r) for r in rows]


def queue(svc: Services) -> list[GazetteItemRow]:
    """Items published and waiting for an issue: queued and not yet placed in a draft issue."""
    with svc.session() as s:
        placed = select(GazetteIssueItemRow.item_id)
        return list(s.scalars(select(GazetteItemRow).filter_by(status="queued")
                              .where(GazetteItemRow.id.not_in(placed)).order_by(GazetteItemRow.id)))


def release_issue(svc: Services, issue_id: str, out_dir: Path, actor: str,
                  date: dt.date | None = None) -> Released:
    """Both editions, written under out_dir/ISSUE, stored and fingerprinted on the issue row."""
    from services.gazette.release import release
    _editor(svc, actor)
    return svc.retrying(lambda: release(svc, issue_id, Path(out_dir), actor, date))
