"""Builds the Word templates shipped in the `templates` package.

    .venv/bin/python scripts/make_templates.py [FOLDER]

Writes templates/legality_opinion.docx and templates/gazette_print.docx (the gazette's print
edition, see scripts/gazette_template.py). The first is the 合法性审核意见书 (legality review opinion) as a
docxtpl template an office can open, edit and save in Word. Its layout follows GB/T 9704-2012:
A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (text block 156 × 225 mm); a red
organ line (发文机关标志) and a red rule under the opinion number; the title in 方正小标宋简体
2号 (22 pt) centred; the body in 仿宋_GB2312 3号 (16 pt), 22 lines of 28.95 pt; signature and
date right; a 版记 line in 4号 (14 pt); page numbers in 4号 宋体 as — 1 —, outside edge.

Formatting lives in named paragraph styles (公文-标题, 公文-正文 …), so an office changes a face
or a size once. East Asian faces are set with w:rFonts w:eastAsia, never through the theme.

The output is deterministic: fixed core properties and zip entry times, so re-running gives
identical bytes and the committed file only changes when this script does.
"""
from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from templates.opinion import TEMPLATE_NAME, normalize_zip  # noqa: E402

FIXED_TIME = dt.datetime(2019, 1, 1, tzinfo=dt.timezone.utc)

XBS = "方正小标宋简体"
FS = "仿宋_GB2312"
SONG = "宋体"
LATIN = "Times New Roman"
RED = "FF0000"

BODY_PT = 16
LINE = Twips(579)            # 28.95 pt: 22 lines in the 225 mm text block
TEXT_WIDTH = Mm(156)
CHAR2, CHAR4 = Pt(BODY_PT * 2), Pt(BODY_PT * 4)  # two and four characters of 3号


# ---------------------------------------------------------------------------------------------
# Styles


def _rpr(parent):
    rpr = parent.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        parent.append(rpr)
    return rpr


def _set_fonts(rpr_parent, east_asia: str, latin: str = LATIN) -> None:
    """w:rFonts with explicit faces and no theme attributes (a theme face would win in Word)."""
    rpr = rpr_parent.get_or_add_rPr() if hasattr(rpr_parent, "get_or_add_rPr") else _rpr(rpr_parent)
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)


def _set_lang(rpr_parent) -> None:
    rpr = _rpr(rpr_parent)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    lang.set(qn("w:bidi"), "ar-SA")


def _defaults(document) -> None:
    """Document defaults and Normal: 仿宋_GB2312 16 pt, exact 28.95 pt lines, no spacing after."""
    styles = document.styles.element
    rpr_default = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    _set_fonts(rpr_default, FS)
    _set_lang(rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    for tag in ("w:sz", "w:szCs"):
        rpr.find(qn(tag)).set(qn("w:val"), str(BODY_PT * 2))
    spacing = styles.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "579")
    spacing.set(qn("w:lineRule"), "exact")

    normal = document.styles["Normal"]
    _set_fonts(normal.element, FS)
    normal.font.size = Pt(BODY_PT)
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.widow_control = False
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY


def _style(document, style_id: str, name: str, *, face: str = FS, size: float = BODY_PT,
           align=None, color: str | None = None, first_indent=None, left_indent=None,
           right_indent=None, line=LINE, keep_next: bool = False, latin: str = LATIN,
           space_before=None):
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.style_id = style_id
    style.base_style = document.styles["Normal"]
    style.quick_style = True
    _set_fonts(style.element, face, latin)
    style.font.size = Pt(size)
    if color:
        style.font.color.rgb = RGBColor.from_string(color)
    fmt = style.paragraph_format
    if align is not None:
        fmt.alignment = align
    if first_indent is not None:
        fmt.first_line_indent = first_indent
    if left_indent is not None:
        fmt.left_indent = left_indent
    if right_indent is not None:
        fmt.right_indent = right_indent
    if line is None:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = line
    fmt.keep_with_next = keep_next
    if space_before is not None:
        fmt.space_before = space_before
    return style


