"""The print edition (印刷版): one docx from the editable Word template templates/gazette_print.docx.

The template's cover is filled by docxtpl (sandboxed: a template is a document an office edits);
the 目录 and the items are then put in with python-docx at the template's {{ toc }} and
{{ contents }} places, using the template's named 公报- styles. Each document's body comes as the
blocks read from it at publication (publishing/docx_text.py): no source docx is opened here. Page numbers in the 目录 are PAGEREF
fields to a bookmark on each title, so Word and LibreOffice lay them out themselves.

The layout follows a gazette office's practice (GB/T 9704-2012 for the documents it reprints):
- a paragraph led by "一、…" or "（一）…" that goes on in body text after its heading sentence
  (up to and including the first 。！？) has only that lead phrase in 黑体 or 楷体 (the character
  styles 公报-一级标题段首 / 公报-二级标题段首); the rest is body text in 仿宋 (公报-正文). A
  paragraph that is the heading alone takes the heading's paragraph style; "1." and "（1）" stay body;
- a document the printed one issues or attaches (关于印发《X》的通知 followed by X's own text, or a
  "附件" label line) has its title in 公报-附件标题 (小标宋, centred), its label in 公报-附件标识;
- each policy's interpretation follows it directly (interpretations="after_policy", the default),
  or all of them close the issue under 政策解读 ("at_end", the config's [gazette] interpretations).

Rendering is deterministic for the same issue: fixed core properties and zip entry times.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from importlib import resources
from xml.sax.saxutils import escape as xml_escape

from docx.opc.pkgwriter import PackageWriter
from docx.oxml import OxmlElement
from docx.oxml.parser import element_class_lookup, oxml_parser
from docx.oxml.shape import CT_Inline
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.text.paragraph import Paragraph
from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from documents.shown import without_direction
from publishing.docx_text import Block
from publishing.editions import EditionItem, IssueContent
from publishing.gazette_rules import CORRECTION_SECTION, INTERPRETATION_SECTION
from templates.opinion import ZIP_TIME, normalize_zip

TEMPLATE_NAME = "gazette_print.docx"
TOC_MARK, BODY_MARK = "\u2063LOCKSTEP-TOC\u2063", "\u2063LOCKSTEP-CONTENTS\u2063"
STYLES = {"toc_section": "公报-目录栏目", "toc_item": "公报-目录条目", "section": "公报-栏目",
          "title": "公报-标题", "number": "公报-发文字号", "body": "公报-正文", "plain": "公报-主送机关",
          "heading1": "公报-一级标题", "heading2": "公报-二级标题", "right": "公报-署名日期",
          "center": "公报-居中", "note": "公报-参见", "picture": "公报-图片",
          "lead1": "公报-一级标题段首", "lead2": "公报-二级标题段首", "attachment": "公报-附件标识",
          "attached_title": "公报-附件标题"}
# A template made before a style existed: the nearest older one, so the look degrades gently.
FALLBACK = {"attached_title": "title", "attachment": "plain"}
# Lead phrases' faces, written on the run directly when the template has no character style for them.
LEAD_FACES = {"lead1": "黑体", "lead2": "楷体_GB2312"}
INTERPRETATIONS = ("after_policy", "at_end")
_H1 = re.compile(r"^[一二三四五六七八九十]+、")
_H2 = re.compile(r"^（[一二三四五六七八九十]+）")
_LEAD_END = re.compile(r"[。！？]")
_ATTACHMENT = re.compile(r"^附件[0-9０-９一二三四五六七八九十]*[:：]?$")
_QUOTED = re.compile(r"《([^《》]+)》")
_COLOPHON = re.compile(r"^抄送|印发$")


def default_template() -> bytes:
    return resources.files("templates").joinpath(TEMPLATE_NAME).read_bytes()


def print_edition(issue: IssueContent, template: bytes | None = None, *,
                  interpretations: str = "after_policy") -> bytes:
    """interpretations: "after_policy" (each interpretation right after its policy) or "at_end"
    (all of them in a 政策解读 section after the last policy)."""
    if interpretations not in INTERPRETATIONS:
        raise ValueError(f"interpretations must be one of {INTERPRETATIONS}, not {interpretations!r}")
    tpl = DocxTemplate(io.BytesIO(template if template is not None else default_template()))
    tpl.render({"city": issue.city, "year": issue.year, "number": issue.number, "total": issue.total,
                "date_text": issue.date_text, "date": issue.release_date.isoformat(), "editor": issue.editor,
                "toc": TOC_MARK, "contents": BODY_MARK},
               jinja_env=SandboxedEnvironment(autoescape=True), autoescape=True)
    doc = tpl.docx
    writer = _Writer(doc)
    after = interpretations == "after_policy"
    writer.at(TOC_MARK)
    _toc(writer, issue, after)
    writer.at(BODY_MARK)
    _contents(writer, issue, after)
    writer.done()
    _update_fields_on_open(doc)
    core = doc.core_properties
    core.title, core.subject = f"{issue.city}人民政府公报 {issue.issue_line}", "政府公报"
    core.author = core.last_modified_by = issue.editor
    # The issue's date, never the clock: the same issue gives the same bytes (a rerun reuses them).
    core.created = core.modified = issue.published_at.astimezone(dt.timezone.utc).replace(tzinfo=None)
    core.revision = 1
    return _package(tpl)


class _Entries:
    """python-docx's physical package writer, but each entry written as templates.opinion.normalize_zip
    writes it (fixed time and attributes)."""

    def __init__(self, z: zipfile.ZipFile) -> None:
        self.z = z

    def write(self, pack_uri, blob: bytes) -> None:
        info = zipfile.ZipInfo(pack_uri.membername, date_time=ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 0
        info.external_attr = 0
        self.z.writestr(info, blob)


def _package(tpl: DocxTemplate) -> bytes:
    """The same bytes as `normalize_zip` of `tpl.save(…)`, compressed once: the save's package is
    written straight with fixed entry times (the parts, in python-docx's order, by its own
    PackageWriter steps) instead of zipped, read back and zipped again. docxtpl's save adds nothing
    here: no pictures or media are replaced (pre_/post_processing are no-ops), checked below."""
    if tpl.pics_to_replace or tpl.crc_to_new_media or tpl.crc_to_new_embedded or tpl.zipname_to_replace:
        out = io.BytesIO()
        tpl.save(out)
        return normalize_zip(out.getvalue())
    package = tpl.docx.part.package
    for part in package.parts:
        part.before_marshal()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        entries = _Entries(z)
        PackageWriter._write_content_types_stream(entries, package.parts)
        PackageWriter._write_pkg_rels(entries, package.rels)
        PackageWriter._write_parts(entries, package.parts)
    return out.getvalue()


class _Writer:
    """Adds paragraphs before a marker paragraph of the template, then removes the markers."""

    def __init__(self, doc) -> None:
        self.doc, self.marker, self.markers, self.bookmarks = doc, None, [], 0
        self.shape_id: int | None = None
        self.style_ids: dict[str, str | None] = {}
        self.queued: list[str] = []

    def _style_id(self, style: str) -> str | None:
        """The template's style id for a named 公报- style, looked up once (python-docx's
        `p.style = …` searches every style by name and again for the default, per paragraph)."""
        if style not in self.style_ids:
            try:
                found = self.doc.styles[STYLES[style]]
                default = self.doc.styles.default(found.type)
                self.style_ids[style] = None if found == default else found.style_id
            except KeyError:        # an office renamed a style: keep the text, lose the look
                self.style_ids[style] = self._style_id(FALLBACK[style]) if style in FALLBACK else None
        return self.style_ids[style]

    def at(self, mark: str) -> None:
        found = next((p for p in self.doc.paragraphs if mark in p.text), None)
        if found is None:
            raise ValueError(f"the gazette template lost its placeholder {mark.strip()!r}")
        self.marker = found
        self.markers.append(found)

    def para(self, style: str, text: str = "", *, page_break: bool = False) -> Paragraph:
        """The XML python-docx writes for add_paragraph, style, add_run(text), page_break_before,
        built directly: its setters search each element's children for where to insert, per call."""
        p = _el("p")
        style_id = self._style_id(style)
        if style_id or page_break:
            ppr = _el("pPr")
            if style_id:
                ppr.append(_el("pStyle", {qn("w:val"): style_id}))
            if page_break:
                ppr.append(_el("pageBreakBefore"))
            p.append(ppr)
        if text:
            p.append(_run(text))
        self.marker._p.addprevious(p)
        return Paragraph(p, self.doc._body)

    # -- a document's text paragraphs, written as XML and parsed at once (`_copy`) ------------------
    def text(self, style: str, text: str) -> None:
        """What `para(style, text)` adds, queued as XML: a copied document's paragraphs are parsed
        together by `flush` (one parse instead of some seven element constructions per paragraph);
        the same elements, in the same order, so the same bytes."""
        self.queued.append(f"<w:p>{self._ppr(style)}{_run_xml(text)}</w:p>")

    def led_text(self, lead: str, text: str, rest: str) -> None:
        """What `led(lead, text, rest)` adds, queued as XML (see `text`)."""
        style_id = self._style_id(lead)
        if style_id:
            rpr = f'<w:rPr><w:rStyle w:val="{_attr(style_id)}"/></w:rPr>'
        else:
            face = _attr(LEAD_FACES[lead])
            rpr = f'<w:rPr><w:rFonts w:ascii="{face}" w:hAnsi="{face}" w:eastAsia="{face}"/></w:rPr>'
        self.queued.append(f"<w:p>{self._ppr('body')}<w:r>{rpr}{_pieces_xml(text)}</w:r>{_run_xml(rest)}</w:p>")

    def flush(self) -> None:
        """The queued paragraphs, parsed and put before the marker."""
        if not self.queued:
            return
        body = etree.fromstring(f'<w:body xmlns:w="{_W_NS}">{"".join(self.queued)}</w:body>', _TEXT_PARSER)
        self.queued = []
        at = self.marker._p
        for p in list(body):
            at.addprevious(p)

    def _ppr(self, style: str) -> str:
        style_id = self._style_id(style)
        return f'<w:pPr><w:pStyle w:val="{_attr(style_id)}"/></w:pPr>' if style_id else ""

    def led(self, lead: str, text: str, rest: str) -> Paragraph:
        """A body paragraph whose lead phrase alone is in a heading's face (lead1 黑体, lead2 楷体):
        the run carries the template's character style, or the face itself if the template has none."""
        p = self.para("body")
        run = _run(text)
        rpr = _el("rPr")
        style_id = self._style_id(lead)
        if style_id:
            rpr.append(_el("rStyle", {qn("w:val"): style_id}))
        else:
            face = LEAD_FACES[lead]
            rpr.append(_el("rFonts", {qn("w:ascii"): face, qn("w:hAnsi"): face, qn("w:eastAsia"): face}))
        run.insert(0, rpr)
        p._p.append(run)
        p._p.append(_run(rest))
        return p

    def bookmark(self, p: Paragraph, name: str) -> None:
        self.bookmarks += 1
        start, end = _el("bookmarkStart"), _el("bookmarkEnd")
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

    def picture(self, data: bytes, width) -> None:
        """What `para("picture").add_run().add_picture(…)` writes, but the drawing's id is counted
        here: python-docx finds the next one by an XPath over the whole document, per picture.
        Nothing else written here carries an unqualified id, so counting on from the first gives
        the same ids. On an unreadable image the paragraph stays, empty, as python-docx leaves it."""
        run = _run()
        self.para("picture")._p.append(run)
        part = self.doc.part
        r_id, image = part.get_or_add_image(io.BytesIO(data))
        cx, cy = image.scaled_dimensions(width, None)
        if self.shape_id is None:
            self.shape_id = part.next_id
        run.add_drawing(CT_Inline.new_pic_inline(self.shape_id, r_id, image.filename, cx, cy))
        self.shape_id += 1

    def done(self) -> None:
        for m in self.markers:
            m._p.getparent().remove(m._p)


