"""The interpretation agrees with its policy: the reviewer's first pass, done by the machine.

Each fact of an interpretation (documents.facts) must match a policy fact of the same kind and
value. Where a 问N cites or names a provision of the policy (问2：（二）积极回应社会关切…), its
figures are checked under that provision: a figure the provision states differently is a finding
even when the same number turns up elsewhere. Otherwise (and for years, 文号 and titles, which are
references, not figures of one provision) a match anywhere in the policy will do.

Findings are warnings (`interpretation_inconsistent`); first-level provisions no answer addresses
are notes. Nothing here blocks the gate. Pure: paragraphs in, problems and notes out.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache

from pydantic import BaseModel, Field

from documents import anchors
from documents.diff import Para
from documents.facts import FIGURES, Fact, extract, heading_title, qa_anchored
from documents.problems import Problem, warning

CODE = "interpretation_inconsistent"


class Finding(BaseModel, frozen=True):
    kind: str
    anchor: str                    # the interpretation's place: 问3, 二、, or "第5段"
    value: str                     # the interpretation fact's normalised value
    text: str                      # as written in the interpretation
    paragraph: int
    policy_anchor: str | None = None   # the policy's place when a differing figure stands there
    policy_text: str | None = None


class Consistency(BaseModel):
    findings: list[Finding] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    addressed: list[str] = Field(default_factory=list)   # first-level anchors an answer addresses


def provision_of(question: str, policy: Sequence[Para]) -> str | None:
    """The policy provision a question cites or names: "问2：（二）积极回应社会关切…" → "一、（二）".

    A cited label is resolved by its path (unique suffix), and when several provisions carry it,
    by the heading words that follow it; a question citing no label is mapped by a heading title
    (4+ characters) it contains. None when nothing fits or the fit is ambiguous."""
    body = re.sub(r"^\s*(?:\d+[.、]\s*)?问\s*[\d一二三四五六七八九十]*\s*[：:、.．]", "", question)
    headings = [p for p in policy if p.level is not None and p.anchor]
    tokens, rest = anchors.parse(body)
    if tokens:
        want = tuple(tokens)
        hits = [p for p in headings if _path(p.anchor)[-len(want):] == want]
        if len(hits) == 1:
            return hits[0].anchor
        words = heading_title(body)
        named = [p for p in hits if words and _title_fits(heading_title(p.text), words)]
        if len(named) == 1:
            return named[0].anchor
        if hits:
            return None
    flat = _flat(body)
    named = [p for p in headings if len(heading_title(p.text)) >= 4 and heading_title(p.text) in flat]
    if named:
        longest = max(len(heading_title(p.text)) for p in named)
        best = [p for p in named if len(heading_title(p.text)) == longest]
        return best[0].anchor if len(best) == 1 else None
    return None


@lru_cache(maxsize=4096)
def _path(anchor: str) -> tuple[anchors.Token, ...]:
    return tuple(anchors.parse(anchor)[0])


def _title_fits(title: str, words: str) -> bool:
    if not title:
        return False
    return title.startswith(words) or words.startswith(title) or title in words


_WRAPPERS = str.maketrans("", "", "【】[]「」“”‘’\"'《》<>")


def _flat(text: str) -> str:
    """As `anchors` compares heading words: NFKC, no whitespace, no quotes or brackets."""
    return "".join(unicodedata.normalize("NFKC", text or "").split()).translate(_WRAPPERS)


def _under(anchor: str, provision: str) -> bool:
    return anchor == provision or anchor.startswith(provision)


def _magnitude(value: str) -> Decimal | None:
    m = re.match(r"-?\d+(?:\.\d+)?", value)
    return Decimal(m.group(0)) if m else None


def _unit(value: str) -> str:
    return re.sub(r"^[\d.\-]+", "", value)


def _nearest(fact: Fact, candidates: Sequence[Fact]) -> Fact:
    """The policy figure the interpretation's most likely restates: same unit first, then the
    closest number."""
    same = [c for c in candidates if _unit(c.value) == _unit(fact.value)] or list(candidates)
    mine = _magnitude(fact.value)
    if mine is None:
        return same[0]
    return min(same, key=lambda c: abs((_magnitude(c.value) or Decimal(0)) - mine))


def check(policy: Sequence[Para], interpretation: Sequence[Para], *,
          file: str | None = None, cover: bool = True) -> Consistency:
    """Findings (and coverage notes) for one interpretation document against its policy.

    `policy` and `interpretation` are `documents.diff.paragraphs()` of the two docx; a Q&A gets
    its 问N anchors here."""
    return _check(policy, extract(policy), interpretation, file=file, cover=cover)


def _check(policy: Sequence[Para], policy_facts: Sequence[Fact], interpretation: Sequence[Para], *,
           file: str | None, cover: bool) -> Consistency:
    interp = qa_anchored(interpretation)
    by_kind: dict[str, list[Fact]] = {}
    for f in policy_facts:
        by_kind.setdefault(f.kind, []).append(f)
    values = {(f.kind, f.value) for f in policy_facts}

    mapped: dict[str, str | None] = {}
    for p in interp:
        if p.anchor.startswith("问") and p.anchor not in mapped:
            mapped[p.anchor] = provision_of(p.text, policy)

    out = Consistency()
    addressed: set[str] = set()
    seen: set[tuple[str, str, str]] = set()
    for fact in extract(interp):
        key = (fact.anchor, fact.kind, fact.value)
        if key in seen:
            continue
        seen.add(key)
        provision = mapped.get(fact.anchor) if fact.anchor.startswith("问") else None
        finding = None
        if fact.kind in FIGURES and not provision:
            tops = {_top(f.anchor) for f in by_kind.get(fact.kind, []) if f.value == fact.value}
            if len(tops) == 1 and "" not in tops:
                addressed.update(tops)   # an answer restating a figure of one provision addresses it
        if provision and fact.kind in FIGURES:
            here = [f for f in by_kind.get(fact.kind, []) if _under(f.anchor, provision)]
            if any(f.value == fact.value for f in here):
                continue
            if here:
                near = _nearest(fact, here)
                finding = _finding(fact, near.anchor, near.text)
        if finding is None:
            if (fact.kind, fact.value) in values:
                continue
            finding = _finding(fact, None, None)
        out.findings.append(finding)
        out.problems.append(_problem(finding, file))
    if cover:
        out.notes = coverage(policy, interp, mapped, addressed)
    out.addressed = sorted(addressed | {_top(a) for a in mapped.values() if a})
    return out


def _finding(fact: Fact, policy_anchor: str | None, policy_text: str | None) -> Finding:
    return Finding(kind=fact.kind, anchor=fact.anchor or f"第{fact.paragraph}段", value=fact.value,
                   text=fact.text, paragraph=fact.paragraph, policy_anchor=policy_anchor,
                   policy_text=policy_text)


def _problem(f: Finding, file: str | None) -> Problem:
    there = (f"政策 {f.policy_anchor or '正文'}：‘{f.policy_text}’" if f.policy_text is not None
             else "政策中没有")
    return warning(CODE, f"解读 {f.anchor}：‘{f.text}’ ↔ {there}", file=file, paragraph=f.paragraph)


def _top(anchor: str) -> str:
    tokens = anchors.parse(anchor)[0] if anchor else []
    return anchors.render(tokens[:1]) if tokens else ""


def coverage(policy: Sequence[Para], interpretation: Sequence[Para],
             mapped: dict[str, str | None] | None = None,
             addressed: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Notes for the first-level provisions no interpretation paragraph addresses: none of its
    provisions is the one a 问N maps to, no answer restates a figure found only under it
    (`addressed`, first-level anchors), and no interpretation paragraph names its title or the
    title of one of its sub-provisions."""
    interp = qa_anchored(interpretation)
    if mapped is None:
        mapped = {}
        for p in interp:
            if p.anchor.startswith("问") and p.anchor not in mapped:
                mapped[p.anchor] = provision_of(p.text, policy)
    targets = {a for a in mapped.values() if a}
    text = "".join(_flat(p.text) for p in interp)
    notes = []
    for head in (p for p in policy if p.level == 1 and p.anchor):
        subs = [p for p in policy if p.level is not None and _under(p.anchor, head.anchor)]
        if head.anchor in addressed or any(_under(t, head.anchor) for t in targets):
            continue
        titles = [heading_title(p.text) for p in subs]
        if any(len(t) >= 4 and t in text for t in titles):
            continue
        notes.append(f"政策 {head.text.strip()[:40]}：解读中没有对应内容")
    return notes


def check_all(policy: Sequence[Para], interpretations: Sequence[tuple[str, Sequence[Para]]]
              ) -> Consistency:
    """Several interpretation documents (material and plan) against one policy: findings of each,
    and coverage over all of them together."""
    out = Consistency()
    policy_facts = extract(policy)
    together: list[Para] = []
    addressed: set[str] = set()
    for name, paras in interpretations:
        one = _check(policy, policy_facts, paras, file=name, cover=False)
        out.findings.extend(one.findings)
        out.problems.extend(one.problems)
        together.extend(qa_anchored(paras))
        addressed.update(one.addressed)
    out.notes = coverage(policy, together, {}, addressed) if interpretations else []
    out.addressed = sorted(addressed)
    return out


__all__ = ["CODE", "Finding", "Consistency", "check", "check_all", "coverage", "provision_of"]
