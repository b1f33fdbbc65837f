"""Intake of one docx: the metadata a dossier needs and every problem found on the way.

`inspect_docx` never raises. The head of a 公文 is read in the order GB/T 9704 lays it out
(份号/密级 → 发文机关标志 → 发文字号 → 标题 → 主送机关), the tail backwards from the end
(版记 ← 公开属性 ← 成文日期 ← 署名), so an organ banner is never taken for the title and a date
quoted in the text is never taken for the 成文日期.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

from documents import form
from documents.dates import is_date_attempt, is_pure_date, parse_date, parse_date_attempt
from documents.form import Layout
from documents.labels import clause_cut
from documents.docno import find_doc_number
from documents.docx_read import Para, ReadDoc, open_docx
from documents.effective import find_effective, states_effective
from documents.models import DocNumber, DocumentMeta, InspectedFile, OutlineItem, Role
from documents.problems import Problem, problem, warning

_SPACE = re.compile(r"[\s\u3000\u00a0]+")
_CJK = "\u4e00-\u9fff"


def compact(text: str) -> str:
    return "".join(text.split())


_SPACE_NEXT_TO_CJK = re.compile(r"(?<=[^A-Za-z0-9]) | (?=[^A-Za-z0-9])")
_HAS_CJK = re.compile(f"[{_CJK}]")
_BANNER_END = re.compile(r"文件[）)]?$")
_ATTACHMENT_LABEL = re.compile(r"^附\s*件\s*[：:]\s*")
_ORGAN_PUNCT = re.compile(r"[。，；：:,;！？]")


def tidy(text: str) -> str:
    """Whitespace removed next to CJK (line breaks, alignment spaces), kept once between Latin words."""
    text = _SPACE.sub(" ", text).strip()
    return _SPACE_NEXT_TO_CJK.sub("", text)


def inspect_docx(name: str, data: bytes, role: Role | None = None) -> InspectedFile:
    """`role`: the role the file is given (bundle.json, its file name); a file in the policy role
    gets the GB/T 9704 form checks whatever its content looks like. None: as its content suggests."""
    try:
        return _inspect(name, data, role)
    except Exception:  # a reader bug must not become a traceback in front of an office
        return InspectedFile(file=name, ok=False, problems=[problem(
            "not_docx", "读取该文件时出错，可能是文件结构不标准", file=name)])


def _inspect(name: str, data: bytes, role: Role | None = None) -> InspectedFile:
    doc, problems = open_docx(name, data)
    if doc is None:
        return InspectedFile(file=name, ok=False, problems=problems, role=role)
    meta, layout, found = read_meta(name, data, doc)
    problems = problems + found
    read_as = role or meta.suggested_role
    if read_as == "policy":
        problems += form.check_form(name, doc, meta, layout)
    return InspectedFile(file=name, ok=not any(p.severity == "error" for p in problems),
                         metadata=meta, problems=problems, role=read_as,
                         role_source=("declared" if role else "content") if read_as else None)


def read_meta(name: str, data: bytes, doc: ReadDoc) -> tuple[DocumentMeta, Layout, list[Problem]]:
    meta = DocumentMeta(file=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                        paragraphs=len(doc.paragraphs))
    layout = Layout()
    problems: list[Problem] = []
    flow = [p for p in doc.paragraphs if not p.in_table and p.flat]
    start = _read_head(name, doc, flow, meta, layout, problems)
    _read_tail(flow, start, meta, layout)
    _read_cover_organ(doc.paragraphs, meta)
    _closed_elsewhere(doc.paragraphs, flow[start:], meta, doc.margins)
    _read_attachments(flow, start, meta, layout)
    _read_outline(flow, start, meta, layout)
    _read_references(name, flow, start, meta, layout, problems)
    _read_risk(doc.paragraphs, meta)
    meta.effective_stated = states_effective(find_effective(p.flat for p in doc.paragraphs))
    meta.suggested_role = _suggest_role(doc, flow, meta)
    return meta, layout, problems


# ---------------------------------------------------------------------------------------------
# Head: banner, document number, title, addressee

_HEAD_LIMIT = 15
_FRONT_MARK = re.compile(r"^(?:\d{6}|(?:绝密|机密|秘密)★?.{0,6}|特急|加急|特提|平急|签发人[：:].{0,20})$")
_TITLE_END = re.compile(r"(?:通知|通报|意见|办法|规定|细则|决定|规则|条例|规划|方案|要点|公告|通告|命令|批复|"
                        r"函|纪要|报告|请示|说明|解读|问答|决议|议案|指引|制度)$")
_LABEL_LINE = re.compile(r"^(?:附件|解读(?:机关|单位|部门)|关联文件|解读对象|评估(?:单位|对象)|问\d*|答|联系人|"
                         r"发布(?:机关|时间|日期)|来源|时间|日期)[：:]")


def _is_banner(p: Para, t: str) -> bool:
    if not _HAS_CJK.search(t) or len(t) > 40 or "《" in t or t.startswith("关于"):
        return False
    if _BANNER_END.search(t):
        return True
    return p.is_red and (p.size or 0) >= 24


def _is_docno_line(t: str) -> bool:
    if "号" not in t and "號" not in t:  # every document number ends in 号: most lines need no parse
        return False
    number, _ = find_doc_number(t)
    if number is None or "《" in t:
        return False
    rest = t.replace(compact(number.raw), "", 1)
    rest = re.sub(r"签发人[：:].*$", "", rest)
    return len(rest) <= 4


# The class line over a standard's title (中华人民共和国国家标准, 中华人民共和国能源行业标准,
# 内蒙古自治区地方标准) and its code line (GB/T 1.1—2020, NB/T XXXXX—XXXX, DB15/T …): cover furniture.
_CLASS_LINE = re.compile(r"^(?:中华人民共和国.{0,8}|.{0,14}(?:国家|行业|地方|团体|企业|协会))"
                         r"(?:标准(?:化指导性技术文件)?|计量技术规范|计量检定规程)$")
_STANDARD_CODE = re.compile(r"^(?:[A-Z]{1,4}\d{0,2}(?:/[A-Z]{1,2})?\s*[\dXx]{1,6}[.\d]*\s*[—\-–]\s*[\dXx]{2,4}"
                            r"|(?:ICS|CCS)\s*[\dA-Z][\d.A-Z]*)$")
# A line where the 发文字号 stands that the reader cannot parse (根政办发〔2019〕三十六号, 根政办发2019年36号,
# 根政办发〔19〕36号, 根政办发〔2019〕36): reported (docno_format), never silently dropped.
_DOCNO_LABEL = re.compile(r"^(?:发文字号|文号|发文号)[：:]")
_DOCNO_ATTEMPT = re.compile(r"^(?!第)[\u4e00-\u9fff]{2,12}\s*[〔〕﹝﹞〖〗\[\]【】［］(（{｛]?\s*"
                            r"(?:(?:19|20)?\d\d|[〇零○一二][〇零○一二三四五六七八九]{1,3})\s*"
                            r"[〔〕﹝﹞〖〗\[\]【】［］)）}｝年\-－—]{0,2}"
                            r"\s*第?\s*[\d〇零○一二三四五六七八九十百]{1,6}\s*[号號]?$")


def _is_docno_attempt(t: str) -> bool:
    """Written where a 发文字号 goes, in a form find_doc_number does not read."""
    t = _DOCNO_LABEL.sub("", t.translate(_FULLWIDTH))
    if not t or len(t) > 30 or "《" in t or is_pure_date(t) or t.endswith(("次", "期")):
        return False
    has_bracket = bool(re.search(r"[〔〕﹝﹞〖〗\[\]【】［］]", t))
    return (has_bracket or t.endswith(("号", "號"))) and bool(_DOCNO_ATTEMPT.match(t))


_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def _is_big_title(p: Para, t: str) -> bool:
    if t.endswith(("：", ":", "。")) or len(t) > 100 or _LABEL_LINE.match(t):
        return False
    if _CLASS_LINE.match(t) or _STANDARD_CODE.match(t):
        return False
    face = next((r.face or "" for r in p.visible_runs), "")
    centered = p.align in ("center", "distribute")
    return centered and ((p.size or 0) >= 18 or "标宋" in face)


def _read_head(name: str, doc: ReadDoc, flow: list[Para], meta: DocumentMeta, layout: Layout,
               problems: list[Problem]) -> int:
    """Reads the head; returns the index in `flow` where the main text starts."""
    first = flow[0].number if flow else 0
    # Cover tables (standards, memos) carry the title before any body paragraph.
    cover = [p for p in doc.paragraphs[:first] if p.in_table and p.flat][:_HEAD_LIMIT]
    head = cover + flow[:_HEAD_LIMIT]
    title_at = None
    for i, p in enumerate(head):
        t = p.flat
        if layout.banner is None and layout.doc_number is None and _is_banner(p, t):
            meta.banner, layout.banner = t, p.number
            continue
        if layout.doc_number is None and _is_docno_line(t):
            number, found = find_doc_number(_visible(p.text), file=name, paragraph=p.number)
            meta.doc_number, meta.doc_number_text, layout.doc_number = number, number.raw, p.number
            problems.extend(found)
            continue
        if layout.doc_number is None and _is_docno_attempt(t):
            meta.doc_number_text, layout.doc_number = t, p.number
            problems.append(warning("docno_format", f"发文字号“{t}”无法识别", file=name, paragraph=p.number))
            continue
        if _FRONT_MARK.match(t):
            continue
        if _is_big_title(p, t):
            title_at = i
            break
    if title_at is None:
        title_at = _fallback_title(head, layout)
    if title_at is None:
        return _flow_index(flow, _after(head, layout))
    taken = [head[title_at]]
    for p in head[title_at + 1:title_at + 3]:
        if not _continues_title(taken[-1], p):
            break
        taken.append(p)
    meta.title = tidy("".join(p.text for p in taken))
    layout.title = [p.number for p in taken]
    start = _flow_index(flow, taken[-1].number)
    for p in flow[start:start + 2]:
        t = p.flat
        if t.endswith(("：", ":")) and len(t) <= 150 and not _LABEL_LINE.match(t) \
                and "：" not in t[:-1] and ":" not in t[:-1]:
            meta.addressee, layout.addressee = t[:-1], p.number
            return flow.index(p) + 1
    return start


def _flow_index(flow: list[Para], after_number: int) -> int:
    """Index of the first flow paragraph after paragraph number `after_number`."""
    return next((i for i, p in enumerate(flow) if p.number > after_number), len(flow))


def _fallback_title(head: list[Para], layout: Layout) -> int | None:
    """Without size information: the first centered line, else a 关于…的通知 style line."""
    used = {layout.banner, layout.doc_number}
    candidates = [(i, p) for i, p in enumerate(head[:8]) if p.number not in used]
    for i, p in candidates:
        t = p.flat
        if p.align == "center" and len(t) <= 80 and not t.endswith(("：", ":")) and not _FRONT_MARK.match(t) \
                and not _CLASS_LINE.match(t) and not _STANDARD_CODE.match(t):
            return i
    for i, p in candidates:
        t = p.flat
        if len(t) <= 80 and re.match(r"^.{0,30}关于.+的", t) and _TITLE_END.search(t):
            return i
    return None


def _after(head: list[Para], layout: Layout) -> int:
    marks = [n for n in (layout.banner, layout.doc_number) if n is not None]
    return max(marks) if marks else 0


def _continues_title(prev: Para, p: Para) -> bool:
    t, before = p.flat, prev.flat
    if _TITLE_END.search(before) or t.endswith(("：", ":", "。")) or len(t) > 60:
        return False
    if t.startswith(("（", "(", "—", "-")) or _LABEL_LINE.match(t) or _is_docno_line(t):
        return False
    same_size = abs((p.size or 0) - (prev.size or 0)) < 0.6
    face = next((r.face for r in p.visible_runs), None)
    prev_face = next((r.face for r in prev.visible_runs), None)
    return p.align == prev.align and same_size and face == prev_face


# ---------------------------------------------------------------------------------------------
# Tail: 版记, disclosure, date, signature

_SEAL = re.compile(r"^[〔（(【\[]?(?:此处)?(?:加盖|盖)?.{0,6}(?:印章|公章|盖章|签章)[〕）)】\]]?$")
_COLOPHON = re.compile(r"^(?:抄送|抄报|分送)[：:]|印发$")
# 公开属性 (附注 position): a labelled line (公开属性：… / 信息公开选项：… / 公开方式：… / 公开类型：…) or a
# sentence (此件/本件/此文 … 公开), with or without brackets, a trailing 。 and a legal ground in
# brackets. Fail closed: anything in a marking that says it is not public is 不予公开; a marking
# that names no attribute we can place leaves the attribute unknown (disclosure_text says what it was).
_OPEN = "（(【[［〔〈<"
_CLOSE = "）)】]］〕〉>"
_TRAILING_BRACKETS = re.compile(r"[（(【\[［〔〈<][^（()）【】\[\]［］〔〕〈〉<>]*[）)】\]］〕〉>]$")
_NOTE_LABEL = re.compile(r"^附注[：:]")
_DISCLOSURE_LABEL = re.compile(r"^(?:政府)?(?:信息)?公开(?:属性|方式|类型|选项|形式)[：:]?(.*)$")
_DISCLOSURE_SENTENCE = re.compile(r"^(?:此|本)(?:件|文件|文)([^，,；;。：:]{0,12}?公开(?:发布)?)(?:[，,；;。].*)?$")
_NOT_PUBLIC_WORDS = re.compile(r"(?:不予|不宜|不得|不能|不|免予|免于|无需|无须|暂不|暂缓|禁止|严禁)(?:对外|向社会|在网上|主动)?公开")
_PLACED = {"主动公开": "主动公开", "公开发布": "主动公开", "予以公开": "主动公开", "公开": "主动公开",
           "主动公开发布": "主动公开", "全文公开": "主动公开", "全文主动公开": "主动公开",
           "依申请公开": "依申请公开", "依申请予以公开": "依申请公开"}
_BARE_MARKS = frozenset({"主动公开", "依申请公开", "不予公开", "不公开", "免予公开"})
_DISCLOSURE_MAX = 100


def _visible(text: str) -> str:
    """Without format characters (zero-width spaces and joiners, soft hyphens, BOMs): they draw
    nothing, and a marking split by one still says what it shows."""
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def read_disclosure(text: str) -> tuple[bool, str | None]:
    """(is a disclosure marking, the attribute it places) for one paragraph's text.

    (True, None): clearly a marking, but one that places no attribute (公开属性：待定)."""
    t = _visible("".join(text.split()))      # 不予\u200b公开 says 不予公开
    if not t or len(t) > _DISCLOSURE_MAX:
        return False, None
    core = t.rstrip("。.；;，,")
    while len(core) >= 2 and core[0] in _OPEN and core[-1] in _CLOSE:
        core = core[1:-1].rstrip("。.；;，,")
    core = _NOTE_LABEL.sub("", core)
    bare = core
    while (shorter := _TRAILING_BRACKETS.sub("", bare).rstrip("。.；;，,")) != bare:   # a ground, a note
        bare = shorter
    if m := _DISCLOSURE_LABEL.match(bare):
        value = m.group(1)
    elif m := _DISCLOSURE_SENTENCE.match(bare):
        value = m.group(1)
    elif bare in _BARE_MARKS:      # （主动公开） alone in the 附注 position
        value = bare
    else:
        return False, None
    if _NOT_PUBLIC_WORDS.search(t):
        return True, "不予公开"       # never public, whatever else the marking says
    return True, _PLACED.get(value.rstrip("。.；;，,"))


def disclosure_of(markings: list[tuple[str, str | None]]) -> tuple[str | None, str | None]:
    """(attribute, text) from every marking found: 不予公开 if any says so; one attribute when all
    that were found agree on it; otherwise unknown (None), with the text of what was found."""
    if not markings:
        return None, None
    closed = [text for text, value in markings if value == "不予公开"]
    if closed:
        return "不予公开", closed[0]
    values = {value for _, value in markings}
    text = "；".join(dict.fromkeys(text for text, _ in markings))
    if len(values) == 1 and None not in values:
        return values.pop(), text
    return None, text


_NAMED_MARK = re.compile(r"此件|本件|此文|本文件|公开(?:属性|方式|类型|选项|形式)")


def _closed_elsewhere(paragraphs: list[Para], tail: list[Para], meta: DocumentMeta,
                      margins: list[str] = ()) -> None:
    """Fail closed: a marking that says the document is not public counts wherever it stands, not
    only in the 附注 position (above the title, in a table cell, in a header or footer). Only a
    marking that names the document (此件…, 公开属性：…) counts there: a bare 不予公开 in a table is a
    cell of some list, not the document's attribute."""
    if meta.disclosure == "不予公开":
        return
    read = {p.number for p in tail}
    for p in paragraphs:
        if p.number in read or "公开" not in _visible(p.flat) or not _NAMED_MARK.search(_visible(p.flat)):
            continue
        is_marking, value = read_disclosure(p.text)
        if is_marking and value == "不予公开":
            meta.disclosure, meta.disclosure_text = "不予公开", p.flat
            return
    for text in margins:
        flat = _visible("".join(text.split()))
        if "公开" in flat and _NAMED_MARK.search(flat) and read_disclosure(text) == (True, "不予公开"):
            meta.disclosure, meta.disclosure_text = "不予公开", flat
            return


