"""Dates as policy documents write them: 2019年8月5日, or 二〇一九年八月五日 (which GB/T 9704 no longer uses).

Shared by the reading of a document (documents/extract.py) and its form checks (documents/form.py).
"""
from __future__ import annotations

import datetime as dt
import re

_DATE_ARABIC = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_CN_DIGITS = "〇○零一二三四五六七八九"
_CN_YEAR_DIGIT = {c: ("〇一二三四五六七八九".index(c) if c not in "○零" else 0) for c in _CN_DIGITS}
_DATE_CHINESE = re.compile(rf"([{_CN_DIGITS}]{{4}})\s*年\s*([一二三四五六七八九十]{{1,3}})\s*月\s*"
                           rf"([一二三四五六七八九十]{{1,3}})\s*日")


def parse_date(text: str) -> tuple[dt.date | None, bool]:
    """(date, well_formed) for the first date in text; well_formed False for 二〇一九年 or 08月."""
    m = _DATE_ARABIC.search(text)
    if m:
        try:
            value = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None, False
        padded = (len(m.group(2)) == 2 and m.group(2)[0] == "0") or (len(m.group(3)) == 2 and m.group(3)[0] == "0")
        half_width = all(g.isascii() for g in m.groups())      # ２０１９年８月５日: read, but not the form
        return value, half_width and not padded
    m = _DATE_CHINESE.search(text)
    if m:
        year = int("".join(str(_CN_YEAR_DIGIT[c]) for c in m.group(1)))
        try:
            return dt.date(year, _cn_small(m.group(2)), _cn_small(m.group(3))), False
        except ValueError:
            return None, False
    return None, False


def _cn_small(s: str) -> int:
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    if s == "十":
        return 10
    if s.startswith("十"):
        return 10 + digits[s[1]]
    if "十" in s:
        tens, _, ones = s.partition("十")
        return digits[tens] * 10 + (digits[ones] if ones else 0)
    return digits[s]


def is_pure_date(t: str) -> bool:
    """The whole text is one date (a 成文日期 line)."""
    return bool(_DATE_ARABIC.fullmatch(t) or _DATE_CHINESE.fullmatch(t))


# Written as a date in a form GB/T 9704 does not use and parse_date does not read: 2019.4.1, 2019-04-01,
# 2019/4/1, 2019年4月1号, 2019年4月 (no day), 二〇一九年4月1日. A 成文日期 so written is taken and
# reported (date_format), never silently dropped.
_ATTEMPT = re.compile(r"^(?P<y>(?:19|20)\d\d|[〇○零一二][〇○零一二三四五六七八九]{3})\s*(?:年|[.．/／\-－—])\s*"
                      r"(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})\s*(?:月|[.．/／\-－—])\s*"
                      r"(?:(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})\s*[日号]?)?$")


_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def _bare(t: str) -> str:
    """A date line as the attempt pattern reads it: half-width digits, no full stop after it (2019年8月5日。)."""
    return t.translate(_FULL_WIDTH).strip().rstrip("。．.")


def is_date_attempt(t: str) -> bool:
    """The whole text is a date in some form (a 成文日期 line), well formed or not."""
    return bool(t) and len(t) <= 20 and (is_pure_date(t) or bool(_ATTEMPT.match(_bare(t))))


def parse_date_attempt(t: str) -> dt.date | None:
    """The date such a line means, when it names a whole valid day; None otherwise (2019年4月)."""
    m = _ATTEMPT.match(_bare(t or ""))
    if not m or not m.group("d"):
        return None
    try:
        y = m.group("y")
        year = int(y) if y[0].isdigit() else int("".join(str(_CN_YEAR_DIGIT[c]) for c in y))
        month = int(m.group("m")) if m.group("m").isdigit() else _cn_small(m.group("m"))
        day = int(m.group("d")) if m.group("d").isdigit() else _cn_small(m.group("d"))
        return dt.date(year, month, day)
    except (ValueError, KeyError):
        return None
