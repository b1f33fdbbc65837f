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
from documents.shown import echoed
from documents.titles import book_title
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
                    problems.append(problem("not_found", f"卷宗 {echoed(d)} 不在公报待刊队列"))
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
            # New items go after those already placed (the editor may move them), those added together
            # in the gazette's own order (section, then date). Two adds racing for the same positions:
            # touch() bumps the issue's row_version, so the later one runs again and takes the next ones.
            by_id = {item.id: item for item, _ in found}
            last = uow.gazette.last_position(issue.id)
            for position, (section, f) in enumerate(rules.ordered([f for _, f in found]), last + 1):
                item = by_id[f.item_id]
                uow.add(GazetteIssueItemRow(issue_id=issue.id, item_id=item.id, section=section,
                                            position=position, added_by=actor, added_at=now))
                uow.audit.append(ItemAdded(dossier_id=item.dossier_id, actor=actor, at=now, issue=issue.id,
                                           item=item.id, section=section))
            uow.gazette.touch(issue, now)   # bumps row_version: a release that read the issue first loses
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
                    problems.append(problem("not_found", f"卷宗 {echoed(d)} 的稿件不在公报{issue.year}年第{issue.number}期"))
                else:
                    found.append((d, p))
            if problems:
                raise Refused(*problems)
            now = uow.now()
            for d, p in found:
                uow.delete(p)
                uow.audit.append(ItemRemoved(dossier_id=d, actor=actor, at=now, issue=issue.id, item=p.item_id,
                                             section=p.section))
            uow.gazette.touch(issue, now)   # bumps row_version: a release that read the issue first loses
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


# -- the order of a draft issue's items (issue 15 item 2) -------------------------------------------
class ItemMoved(Event):
    name: ClassVar[str] = "gazette.issue.item_moved"
    issue: str
    item: int
    section: str
    moved_from: int          # 序号 in the issue before (1-based, as `gazette issue show` lists them)
    moved_to: int


def moved(order: list[tuple[str, int]], item: int, *, to: int | None = None, step: int | None = None,
          title: str = "") -> list[int]:
    """The issue's items (section, item id) in gazette order with `item` moved: by `step` places (-1 up,
    +1 down) or to 序号 `to` (1-based in the whole issue). Items keep to their section (the gazette's
    sections have a fixed order, publishing/gazette_rules.SECTIONS): a move out of it is refused."""
    ids = [i for _, i in order]
    at = ids.index(item)
    section = order[at][0]
    first = next(n for n, (s, _) in enumerate(order) if s == section)
    last = max(n for n, (s, _) in enumerate(order) if s == section)
    name = book_title(title) if title else f"稿件 {item}"
    if step is not None:
        target = at + step
        if target < first:
            raise Refused(problem("invalid_state", f"{name}已是【{section}】栏目的第一篇，不能再上移"))
        if target > last:
            raise Refused(problem("invalid_state", f"{name}已是【{section}】栏目的最后一篇，不能再下移"))
    else:
        target = (to or 0) - 1
        if not first <= target <= last:
            span = f"第 {first + 1} 篇" if first == last else f"第 {first + 1}–{last + 1} 篇"
            raise Refused(problem("invalid_state", f"{name}属于【{section}】栏目，只能在本栏目内调整顺序"
                                                   f"（本期{span}）；栏目的先后由公报体例确定"))
    ids.insert(target, ids.pop(at))
    return ids


def move_item(svc: Services, issue_id: str, dossier: str, actor: str, *, to: int | None = None,
              step: int | None = None) -> IssueView:
    """Move a draft issue's item within its section: `step` -1 (上移) or +1 (下移), or to 序号 `to`. The
    contents, the web edition and the print edition all follow this order (gazette_rules.ordered).
    Refused on an issue decided for release or released (review.rules.may_add_to_issue). Audited."""
    if (to is None) == (step is None):
        raise Refused(problem("request_invalid", "请指明上移、下移或移到第几篇（三者选一）"))
    editor(svc, actor)

    def work() -> IssueView:
        with svc.unit() as uow:
            issue = load_issue(uow, issue_id)
            if refusal := guards.may_add_to_issue(person(svc.config, actor), issue.status):
                raise Refused(refusal)
            items = uow.gazette.members(issue.id)
            placed = rules.ordered(issue_facts(svc, uow, items))      # the order as shown now
            mine = next((f for _, f in placed if f.dossier == dossier), None)
            if mine is None:
                raise Refused(problem("not_found", f"卷宗 {echoed(dossier)} 的稿件不在公报{issue.year}年第{issue.number}期"))
            order = [(section, f.item_id) for section, f in placed]
            before = [i for _, i in order].index(mine.item_id) + 1
            after = moved(order, mine.item_id, to=to, step=step, title=mine.title)
            if after.index(mine.item_id) + 1 == before:
                return issue_view(svc, uow, issue)                      # already there: nothing to record
            rows = {p.item_id: p for p in uow.gazette.placements(issue.id)}
            for position, item_id in enumerate(after, 1):               # the whole issue renumbered 1..n
                rows[item_id].position = position
            now = uow.now()
            uow.audit.append(ItemMoved(dossier_id=dossier, actor=actor, at=now, issue=issue.id, item=mine.item_id,
                                       section=rules.section_of(mine), moved_from=before,
                                       moved_to=after.index(mine.item_id) + 1))
            uow.gazette.touch(issue, now)   # a concurrent add, move or release that read the issue first runs again
            uow.flush()
            return issue_view(svc, uow, issue)
    return svc.retrying(work)