def _is_organ_line(t: str) -> bool:
    return 2 <= len(t) <= 40 and not _ORGAN_PUNCT.search(t) and not is_pure_date(t) \
        and not _SEAL.match(t) and not t.startswith("附件")


def _read_tail(flow: list[Para], start: int, meta: DocumentMeta, layout: Layout) -> None:
    markings: list[tuple[str, str | None, int]] = []
    for p in flow[start:]:
        t = p.flat
        if len(t) <= 60 and _COLOPHON.search(t):
            layout.colophon.append(p.number)
        if len(t) <= _DISCLOSURE_MAX and "公开" in _visible(t):
            is_marking, value = read_disclosure(t)
            if is_marking:
                markings.append((t, value, p.number))
    meta.disclosure, meta.disclosure_text = disclosure_of([(t, v) for t, v, _ in markings])
    if markings:
        layout.disclosure = next((n for t, v, n in markings if v == meta.disclosure and v is not None),
                                 markings[-1][2])
    dates = [i for i in range(start, len(flow)) if is_pure_date(flow[i].flat)]
    if not dates:   # 2019.4.1, 2019-04-01, 2019年4月1号: taken, and said (date_format), never dropped
        dates = [i for i in range(start, len(flow)) if is_date_attempt(flow[i].flat)]
    chosen, organ = None, None
    for i in dates:
        j = i - 1
        while j >= start and _SEAL.match(flow[j].flat):
            j -= 1
        before = flow[j].flat if j >= start else ""
        if j >= start and _is_organ_line(before) and flow[j].number not in layout.title:
            chosen, organ = i, flow[j]
            break
        if chosen is None and flow[i].align == "right":
            chosen = i
    if chosen is None and dates:
        chosen = dates[-1]
    if chosen is not None:
        p = flow[chosen]
        meta.date_text = p.flat
        meta.date, _ = parse_date(meta.date_text)
        if meta.date is None:
            meta.date = parse_date_attempt(meta.date_text)
        layout.date = p.number
        if organ is not None:
            meta.signature_organ, layout.signature = organ.flat, organ.number
    ends = [n for n in (layout.date, layout.disclosure) if n is not None]
    if ends:
        layout.body_end = max(ends) if layout.disclosure and layout.date and \
            0 < layout.disclosure - layout.date <= 3 else (layout.date or layout.disclosure)
    elif layout.colophon:
        layout.body_end = layout.colophon[0] - 1


