"""Corrections to a released gazette issue (更正启事): add to and remove from a draft issue.

A released issue is never changed (issue 4): a notice in a later issue says what it printed
wrong. The rules are publishing/corrections.py; here the facts are read, the row is written and
every change goes into the audit chain with the change, as services/gazette/issues.py does for items.
"""
from __future__ import annotations

from typing import ClassVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from documents.problems import Refused, problem
from publishing import corrections as rules
from review.model import Event
from services.home.context import Services
from services.gazette.issues import CorrectionView, _editor, _issue, _view
from storage import audit
from storage.public import dossier_public
from storage.tables import DossierRow, GazetteCorrectionRow, GazetteIssueRow


class CorrectionAdded(Event):
    name: ClassVar[str] = "gazette.correction.added"
    notice: int
    issue: str
    corrects: str
    item: int | None = None
    text: str


class CorrectionRemoved(Event):
    name: ClassVar[str] = "gazette.correction.removed"
    notice: int
    issue: str
    corrects: str


def ref(row: GazetteIssueRow) -> rules.IssueRef:
    return rules.IssueRef(issue=row.id, year=row.year, number=row.number, total=row.total, status=row.status)


def _notice(row: GazetteCorrectionRow, corrects: GazetteIssueRow) -> rules.Notice:
    item = None if row.corrects_title is None else rules.CorrectedItem(
        item=row.corrects_item or 0, dossier=row.corrects_dossier, title=row.corrects_title,
        document_number=row.corrects_number, position=row.corrects_position)
    return rules.Notice(id=row.id, corrects=ref(corrects), item=item, text=row.text)


def _as_view(row: GazetteCorrectionRow, notice: rules.Notice) -> CorrectionView:
    return CorrectionView(notice=row.id, issue=row.issue_id, corrects=row.corrects_issue_id, title=notice.title,
                          item=row.corrects_item, dossier=row.corrects_dossier, corrected_title=row.corrects_title,
                          document_number=row.corrects_number, text=row.text, added_by=row.added_by,
                          added_at=row.added_at)


def _rows(s: Session, *where) -> list[tuple[GazetteCorrectionRow, GazetteIssueRow]]:
    """Notices with the issue each corrects, in the order an issue prints them: by the corrected
    issue, then by the corrected item's place in it, then as added."""
    corrected = GazetteIssueRow
    q = (select(GazetteCorrectionRow, corrected)
         .join(corrected, corrected.id == GazetteCorrectionRow.corrects_issue_id).where(*where)
         .order_by(corrected.year, corrected.number, GazetteCorrectionRow.corrects_position.is_(None),
                   GazetteCorrectionRow.corrects_position, GazetteCorrectionRow.id))
    return [(r, c) for r, c in s.execute(q).all()]


def notices(s: Session, issue_id: str) -> list[rules.Notice]:
    """The notices an issue prints, for its two editions. A notice correcting a document that is not
    public now (撤回公开) names nothing of it (publishing/corrections.withdrawn)."""
    found = _rows(s, GazetteCorrectionRow.issue_id == issue_id)
    named = {r.corrects_dossier for r, _ in found if r.corrects_dossier}
    public = {d.id for d in s.scalars(select(DossierRow).where(DossierRow.id.in_(named)))
              if dossier_public(d)} if named else set()
    return [rules.withdrawn(_notice(r, c)) if r.corrects_dossier and r.corrects_dossier not in public
            else _notice(r, c) for r, c in found]


def correction_views(s: Session, issue_id: str) -> tuple[list[CorrectionView], list[CorrectionView]]:
    """(the notices the issue prints, the notices in later released issues that correct it)."""
    released = select(GazetteIssueRow.id).where(GazetteIssueRow.status == "released")
    found = _rows(s, or_(GazetteCorrectionRow.issue_id == issue_id,
                         (GazetteCorrectionRow.corrects_issue_id == issue_id)
                         & GazetteCorrectionRow.issue_id.in_(released)))
    views = [(r, _as_view(r, _notice(r, c))) for r, c in found]
    return ([v for r, v in views if r.issue_id == issue_id],
            [v for r, v in views if r.corrects_issue_id == issue_id and r.issue_id != issue_id])


def add_correction(svc: Services, issue_id: str, corrects_id: str, text: str, actor: str, *,
                   dossier: str | None = None, item: int | None = None) -> CorrectionView:
    """Place a notice in draft issue `issue_id` correcting released issue `corrects_id` (and, if
    named, one of its items, by dossier or by gazette item number)."""
    _editor(svc, actor)

    def work() -> CorrectionView:
        with svc.session() as s:
            issue, corrected = _issue(s, issue_id), _issue(s, corrects_id)
            problems = rules.add_problems(ref(issue), ref(corrected), text)
            target = None
            if corrected.status == "released" and (dossier is not None or item is not None):
                items = [rules.CorrectedItem(item=i.item, dossier=i.dossier, title=i.title,
                                             document_number=i.document_number, position=i.position)
                         for i in _view(svc, s, corrected).items]
                target = rules.find_item(ref(corrected), items, dossier=dossier, item=item)
                if isinstance(target, rules.Problem):
                    problems.append(target)
            if problems:
                raise Refused(*problems)
            now = svc.now()
            row = GazetteCorrectionRow(
                issue_id=issue.id, corrects_issue_id=corrected.id, text=rules.clean_text(text),
                corrects_item=target.item if target else None, corrects_dossier=target.dossier if target else None,
                corrects_title=target.title if target else None,
                corrects_number=target.document_number if target else None,
                corrects_position=target.position if target else None, added_by=actor, added_at=now)
            s.add(row)
            issue.updated_at = now      # bumps row_version: a release that read the issue first loses
            s.flush()
            audit.append(s, CorrectionAdded(dossier_id=row.corrects_dossier, actor=actor, at=now, notice=row.id,
                                            issue=issue.id, corrects=corrected.id, item=row.corrects_item,
                                            text=row.text))
            return _as_view(row, _notice(row, corrected))
    return svc.retrying(work)


def remove_correction(svc: Services, notice_id: int, actor: str) -> CorrectionView:
    """Take a notice out of its issue, while that issue is a draft."""
    _editor(svc, actor)

    def work() -> CorrectionView:
        with svc.session() as s:
            row = s.get(GazetteCorrectionRow, notice_id)
            if row is None:
                raise Refused(problem("not_found", f"没有编号为 {notice_id} 的更正启事：请用 lockstep gazette "
                                                   "issue show 期次 --json 查看各期的更正启事"))
            issue, corrected = _issue(s, row.issue_id), _issue(s, row.corrects_issue_id)
            if problems := rules.removal_problems(ref(issue)):
                raise Refused(*problems)
            view = _as_view(row, _notice(row, corrected))
            now = svc.now()
            s.delete(row)
            issue.updated_at = now
            s.flush()
            audit.append(s, CorrectionRemoved(dossier_id=row.corrects_dossier, actor=actor, at=now,
                                              notice=notice_id, issue=issue.id, corrects=corrected.id))
            return view
    return svc.retrying(work)
