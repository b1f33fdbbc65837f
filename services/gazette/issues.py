"""Gazette issues (政府公报): assemble an issue from the queue — create it, place queued items in it.

Releasing it is services/gazette/release.py, correcting a released one services/gazette/corrections.py;
what an issue holds, as shown, is services/gazette/members.py (all three use it).

DESIGN.md rule 7 (gazette before effect) and rule 9 (not public stays out) are checked when an
item is added (against the planned date, if one was given) and again at release.
"""
from __future__ import annotations

import datetime as dt
from typing import ClassVar

from documents.problems import Refused, problem
from publishing import gazette_rules as rules
from review import rules as guards
from review.model import Event
from services.gazette.items import derived, issue_facts
from services.gazette.members import (CorrectionView, IssueItem, IssueView, Released, editor,  # noqa: F401
                                      issue_view, load_issue)
from services.gazette.release import release_issue  # noqa: F401  (callers that assemble also release)
from services.home.context import Services
from services.review.actions import person
from storage.tables import GazetteIssueItemRow, GazetteIssueRow, GazetteItemRow


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


def create_issue(svc: Services, year: int, number: int, actor: str, total: int | None = None,
                 planned: dt.date | None = None) -> IssueView:
    editor(svc, actor)

    def work() -> IssueView:
        with svc.unit() as uow:
            if uow.gazette.issue_numbered(year, number):
                raise Refused(problem("invalid_state", f"公报{year}年第{number}期已建立"))
            previous = uow.gazette.issue_before(year, number)
            running = total if total is not None else rules.next_total(previous.total if previous else None)
            if uow.gazette.issue_with_total(running):
                raise Refused(problem("invalid_state", f"总第{running}期已被使用，请用 --total 指明总期号"))
            now = uow.now()
            row = uow.add(GazetteIssueRow(id=f"{year}-{number}", year=year, number=number, total=running,
                                          status="draft", planned_date=planned, created_by=actor,
                                          created_at=now, updated_at=now))
            uow.flush()
            uow.audit.append(IssueCreated(dossier_id=None, actor=actor, at=now, issue=row.id, year=year,
                                          number=number, total=running))
            return issue_view(svc, uow, row)
    return svc.retrying(work)


def add_items(svc: Services, issue_id: str, dossiers: list[str], actor: str) -> IssueView:
    editor(svc, actor)

    def work() -> IssueView:
        with svc.unit() as uow:
            issue = load_issue(uow, issue_id)
            if refusal := guards.may_add_to_issue(person(svc.config, actor), issue.status):
                raise Refused(refusal)
            found, problems = [], []
            for d in dict.fromkeys(dossiers):
                item = uow.gazette.latest_item(d)
                placed = item and uow.gazette.placement_of(item.id)
                if item is None:
                    problems.append(problem("not_found", f"卷宗 {d} 不在公报待刊队列"))
                elif placed or item.status != "queued":
                    other = uow.gazette.issue(placed.issue_id) if placed else None
                    where = f"公报{other.year}年第{other.number}期" if other else "已出版的一期"
                    problems.append(problem("invalid_state", f"卷宗 {d} 的稿件已编入{where}，一份稿件只能刊登一次"))
                else:
                    found.append(item)
            found = list(zip(found, issue_facts(svc, uow, found, d=derived(uow)))) if found else []
            problems += rules.admission_problems([f for _, f in found], issue.planned_date)
            if problems:
                raise Refused(*problems)
            now = uow.now()
            for item, f in found:
                section = rules.section_of(f)
                uow.add(GazetteIssueItemRow(issue_id=issue.id, item_id=item.id, section=section,
                                            added_by=actor, added_at=now))
                uow.audit.append(ItemAdded(dossier_id=item.dossier_id, actor=actor, at=now, issue=issue.id,
                                           item=item.id, section=section))
            issue.updated_at = now      # bumps row_version: a release that read the issue first loses
            uow.flush()
            return issue_view(svc, uow, issue)
    return svc.retrying(work)


def show_issue(svc: Services, issue_id: str) -> IssueView:
    with svc.unit() as uow:
        return issue_view(svc, uow, load_issue(uow, issue_id))


def list_issues(svc: Services) -> list[IssueView]:
    with svc.unit() as uow:
        return [issue_view(svc, uow, r) for r in uow.gazette.issues()]


def queue(svc: Services) -> list[GazetteItemRow]:
    """Items published and waiting for an issue: queued and not yet placed in a draft issue."""
    with svc.unit() as uow:
        return uow.gazette.queue()


# -- editing a draft issue (issue 15 item 2) -----------------------------------------------------
class ItemRemoved(Event):
    name: ClassVar[str] = "gazette.issue.item_removed"
    issue: str
    item: int
    section: str


class IssueDeleted(Event):
    name: ClassVar[str] = "gazette.issue.deleted"
    issue: str
    year: int
    number: int
    total: int


def remove_items(svc: Services, issue_id: str, dossiers: list[str], actor: str) -> IssueView:
    """Take items out of a draft issue: each goes back to the queue (still 待刊, GAZETTE_ITEM) and may be
    placed in another issue."""
    editor(svc, actor)

    def work() -> IssueView:
        with svc.unit() as uow:
            issue = load_issue(uow, issue_id)
            if refusal := guards.may_add_to_issue(person(svc.config, actor), issue.status):
                raise Refused(refusal)
            placed = {p.item_id: p for p in uow.gazette.placements(issue.id)}
            found, problems = [], []
            for d in dict.fromkeys(dossiers):
                p = next((placed[i.id] for i in uow.gazette.items_of(d) if i.id in placed), None)
                if p is None:
                    problems.append(problem("not_found", f"卷宗 {d} 的稿件不在公报{issue.year}年第{issue.number}期"))
                else:
                    found.append((d, p))
            if problems:
                raise Refused(*problems)
            now = uow.now()
            for d, p in found:
                uow.delete(p)
                uow.audit.append(ItemRemoved(dossier_id=d, actor=actor, at=now, issue=issue.id, item=p.item_id,
                                             section=p.section))
            issue.updated_at = now      # bumps row_version: a release that read the issue first loses
            uow.flush()
            return issue_view(svc, uow, issue)
    return svc.retrying(work)


def delete_issue(svc: Services, issue_id: str, actor: str) -> None:
    """Delete a draft issue that holds nothing (no items, no 更正启事); its 期号 and 总期号 are free again."""
    editor(svc, actor)

    def work() -> None:
        with svc.unit() as uow:
            issue = load_issue(uow, issue_id)
            if refusal := guards.may_add_to_issue(person(svc.config, actor), issue.status):
                raise Refused(refusal)
            if uow.gazette.placements(issue.id) or uow.gazette.notices_in(issue.id):
                raise Refused(problem("invalid_state", f"公报{issue.year}年第{issue.number}期尚有稿件或更正启事，"
                                                       "请先移出后再删除本期"))
            now = uow.now()
            uow.audit.append(IssueDeleted(dossier_id=None, actor=actor, at=now, issue=issue.id, year=issue.year,
                                          number=issue.number, total=issue.total))
            uow.delete(issue)
            uow.flush()
    svc.retrying(work)