# 某某局 发布 (a standard's or a 公告's cover): the organ that issues it. Two organs side by side
# (国家市场监督管理总局 国家标准化管理委员会 发布) are both the issuer.
_ISSUED_BY = re.compile(r"^(?P<organ>[\u4e00-\u9fff（）()、\s]{2,60}?)\s*(?:联\s*合\s*)?发\s*布$")
_ORGAN_WORD = re.compile(r"(?:局|委|委员会|部|院|厅|署|办|办公室|政府|中心|总局|会|所|站|公司|协会|联合会)$")


def _read_cover_organ(paragraphs: list[Para], meta: DocumentMeta) -> None:
    if meta.signature_organ:
        return
    for p in paragraphs[:80]:
        t = _visible(p.text).strip().replace("\u3000", " ")
        m = _ISSUED_BY.match(t)
        if not m:
            continue
        organs = [x for x in re.split(r"\s+", m.group("organ").strip()) if x]
        if organs and all(_ORGAN_WORD.search(x) for x in organs):
            meta.signature_organ = "、".join(organs)
            return


# ---------------------------------------------------------------------------------------------
# Attachments and outline

_NUMBERED = re.compile(r"^(\d{1,2})[.．、]\s*(?=\D)")
_SPLIT_NUMBERED = re.compile(r"(?:^|(?<=[\s;；。]))\d{1,2}[.．、]\s*(?=\D)")


