"""Provision anchors: where in a policy (or its interpretation) a reviewer's remark points.

A provision is addressed by its outline path, 一、 → （二） → 1. → （1）. Documents and reviewers
write the same path many ways — "一、（二）", "一（二）", "第一部分第（二）项", "(二)" with
half-width brackets, "（二）" alone when only one part has a （二） — so both sides are reduced to
the same tokens, a list of (level, number), and compared as tokens.

Levels: 1 一、  2 （一）  3 1.  4 （1）   (the levels of `documents.extract.outline_match`).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from pydantic import BaseModel

Token = tuple[int, int]   # (outline level 1–4, number)


class Para(BaseModel, frozen=True):
    """A paragraph as a reviewer sees it, tagged with the provision it sits under
    (`documents.diff.paragraphs` reads them from a docx; `find` looks an anchor up among them)."""
    index: int                 # 1-based paragraph number, as DocumentMeta/Problem.paragraph
    text: str                  # the paragraph's text, surrounding whitespace removed
    anchor: str = ""           # provision path it sits under, "一、（二）"; "" outside any
    level: int | None = None   # outline level when the paragraph is itself a heading

_CN = "一二三四五六七八九十百零〇两"
_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}

# One label of a path, after NFKC (full-width brackets and digits are then ASCII) and without
# whitespace. A plain numeral must be closed (by a suffix, a bracket, 第 or the end), so heading
# text that happens to start with a numeral (十大工程) is not read as a label.
_TOKEN = re.compile(
    rf"第?(?:\((?P<b_cn>[{_CN}]{{1,4}})\)|\((?P<b_num>\d{{1,3}})\)"
    rf"|(?P<cn>[{_CN}]{{1,4}})|(?P<num>\d{{1,3}}))"
    r"(?P<suffix>部分|大项|小项|章|节|项|条|款|点|目|、|\.(?!\d))?")
_SEPARATORS = "、.,，;；:：-—_/>→|之的中下内"
_WRAPPERS = str.maketrans("", "", "【】[]「」“”‘’\"'《》<>")
_PARAGRAPH = re.compile(rf"^第?(?:(?P<num>\d{{1,4}})|(?P<cn>[{_CN}]{{1,4}}))段$")
_QUOTES = str.maketrans("", "", "“”‘’\"'「」【】")


def cn_number(text: str) -> int | None:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零五 → 105; None when not a Chinese numeral."""
    if not text or any(c not in _CN for c in text):
        return None
    if all(c in _CN_DIGIT for c in text):  # 一〇五 written digit by digit
        return int("".join(str(_CN_DIGIT[c]) for c in text))
    total, current = 0, 0
    for c in text:
        if c in _CN_DIGIT:
            current = _CN_DIGIT[c]
        elif c == "十":
            total += (current or 1) * 10
            current = 0
        elif c == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


