"""A return and its answer (退回与修改说明): the reasons of a dossier's latest return, and for each
how the drafting office answered it in a later version. Pure: the caller reads the decisions and
the versions' stored answers.

A reason is named by its anchor as the reviewer gave it (“一、（二）”, “解读：问2”, “方案：二、”), or
by its number in the return (“理由3”, “3”), which also names a reason without an anchor. An answer
that names no reason of the return is refused (not_found): it is never stored beside nothing.
"""
from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel

from documents.anchors import normalise
from documents.problems import Problem, Refused, problem
from documents.shown import echoed
from review.config import ROLE_NAMES
from review.model import Reason, StageDecided
from review.rules import written

# How a reason line names the document it points into (services/review/opinions.py reads the same).
PREFIXES = {"interpretation_material": "解读：", "interpretation_plan": "方案："}
_WRITTEN = (("解读方案", "interpretation_plan"), ("方案", "interpretation_plan"),
            ("解读材料", "interpretation_material"), ("解读", "interpretation_material"),
            ("政策", "policy"), ("正文", "policy"))
_NUMBER = re.compile(r"^(?:理由|第)?\s*(\d{1,3})\s*(?:条|项)?$")
NEXT_MOVE = "起草单位按退回意见修改后重新提交"
# The code a reason left unanswered is flagged with (a warning: it does not block the gate).
UNANSWERED = "reason_unanswered"
MAX_ANSWER = 2000


class Answer(BaseModel, frozen=True):
    """What an office wrote: the reason it answers (as written) and how it was answered."""
    reason: str
    text: str


class ReasonAnswer(BaseModel, frozen=True):
    number: int                   # 1-based, in the return's order
    key: str                      # how to name it: its anchor (解读：问2) or 理由N
    document: str = "policy"
    anchor: str = ""
    paragraph: int | None = None
    text: str
    answer: str | None = None     # None: 未答复
    answered: bool = False        # said outright: some JSON outputs leave None values out
    answered_in: int | None = None   # the version that carries the answer


class Returned(BaseModel, frozen=True):
    """The dossier's latest return, as the office and the reviewer read it."""
    stage: str
    by: str
    by_display: str | None = None   # how offices know the person (政务服务局局长), from the config
    role: str | None = None
    role_name: str | None = None
    unit: str = ""
    at: dt.datetime
    version: int | None = None    # the version returned
    comment: str = ""
    reasons: tuple[ReasonAnswer, ...] = ()
    pending: bool                 # the office's move: nothing is reviewed until it resubmits
    next_move: str | None = None  # 中文, when pending
    answered_by_version: int | None = None   # the first version after the return, if any

    @property
    def unanswered(self) -> list[ReasonAnswer]:
        return [r for r in self.reasons if r.answer is None]


def reason_key(reason: Reason, number: int, reasons: tuple[Reason, ...] = ()) -> str:
    """Its anchor with the document's prefix; 理由N when it has none or shares it with another."""
    if not reason.anchor:
        return f"理由{number}"
    if sum(1 for r in reasons if (r.document, r.anchor) == (reason.document, reason.anchor)) > 1:
        return f"理由{number}"
    return PREFIXES.get(reason.document, "") + reason.anchor


def latest_return(decisions: list[StageDecided]) -> StageDecided | None:
    returns = [d for d in decisions if d.verdict == "return"]
    return max(returns, key=lambda d: d.at) if returns else None


def split_answer(line: str) -> Answer:
    """“一、（二）=已按意见修改为…” (also “解读：问2=…”, “理由3=…”); refused without “=”."""
    reason, sep, text = line.partition("=")
    if not sep:
        reason, sep, text = line.partition("＝")
    if not sep or not reason.strip() or not text.strip():
        raise Refused(problem("request_invalid", f"修改说明“{_shown(line)}”应写作“条款=如何修改”，"
                                                 "如“一、（二）=已按意见修改为…”"))
    return Answer(reason=reason.strip(), text=text.strip())


def _document_and_anchor(written: str) -> tuple[str, str]:
    text = written.strip()
    for prefix, role in _WRITTEN:
        m = re.match(rf"^{prefix}\s*[:：]\s*", text)
        if m:
            return role, text[m.end():].strip()
    return "policy", text


