"""What the gazette reads from a policy or interpretation docx besides its HTML, read in one pass.

`texts`: every paragraph's text, table cells included (施行日期 for the rules, the full text for
the gazette database). `blocks`: the body in order as the print edition copies it in: each
paragraph's text and alignment, each table's cell texts. Kept as a derived object at publication
(publishing/derived.py), so a release reads no docx at all.
"""
from __future__ import annotations

import io
from importlib.metadata import version

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from pydantic import BaseModel

# Bump the digit when what is read here changes: stored readings by another maker are read afresh.
MAKER = f"python-docx {version('python-docx')}; blocks 1"
_ALIGNS = {WD_ALIGN_PARAGRAPH.RIGHT: "right", WD_ALIGN_PARAGRAPH.CENTER: "center"}


class Block(BaseModel, frozen=True):
    text: str = ""                                      # a paragraph's text as written
    align: str | None = None                            # right, center: its own or its style's
    rows: tuple[tuple[str, ...], ...] | None = None     # a table: each row's cell texts


class DocxText(BaseModel, frozen=True):
    texts: tuple[str, ...] = ()
    blocks: tuple[Block, ...] = ()

    def to_json(self) -> bytes:
        return self.model_dump_json(exclude_defaults=True).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> "DocxText":
        return cls.model_validate_json(data)


def read_text(data: bytes) -> DocxText:
    doc = Document(io.BytesIO(data))
    return DocxText(texts=tuple(paragraph_texts_of(doc)), blocks=tuple(_blocks(doc)))


def paragraph_texts_of(doc) -> list[str]:
    texts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        texts += [p.text for row in table.rows for cell in row.cells for p in cell.paragraphs]
    return texts


def _blocks(doc) -> list[Block]:
    out = []
    aligns: dict[str | None, str | None] = {}   # the source's style id → its alignment, read once
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            p = Paragraph(child, doc)
            text = p.text
            # Alignment matters only for a paragraph the print edition copies: one with text.
            out.append(Block(text=text, align=_align(p, aligns) if "".join(text.split()) else None))
        elif child.tag == qn("w:tbl"):
            out.append(Block(rows=tuple(tuple(cell.text for cell in row.cells) for row in Table(child, doc).rows)))
    return out


def _align(p: Paragraph, aligns: dict) -> str | None:
    align = p.alignment
    if align is None:
        # p.style scans every style of the document (and again for the default): once per style.
        key = p._p.style
        if key not in aligns:
            aligns[key] = _ALIGNS.get(p.style.paragraph_format.alignment)
        return aligns[key]
    return _ALIGNS.get(align)
