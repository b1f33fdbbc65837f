"""逐条对照: each provision of a policy beside the interpretation answers that explain it.

The review page shows the policy's first- and second-level provisions (一、 and 一、（二）) one per
row, with every 问N of the interpretation (the question and its answer paragraphs) that names that
provision on the same row. Which provision a question names is decided exactly as the consistency
check decides it (`review.consistency.provision_of`, over `documents.facts.qa_anchored`), so the
page and the check never disagree. A question naming a deeper provision (一、（二）1.) sits on the
row of its second-level provision; one naming no provision, or an ambiguous one, goes to the last
row ("未对应到条款").

Graphics (一图读懂) are separate picture files, not paragraphs, so they carry no anchor and are
not placed here; the page shows them with the full texts. A 解读方案 written without 问N has no
answers to place either. Pure: paragraphs in, rows out.
"""
from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from documents.anchors import Para
from documents.facts import qa_anchored, question_number
from review.consistency import provision_of

LEVELS = (1, 2)


class Answer(BaseModel, frozen=True):
    anchor: str                 # 问3
    source: str                 # the document it is in: 解读材料, 解读方案
    question: str               # the 问N paragraph as written
    answer: list[str] = Field(default_factory=list)   # the paragraphs after it, up to the next 问
    paragraph: int              # the question's paragraph number in its document
    provision: str | None = None   # the anchor the question names (may be deeper than its row)


class Row(BaseModel, frozen=True):
    anchor: str | None          # 一、（二）; None for the last row: answers that name no provision
    level: int | None = None
    text: str = ""              # the provision's heading paragraph
    answers: list[Answer] = Field(default_factory=list)
    below: int = 0              # answers on the rows of its sub-provisions (a 一、 explained item by item)


def answers_of(policy: Sequence[Para], paras: Sequence[Para], source: str) -> list[Answer]:
    """The 问N of one interpretation document, each with its answer paragraphs and the provision
    it names (None when it names none, or names one ambiguously)."""
    out: list[Answer] = []
    current: dict | None = None
    for p in qa_anchored(paras):
        if question_number(p.text) is not None:
            if current:
                out.append(Answer(**current))
            current = {"anchor": p.anchor, "source": source, "question": p.text, "answer": [],
                       "paragraph": p.index, "provision": provision_of(p.text, policy)}
        elif current is not None and p.anchor == current["anchor"]:
            current["answer"].append(p.text)
    if current:
        out.append(Answer(**current))
    return out


def _row_of(provision: str, rows: dict[str, Row]) -> str | None:
    """The row a provision sits on: itself, or the longest row anchor it lies under."""
    if provision in rows:
        return provision
    return max((a for a in rows if provision.startswith(a)), key=len, default=None)


def aligned(policy: Sequence[Para], material: Sequence[Para] = (), plan: Sequence[Para] = ()) -> list[Row]:
    """One row per first- and second-level provision of the policy, in its order, with the
    answers that explain it; then a row (anchor None) of the answers that name no provision,
    present only when there are such answers."""
    heads: dict[str, Row] = {}
    for p in policy:
        if p.level in LEVELS and p.anchor and p.anchor not in heads:
            heads[p.anchor] = Row(anchor=p.anchor, level=p.level, text=p.text)
    placed: dict[str | None, list[Answer]] = {}
    answers = answers_of(policy, material, "解读材料") + answers_of(policy, plan, "解读方案")
    for a in answers:
        at = _row_of(a.provision, heads) if a.provision else None
        placed.setdefault(at, []).append(a)
    rows = [r.model_copy(update={"answers": placed.get(a, []),
                                 "below": sum(len(v) for k, v in placed.items() if k and k != a and k.startswith(a))})
            for a, r in heads.items()]
    if placed.get(None):
        rows.append(Row(anchor=None, answers=placed[None]))
    return rows


__all__ = ["Answer", "Row", "aligned", "answers_of"]
