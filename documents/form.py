"""GB/T 9704-2012 form checks on a policy document, as warnings (DESIGN.md, "Form findings").

They read the form as a careful clerk would: faces count by family, a font set only on a style
still counts, headings keep their own faces, the 版记 is 4号. Each kind of finding is reported
once, naming the first paragraph where it shows and how many paragraphs share it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from documents.dates import is_pure_date, parse_date
from documents.docx_read import Page, Para, ReadDoc, Run
from documents.models import DocumentMeta
from documents.problems import Problem, warning

FANGSONG = ("仿宋", "fangsong", "fang song")
XIAOBIAOSONG = ("小标宋", "xiaobiaosong", "xbs")
HEITI = ("黑体", "simhei", "heiti", "hei ti")
KAITI = ("楷体", "kaiti", "楷")
_HEADING_FACES = {1: (HEITI, "黑体"), 2: (KAITI, "楷体"), 3: (FANGSONG, "仿宋"), 4: (FANGSONG, "仿宋")}

TITLE_PT, BODY_PT, COLOPHON_PT = 22.0, 16.0, 14.0
_PT_TOLERANCE = 0.5
A4 = (210.0, 297.0)
MARGINS = {"top_mm": ("上白边", 37.0), "left_mm": ("左白边", 28.0),
           "right_mm": ("右白边", 26.0), "bottom_mm": ("下白边", 35.0)}
MM_TOLERANCE = 1.0
_HAS_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Layout:
    """Where the parts of the document sit (paragraph numbers), for the form checks."""
    banner: int | None = None
    doc_number: int | None = None
    title: list[int] = field(default_factory=list)
    addressee: int | None = None
    headings: dict[int, int] = field(default_factory=dict)    # paragraph number → outline level
    attachments: list[int] = field(default_factory=list)
    signature: int | None = None
    date: int | None = None
    disclosure: int | None = None
    colophon: list[int] = field(default_factory=list)         # 版记: 抄送, 印发
    body_end: int | None = None                               # last paragraph of the main text


def in_family(face: str | None, family: tuple[str, ...]) -> bool:
    if not face:
        return False
    lowered = face.lower()
    return any(token in lowered for token in family)


def check_form(name: str, doc: ReadDoc, meta: DocumentMeta, layout: Layout) -> list[Problem]:
    problems: list[Problem] = []
    if not meta.title:
        problems.append(warning("title_missing", "未找到文件标题", file=name))
    if meta.date_text:
        _, well_formed = parse_date(meta.date_text)
        if not well_formed or not is_pure_date(meta.date_text):       # 2019年8月5日。 is read, but not the form
            problems.append(warning("date_format", f"成文日期写作“{meta.date_text}”", file=name,
                                    paragraph=layout.date))
    if meta.disclosure is None and not meta.disclosure_text:
        problems.append(warning("disclosure_missing", "未找到公开属性标注", file=name))
    elif meta.disclosure is None:   # a marking that places no attribute: the gate will block on it
        problems.append(warning("disclosure_unknown", f"公开属性标注为“{meta.disclosure_text}”，无法确定为"
                                "主动公开、依申请公开或不予公开", file=name, paragraph=layout.disclosure))
    page = _page_faults(doc.page)
    if page:
        problems.append(warning("page_format", "；".join(page), file=name))
    problems.extend(_font_findings(name, doc, layout))
    return problems


def _page_faults(page: Page | None) -> list[str]:
    if page is None:
        return []
    faults = []
    if page.width_mm is not None and page.height_mm is not None:
        if abs(page.width_mm - A4[0]) > MM_TOLERANCE or abs(page.height_mm - A4[1]) > MM_TOLERANCE:
            faults.append(f"纸张为 {page.width_mm:.0f}×{page.height_mm:.0f} mm，不是 A4")
    for attr, (label, expected) in MARGINS.items():
        value = getattr(page, attr)
        if value is not None and abs(value - expected) > MM_TOLERANCE:
            faults.append(f"{label} {value:.1f} mm（应为 {expected:.0f} mm）")
    return faults


# ---------------------------------------------------------------------------------------------
# Fonts


def _describe(run: Run) -> str:
    size = f"{run.size:g} 磅" if run.size else "未设字号"
    return f"“{run.face or '未设字体'}” {size}"


def _run_fault(run: Run, families: tuple[tuple[str, ...], ...], size: float) -> bool:
    if run.size is None or abs(run.size - size) > _PT_TOLERANCE:
        return True
    if _HAS_CJK.search(run.text) and not any(in_family(run.face, f) for f in families):
        return True
    return False


def _title_fault(p: Para) -> Run | None:
    for run in p.visible_runs:
        if _run_fault(run, (XIAOBIAOSONG,), TITLE_PT):
            return run
    return None


def _heading_fault(p: Para, level: int) -> Run | None:
    """Heading sentence in the level's face; what follows it in 仿宋 or the same face."""
    face, _ = _HEADING_FACES[level]
    text = p.text
    boundary = text.find("。")
    boundary = len(text) if boundary < 0 else boundary + 1
    offset = 0
    for run in p.runs:
        begin, offset = offset, offset + len(run.text)
        if not run.text.strip():
            continue
        families = (face,) if begin < boundary else (face, FANGSONG)
        if _run_fault(run, families, BODY_PT):
            return run
    return None


def _body_fault(p: Para, size: float) -> Run | None:
    for run in p.visible_runs:
        if _run_fault(run, (FANGSONG,), size):
            return run
    return None


def _font_findings(name: str, doc: ReadDoc, layout: Layout) -> list[Problem]:
    problems: list[Problem] = []
    by_number = {p.number: p for p in doc.paragraphs}
    title_bad = [(n, run) for n in layout.title if (run := _title_fault(by_number[n]))]
    if title_bad:
        n, run = title_bad[0]
        problems.append(warning("font_format", f"标题为 {_describe(run)}，应为小标宋体 22 磅",
                                file=name, paragraph=n))
    start = max(layout.title + [layout.doc_number or 0, layout.banner or 0])
    end = layout.body_end if layout.body_end is not None else len(doc.paragraphs)
    colophon = set(layout.colophon)
    body_bad: list[tuple[int, Run, str]] = []
    for p in doc.paragraphs:
        if p.in_table or not p.text.strip() or p.number in colophon:
            if p.number in colophon and (run := _body_fault(p, COLOPHON_PT)):
                body_bad.append((p.number, run, "版记应为仿宋体 14 磅"))
            continue
        if p.number <= start or p.number > end:
            continue
        level = layout.headings.get(p.number)
        if level:
            run = _heading_fault(p, level)
            expected = f"{_HEADING_FACES[level][1]} 16 磅的标题"
        else:
            run = _body_fault(p, BODY_PT)
            expected = "正文应为仿宋体 16 磅"
        if run:
            body_bad.append((p.number, run, expected))
    if body_bad:
        n, run, expected = body_bad[0]
        more = f"，共 {len(body_bad)} 段" if len(body_bad) > 1 else ""
        problems.append(warning("font_format", f"第 {n} 段为 {_describe(run)}（{expected}）{more}",
                                file=name, paragraph=n))
    return problems