def _read_attachments(flow: list[Para], start: int, meta: DocumentMeta, layout: Layout) -> None:
    for k in range(start, len(flow)):
        text = flow[k].text.strip().lstrip("\u3000 ")
        m = _ATTACHMENT_LABEL.match(text)
        if not m:
            continue
        rest = text[m.end():].strip()
        items = _split_items(rest) if rest else []
        layout.attachments.append(flow[k].number)
        for p in flow[k + 1:k + 30]:
            line = p.text.strip().lstrip("\u3000 ")
            if not _NUMBERED.match(line) or (items and not _NUMBERED.match(rest) and rest):
                break
            items.extend(_split_items(line))
            layout.attachments.append(p.number)
        meta.attachments = [i for i in items if i]
        return


def _split_items(text: str) -> list[str]:
    if not _NUMBERED.match(text):
        return [tidy(text).rstrip("；;。、")]
    pieces = _SPLIT_NUMBERED.split(text)
    return [tidy(x).rstrip("；;。、") for x in pieces if x.strip()]


_OUTLINE = [
    (1, re.compile(r"^([一二三四五六七八九十百零〇]{1,4}、)")),
    (2, re.compile(r"^([（(][一二三四五六七八九十百]{1,4}[）)])")),
    (3, re.compile(r"^(\d{1,2}[.．、])(?=[^\d])")),
    (4, re.compile(r"^([（(]\d{1,2}[）)])")),
]


