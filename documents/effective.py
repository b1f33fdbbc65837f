"""施行日期: when a policy takes effect, read from its own words (pure; no I/O).

DESIGN.md rule 7 (gazette before effect) needs the date a normative document takes effect. Offices
write it in a few fixed ways, usually in the last article:

    本办法自2019年9月1日起施行。        → that date
    本通知自印发之日起施行。            → the 成文日期 (the date the document was signed)
    本规定自发布之日起实施。            → the day it is published, i.e. the gazette's date: always in time

A document may carry more than one (a 通知 issuing a 办法 says when each applies), so every phrase
is returned and the rule takes the earliest: if any part takes effect before the gazette, it is late.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Iterable, Literal

from pydantic import BaseModel

from documents.problems import Problem, warning

Basis = Literal["date", "signed", "release"]

_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0, "O": 0}
_ARABIC = r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日"
_CHINESE = r"(?P<cy>[〇零○ＯO一二三四五六七八九]{4})年(?P<cm>[一二三四五六七八九十]{1,3})月(?P<cd>[一二三四五六七八九十]{1,3})日"
# 之日 is what offices write; 印发/发布/公布/下发 name the act. "起" is often omitted (自2019年9月1日施行).
_SIGNED = r"(?:印发|下发|签发|成文)"
_RELEASE = r"(?:发布|公布|公告|刊登|刊发)"
_PHRASE = re.compile(
    rf"(?:自|从|于)(?:{_ARABIC}|{_CHINESE}|(?P<signed>{_SIGNED})之日|(?P<release>{_RELEASE})之日)"
    r"起?(?:开始)?(?:施行|实施|执行|生效)")


class EffectivePhrase(BaseModel, frozen=True):
    basis: Basis
    date: dt.date | None = None     # for basis "date"
    text: str                       # the phrase as written, for messages


def _cn_number(text: str) -> int:
    """一 … 三十一 (months and days): 十 alone is 10, 十二 is 12, 二十 is 20, 二十一 is 21."""
    if "十" not in text:
        return _CN_DIGITS[text]
    tens, _, units = text.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)


def _date_of(m: re.Match) -> dt.date | None:
    try:
        if m.group("y"):
            return dt.date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
        year = int("".join(str(_CN_DIGITS[c]) for c in m.group("cy")))
        return dt.date(year, _cn_number(m.group("cm")), _cn_number(m.group("cd")))
    except (ValueError, KeyError):
        return None     # 2019年2月30日: a typo, not a date we can hold anyone to


def find_effective(paragraphs: Iterable[str]) -> tuple[EffectivePhrase, ...]:
    """Every effective-date phrase in the text, in order. Spaces inside a phrase are ignored
    (justified Word text often carries them: 自 2019 年 9 月 1 日起施行)."""
    found: list[EffectivePhrase] = []
    for paragraph in paragraphs:
        text = "".join(paragraph.split())
        for m in _PHRASE.finditer(text):
            if m.group("signed"):
                found.append(EffectivePhrase(basis="signed", text=m.group(0)))
            elif m.group("release"):
                found.append(EffectivePhrase(basis="release", text=m.group(0)))
            elif (day := _date_of(m)) is not None:
                found.append(EffectivePhrase(basis="date", date=day, text=m.group(0)))
    return tuple(found)


def resolve(phrase: EffectivePhrase, signed: dt.date | None, release: dt.date) -> dt.date | None:
    """The calendar date a phrase means for an issue released on `release` (None: cannot tell)."""
    if phrase.basis == "date":
        return phrase.date
    if phrase.basis == "signed":
        return signed
    return release


def earliest_effective(phrases: Iterable[EffectivePhrase], signed: dt.date | None,
                       release: dt.date) -> tuple[dt.date, EffectivePhrase] | None:
    dated = [(day, p) for p in phrases if (day := resolve(p, signed, release)) is not None]
    return min(dated, key=lambda pair: pair[0]) if dated else None


def states_effective(phrases: Iterable[EffectivePhrase]) -> bool:
    """Whether the text says when it takes effect at all (any phrase, whatever its basis)."""
    return any(True for _ in phrases)


def effective_missing(file: str | None, stated: bool | None, normative: bool) -> Problem | None:
    """Intake finding for a normative policy that names no 施行日期 (DESIGN.md, "The law has no
    bypass"): a warning, since the gazette's date supplies it. `stated` None means the text was not
    read (a version taken in before this check): no finding, rather than a guess."""
    if not normative or stated is not False:
        return None
    return warning("effective_date_missing", "政策文件中没有“自……起施行”之类的施行日期条款", file=file)