_SPECIAL = re.compile(r"([\t\r\n])")
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W_MAP = {"w": _W_NS}


def _el(tag: str, attrs: dict[str, str] | None = None):
    """OxmlElement("w:" + tag) without parsing the prefixed name again on each of ~35,000 calls:
    the same element, of the same python-docx class."""
    return oxml_parser.makeelement(f"{{{_W_NS}}}{tag}", attrib=attrs, nsmap=_W_MAP)


def _run(text: str = ""):
    """A w:r as python-docx's run.text writes it: a w:tab per tab, a w:br per line break, the text
    between in w:t (space-preserving when it starts or ends with whitespace)."""
    r = _el("r")
    for piece in _SPECIAL.split(without_direction(text)):       # documents/shown.py: no output prints them
        if piece == "\t":
            r.append(_el("tab"))
        elif piece in ("\r", "\n"):
            r.append(_el("br"))
        elif piece:
            t = _el("t")
            t.text = piece
            if len(piece.strip()) < len(piece):
                t.set(qn("xml:space"), "preserve")
            r.append(t)
    return r


# python-docx's own element classes, but blank text kept as it is (its parser drops blank text
# nodes; a w:t holding only spaces is not one of them, as it is not here).
_TEXT_PARSER = etree.XMLParser(remove_blank_text=False, resolve_entities=False)
_TEXT_PARSER.set_element_class_lookup(element_class_lookup)