def outline_match(text: str) -> tuple[int, str, str] | None:
    """(level, label, heading sentence) when the paragraph opens with an outline label."""
    text = text.strip().lstrip("\u3000 ")
    for level, pattern in _OUTLINE:
        m = pattern.match(text)
        if m:
            rest = text[m.end():]
            sentence = rest.split("。", 1)[0]
            sentence = tidy(sentence)
            if sentence:
                return level, m.group(1), sentence
    return None


def _read_outline(flow: list[Para], start: int, meta: DocumentMeta, layout: Layout) -> None:
    skip = set(layout.attachments) | set(layout.colophon) | {layout.date, layout.signature}
    for p in flow[start:]:
        if p.number in skip:
            continue
        found = outline_match(p.text)
        if found:
            level, label, sentence = found
            meta.outline.append(OutlineItem(level=level, label=label, text=clause_cut(sentence, 200),
                                            paragraph=p.number))
            layout.headings[p.number] = level


# ---------------------------------------------------------------------------------------------
# Interpretations, plans and risk assessments

_BOOK_TITLE = re.compile(r"《((?:[^《》]|《[^《》]*》)+)》")
_UNIT_LABEL = re.compile(r"^解读(?:机关|单位|部门|主体)[：:](.+)$")
_ASSESSOR_LABEL = re.compile(r"^评估(?:单位|机关|部门|主体)[：:](.+)$")
_REFERENCE_LABEL = re.compile(r"^(?:关联文件|相关文件|解读对象|评估对象|政策文件|原文件|文件名称|发文字号|文号|"
                              r"解读文件|所解读文件)[：:](.+)$")