def cn_numeral(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十, 105 → 一百零五 (the form outline labels use)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n - 10] if n > 10 else "")
    if n < 100:
        tens, ones = divmod(n, 10)
        return digits[tens] + "十" + (digits[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    if rest == 0:
        return digits[hundreds] + "百"
    tail = cn_numeral(rest)
    if rest < 10:
        return digits[hundreds] + "百零" + tail
    if rest < 20:
        tail = "一" + tail
    return digits[hundreds] + "百" + tail


def label(token: Token) -> str:
    """The canonical written label of a token: 一、 （二） 3. （4）."""
    level, n = token
    if level == 1:
        return f"{cn_numeral(n)}、"
    if level == 2:
        return f"（{cn_numeral(n)}）"
    if level == 3:
        return f"{n}."
    return f"（{n}）"


def render(tokens: Sequence[Token]) -> str:
    return "".join(label(t) for t in tokens)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    return "".join(text.split()).translate(_WRAPPERS)


def parse(text: str) -> tuple[list[Token], str]:
    """The outline tokens a text opens with, and what is left after them.

    "第一部分第（二）项" → ([(1, 1), (2, 2)], ""); "一、着眼稳定预期" → ([(1, 1)], "着眼稳定预期")."""
    s = _clean(text)
    tokens: list[Token] = []
    pos = 0
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        token = _token(m, s) if m else None
        if token is None:
            break
        tokens.append(token)
        pos = m.end()
        while pos < len(s) and s[pos] in _SEPARATORS:
            pos += 1
    if not tokens:
        return [], s
    return tokens, s[pos:]


def _token(m: re.Match, s: str) -> Token | None:
    suffix = m.group("suffix")
    if m.group("b_cn"):
        n = cn_number(m.group("b_cn"))
        return (2, n) if n else None
    if m.group("b_num"):
        return (4, int(m.group("b_num"))) if int(m.group("b_num")) else None
    after = s[m.end():m.end() + 1]
    closed = bool(suffix) or after in ("", "(", "第") or after in _SEPARATORS
    if not closed:
        return None
    if m.group("cn"):
        n = cn_number(m.group("cn"))
        if not n:
            return None
        return (2, n) if suffix in ("项", "小项", "款") else (1, n)
    n = int(m.group("num"))
    if not n:
        return None
    return (1, n) if suffix in ("部分", "大项", "章") else (3, n)


def label_token(level: int, written: str) -> Token | None:
    """The token of a label as `outline_match` returns it: (2, "(二)") → (2, 2)."""
    digits = re.sub(r"[^0-9" + _CN + "]", "", unicodedata.normalize("NFKC", written))
    n = int(digits) if digits.isdigit() else cn_number(digits)
    return (level, n) if n else None


def normalise(text: str) -> str:
    """The canonical form of what a reviewer typed: an outline path in canonical labels
    ("第一部分第（二）项" → "一、（二）"), "第5段" for a paragraph number, else the text in NFKC
    without whitespace or brackets/quotes."""
    s = _clean(text)
    m = _PARAGRAPH.match(s)
    if m:
        n = int(m.group("num")) if m.group("num") else cn_number(m.group("cn"))
        return f"第{n}段"
    tokens, _ = parse(s)
    return render(tokens) if tokens else s


def find(paras: Sequence[Para], anchor_text: str) -> Para | None:
    """The paragraph a reviewer's anchor points at (for a provision, its heading paragraph), or
    None when nothing matches or the anchor is ambiguous (（二） under both 一、 and 二、)."""
    s = _clean(anchor_text)
    if not s or not paras:
        return None
    m = _PARAGRAPH.match(s)
    if m:
        n = int(m.group("num")) if m.group("num") else cn_number(m.group("cn"))
        return next((p for p in paras if p.index == n), None)
    tokens, rest = parse(s)
    if tokens:
        found = _by_path(paras, tokens)
        if found is not None or not rest:
            return found
    return _by_text(paras, anchor_text)


def _by_path(paras: Sequence[Para], tokens: list[Token]) -> Para | None:
    groups: dict[tuple[Token, ...], Para] = {}
    for p in paras:
        path = tuple(parse(p.anchor)[0])
        if path and path not in groups:
            groups[path] = p
    want = tuple(tokens)
    if want in groups:
        return groups[want]
    k = len(want)
    suffix = [path for path in groups if len(path) > k and path[-k:] == want]
    if len(suffix) == 1:
        return groups[suffix[0]]
    if suffix:
        return None
    loose = [path for path in groups if path[-1] == want[-1] and _subsequence(want, path)]
    return groups[loose[0]] if len(loose) == 1 else None


def _subsequence(short: tuple, long: tuple) -> bool:
    it = iter(long)
    return all(any(x == y for y in it) for x in short)


def _by_text(paras: Sequence[Para], anchor_text: str) -> Para | None:
    """A quoted phrase or an opening such as 问2: unique prefix first, then unique substring."""
    needle = _clean(anchor_text.translate(_QUOTES))
    if not needle:
        return None
    texts = [(p, _clean(p.text)) for p in paras]
    prefix = [p for p, t in texts if t.startswith(needle)
              and not (needle[-1].isdigit() and t[len(needle):len(needle) + 1].isdigit())]
    if prefix:
        return prefix[0] if len(prefix) == 1 else None
    if len(needle) < 4:
        return None
    inside = [p for p, t in texts if needle in t]
    return inside[0] if len(inside) == 1 else None


__all__ = ["find", "normalise", "parse", "label", "label_token", "render", "cn_number", "cn_numeral"]
