"""Checkable facts in a policy or its interpretation: figures with units, dates, years, document
numbers and titles cited, each with the provision (or 问N) it sits under.

Pure: paragraphs in (documents.diff.Para, as `paragraphs()` reads them from a docx), facts out.
Values are normalised so that what means the same compares equal:
二十四小时 = 24小时 = 24小时内, 百分之四 = 4% = ４％, 3万元 = 30000元, 〔〕/[]/（） in 文号.

Kinds: amount (元), percent, count (个/项/家/人…), duration (小时/日/工作日/周/月/年),
date (2019-08-05, 2019-08, 08-05), year (2019), docno (根政办发〔2019〕36号), title (《…》 inside).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from documents import anchors
from documents.docno import doc_number_span, find_doc_number

if TYPE_CHECKING:
    from documents.diff import Para

Kind = Literal["amount", "percent", "count", "duration", "date", "year", "docno", "title"]
KINDS: tuple[str, ...] = ("amount", "percent", "count", "duration", "date", "year", "docno", "title")
FIGURES = frozenset({"amount", "percent", "count", "duration", "date"})


class Fact(BaseModel, frozen=True):
    kind: str
    value: str          # normalised: "30000元", "4%", "24小时", "2019-08-05", "根政办发〔2019〕36号"
    text: str           # as written in the paragraph
    anchor: str = ""    # "一、（二）" in a policy, "问2" in a Q&A, "" outside any
    paragraph: int = 0  # 1-based paragraph number


# ------------------------------------------------------------------------------ numbers

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CNNUM = r"[零〇一二两三四五六七八九十百千]+(?:点[零〇一二三四五六七八九]+)?"
_NUM = rf"(?<![\d.])(?:{_ARABIC}|{_CNNUM})"


def cn_value(text: str) -> Decimal | None:
    """二十四 → 24, 一百零五 → 105, 三千 → 3000, 四点五 → 4.5, 二〇一九 → 2019; None if not a numeral."""
    if not text:
        return None
    whole, _, frac = text.partition("点")
    if any(c not in _CN_DIGITS and c not in _CN_UNITS for c in whole) or \
            any(c not in _CN_DIGITS for c in frac):
        return None
    if whole and all(c in _CN_DIGITS for c in whole):
        if len(whole) > 1 and whole[0] in "零〇":
            return None
        n = int("".join(str(_CN_DIGITS[c]) for c in whole))
    else:
        n, current = 0, 0
        for c in whole:
            if c in _CN_DIGITS:
                current = _CN_DIGITS[c]
            else:
                n += (current or 1) * _CN_UNITS[c]
                current = 0
        n += current
    if frac:
        return Decimal(f"{n}.{''.join(str(_CN_DIGITS[c]) for c in frac)}")
    return Decimal(n)


def number(text: str) -> Decimal | None:
    """An Arabic (3, 3.5, 30,000) or Chinese (三, 二十四) numeral's value."""
    if not text:
        return None
    if text[0].isdigit():
        try:
            return Decimal(text.replace(",", ""))
        except InvalidOperation:
            return None
    return cn_value(text)


def _fmt(n: Decimal) -> str:
    s = format(n.normalize(), "f")
    return s.rstrip("0").rstrip(".") if "." in s else s


# ------------------------------------------------------------------------------ patterns

_WORTH = re.compile(r"[\d《零〇一二两三四五六七八九十百千]")
_TITLE = re.compile(r"《([^《》]{2,80})》")
_DATE = re.compile(
    r"(?:(?P<y>(?:19|20)\d\d|[〇零一二][〇零一二三四五六七八九]{3})年)?"
    r"(?P<m>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])月"
    r"(?:(?P<d>3[01]|[12]\d|0?[1-9]|三十一?|二?十[一二三四五六七八九]?|[一二三四五六七八九])[日号])?")
_DATE_DIGITS = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)[-./](?P<m>1[0-2]|0?[1-9])[-./](?P<d>3[01]|[12]\d|0?[1-9])(?!\d)")
_YEAR = re.compile(r"(?<![\d.])(?P<y>(?:19|20)\d\d|[〇零一二][〇零一二三四五六七八九]{3})年(?!代|度?\d)")
_PERCENT = re.compile(rf"(?:(?P<n>{_NUM})\s*%|百分之(?P<cn>{_ARABIC}|{_CNNUM})|(?P<pp>{_NUM})个百分点)")
_AMOUNT = re.compile(rf"(?P<n>{_NUM})\s*(?P<mult>千万|百万|十万|万|亿)?\s*元")
_DURATION = re.compile(
    rf"(?P<n>{_NUM})\s*(?P<unit>个?小时|个?工作日|日|天|周(?!年)|个?星期|个月|年)(?P<within>以内|之内|内)?")
_COUNT = re.compile(rf"(?<!第)(?P<n>{_NUM})\s*(?P<unit>周年|个|项|家|人次|人|名|件|所|次|条|批|户|座|类|场)")
_MULT = {"千万": 10**7, "百万": 10**6, "十万": 10**5, "万": 10**4, "亿": 10**8}
_DURATION_UNIT = {"小时": "小时", "个小时": "小时", "工作日": "工作日", "个工作日": "工作日",
                  "日": "日", "天": "日", "周": "周", "星期": "周", "个星期": "周",
                  "个月": "月", "年": "年"}


def _one_to_one() -> dict[int, str]:
    table = {}
    for code in list(range(0xFF01, 0xFF5F)) + [0x3000]:
        n = unicodedata.normalize("NFKC", chr(code))
        if len(n) == 1:
            table[code] = n
    return table


_NFKC_1TO1 = _one_to_one()