def _read_references(name: str, flow: list[Para], start: int, meta: DocumentMeta, layout: Layout,
                     problems: list[Problem]) -> None:
    labelled_title = labelled_number = None
    for p in flow:
        t = p.flat
        if meta.interpreting_unit is None and (m := _UNIT_LABEL.match(t)):
            meta.interpreting_unit = m.group(1).rstrip("。；;")
        elif meta.assessing_unit is None and (m := _ASSESSOR_LABEL.match(t)):
            meta.assessing_unit = m.group(1).rstrip("。；;")
        elif m := _REFERENCE_LABEL.match(t):
            if labelled_number is None and "号" in m.group(1) and find_doc_number(m.group(1))[0]:
                labelled_number = p
            elif _DOCNO_LABEL.match(t) and not find_doc_number(m.group(1))[0] and _is_docno_attempt(m.group(1)):
                problems.append(warning("docno_format", f"文号“{m.group(1)}”无法识别", file=name,
                                        paragraph=p.number))
            if labelled_title is None and _BOOK_TITLE.search(m.group(1)):
                labelled_title = p
    head = [p for p in flow[:start + _HEAD_LIMIT] if p.number != layout.doc_number]
    title_text = meta.title or ""
    book = _BOOK_TITLE.search(title_text)
    if book is None:
        for p in ([labelled_title] if labelled_title else []) + head:
            book = _BOOK_TITLE.search(p.text)
            if book:
                break
    if book:
        meta.refers_to_title = tidy(book.group(1))
    candidates = ([labelled_number] if labelled_number else []) + head
    for p in candidates:
        if "号" not in p.text:
            continue
        number, found = find_doc_number(p.text, file=name, paragraph=p.number)
        if number is not None:
            meta.refers_to_number = number
            if p is labelled_number:  # a number merely quoted in prose is not this office's form
                problems.extend(found)
            return


