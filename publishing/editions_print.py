"""The print edition (印刷版): one docx from the editable Word template templates/gazette_print.docx.

The template's cover is filled by docxtpl (sandboxed: a template is a document an office edits);
the 目录 and the items are then put in with python-docx at the template's {{ toc }} and
{{ contents }} places, using the template's named 公报- styles. Page numbers in the 目录 are PAGEREF
fields to a bookmark on each title, so Word and LibreOffice lay them out themselves.

Rendering is deterministic for the same issue: fixed core properties and zip entry times.
"""
from __future__ import annotations

import io
import re
from importlib import resources

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.table import Table
from docx.text.paragraph import Paragraph
from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment

from publishing.editions import EditionItem, IssueContent
from publishing.gazette_rules import INTERPRETATION_SECTION
from templates.opinion import normalize_zip

TEMPLATE_NAME = "gazette_print.docx"
TOC_MARK, BODY_MARK = "\u2063LOCKSTEP-TOC\u2063", "\u2063LOCKSTEP-CONTENTS\u2063"
STYLES = {"toc_section": "公报-目录栏目", "toc_item": "公报-目录条目", "section": "公报-栏目",
          "title": "公报-标题", "number": "公报-发文字号", "body": "公报-正文", "plain": "公报-主送机关",
          "heading1": "公报-一级标题", "heading2": "公报-二级标题", "right": "公报-署名日期",
          "center": "公报-居中", "note": "公报-参见", "picture": "公报-图片"}
_H1 = re.compile(r"^[一二三四五六七八九十]+、")
_H2 = re.compile(r"^（[一二三四五六七八九十]+）")
_COLOPHON = re.compile(r"^抄送|印发$")


def default_template() -> bytes:
    return resources.files("templates").joinpath(TEMPLATE_NAME).read_bytes()


def print_edition(issue: IssueContent, template: bytes | None = None) -> bytes:
    tpl = DocxTemplate(io.BytesIO(template if template is not None else default_template()))
    tpl.render({"city": issue.city, "year": issue.year, "number": issue.number, "total": issue.total,
                "date_text": issue.date_text, "date": issue.release_date.isoformat(), "editor": issue.editor,
                "toc": TOC_MARK, "contents": BODY_MARK},
               jinja_env=SandboxedEnvironment(autoescape=True), autoescape=True)
    doc = tpl.docx
    writer = _Writer(doc)
    writer.at(TOC_MARK)
    _toc(writer, issue)
    writer.at(BODY_MARK)
    _contents(writer, issue)
    writer.done()
    _update_fields_on_open(doc)
    core = doc.core_properties
    core.title, core.subject = f"{issue.city}人民政府公报 {issue.issue_line}", "政府公报"
    core.author = core.last_modified_by = issue.editor
    core.created = core.modified = issue.released_at
    core.revision = 1
    out = io.BytesIO()
    tpl.save(out)
    return normalize_zip(out.getvalue())


class _Writer:
    """Adds paragraphs before a marker paragraph of the template, then removes the markers."""

    def __init__(self, doc) -> None:
        self.doc, self.marker, self.markers, self.bookmarks = doc, None, [], 0
        self.style_ids: dict[str, str | None] = {}

    def _style_id(self, style: str) -> str | None:
        """The template's style id for a named 公报- style, looked up once (python-docx's
        `p.style = …` searches every style by name and again for the default, per paragraph)."""
        if style not in self.style_ids:
            try:
                found = self.doc.styles[STYLES[style]]
                default = self.doc.styles.default(found.type)
                self.style_ids[style] = None if found == default else found.style_id
            except KeyError:        # an office renamed a style: keep the text, lose the look
                self.style_ids[style] = None
        return self.style_ids[style]

    def at(self, mark: str) -> None:
        found = next((p for p in self.doc.paragraphs if mark in p.text), None)
        if found is None:
            raise ValueError(f"the gazette template lost its placeholder {mark.strip()!r}")
        self.marker = found
        self.markers.append(found)

    def para(self, style: str, text: str = "", *, page_break: bool = False) -> Paragraph:
        p = self.doc.add_paragraph()
        if style_id := self._style_id(style):
            p._p.style = style_id
        if text:
            p.add_run(text)
        if page_break:
            p.paragraph_format.page_break_before = True
        self.marker._p.addprevious(p._p)
        return p

    def bookmark(self, p: Paragraph, name: str) -> None:
        self.bookmarks += 1
        start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
        start.set(qn("w:id"), str(self.bookmarks))
        start.set(qn("w:name"), name)
        end.set(qn("w:id"), str(self.bookmarks))
        p._p.insert(1 if p._p.pPr is not None else 0, start)
        p._p.append(end)

    def table(self, rows: list[list[str]]) -> None:
        width = max(len(r) for r in rows)
        t = self.doc.add_table(rows=len(rows), cols=width)
        try:
            t.style = self.doc.styles["Table Grid"]
        except KeyError:
            pass
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                t.cell(r, c).text = text
        self.marker._p.addprevious(t._tbl)

    def done(self) -> None:
        for m in self.markers:
            m._p.getparent().remove(m._p)


