"""修改说明 on a resubmission: the answers a new version gives to the reasons of the dossier's latest
return (review/revision.py matches them), stored with the version (versions.revision_note)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from documents.problems import Refused, problem
from documents.shown import echoed
from review.revision import Answer, latest_return, match_answers, note, split_answer

if TYPE_CHECKING:
    from storage.unit import Unit


class AnswerRefused(Refused):
    """An answer that names no reason of the return, or cannot be read: the submission is not received."""


class StaleAnswers(AnswerRefused):
    """Answers written for a return that is not the dossier's latest (the desk's form of another
    dossier, or of an earlier return): their 理由N would name other reasons."""


def answers_of(given: Sequence) -> list[Answer]:
    """Answers from command or form lines (“一、（二）=…”) or (reason, text) pairs (a bundle's 修改说明)."""
    out = []
    for g in given or ():
        if isinstance(g, Answer):
            out.append(g)
        elif isinstance(g, (tuple, list)) and len(g) == 2:
            out.append(Answer(reason=str(g[0]), text=str(g[1])))
        elif isinstance(g, dict):
            out.append(Answer(reason=str(g.get("reason", "")), text=str(g.get("text", ""))))
        else:
            try:
                out.append(split_answer(str(g)))
            except Refused as r:
                raise AnswerRefused(*r.problems) from None
    return out


def note_for(uow: Unit, dossier_id: str | None, answers: list[Answer]) -> dict | None:
    """The note to store with a new version of `dossier_id` (None: a new dossier), or None when it
    answers no return. Raises AnswerRefused for answers without a return or naming no reason of it."""
    last = latest_return(uow.dossiers.decisions(dossier_id)) if dossier_id else None
    if last is None:
        if answers:
            raise AnswerRefused(problem("not_found", f"卷宗{echoed(dossier_id) if dossier_id else '（新卷宗）'}没有退回意见，"
                                                     f"“{echoed(answers[0].reason, 20)}”无可答复"))
        return None
    returned = next((n for n, fp, _ in uow.dossiers.revision_notes(dossier_id) if fp == last.fingerprint), None)
    matched = _refusal(lambda: match_answers(last.reasons, answers))
    if isinstance(matched, tuple):
        raise AnswerRefused(*matched)
    # Later answers to the same return add to earlier ones (the page shows the latest per reason).
    return note(last, returned, matched)


def _refusal(f):
    try:
        return f()
    except Refused as r:
        return r.problems


def check_answers(svc, actor, dossier_id: str | None, given: Sequence, written_for: str | None = None) -> None:
    """Refuse early (before any file is read or stored) what intake would refuse of these answers:
    a line without “=”, or, for a named dossier the person may add a version to, a reason its latest
    return does not have. A dossier the person may not see is not_found, as a missing one.
    `written_for`: the moment (ISO) of the return the answers were written against (the desk's form);
    the dossier's latest return is another: StaleAnswers."""
    from review import rules
    from services.review.basics import pipeline_for
    answers = answers_of(given)
    if not dossier_id:
        return
    with svc.unit() as uow:
        row, view = uow.dossiers.view(dossier_id)
        if refusal := (rules.may_see(actor, dossier_id, row.drafting_unit, row.state,
                                     pipeline_for(svc.config, view.current), view.current)
                       or rules.may_submit_version(actor, row.drafting_unit, row.state)):
            raise Refused(refusal)
        if written_for is not None:
            last = latest_return(uow.dossiers.decisions(dossier_id))
            if last is None or last.at.isoformat() != written_for:
                raise StaleAnswers(problem("invalid_state", f"这些修改说明是对另一次退回意见填写的，未放入答复框；"
                                                            f"卷宗 {dossier_id} 现有的退回理由见下，请对照逐条重新填写"))
        note_for(uow, dossier_id, answers)


def answered_changes(svc, dossier_id: str, returned, current: int) -> dict[int, list]:
    """Per reason number, the changes between the returned version and `current` in the provision
    the reason points at (documents/diff.py anchors each change), or at its paragraph."""
    from services.dossiers.versions import diff_versions
    if returned is None or returned.version is None or current <= returned.version:
        return {}
    d = diff_versions(svc, dossier_id, returned.version, current)
    by_role = {doc.role: doc.changes for doc in d.documents}
    return {r.number: [c for c in by_role.get(r.document, []) if c.kind != "equal" and _touches(c, r)]
            for r in returned.reasons if r.anchor}


def _touches(change, reason) -> bool:
    """The change sits under the reason's provision (一、 covers 一、（二）; 问2 is not 问20), or at
    the paragraph the reason pointed at in the returned version."""
    a, at = reason.anchor, change.anchor or ""
    if at == a or (at.startswith(a) and not at[len(a):len(a) + 1].isdigit()):
        return True
    return reason.paragraph is not None and change.old_index == reason.paragraph