def _border(style, side: str, color: str, eighths: int, space_pt: int) -> None:
    ppr = style.element.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        # pBdr sits after keepNext/keepLines/pageBreakBefore/framePr/widowControl/numPr/suppressLineNumbers
        anchor = None
        for tag in ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
                    "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
                    "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
                    "w:mirrorIndents", "w:suppressOverlap", "w:jc"):
            anchor = ppr.find(qn(tag))
            if anchor is not None:
                break
        if anchor is not None:
            anchor.addprevious(borders)
        else:
            ppr.append(borders)
    edge = OxmlElement(f"w:{side}")
    edge.set(qn("w:val"), "single")
    edge.set(qn("w:sz"), str(eighths))
    edge.set(qn("w:space"), str(space_pt))
    edge.set(qn("w:color"), color)
    order = ["top", "left", "bottom", "right", "between", "bar"]
    for existing in borders:
        if order.index(existing.tag.split("}")[1]) > order.index(side):
            existing.addprevious(edge)
            return
    borders.append(edge)


def _styles(document) -> dict[str, object]:
    center, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
    styles = {
        # 发文机关标志: red 小标宋, large; its own exact line, taller than the body's.
        "banner": _style(document, "GwBanner", "公文-发文机关标志", face=XBS, size=30, align=center,
                         color=RED, line=Pt(40), latin=XBS),
        "number": _style(document, "GwDocNumber", "公文-发文字号", align=center),
        "title": _style(document, "GwTitle", "公文-标题", face=XBS, size=22, align=center,
                        line=Pt(35), keep_next=True),
        "addressee": _style(document, "GwAddressee", "公文-主送机关"),
        "body": _style(document, "GwBody", "公文-正文", first_indent=CHAR2),
        # The reviewer line and the blank line after it stay with the signature and the date: a
        # signature is never alone on a page (GB/T 9704 7.3.5).
        "reviewer": _style(document, "GwReviewer", "公文-审核人", first_indent=CHAR2, keep_next=True),
        # 不加盖印章 (7.3.5.2): 署名右空二字; 成文日期 one line below, starting two characters
        # further right. With right alignment that is approximated by 4 and 2 characters.
        "signature": _style(document, "GwSignature", "公文-署名", align=right, right_indent=CHAR4,
                            keep_next=True),
        "date": _style(document, "GwDate", "公文-成文日期", align=right, right_indent=CHAR2),
        # 版记: 4号, one character in from each side, between two rules as wide as the text block.
        "colophon": _style(document, "GwColophon", "公文-版记", size=14, left_indent=Pt(14),
                           right_indent=Pt(14), line=Pt(28)),
        "footer": _style(document, "GwPageNumber", "公文-页码", face=SONG, size=14, line=None,
                         latin=SONG),
    }
    # A red rule under the opinion number (GB/T 9704 7.2.4: 发文字号之下 4 mm, 版心等宽).
    _border(styles["number"], "bottom", RED, 12, 11)
    # The 版记's first and last rules: black, 0.35 mm.
    _border(styles["colophon"], "top", "000000", 8, 4)
    _border(styles["colophon"], "bottom", "000000", 8, 4)
    tabs = styles["colophon"].paragraph_format.tab_stops
    tabs.add_tab_stop(Twips(TEXT_WIDTH.twips - 2 * 14 * 20), WD_TAB_ALIGNMENT.RIGHT)
    return styles


# ---------------------------------------------------------------------------------------------
# Page


def _page(document) -> None:
    section = document.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    # Page number: 7 mm below the text block (GB/T 9704 7.5), so the footer stays out of it.
    section.header_distance, section.footer_distance = Mm(15), Mm(23)
    section.gutter = Mm(0)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), "579")