def _field(p: Paragraph, instruction: str, cached: str = "1") -> None:
    """A Word field (PAGEREF): begin, instruction, separate, cached result, end."""
    for kind, text in (("begin", None), ("instr", instruction), ("separate", None), ("text", cached),
                       ("end", None)):
        run = p.add_run()
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {text} "
            run._r.append(el)
        elif kind == "text":
            run.text = text
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)


def _toc(w: _Writer, issue: IssueContent) -> None:
    for section, entries in issue.sections():
        w.para("toc_section", section)
        for n, item in entries:
            p = w.para("toc_item", item.title + (f"（{item.doc_number}）" if item.doc_number else "") + "\t")
            _field(p, f"PAGEREF item{n} \\h")
    if issue.items:
        w.para("toc_section", INTERPRETATION_SECTION)
        for n, item in enumerate(issue.items, 1):
            p = w.para("toc_item", item.interpretation_title + "\t")
            _field(p, f"PAGEREF interp{n} \\h")


def _contents(w: _Writer, issue: IssueContent) -> None:
    for section, entries in issue.sections():
        w.para("section", section, page_break=True)
        for i, (n, item) in enumerate(entries):
            _item(w, n, item, page_break=i > 0)
    if not issue.items:
        return
    w.para("section", INTERPRETATION_SECTION, page_break=True)
    for n, item in enumerate(issue.items, 1):
        _interpretation(w, n, item, page_break=n > 1)


def _item(w: _Writer, n: int, item: EditionItem, page_break: bool) -> None:
    w.bookmark(w.para("title", item.title, page_break=page_break), f"item{n}")
    if item.doc_number:
        w.para("number", item.doc_number)
    _copy(w, item.policy, item.head)
    note = w.para("note", f"（本文件的政策解读“{item.interpretation_title}”见本期第 ")
    _field(note, f"PAGEREF interp{n} \\h")
    note.add_run(" 页）")


def _interpretation(w: _Writer, n: int, item: EditionItem, page_break: bool) -> None:
    w.bookmark(w.para("title", item.interpretation_title, page_break=page_break), f"interp{n}")
    w.para("center", f"解读机关：{item.interpreting_unit}")
    note = w.para("note", f"（原文“{item.title}”见本期第 ")
    _field(note, f"PAGEREF item{n} \\h")
    note.add_run(" 页）")
    for m in item.materials:
        if m.picture:
            try:
                w.para("picture").add_run().add_picture(io.BytesIO(m.data), width=Mm(120))
            except Exception:   # python-docx reads common formats only; say so rather than fail the issue
                w.para("note", f"（图文解读“{m.name}”请见电子版）")
        else:
            _copy(w, m.data)


def _copy(w: _Writer, data: bytes, head: frozenset[str] = frozenset()) -> None:
    """The document's text in the gazette's styles: its head (banner, number, title) and its 版记
    are left out, since the gazette prints its own title and number and no distribution line."""
    source = Document(io.BytesIO(data))
    blocks = []
    for child in source.element.body.iterchildren():
        if child.tag == qn("w:p"):
            p = Paragraph(child, source)
            blocks.append(("p", p, "".join(p.text.split())))
        elif child.tag == qn("w:tbl"):
            blocks.append(("tbl", Table(child, source), "table"))
    while blocks and blocks[0][0] == "p" and (not blocks[0][2] or blocks[0][2] in head):
        blocks.pop(0)
    while blocks and blocks[-1][0] == "p" and (not blocks[-1][2] or _COLOPHON.search(blocks[-1][2])):
        blocks.pop()
    first = True
    aligns: dict[str | None, object] = {}      # the source's style id → its alignment, read once
    for kind, block, text in blocks:
        if kind == "tbl":
            w.table([[cell.text for cell in row.cells] for row in block.rows])
        elif text:
            w.para(_style_of(block, text, first, aligns), block.text.strip())
            first = False


def _style_of(p: Paragraph, text: str, first: bool, aligns: dict | None = None) -> str:
    align = p.alignment
    if align is None:
        # p.style scans every style of the source document (and again for the default): read
        # each distinct style's alignment once per document.
        aligns = {} if aligns is None else aligns
        key = p._p.style
        if key not in aligns:
            aligns[key] = p.style.paragraph_format.alignment
        align = aligns[key]
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        return "right"
    if align == WD_ALIGN_PARAGRAPH.CENTER:
        return "center"
    if _H1.match(text):
        return "heading1"
    if _H2.match(text):
        return "heading2"
    if first and text.endswith("："):
        return "plain"          # 主送机关: flush left
    return "body"


# CT_Settings elements that come after w:updateFields (ECMA-376 order).
_AFTER_UPDATE_FIELDS = ("hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids",
                        "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
                        "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown",
                        "smartTagType", "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags",
                        "decimalSymbol", "listSeparator")


def _update_fields_on_open(doc) -> None:
    """Word keeps a field's last result until told to refresh: ask it to, so the 目录's page
    numbers are right on screen too (LibreOffice lays them out on load anyway)."""
    settings = doc.settings.element
    el = OxmlElement("w:updateFields")
    el.set(qn("w:val"), "true")
    later = next((c for c in settings if c.tag.split("}")[1] in _AFTER_UPDATE_FIELDS), None)
    if later is not None:
        later.addprevious(el)
    else:
        settings.append(el)