def _clean(text: str) -> str:
    """NFKC for full-width forms (digits, ％, ［］, the ideographic space), character for
    character, so positions in the cleaned text are positions in the written text."""
    return text.translate(_NFKC_1TO1)


def _is_cn(s: str) -> bool:
    return bool(s) and not s[0].isdigit()


def facts_in(text: str, *, anchor: str = "", paragraph: int = 0) -> list[Fact]:
    """The facts one paragraph states, in reading order."""
    if not text:
        return []
    s = _clean(text)
    if not _WORTH.search(s):
        return []
    mask = list(s)
    found: list[tuple[int, Fact]] = []

    def add(kind: str, value: str, start: int, end: int) -> None:
        found.append((start, Fact(kind=kind, value=value, text=text[start:end], anchor=anchor,
                                  paragraph=paragraph)))
        for i in range(start, end):
            mask[i] = "\x00"

    def masked() -> str:
        return "".join(mask)

    for m in _TITLE.finditer(s):
        inner = "".join(m.group(1).split())
        add("title", f"《{inner}》", m.start(), m.end())
    cur = masked()
    offset = 0
    while True:
        span = doc_number_span(cur[offset:])
        if span is None:
            break
        a, b = span[0] + offset, span[1] + offset
        number_, _ = find_doc_number(cur[a:b])
        if number_ is not None:
            add("docno", f"{number_.organ_code}〔{number_.year}〕{number_.serial}号", a, b)
            cur = masked()
        offset = b
    for m in _DATE_DIGITS.finditer(masked()):
        add("date", f"{int(m['y']):04d}-{int(m['m']):02d}-{int(m['d']):02d}", m.start(), m.end())
    before = masked()
    for m in _DATE.finditer(before):
        if not m["y"] and not m["d"]:
            continue   # 8月 alone is too loose (三个月, 月度)
        if m.start() > 0 and before[m.start() - 1].isdigit():
            continue
        month = number(m["m"])
        day = number(m["d"]) if m["d"] else None
        if m["y"]:
            year = number(m["y"])
            value = f"{int(year):04d}-{int(month):02d}" + (f"-{int(day):02d}" if day else "")
        else:
            value = f"{int(month):02d}-{int(day):02d}"
        add("date", value, m.start(), m.end())
    for m in _YEAR.finditer(masked()):
        add("year", str(int(number(m["y"]))), m.start(), m.end())
    for m in _PERCENT.finditer(masked()):
        if m["pp"]:
            n = number(m["pp"])
            if n is not None:
                add("percent", f"{_fmt(n)}个百分点", m.start(), m.end())
            continue
        n = number(m["n"] or m["cn"])
        if n is not None:
            add("percent", f"{_fmt(n)}%", m.start(), m.end())
    for m in _AMOUNT.finditer(masked()):
        n = number(m["n"])
        if n is None:
            continue
        add("amount", f"{_fmt(n * _MULT.get(m['mult'] or '', 1))}元", m.start(), m.end())
    for m in _DURATION.finditer(masked()):
        n = number(m["n"])
        unit = _DURATION_UNIT[m["unit"]]
        if n is None or (unit == "年" and n >= 100) or (_is_cn(m["n"]) and n < 1):
            continue
        if unit == "年" and not m["within"] and _is_cn(m["n"]) and n == 1:
            continue   # 一年 as "a year" in prose
        add("duration", f"{_fmt(n)}{unit}", m.start(), m.end())
    for m in _COUNT.finditer(masked()):
        n = number(m["n"])
        if n is None or (_is_cn(m["n"]) and n < 2):
            continue   # 一个窗口, 一次办理: an article, not a count
        add("count", f"{_fmt(n)}{m['unit']}", m.start(), m.end())
    found.sort(key=lambda x: x[0])
    return [f for _, f in found]


# ------------------------------------------------------------------------------ documents

_QUESTION = re.compile(r"^\s*(?:\d+[.、]\s*)?问\s*(?P<n>\d{1,3}|[一二三四五六七八九十]{1,3})?\s*[：:、.．]")
_ANSWER = re.compile(r"^\s*答\s*[：:]")


def question_number(text: str) -> int | None:
    """问2：… → 2; 问：… → 0 (unnumbered); None when the paragraph is not a question."""
    m = _QUESTION.match(_clean(text))
    if not m:
        return None
    return int(number(m["n"])) if m["n"] else 0


def qa_anchored(paras: Sequence[Para]) -> list[Para]:
    """A Q&A's paragraphs with anchor 问N: a question and the answers after it until the next
    question. Unnumbered questions count on from the last. Documents without questions (a 解读方案)
    keep their outline anchors."""
    if not any(question_number(p.text) is not None for p in paras):
        return list(paras)
    out: list[Para] = []
    current, last = "", 0
    for p in paras:
        q = question_number(p.text)
        if q is not None:
            last = q if q else last + 1
            current = f"问{last}"
        out.append(p.model_copy(update={"anchor": current}) if current else p)
    return out


def extract(paras: Iterable[Para]) -> list[Fact]:
    """Every fact of every paragraph, with the paragraph's anchor and number."""
    out: list[Fact] = []
    for p in paras:
        out.extend(facts_in(p.text, anchor=p.anchor, paragraph=p.index))
    return out


@lru_cache(maxsize=4096)
def heading_title(text: str) -> str:
    """The title of a provision heading: "（二）积极回应社会关切。对政府…" → "积极回应社会关切"."""
    _, rest = anchors.parse(text)
    rest = re.split(r"[。；;……]|\.\.\.", rest, maxsplit=1)[0]
    return rest.strip("，,：: ")


__all__ = ["Fact", "KINDS", "FIGURES", "cn_value", "number", "facts_in", "extract", "qa_anchored",
           "question_number", "heading_title"]
