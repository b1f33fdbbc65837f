"""The interpretation agrees with its policy: the reviewer's first pass, done by the machine.

Each fact of an interpretation (documents.facts) must match a policy fact of the same kind and
value. Where a 问N cites or names a provision of the policy (问2：（二）积极回应社会关切…), its
figures are checked under that provision: a figure the provision states differently is a finding
even when the same number turns up elsewhere. Otherwise (and for years, 文号 and titles, which are
references, not figures of one provision) a match anywhere in the policy will do.

Organs named as responsible (牵头/负责/会同/配合) are checked like figures: under the provision a 问N
names, an organ the provision does not name (or names in another role, 牵头 ↔ 配合) is a finding.
The policy's own 施行日期 and validity are checked against the policy as a whole: a different date,
or a validity that is neither the policy's nor what it comes to (有效期5年 from 2027-01-01 is
有效期至2031-12-31; 自印发之日起 is the 成文日期), is a finding.

Findings are warnings (`interpretation_inconsistent`); first-level provisions no answer addresses
are notes. Nothing here blocks the gate. Pure: paragraphs in, problems and notes out.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from pydantic import BaseModel, Field

from documents import anchors
from documents.diff import Para
from documents.facts import FIGURES, PLACED, Fact, extract, facts_in, heading_title, qa_anchored
from documents.problems import Problem, warning
from review.findings import Finding

CODE = "interpretation_inconsistent"


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
    closest number. For an organ: the same organ in another role, else one in the same role."""
    if fact.kind == "organ":
        name, assist = fact.value.removesuffix("（配合）"), fact.value.endswith("（配合）")
        return (next((c for c in candidates if c.value.removesuffix("（配合）") == name), None)
                or next((c for c in candidates if c.value.endswith("（配合）") == assist), None)
                or candidates[0])
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
    effective = by_kind.get("effective", [])
    values |= _effective_agrees(policy, effective)
    own = _own_titles(policy)

    mapped: dict[str, str | None] = {}
    for p in interp:
        if p.anchor.startswith("问") and p.anchor not in mapped:
            mapped[p.anchor] = provision_of(p.text, policy)

    out = Consistency()
    addressed: set[str] = set()
    seen: set[tuple[str, str, str]] = set()
    under: dict[tuple[str, str], tuple[list[Fact], set[str]]] = {}   # policy facts per provision
    for fact in extract(interp):
        key = (fact.anchor, fact.kind, fact.value)
        if key in seen:
            continue
        seen.add(key)
        provision = mapped.get(fact.anchor) if fact.anchor.startswith("问") else None
        finding = None
        if fact.kind == "effective":     # the policy's own: checked against the whole policy
            if (fact.kind, fact.value) in values or not _of_the_policy(fact.subject, own):
                continue
            near = _nearest_effective(fact, effective)
            finding = _finding(fact, near.anchor if near else None, near.text if near else None)
            out.findings.append(finding)
            out.problems.append(_problem(finding, file))
            continue
        if fact.kind in FIGURES and not provision:
            tops = {_top(f.anchor) for f in by_kind.get(fact.kind, []) if f.value == fact.value}
            if len(tops) == 1 and "" not in tops:
                addressed.update(tops)   # an answer restating a figure of one provision addresses it
        if provision and fact.kind in PLACED:
            place = (fact.kind, provision)
            if place not in under:
                here = [f for f in by_kind.get(fact.kind, []) if _under(f.anchor, provision)]
                under[place] = (here, {f.value for f in here})
            here, here_values = under[place]
            if fact.value in here_values:
                continue
            if here:
                near = _nearest(fact, here)
                finding = _finding(fact, near.anchor, near.text)
        if finding is None:
            if (fact.kind, fact.value) in values:
                continue
            if fact.kind == "title" and _names_the_policy(fact.value.strip("《》"), own):
                continue
            finding = _finding(fact, None, None)
        out.findings.append(finding)
        out.problems.append(_problem(finding, file))
    if cover:
        out.notes = coverage(policy, interp, mapped, addressed)
    out.addressed = sorted(addressed | {_top(a) for a in mapped.values() if a})
    return out


