"""Checkable facts in a policy or its interpretation: figures with units, dates, years, document
numbers and titles cited, each with the provision (or 问N) it sits under.

Pure: paragraphs in (documents.diff.Para, as `paragraphs()` reads them from a docx), facts out.
Values are normalised so that what means the same compares equal:
二十四小时 = 24小时 = 24小时内, 百分之四 = 4% = ４％, 3万元 = 30000元, 〔〕/[]/（） in 文号.

Kinds: amount (元), percent, count (个/项/家/人…), duration (小时/日/工作日/周/月/年),
date (2019-08-05, 2019-08, 08-05), year (2019), docno (根政办发〔2019〕36号), title (《…》 inside),
organ (an organ or unit named as responsible: 牵头/负责/会同/配合/由…负责; "财政局", "财政局（配合）"),
effective (the policy's own 施行日期 and validity: "施行2027-01-01", "施行印发之日", "有效期5年",
"有效期至2031-12-31").
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from documents import anchors
from documents.docno import doc_number_span, find_doc_number

if TYPE_CHECKING:
    from documents.diff import Para

Kind = Literal["amount", "percent", "count", "duration", "date", "year", "docno", "title", "organ",
               "effective"]
KINDS: tuple[str, ...] = ("amount", "percent", "count", "duration", "date", "year", "docno", "title",
                          "organ", "effective")
FIGURES = frozenset({"amount", "percent", "count", "duration", "date"})
# Checked under the provision a 问N names (figures, and who is responsible for it).
PLACED = FIGURES | {"organ"}


class Fact(BaseModel, frozen=True):
    kind: str
    value: str          # normalised: "30000元", "4%", "24小时", "2019-08-05", "根政办发〔2019〕36号"
    text: str           # as written in the paragraph
    anchor: str = ""    # "一、（二）" in a policy, "问2" in a Q&A, "" outside any
    paragraph: int = 0  # 1-based paragraph number
    subject: str = ""   # effective only: the 《title》 the clause is said of (《条例》自…起施行), if named


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

_WORTH = re.compile(r"[\d《零〇一二两三四五六七八九十百千]|牵头|负责|会同|配合|协助|落实|施行|实施|生效|有效期")
_TITLE = re.compile(r"《([^《》]{2,80})》")
_DATE = re.compile(
    r"(?:(?P<y>(?:19|20)\d\d|[〇零一二][〇零一二三四五六七八九]{3})年)?"
    r"(?P<m>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])月"
    r"(?:(?P<d>3[01]|[12]\d|0?[1-9]|三十一?|二?十[一二三四五六七八九]?|[一二三四五六七八九])[日号])?")
_DATE_DIGITS = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)[-./](?P<m>1[0-2]|0?[1-9])[-./](?P<d>3[01]|[12]\d|0?[1-9])(?!\d)")
_YEAR = re.compile(r"(?<![\d.])(?P<y>(?:19|20)\d\d|[〇零一二][〇零一二三四五六七八九]{3})年(?!代|度?\d)")
_PERCENT = re.compile(rf"(?:(?P<n>{_NUM})\s*%|百分之(?P<cn>{_ARABIC}|{_CNNUM})|(?P<pp>{_NUM})个百分点)")
# 提高3个点: percentage points said plainly, after a verb of change (个点位 are places, not points).
_POINTS = re.compile(rf"(?:提高|降低|增长|下降|上升|增加|减少|提升|下调|上调|高出|高于|低于)[^，。；、\n]{{0,4}}?"
                     rf"(?P<n>{_NUM})个点(?!位)")
# 补助5万: an amount whose 元 is left out, only right after a word of money (5万人, 5万户 are not).
_AMOUNT_BARE = re.compile(rf"(?:补助|补贴|奖励|奖补|资助|资金|经费|罚款|给予|最高|不超过)[^，。；、\n]{{0,3}}?"
                          rf"(?P<n>{_NUM})\s*(?P<mult>千万|百万|十万|万|亿)(?![\u4e00-\u9fff%])")
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


# ------------------------------------------------------------------------------ 施行日期 and validity

_FULL_DATE = (r"(?:(?:19|20)\d\d|[〇零一二][〇零一二三四五六七八九]{3})年"
              r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])月"
              r"(?:3[01]|[12]\d|0?[1-9]|三十一?|二?十[一二三四五六七八九]?|[一二三四五六七八九])[日号]")
_ISSUED = r"(?:印发|发布|公布|颁布|签发|下发)"
_EFFECTIVE = re.compile(
    rf"(?:(?:自|从|于)\s*)?(?P<when>{_FULL_DATE}|{_ISSUED}之日)\s*(?:起|开始)*\s*(?:正式)?"
    r"(?:施行|实施|执行|生效)(?![的细方办法条例规则机制工作]|以来|以后|后|前|之|期间|以前)"
    rf"|(?:施行|实施|生效)(?:日期|时间)\s*(?:为|是|：|:)?\s*(?P<when2>{_FULL_DATE}|{_ISSUED}之日)")
_VALIDITY = re.compile(
    rf"有效期(?:限)?\s*(?:为|是)?\s*(?:(?P<n>{_NUM})\s*(?P<u>年|个月)"
    rf"|(?:自\s*{_FULL_DATE}\s*起?\s*)?(?:至|到|截至|截止(?:到|至)?)\s*"
    r"(?:(?P<until>" + _FULL_DATE + r")|(?P<end_year>(?:19|20)\d\d|[〇零一二][〇零一二三四五六七八九]{3})年(?:底|末))"
    r"(?:止)?)")


def _date_value(text: str) -> str | None:
    m = _DATE.fullmatch(text)
    if not m or not m["y"] or not m["d"]:
        return None
    return f"{int(number(m['y'])):04d}-{int(number(m['m'])):02d}-{int(number(m['d'])):02d}"


_SUBJECT = re.compile(r"《([^《》]{1,80})》\s*(?:已|将|于|均|也)?\s*$")


def effective_subject(s: str, start: int) -> str:
    """The 《title》 a 施行/有效期 clause is said of, when it names one just before the clause
    (《政府信息公开条例》自2019年5月15日起施行 → "政府信息公开条例"); "" otherwise."""
    clause = re.split(r"[。；;！？]", s[max(0, start - 90):start])[-1]
    m = _SUBJECT.search(clause)
    return "".join(m.group(1).split()) if m else ""


def _effective(s: str) -> list[tuple[str, str, int, int]]:
    """The policy's own 施行日期 (自2027年1月1日起施行, 自印发之日起施行) and validity (有效期5年,
    有效期至2031年12月31日): (kind, value, start, end)."""
    out = []
    if "施行" not in s and "实施" not in s and "生效" not in s and "执行" not in s and "有效期" not in s:
        return out
    for m in _EFFECTIVE.finditer(s):
        when = m["when"] or m["when2"]
        if when.endswith("之日"):
            out.append(("effective", "施行印发之日", m.start(), m.end()))
        elif (d := _date_value(when)) is not None:
            out.append(("effective", f"施行{d}", m.start(), m.end()))
    for m in _VALIDITY.finditer(s):
        if m["end_year"]:     # 有效期至2031年底: the year's last day
            year = int(number(m["end_year"]))
            out.append(("effective", f"有效期至{year:04d}-12-31", m.start(), m.end()))
            continue
        if m["until"]:
            d = _date_value(m["until"])
            if d is not None:
                out.append(("effective", f"有效期至{d}", m.start(), m.end()))
            continue
        n = number(m["n"])
        if n is None or n <= 0 or n != int(n):
            continue
        months = int(n) * (12 if m["u"] == "年" else 1)
        value = f"有效期{months // 12}年" if months % 12 == 0 else f"有效期{months}月"
        out.append(("effective", value, m.start(), m.end()))
    return out


# ------------------------------------------------------------------------------ responsible organs

# Common short forms, written → the form compared (after the place and level are taken off).
ORGAN_SHORT = {
    "发改委": "发展改革委", "发展和改革委": "发展改革委", "发改局": "发展改革局",
    "市场监管局": "市场监督管理局", "市场监管委": "市场监督管理局",
    "人社局": "人力资源社会保障局", "人力资源和社会保障局": "人力资源社会保障局",
    "住建局": "住房城乡建设局", "住房和城乡建设局": "住房城乡建设局",
    "卫健委": "卫生健康委", "卫生和健康委": "卫生健康委",
    "教体局": "教育体育局", "教育和体育局": "教育体育局",
    "工信局": "工业和信息化局", "工业信息化局": "工业和信息化局",
    "医保局": "医疗保障局", "应急局": "应急管理局", "退役军人局": "退役军人事务局",
    "文旅局": "文化和旅游局", "文化旅游局": "文化和旅游局", "交通局": "交通运输局",
    "农业农村局": "农业农村局", "农牧局": "农牧局", "自然资源局": "自然资源局",
    "生态环境局": "生态环境局", "政府办": "政府办公室", "政务服务局": "政务服务管理局",
    "网信办": "网信办", "扶贫办": "扶贫办", "公安局": "公安局", "财政局": "财政局",
}
_ROLE = re.compile(r"牵头(?:落实|负责)?|负责(?:落实)?(?!同志|人|制|任|的|同)|会同|配合|协助|落实")
_ASSIST = ("配合", "协助")
_RUN_STOP = set("，。；：！？,;:!?“”\"'（）()【】\n\t")
_RUN_STOP_RE = re.compile("[" + re.escape("".join(sorted(_RUN_STOP))) + "]")
_RUN_TAIL = re.compile(r"(?:等|按照?职责分工|按照?职责分别|按照?职责|分别|共同|具体|主要|负责|牵头|要|将|应当?)$")
_ORGAN_END = re.compile(
    r"(?:局|委|委员会|办|厅|部|院|署|办公室|中心|政府|办事处|部门|单位|公司|集团|协会|联合会|法院|检察院|银行"
    r"|站|所|队|处|科|妇联|工会|残联|科协|工商联|团委|街道|乡镇|管委会)$")
_ORGAN_BAD = re.compile(r"[的是在将把要请按了使并向]|应当|应该|应由|谁|哪|什么|相关部门|有关部门|有关单位|主管部门"
                        r"|负责|牵头|督促|配合|会同|协助|落实|做好|开展|推进|加强|指导|协调|制定|审核|确保")
_PLACE = re.compile(r"^.{0,8}?(?:自治区|省|市(?!场)|州|盟|县|区|旗)委?(?=..)")
_ORGAN_LIST = re.compile(r"[^\s、，,。；;（）()]{2,20}?" + _ORGAN_END.pattern[:-1]
                         + r"(?:[、和及与][^\s、，,。；;（）()]{2,20}?" + _ORGAN_END.pattern[:-1] + r")*")


@lru_cache(maxsize=8192)
def organ_name(written: str) -> str | None:
    """The form an organ named as responsible is compared in: 根河市市场监管局 → 市场监督管理局,
    县发改委 → 发展改革委, 各乡镇人民政府 → 乡镇政府, 市委宣传部 → 宣传部; None when the words
    name no organ (起草单位, 相关部门, 谁, 哪个部门)."""
    name = "".join(_clean(written).split())
    if not 2 <= len(name) <= 24 or not _ORGAN_END.search(name) or _ORGAN_BAD.search(name):
        return None
    collective = "各" in name or "政府" in name
    core = name
    for _ in range(3):
        stripped = _PLACE.sub("", core)
        if stripped == core:
            break
        core = stripped
    placed = core != name
    if core.endswith(("部门", "单位")) and not (collective or placed):
        return None          # 起草单位, 牵头部门: a role, not a named organ
    core = core.replace("委员会", "委").replace("人民政府", "政府")
    core = re.sub(r"^(?:政府)?各", "", core)
    if len(core) < 2:
        return None
    return ORGAN_SHORT.get(core, core)


@lru_cache(maxsize=4096)
def _split_organs(run: str) -> tuple[tuple[str, int], ...] | None:
    """A list of organs as written ("市委宣传部、网信办，市教体局、公安局等") → [(item, offset)]; None
    when any item names no organ."""
    out: list[tuple[str, int]] = []
    pos = 0
    for piece in re.split(r"([、，,]|以及|会同)", run):
        if not piece or piece in "、，," or piece in ("以及", "会同"):
            pos += len(piece)
            continue
        item = piece
        while (cut := _RUN_TAIL.sub("", item)) != item:
            item = cut
        parts = re.split(r"[和及与]", item)
        if len(parts) > 1 and all(organ_name(x) for x in parts):
            off = pos
            for x in parts:
                out.append((x, off))
                off += len(x) + 1
        elif organ_name(item):
            out.append((item, pos))
        else:
            return None
        pos += len(piece)
    return tuple(out) or None


def _organs(s: str, text: str) -> list[tuple[str, int, int, str]]:
    """Organs named as responsible: (value, start, end, as written with its verb)."""
    roles = list(_ROLE.finditer(s))
    if not roles:
        return []
    stops = [m.start() for m in _RUN_STOP_RE.finditer(s)]
    out: list[tuple[str, int, int, str]] = []
    seen: set[str] = set()

    def add(items, base: int, verb: str, verb_end: int, assist: bool, by: int | None) -> None:
        for item, off in items:
            value = organ_name(item)
            if value is None:
                continue
            value = value + ("（配合）" if assist else "")
            if value in seen:
                continue
            seen.add(value)
            a = base + off
            b = a + len(item)
            start = by if by is not None and by == a - 1 else a
            written = text[start:verb_end] if b == verb_end - len(verb) else text[start:b] + verb
            out.append((value, start, verb_end, written))

    for m in roles:
        i, verb = m.start(), m.group(0)
        if s[max(0, i - 2):i] == "主要" or s[max(0, i - 1):i] == "谁":
            continue
        open_ = max(s.rfind("（", 0, i), s.rfind("(", 0, i))
        close = max(s.rfind("）", 0, i), s.rfind(")", 0, i))
        if open_ > close and i - open_ <= 120:
            start = open_ + 1      # （市委宣传部，市政府办牵头）: the whole bracket is the list
        else:                      # back to the last stop before the verb, at most 60 characters
            k = bisect_left(stops, i) - 1
            start = max(stops[k] + 1 if k >= 0 else 0, i - 60)
        run = s[start:i]
        by = None
        if "由" in run:
            k = run.rfind("由")
            by = start + k
            run, start = run[k + 1:], start + k + 1
        while (cut := _RUN_TAIL.sub("", run)) != run:
            run = cut
        if not run:
            continue
        items = _split_organs(run)
        if items is None:
            continue
        add(items, start, verb, m.end(), verb in _ASSIST, by)
        if verb == "会同":   # 县财政局会同县审计局制定细则: the partner after 会同 shares the lead
            after = _ORGAN_LIST.match(s, m.end())
            if after:
                partners = _split_organs(after.group(0))
                if partners:
                    add(partners, m.end(), "", after.end(), False, None)
    return out


def facts_in(text: str, *, anchor: str = "", paragraph: int = 0) -> list[Fact]:
    """The facts one paragraph states, in reading order."""
    if not text:
        return []
    s = _clean(text)
    if not _WORTH.search(s):
        return []
    mask = list(s)
    found: list[tuple[int, Fact]] = []
    joined = [s]   # the masked text, joined again only after a mask

    def add(kind: str, value: str, start: int, end: int) -> None:
        found.append((start, Fact(kind=kind, value=value, text=text[start:end], anchor=anchor,
                                  paragraph=paragraph)))
        mask[start:end] = "\x00" * (end - start)
        joined[0] = None

    def masked() -> str:
        if joined[0] is None:
            joined[0] = "".join(mask)
        return joined[0]

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
    for kind, value, a, b in _effective(masked()):
        add(kind, value, a, b)
        if kind == "effective" and (subject := effective_subject(s, a)):
            found[-1] = (a, found[-1][1].model_copy(update={"subject": subject}))
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
    for m in _POINTS.finditer(masked()):
        n = number(m["n"])
        if n is not None:
            add("percent", f"{_fmt(n)}个百分点", m.start("n"), m.end())
    for m in _AMOUNT.finditer(masked()):
        n = number(m["n"])
        if n is None:
            continue
        add("amount", f"{_fmt(n * _MULT.get(m['mult'] or '', 1))}元", m.start(), m.end())
    for m in _AMOUNT_BARE.finditer(masked()):
        n = number(m["n"])
        if n is not None:
            add("amount", f"{_fmt(n * _MULT[m['mult']])}元", m.start("n"), m.end())
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
    for value, a, b, written in _organs(masked(), text):
        found.append((a, Fact(kind="organ", value=value, text=written, anchor=anchor,
                              paragraph=paragraph)))
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


__all__ = ["Fact", "KINDS", "FIGURES", "PLACED", "ORGAN_SHORT", "organ_name", "cn_value", "number", "facts_in", "extract", "qa_anchored",
           "question_number", "heading_title"]