_LEVELS = {"低": "低", "较低": "低", "中": "中", "中等": "中", "较高": "高", "高": "高"}
_RISK_PATTERNS = [
    re.compile(r"风险等级(?:评定|确定|研判|判定|评估)?(?:结果|结论)?(?:为|是|属于|：|:)+[“\"「]?(较低|较高|中等|低|中|高)"),
    re.compile(r"(?:评估|研判|判定|评定|确定)(?:等级|结论|结果)?(?:为|是|属于)[“\"「]?(较低|较高|中等|低|中|高)风险"),
    re.compile(r"(?:属于|属|定为|确定为)[“\"「]?(较低|较高|中等|低|中|高)风险"),
]
_PLAN = re.compile(r"(?:应对处置预案|应急处置预案|处置预案|应急预案|应对预案)")


def _read_risk(paragraphs: list[Para], meta: DocumentMeta) -> None:
    texts = [p.flat for p in paragraphs]
    best: tuple[int, str] | None = None
    for i, t in enumerate(texts):
        if "风险" in t:
            for rank, pattern in enumerate(_RISK_PATTERNS):
                m = pattern.search(t)
                if m and (best is None or rank < best[0]):
                    best = (rank, _LEVELS[m.group(1)])
                    break
            if best is None and t.rstrip("：:") == "风险等级" and i + 1 < len(texts):
                level = texts[i + 1].removesuffix("风险")
                if level in _LEVELS:
                    best = (len(_RISK_PATTERNS), _LEVELS[level])
        if not meta.has_response_plan and _PLAN.search(t):
            meta.has_response_plan = _plan_has_content(texts, i)
    if best:
        meta.risk_level = best[1]


def _plan_has_content(texts: list[str], i: int) -> bool:
    t = texts[i]
    m = re.search(rf"{_PLAN.pattern}[：:](.+)$", t)
    if m and len(m.group(1)) >= 10:
        return True
    heading_like = (outline_match(t) is not None or len(t) <= 20) and not t.endswith("。")
    if not heading_like:
        return False
    for following in texts[i + 1:i + 40]:
        found = outline_match(following)
        if found and found[0] == 1:
            return False
        if following:
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Role

_POLICY_END = re.compile(r"(?:通知|意见|办法|规定|细则|决定|规则|条例|规划|方案|要点|公告|通告|命令|批复|指引|"
                         r"决议|函|纪要)$")


def _suggest_role(doc: ReadDoc, flow: list[Para], meta: DocumentMeta):
    role = _role_from_text(meta.title or "")
    if role is None:
        # Memos and standards put 编制说明/起草说明 on its own centered line near the title.
        centered = [p.flat for p in doc.paragraphs[:60]
                    if p.align in ("center", "distribute") and p.flat][:8]
        role = _role_from_text("".join(centered) or "".join(p.flat for p in flow[:3]))
        role = role if role != "policy" else None
    if role is not None and role != "policy":
        return role
    chinese_title = bool(meta.title and re.search(f"[{_CJK}]", meta.title))
    if meta.banner or meta.doc_number or meta.doc_number_text or (chinese_title and role == "policy"):
        return "policy"
    return "other"


def _role_from_text(text: str):
    bare = re.sub(r"《[^》]*》", "", compact(text))
    bare = re.sub(r"[（(][^（）()]*[）)]$", "", bare)
    if "解读方案" in bare:
        return "interpretation_plan"
    if re.search(r"一图读懂|一图看懂|图解|图说", bare):
        return "graphic_interpretation"
    if re.search(r"解读|问答|答记者问|读懂|一问一答", bare):
        return "interpretation_material"
    if re.search(r"风险评估|风险研判", bare):
        return "risk_assessment"
    if _PLAN.search(bare):
        return "response_plan"
    if re.search(r"起草说明|编制说明", bare):
        return "drafting_note"
    if re.search(r"征求意见(?!稿)|意见采纳|采纳情况", bare):
        return "consultation"
    if _POLICY_END.search(bare):
        return "policy"
    return None


__all__ = ["inspect_docx", "read_meta", "parse_date", "outline_match", "Layout", "DocNumber"]