def _attr(value: str) -> str:
    return xml_escape(value, {'"': "&quot;"})


def _pieces_xml(text: str) -> str:
    """The children `_run(text)` gives a w:r, as XML."""
    out = []
    for piece in _SPECIAL.split(without_direction(text)):
        if piece == "\t":
            out.append("<w:tab/>")
        elif piece in ("\r", "\n"):
            out.append("<w:br/>")
        elif piece:
            space = ' xml:space="preserve"' if len(piece.strip()) < len(piece) else ""
            out.append(f"<w:t{space}>{xml_escape(piece)}</w:t>")
    return "".join(out)


def _run_xml(text: str) -> str:
    return f"<w:r>{_pieces_xml(text)}</w:r>"


def _field(p: Paragraph, instruction: str, cached: str = "1") -> None:
    """A Word field (PAGEREF): begin, instruction, separate, cached result, end."""
    for kind, text in (("begin", None), ("instr", instruction), ("separate", None), ("text", cached),
                       ("end", None)):
        run = _run(text if kind == "text" else "")
        if kind == "instr":
            el = _el("instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {text} "
            run.append(el)
        elif kind != "text":
            run.append(_el("fldChar", {qn("w:fldCharType"): kind}))
        p._p.append(run)


def _toc(w: _Writer, issue: IssueContent, after: bool) -> None:
    for section, entries in issue.sections():
        w.para("toc_section", section)
        for n, item in entries:
            p = w.para("toc_item", item.title + (f"（{item.doc_number}）" if item.doc_number else "") + "\t")
            _field(p, f"PAGEREF item{n} \\h")
            if after:
                _field(w.para("toc_item", item.interpretation_title + "\t"), f"PAGEREF interp{n} \\h")
    if issue.items and not after:
        w.para("toc_section", INTERPRETATION_SECTION)
        for n, item in enumerate(issue.items, 1):
            p = w.para("toc_item", item.interpretation_title + "\t")
            _field(p, f"PAGEREF interp{n} \\h")
    if issue.notices:
        w.para("toc_section", CORRECTION_SECTION)
        for notice in issue.notices:
            _field(w.para("toc_item", notice.title + "\t"), f"PAGEREF correction{notice.id} \\h")


def _contents(w: _Writer, issue: IssueContent, after: bool) -> None:
    for section, entries in issue.sections():
        w.para("section", section, page_break=True)
        for i, (n, item) in enumerate(entries):
            _item(w, n, item, page_break=i > 0, note=not after)
            if after:       # on its own page right after the policy: no "见本期第…页" either way
                _interpretation(w, n, item, page_break=True, note=False)
    if issue.items and not after:
        w.para("section", INTERPRETATION_SECTION, page_break=True)
        for n, item in enumerate(issue.items, 1):
            _interpretation(w, n, item, page_break=n > 1)
    if issue.notices:
        # Notices are short: one after another on the section's pages, each signed by the editor.
        w.para("section", CORRECTION_SECTION, page_break=True)
        for notice in issue.notices:
            w.bookmark(w.para("title", notice.title), f"correction{notice.id}")
            for text in notice.paragraphs:
                w.para("body", text)
            w.para("right", issue.editor)
            w.para("right", issue.date_text)


def _item(w: _Writer, n: int, item: EditionItem, page_break: bool, note: bool = True) -> None:
    w.bookmark(w.para("title", item.title, page_break=page_break), f"item{n}")
    if item.doc_number:
        w.para("number", item.doc_number)
    _copy(w, item.policy_blocks, item.head, _issued_titles(item))
    if not note:
        return
    note = w.para("note", f"（本文件的政策解读“{item.interpretation_title}”见本期第 ")
    _field(note, f"PAGEREF interp{n} \\h")
    note._p.append(_run(" 页）"))


def _interpretation(w: _Writer, n: int, item: EditionItem, page_break: bool, note: bool = True) -> None:
    w.bookmark(w.para("title", item.interpretation_title, page_break=page_break), f"interp{n}")
    w.para("center", f"解读机关：{item.interpreting_unit}")
    if note:
        note = w.para("note", f"（原文“{item.title}”见本期第 ")
        _field(note, f"PAGEREF item{n} \\h")
        note._p.append(_run(" 页）"))
    for m in item.materials:
        if m.picture:
            try:
                w.picture(m.data, Mm(120))
            except Exception:   # python-docx reads common formats only; say so rather than fail the issue
                w.para("note", f"（图文解读“{m.name}”请见电子版）")
        else:
            _copy(w, m.blocks)


def _issued_titles(item: EditionItem) -> frozenset[str]:
    """The names a document quotes in its own title (关于印发《X》的通知): a paragraph of its body
    that is exactly X is the issued document's own title."""
    return frozenset("".join(m.split()) for t in (item.title, *item.head) for m in _QUOTED.findall(t or ""))


def _copy(w: _Writer, blocks: tuple[Block, ...], head: frozenset[str] = frozenset(),
          issued: frozenset[str] = frozenset()) -> None:
    """The document's text in the gazette's styles: its head (banner, number, title) and its 版记
    are left out, since the gazette prints its own title and number and no distribution line.
    `issued`: the titles of documents it issues, set as titles where their own text begins."""
    keyed = [(b, "table" if b.rows is not None else "".join(b.text.split())) for b in blocks]
    start, end = 0, len(keyed)
    while start < end and keyed[start][0].rows is None and (not keyed[start][1] or keyed[start][1] in head):
        start += 1
    while end > start and keyed[end - 1][0].rows is None and (not keyed[end - 1][1]
                                                              or _COLOPHON.search(keyed[end - 1][1])):
        end -= 1
    first, label, seen = True, False, set()
    for block, text in keyed[start:end]:
        if block.rows is not None:
            w.flush()                   # the paragraphs before it go first
            w.table([list(row) for row in block.rows])
            label = False
        elif text:
            written = block.text.strip()
            if _ATTACHMENT.match(text):
                w.text("attachment", written)
                label = True
            elif label or (text in issued and text not in seen):
                seen.add(text)
                w.text("attached_title", written)
                label = False
            else:
                style = _style_of(block.align, text, first)
                lead, rest = _lead(written) if style in ("heading1", "heading2") else ("", "")
                if rest:
                    w.led_text("lead1" if style == "heading1" else "lead2", lead, rest)
                else:
                    w.text(style, written)
            first = False
    w.flush()


def _lead(text: str) -> tuple[str, str]:
    """A heading paragraph's lead phrase (through its first 。！？) and the body text after it."""
    end = _LEAD_END.search(text)
    if end is None:
        return text, ""
    return text[:end.end()], text[end.end():].lstrip()


def _style_of(align: str | None, text: str, first: bool) -> str:
    if align in ("right", "center"):
        return align
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
