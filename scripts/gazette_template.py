"""The print edition's Word template (政府公报印刷版), built by scripts/make_templates.py.

templates/gazette_print.docx is a docxtpl template an office can open and restyle in Word: A4 with
GB/T 9704 margins (37/35/28/26 mm), body 仿宋_GB2312 16 pt, titles 方正小标宋简体 22 pt. It holds
the cover (报头 {{ city }}人民政府公报, 年份、期号、总期号、出版日期) and the 目录 page; the issue's
contents are put in by publishing/editions_print.py at the {{ toc }} and {{ contents }} places,
using the named paragraph styles defined here (Gz…), so restyling a style restyles every issue.
"""
from __future__ import annotations

import io

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, Twips

import make_templates as mt

HEITI, KAITI = "黑体", "楷体_GB2312"
VARIABLES = "city, year, number, total, date_text, date, editor; toc 与 contents 为目录和正文的位置"


_AFTER_SNAP = ("spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection",
               "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr")


def _off_grid(style) -> None:
    """Lines taller than the body's 28.95 pt would snap to two grid lines (a gap under each title
    line in LibreOffice and Word); these styles keep their own exact height instead."""
    ppr = style.element.get_or_add_pPr()
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    later = next((c for c in ppr if c.tag.split("}")[1] in _AFTER_SNAP), None)
    if later is not None:
        later.addprevious(snap)
    else:
        ppr.append(snap)


def _char_style(document, style_id: str, name: str, face: str):
    """A character style: the face of a heading's lead phrase set inline in a body paragraph
    (GB/T 9704 7.3.3: 一、 in 黑体, （一） in 楷体, the text after it in the body's 仿宋)."""
    style = document.styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
    style.style_id = style_id
    style.base_style = document.styles["Default Paragraph Font"]
    style.quick_style = True
    mt._set_fonts(style.element, face)
    return style


def _gazette_styles(document) -> dict[str, object]:
    center, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
    style = mt._style
    s = {
        # 报头: the masthead is the gazette's name in large red 小标宋, like a 发文机关标志.
        "masthead": style(document, "GzMasthead", "公报-报头", face=mt.XBS, size=42, align=center,
                          color=mt.RED, line=Pt(64), latin=mt.XBS),
        "issue": style(document, "GzIssue", "公报-期号", align=center, size=18, line=Pt(36)),
        "cover": style(document, "GzCover", "公报-封面", align=center),
        "toc_title": style(document, "GzTocTitle", "公报-目录标题", face=mt.XBS, size=22, align=center,
                           line=Pt(35), keep_next=True),
        "toc_section": style(document, "GzTocSection", "公报-目录栏目", face=HEITI, keep_next=True,
                             space_before=Pt(8)),
        "toc_item": style(document, "GzTocItem", "公报-目录条目", left_indent=mt.CHAR2),
        "section": style(document, "GzSection", "公报-栏目", face=HEITI, size=18, align=center,
                         line=Pt(36), keep_next=True),
        "title": style(document, "GzTitle", "公报-标题", face=mt.XBS, size=22, align=center,
                       line=Pt(35), keep_next=True),
        "number": style(document, "GzDocNumber", "公报-发文字号", align=center, keep_next=True),
        "body": style(document, "GzBody", "公报-正文", first_indent=mt.CHAR2),
        "plain": style(document, "GzPlain", "公报-主送机关"),
        "heading1": style(document, "GzHeading1", "公报-一级标题", face=HEITI, first_indent=mt.CHAR2,
                          keep_next=True),
        "heading2": style(document, "GzHeading2", "公报-二级标题", face=KAITI, first_indent=mt.CHAR2),
        # The lead phrase of a paragraph that goes on in body text after it: only the phrase.
        "lead1": _char_style(document, "GzLead1", "公报-一级标题段首", HEITI),
        "lead2": _char_style(document, "GzLead2", "公报-二级标题段首", KAITI),
        # A document issued by the one printed (关于印发《…》的通知) or attached to it: its 附件
        # label flush left in 黑体, its own title in 小标宋 centred, as on its own first page.
        "attachment": style(document, "GzAttachment", "公报-附件标识", face=HEITI, keep_next=True),
        "attached_title": style(document, "GzAttachedTitle", "公报-附件标题", face=mt.XBS, size=22,
                                align=center, line=Pt(35), keep_next=True, space_before=Pt(14)),
        "right": style(document, "GzRight", "公报-署名日期", align=right, right_indent=mt.CHAR2),
        "center": style(document, "GzCenter", "公报-居中", align=center),
        "note": style(document, "GzNote", "公报-参见", face=KAITI, size=14, line=Pt(26)),
        # Pictures need a line that grows with them: an exact line height would clip an 一图读懂.
        "picture": style(document, "GzPicture", "公报-图片", align=center, line=None),
        "footer": style(document, "GzPageNumber", "公报-页码", face=mt.SONG, size=14, line=None,
                        latin=mt.SONG),
    }
    for key in ("masthead", "issue", "toc_title", "section", "title", "attached_title", "note", "picture"):
        _off_grid(s[key])
    s["toc_title"].paragraph_format.page_break_before = True
    s["toc_title"].paragraph_format.space_after = Pt(16)
    s["title"].paragraph_format.space_after = Pt(14)
    s["attached_title"].paragraph_format.space_after = Pt(14)
    s["section"].paragraph_format.space_after = Pt(14)
    # The issue line sits on a red rule, as the 发文字号 does on a 公文's first page.
    mt._border(s["issue"], "bottom", mt.RED, 18, 6)
    # 目录 entries: the title, dots, and the page number flush right at the text block's edge.
    s["toc_item"].paragraph_format.tab_stops.add_tab_stop(
        Twips(mt.TEXT_WIDTH.twips - mt.CHAR2.twips), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    s["toc_item"].paragraph_format.right_indent = Pt(mt.BODY_PT * 2)
    return s


def _content(document, s: dict) -> None:
    first = document.paragraphs[0] if document.paragraphs else None
    if first is not None and not first.text:
        first._p.getparent().remove(first._p)

    def para(style: str, text: str = "") -> None:
        p = document.add_paragraph(style=s[style])
        if text:
            p.add_run(text)

    for _ in range(3):
        para("cover")
    para("masthead", "{{ city }}人民政府公报")
    para("cover")
    para("issue", "{{ year }}年第{{ number }}期（总第{{ total }}期）")
    for _ in range(9):
        para("cover")
    para("cover", "{{ editor }}主办")
    para("cover", "出版日期：{{ date_text }}")
    para("toc_title", "目　　录")
    para("toc_item", "{{ toc }}")
    para("body", "{{ contents }}")


def _properties(document) -> None:
    core = document.core_properties
    core.title = "政府公报印刷版（模板）"
    core.subject = "政府公报"
    core.author = core.last_modified_by = "Lockstep"
    core.comments = ("docxtpl 模板：可在 Word 中修改封面文字和各“公报-”样式，保留双花括号占位符。变量："
                     + VARIABLES)
    core.keywords = "政府公报;GB/T 9704-2012"
    core.category = "模板"
    core.created = core.modified = mt.FIXED_TIME
    core.revision = 1
    package = document.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del package.rels[rid]


def build_gazette_template() -> bytes:
    document = Document()
    mt._defaults(document)
    styles = _gazette_styles(document)
    mt._page(document)
    mt._footers(document, styles["footer"])
    # The cover carries no page number.
    document.sections[0].different_first_page_header_footer = True
    _content(document, styles)
    _properties(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return mt.normalize_zip(buffer.getvalue())