def _iso(value: str) -> date | None:
    try:
        return date.fromisoformat(value[-10:])
    except ValueError:
        return None


def _plus_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(d)


def _months(value: str) -> int | None:
    m = re.fullmatch(r"有效期(\d+)(年|月)", value)
    if not m:
        return None
    return int(m[1]) * (12 if m[2] == "年" else 1)


def _validity(months: int) -> str:
    return f"有效期{months // 12}年" if months % 12 == 0 else f"有效期{months}月"


def _effective_agrees(policy: Sequence[Para], effective: Sequence[Fact]) -> set[tuple[str, str]]:
    """What an interpretation may say of the policy's 施行日期 and validity, given what the policy
    says: its own statements, 自印发之日起 ↔ the 成文日期 (a paragraph that is only a date), which
    is also what a policy stating no 施行日期 takes effect on (the default for 规范性文件), a start
    and a validity ↔ the end it comes to (5年 from 2027-01-01 ↔ 至2031-12-31), and the dates, years
    and durations inside them as facts of their own kinds."""
    ok = {("effective", f.value) for f in effective}
    signed = None
    for p in list(policy)[::-1][:12]:   # the 成文日期 stands near the end, on a line of its own
        if len(p.text.strip()) > 16:
            continue
        one = facts_in(p.text)
        if len(one) == 1 and one[0].kind == "date" and len(one[0].value) == 10 \
                and len(one[0].text) >= len(p.text.strip()) - 1:
            signed = one[0].value
            break
    starts = {f.value[2:] for f in effective if f.value.startswith("施行") and f.value != "施行印发之日"}
    if signed and ("施行印发之日" in {f.value for f in effective}
                   or not any(f.value.startswith("施行") for f in effective)):
        starts.add(signed)
    if signed in starts or not any(f.value.startswith("施行") for f in effective):
        ok.add(("effective", "施行印发之日"))
    ok |= {("effective", f"施行{d}") for d in starts}
    for f in effective:
        months = _months(f.value)
        until = _iso(f.value) if f.value.startswith("有效期至") else None
        for d in filter(None, map(_iso, starts)):
            if months:
                ok.add(("effective", f"有效期至{(_plus_months(d, months) - timedelta(days=1)).isoformat()}"))
            if until:
                for n in range(1, 121):
                    if _plus_months(d, n) - timedelta(days=1) == until:
                        ok.add(("effective", _validity(n)))
                        break
        if months:
            ok.add(("duration", f"{months // 12}年" if months % 12 == 0 else f"{months}月"))
    for _, value in list(ok):
        if (d := _iso(value)) is not None:
            ok |= {("date", d.isoformat()), ("year", str(d.year))}
    return ok


_SHORT_TITLE = 6   # 《办法》《实施方案》: a short name stands for the policy itself


def _own_titles(policy: Sequence[Para]) -> set[str]:
    """The names the policy goes by: its title line(s) and what its 通知 印发s (《…》)."""
    out = set()
    for p in policy[:12]:
        flat = "".join(p.text.split())
        if 4 <= len(flat) <= 80 and not re.search(r"[。；，,]", flat):
            out.add(flat.strip("《》"))
        for m in re.finditer(r"印发《([^《》]+)》", flat):
            out.add(m.group(1))
    return out


def _names_the_policy(title: str, own: set[str]) -> bool:
    """《根河市…管理办法》 or its short form 《办法》《实施方案》: the policy itself."""
    return title in own or (len(title) <= _SHORT_TITLE and any(t.endswith(title) for t in own))


def _of_the_policy(subject: str, own: set[str]) -> bool:
    """An interpretation's 施行/有效期 clause is about the policy unless it names another document
    (《政府信息公开条例》自2019年5月15日起施行 is not the policy's own date)."""
    return not subject or len(subject) <= _SHORT_TITLE or subject in own


def _nearest_effective(fact: Fact, effective: Sequence[Fact]) -> Fact | None:
    """The policy statement an interpretation's 施行/有效期 restates (None when the policy states
    none of that sort: "政策中没有")."""
    sort = "施行" if fact.value.startswith("施行") else "有效期"
    return next((f for f in effective if f.value.startswith(sort)), None)


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
