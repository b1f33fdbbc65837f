"""The gazette's own rules (政府公报): sections, order, running number, what may enter an issue.

Pure: values in, values or problems out. The service gathers the facts from storage.
"""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from documents.effective import EffectivePhrase, earliest_effective
from documents.problems import Problem, problem
from documents.titles import book_title
from review.rules import NOT_PUBLIC, is_public

# The gazette's running order of sections; 政策解读 closes the issue, each one under its document.
SECTIONS: tuple[str, ...] = (
    "本级政府规章",
    "本级政府行政规范性文件",
    "本级政府文件",
    "部门行政规范性文件",
    "部门文件",
    "政府办公室文件",
    "人事任免",
    "政策解读",
)
INTERPRETATION_SECTION = "政策解读"
# 更正启事 (publishing/corrections.py) are not items: they close the issue, after 政策解读.
CORRECTION_SECTION = "更正启事"


class ItemFacts(BaseModel, frozen=True):
    """What the rules need to know about one queued item, read from its stored dossier version."""
    item_id: int
    dossier: str
    title: str
    doc_number: str | None = None
    kind: str
    normative: bool                   # the kind's pipeline is normative (goes to the register)
    organ: str | None = None          # 发文机关署名
    banner: str | None = None         # 发文机关标志 (…文件)
    signed_date: dt.date | None = None
    disclosure: str | None = None
    withheld: bool = False            # 撤回公开 (review.rules.is_public)
    effective: tuple[EffectivePhrase, ...] = ()
    position: int | None = None       # its place in the issue (editors reorder it); None: not placed yet


def _issuer(organ: str | None, banner: str | None) -> str:
    """government, office or department. The banner counts as much as the signature: a 通知 printed
    on the office's letterhead is the office's document even if signed in the government's name."""
    names = [n.strip().removesuffix("文件") for n in (organ, banner) if n and n.strip()]
    if any("政府办公室" in n or "政府办公厅" in n for n in names):
        return "office"
    if names and all(n.endswith("人民政府") for n in names):
        return "government"
    return "department"


def section_of(facts: ItemFacts) -> str:
    if "规章" in facts.kind:
        return "本级政府规章"
    if "任免" in facts.kind:
        return "人事任免"
    issuer = _issuer(facts.organ, facts.banner)
    if issuer == "office":
        return "政府办公室文件"
    normative = facts.normative or facts.kind in ("行政规范性文件", "重大行政决策")
    if issuer == "government":
        return "本级政府行政规范性文件" if normative else "本级政府文件"
    return "部门行政规范性文件" if normative else "部门文件"


def ordered(items: list[ItemFacts]) -> list[tuple[str, ItemFacts]]:
    """By section, then by the editor's order within it (position: items added later come after, and
    editors move them), then, for items not placed yet, by date (undated last), document number and
    dossier for a stable order."""
    def key(f: ItemFacts):
        return (SECTIONS.index(section_of(f)), f.position is None, f.position or 0, f.signed_date is None,
                f.signed_date or dt.date.min, f.doc_number or "", f.dossier)
    return [(section_of(f), f) for f in sorted(items, key=key)]


def next_total(previous_total: int | None) -> int:
    """总第N期: the previous issue's running total plus one; the first issue is 总第1期."""
    return 1 if previous_total is None else previous_total + 1


def _label(f: ItemFacts) -> str:
    return f"{f.doc_number}{book_title(f.title)}" if f.doc_number else book_title(f.title)


def _date_text(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def not_public(items: list[ItemFacts]) -> list[Problem]:
    """DESIGN.md rule 9: a document that is not public never reaches the gazette. The one predicate
    decides (review.rules.is_public): 不予公开, an attribute nobody placed, or 撤回公开 keep it out."""
    return [problem("not_public", f"{_label(f)}（卷宗 {f.dossier}）{_why_not_public(f)}，不能刊登")
            for f in items if not is_public(f.disclosure, f.withheld)]


def _why_not_public(f: ItemFacts) -> str:
    if f.withheld:
        return "已撤回公开"
    return "标注为不予公开" if f.disclosure == NOT_PUBLIC else "公开属性未确定"


def effective_too_early(items: list[ItemFacts], release: dt.date) -> list[Problem]:
    """DESIGN.md rule 7: a normative document may not take effect before the issue that carries it.
    Taking effect on the day of publication (自发布之日起施行) is in time."""
    out = []
    for f in items:
        if not f.normative:
            continue
        found = earliest_effective(f.effective, f.signed_date, release)
        if found is not None and found[0] < release:
            day, phrase = found
            out.append(problem(
                "effective_before_gazette",
                f"{_label(f)}（卷宗 {f.dossier}）{phrase.text}，施行日期{_date_text(day)}"
                f"早于本期公报出版日期{_date_text(release)}"))
    return out


def admission_problems(items: list[ItemFacts], release: dt.date | None) -> list[Problem]:
    """Everything that keeps items out of an issue; the effective-date rule needs a release date."""
    return not_public(items) + (effective_too_early(items, release) if release else [])