def which(reasons: tuple[Reason, ...], written: str) -> int | None:
    """The 1-based number of the reason `written` names, or None."""
    s = "".join(written.split())
    m = _NUMBER.match(s)
    if m:
        n = int(m.group(1))
        return n if 1 <= n <= len(reasons) else None
    role, anchor = _document_and_anchor(s)
    if not anchor:
        return None
    wanted = normalise(anchor)
    hits = [i for i, r in enumerate(reasons, 1) if r.anchor and r.document == role and r.anchor == wanted]
    return hits[0] if len(hits) == 1 else None


def match_answers(reasons: tuple[Reason, ...], answers: list[Answer]) -> dict[int, str]:
    """Reason number → answer text. Refused (not_found) for an answer naming no reason of the
    return, (request_invalid) for one answered twice differently or an empty or overlong text."""
    out: dict[int, str] = {}
    for a in answers:
        n = which(reasons, a.reason)
        if n is None:
            known = "、".join(reason_key(r, i, reasons) for i, r in enumerate(reasons, 1)) or "（无）"
            raise Refused(problem("not_found", f"退回意见中没有“{_shown(a.reason)}”这条理由（可答复：{known}）"))
        text = a.text.strip()
        # Words, not what looks blank (zero-width spaces, a Hangul filler, dots): the reviewer would
        # see an empty answer counted as one, and the reason not flagged 未答复.
        if not written(text) or len(text) > MAX_ANSWER:
            raise Refused(problem("request_invalid", f"对“{_shown(a.reason)}”的修改说明须为 1 至 {MAX_ANSWER} 字"))
        if n in out and out[n] != text:
            raise Refused(problem("request_invalid", f"对“{_shown(a.reason)}”给出了两条不同的修改说明"))
        out[n] = text
    return out


def note(decision: StageDecided, returned_version: int | None, answers: dict[int, str]) -> dict:
    """What a version stores: the return it answers and the answers by reason number."""
    reasons = decision.reasons
    return {"stage": decision.stage, "returned_at": decision.at.isoformat(), "returned_version": returned_version,
            "answers": [{"number": n, "key": reason_key(reasons[n - 1], n, reasons), "text": t}
                        for n, t in sorted(answers.items())]}


def returned_view(decisions: list[StageDecided], versions: list[tuple[int, str, dict | None]],
                  state: str) -> Returned | None:
    """The latest return with its reasons and their answers. `versions`: (number, fingerprint, stored
    note) of every version of the dossier; answers count from versions after the returned one."""
    last = latest_return(decisions)
    if last is None:
        return None
    number_of = {fp: n for n, fp, _ in versions}
    returned = number_of.get(last.fingerprint)
    answers: dict[int, tuple[str, int]] = {}
    later = sorted(v for v in versions if returned is not None and v[0] > returned)
    for n, _, stored in later:
        # A version is returned at most once (it must be resubmitted first): the returned version and
        # its stage name the return, whatever precision the database gives its time.
        if not stored or stored.get("returned_version") != returned or stored.get("stage") != last.stage:
            continue
        for a in stored.get("answers") or ():
            answers[int(a["number"])] = (a["text"], n)
    reasons = tuple(
        ReasonAnswer(number=i, key=reason_key(r, i, last.reasons), document=r.document, anchor=r.anchor,
                     paragraph=r.paragraph, text=r.text,
                     answer=answers[i][0] if i in answers else None, answered=i in answers,
                     answered_in=answers[i][1] if i in answers else None)
        for i, r in enumerate(last.reasons, 1))
    pending = state == "returned"
    return Returned(stage=last.stage, by=last.actor, role=last.role,
                    role_name=ROLE_NAMES.get(last.role, last.role) if last.role else None, unit=last.unit,
                    at=last.at, version=returned, comment=last.comment, reasons=reasons, pending=pending,
                    next_move=NEXT_MOVE if pending else None,
                    answered_by_version=later[0][0] if later else None)


def _shown(text: str) -> str:
    """What was typed, cut short: a refusal echoes input, never the document."""
    return echoed("".join(text.split()), 20)


def unanswered_warnings(returned: Returned | None) -> list[Problem]:
    """未答复: once a version after the return is in, each reason it does not answer is a warning."""
    if returned is None or returned.pending or returned.answered_by_version is None:
        return []
    out = []
    for r in returned.unanswered:
        detail = f"退回理由 {r.key}（{_shown(r.text)}）未答复"
        out.append(problem(UNANSWERED, detail, severity="warning", paragraph=r.paragraph))
    return out