def _page_number(paragraph) -> None:
    """— N — with a PAGE field (GB/T 9704 7.5: 4号半角宋体阿拉伯数字, 一字线)."""
    paragraph.add_run("— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            run.text = text
    paragraph.add_run(" —")


def _footers(document, style) -> None:
    """Odd pages: right, one character in; even pages: left, one character in."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    odd = section.footer.paragraphs[0]
    odd.style = style
    odd.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    odd.paragraph_format.right_indent = Pt(14)
    _page_number(odd)
    even = section.even_page_footer.paragraphs[0]
    even.style = style
    even.alignment = WD_ALIGN_PARAGRAPH.LEFT
    even.paragraph_format.left_indent = Pt(14)
    _page_number(even)


# ---------------------------------------------------------------------------------------------
# Content


def _content(document, s: dict) -> None:
    body = document.paragraphs[0] if document.paragraphs else None
    if body is not None and not body.text:
        body._p.getparent().remove(body._p)

    def para(style: str, text: str = "") -> None:
        p = document.add_paragraph(style=s[style])
        if text:
            p.add_run(text)

    para("banner", "{{ organ }}")
    para("number", "{{ opinion_number }}")
    para("body")
    para("title", "关于《{{ title }}》的合法性审核意见书")
    para("body")
    para("addressee", "{{ drafting_unit }}：")
    para("body", "你单位报送的《{{ title }}》{% if doc_number %}（{{ doc_number }}）{% endif %}"
                 "{{ materials }}收悉。经审核，现提出如下意见：")
    para("body", "{% if approved %}该文件制定主体适格，内容合法，程序符合规定，同意提交集体审议。"
                 "{% else %}该文件存在以下问题，请修改后重新报送：{% endif %}")
    # Paragraph-level tags: each {%p %} paragraph is replaced by the bare tag, so every reason
    # is its own paragraph with the body style.
    para("body", "{%p for r in reasons %}")
    para("body", "{{ loop.index }}．{% if r.anchor %}【{{ r.anchor }}】{% endif %}{{ r.text }}")
    para("body", "{%p endfor %}")
    para("body", "{%p if comment %}")
    para("body", "{{ comment }}")
    para("body", "{%p endif %}")
    para("reviewer", "审核人：{{ reviewer }}{% if reviewer_unit and reviewer_unit != organ %}"
                     "（{{ reviewer_unit }}）{% endif %}")
    para("reviewer")
    para("signature", "{{ organ }}")
    para("date", "{{ date_text }}")
    para("colophon", "{{ organ }}\t{{ date_text }}印发")


def _properties(document) -> None:
    core = document.core_properties
    core.title = "合法性审核意见书（模板）"
    core.subject = "合法性审核意见书"
    core.author = core.last_modified_by = "Lockstep"
    # Core properties are rendered by docxtpl too: no Jinja delimiters in them.
    core.comments = ("docxtpl 模板：可在 Word 中修改文字和版式，保留双花括号与花括号百分号占位符。"
                     "变量：organ, opinion_number, title, doc_number, drafting_unit, materials, approved, "
                     "reasons (anchor, text), comment, reviewer, reviewer_unit, date_text, date")
    core.keywords = "合法性审核;GB/T 9704-2012"
    core.category = "模板"
    core.created = core.modified = FIXED_TIME
    core.revision = 1
    # The default template's thumbnail shows an empty English page: not this template.
    package = document.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del package.rels[rid]


def build_opinion_template() -> bytes:
    document = Document()
    _defaults(document)
    styles = _styles(document)
    _page(document)
    _footers(document, styles["footer"])
    _content(document, styles)
    _properties(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return normalize_zip(buffer.getvalue())


def main(argv: list[str] | None = None) -> int:
    """Writes the template into the package, or into the folder given as the only argument."""
    argv = sys.argv[1:] if argv is None else argv
    folder = Path(argv[0]) if argv else ROOT / "templates"
    target = folder / TEMPLATE_NAME
    data = build_opinion_template()
    target.write_bytes(data)
    print(f"wrote {target} ({len(data)} bytes)")
    # The gazette's print-edition template (政府公报), built from this module's styles and page.
    from gazette_template import build_gazette_template
    from publishing.editions_print import TEMPLATE_NAME as GAZETTE_TEMPLATE
    target = folder / GAZETTE_TEMPLATE
    data = build_gazette_template()
    target.write_bytes(data)
    print(f"wrote {target} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
