"""发文字号 (document numbers): 机关代字〔年份〕序号号, e.g. 根政办发〔2019〕36号.

Offices often type the year brackets with whatever is on the keyboard ([], (), （）, 【】, ［］),
pad the serial (036号) or insert 第/spaces. Those variants still identify the same document, so
they parse into the same DocNumber (matching keeps working) and carry a `docno_format` warning.
"""
from __future__ import annotations

import re

from documents.models import DocNumber
from documents.problems import Problem, warning

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")

# The organ code is the run of CJK characters right before the year bracket; a long run usually
# means prose ("依据国办发…"), so it is capped and trimmed of common leading verbs below.
_DOCNO = re.compile(
    r"(?P<organ>[\u4e00-\u9fff]{1,12})"
    r"(?P<sp1>\s*)(?P<open>[〔﹝〖\[\(（【［〈<])\s*(?P<year>(?:19|20)\d\d)\s*(?P<close>[〕﹞〗\]\)）】］〉>])"
    r"(?P<sp2>\s*)(?P<di>第?)\s*(?P<serial>\d{1,6})\s*(?P<hao>[号號])"
)
_PROSE_PREFIX = re.compile(r"^(?:根据|依据|按照|依照|参照|对照|执行|贯彻|落实|印发|转发|见|即|详见|及|和|与|的)+")


def _organ_start(m: re.Match[str]) -> int:
    organ = m.group("organ")
    trimmed = _PROSE_PREFIX.sub("", organ) or organ
    return m.start() + len(organ) - len(trimmed)


def _format_faults(m: re.Match[str], original: str) -> list[str]:
    faults: list[str] = []
    if m.group("open") != "〔" or m.group("close") != "〕":
        faults.append(f"年份应使用六角括号〔〕，而不是“{m.group('open')}{m.group('close')}”")
    if m.group("serial").startswith("0"):
        faults.append("序号不应编虚位（如 036 应为 36）")
    if m.group("hao") != "号":
        faults.append("应写“号”而不是“號”")
    if m.group("di"):
        faults.append("序号前不加“第”字")
    if re.search(r"\s", m.group(0)):
        faults.append("发文字号中不应有空格")
    if original != m.group(0):
        faults.append("数字应使用半角阿拉伯数字")
    return faults


def find_doc_number(text: str, *, file: str | None = None,
                    paragraph: int | None = None) -> tuple[DocNumber | None, list[Problem]]:
    """The first document number in `text`, with `docno_format` warnings for a non-standard form."""
    if not text:
        return None, []
    normalised = text.translate(_FULLWIDTH_DIGITS)
    for m in _DOCNO.finditer(normalised):
        serial = int(m.group("serial"))
        if serial <= 0:
            continue
        start = _organ_start(m)
        written = text[start:m.end()]
        faults = _format_faults(m, text[m.start():m.end()])
        number = DocNumber(raw=written, organ_code=normalised[start:m.start("sp1")],
                           year=int(m.group("year")), serial=serial)
        problems = [warning("docno_format", f"发文字号“{written}”" + "，" + "；".join(faults),
                            file=file, paragraph=paragraph)] if faults else []
        return number, problems
    return None, []


def parse_doc_number(text: str) -> DocNumber | None:
    """The document number when `text` is one (surrounding spaces and 文号： labels allowed), else None."""
    if not text:
        return None
    stripped = re.sub(r"^\s*(?:发文字号|文号|发文号)\s*[：:]\s*", "", text).strip()
    number, _ = find_doc_number(stripped)
    if number is None or number.raw != stripped:
        return None
    return number


def doc_number_span(text: str) -> tuple[int, int] | None:
    """Where the first document number sits in `text` (start, end), for callers that cut it out."""
    m = _DOCNO.search(text.translate(_FULLWIDTH_DIGITS))
    return (_organ_start(m), m.end()) if m else None
