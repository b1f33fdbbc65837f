"""Corrections to a released gazette issue (更正启事): add to and remove from a draft issue.

A released issue is never changed (issue 4): a notice in a later issue says what it printed
wrong. The rules are publishing/corrections.py; here the facts are read, the row is written and
every change goes into the audit chain with the change, as services/gazette/issues.py does for items.
"""
from __future__ import annotations

from typing import ClassVar

from documents.problems import Refused, problem
from documents.shown import echoed
from publishing import corrections as rules
from review.model import Event
from services.gazette.members import CorrectionView, correction_view, editor, issue_view, load_issue, notice_of, ref
from services.home.context import Services
from storage.tables import GazetteCorrectionRow


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


def add_correction(svc: Services, issue_id: str, corrects_id: str, text: str, actor: str, *,
                   dossier: str | None = None, item: int | None = None) -> CorrectionView:
    """Place a notice in draft issue `issue_id` correcting released issue `corrects_id` (and, if
    named, one of its items, by dossier or by gazette item number)."""
    editor(svc, actor)

    def work() -> CorrectionView:
        with svc.unit() as uow:
            issue, corrected = load_issue(uow, issue_id), load_issue(uow, corrects_id)
            problems = rules.add_problems(ref(issue), ref(corrected), text)
            target = None
            if corrected.status == "released" and (dossier is not None or item is not None):
                items = [rules.CorrectedItem(item=i.item, dossier=i.dossier, title=i.title,
                                             document_number=i.document_number, position=i.position)
                         for i in issue_view(svc, uow, corrected).items]
                target = rules.find_item(ref(corrected), items, dossier=dossier, item=item)
                if isinstance(target, rules.Problem):
                    problems.append(target)
            if problems:
                raise Refused(*problems)
            now = uow.now()
            # The number is taken last, in the transaction that adds the notice (a locking counter).
            row = GazetteCorrectionRow(
                id=uow.gazette.next_notice_number(), issue_id=issue.id, corrects_issue_id=corrected.id,
                text=rules.clean_text(text),
                corrects_item=target.item if target else None, corrects_dossier=target.dossier if target else None,
                corrects_title=target.title if target else None,
                corrects_number=target.document_number if target else None,
                corrects_position=target.position if target else None, added_by=actor, added_at=now)
            uow.add(row)
            issue.updated_at = now      # bumps row_version: a release that read the issue first loses
            uow.flush()
            uow.audit.append(CorrectionAdded(dossier_id=row.corrects_dossier, actor=actor, at=now, notice=row.id,
                                             issue=issue.id, corrects=corrected.id, item=row.corrects_item,
                                             text=row.text))
            return correction_view(row, notice_of(row, corrected))
    return svc.retrying(work)


def remove_correction(svc: Services, notice_id: int, actor: str) -> CorrectionView:
    """Take a notice out of its issue, while that issue is a draft."""
    editor(svc, actor)

    def work() -> CorrectionView:
        with svc.unit() as uow:
            row = uow.gazette.correction(notice_id)
            if row is None:
                raise Refused(problem("not_found", f"没有编号为 {echoed(notice_id)} 的更正启事：请用 lockstep gazette "
                                                   "issue show 期次 --json 查看各期的更正启事"))
            issue, corrected = load_issue(uow, row.issue_id), load_issue(uow, row.corrects_issue_id)
            if problems := rules.removal_problems(ref(issue)):
                raise Refused(*problems)
            view = correction_view(row, notice_of(row, corrected))
            now = uow.now()
            uow.delete(row)
            issue.updated_at = now
            uow.flush()
            uow.audit.append(CorrectionRemoved(dossier_id=row.corrects_dossier, actor=actor, at=now,
                                               notice=notice_id, issue=issue.id, corrects=corrected.id))
            return view
    return svc.retrying(work)
