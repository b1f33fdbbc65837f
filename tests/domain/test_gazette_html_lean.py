"""Converting a docx for the gazette: mammoth fed a cut-down styles part writes the same HTML as
mammoth on the original, and one python-docx pass reads the text and blocks the editions use."""
from __future__ import annotations

import io
import zipfile

import docx
import mammoth
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from mammoth.docx import office_xml
from mammoth.docx.styles_xml import read_styles_xml_element

from publishing import mammoth_lean
from publishing.docx_text import Block, DocxText, read_text
from samples.genhe import bundle_files
from services.gazette.items import paragraph_texts
from tests.domain import docx_factory as f


def _lists_and_links() -> bytes:
    """python-docx's own template: numbered and bulleted lists (numbering styles), headings, a
    table with a style, bold and italic runs, a hyperlink, a paragraph in a style it lacks."""
    d = docx.Document()
    d.add_heading("第一章 总则", level=1)
    for text in ("第一项", "第二项"):
        d.add_paragraph(text, style="List Number")
    d.add_paragraph("要点", style="List Bullet")
    p = d.add_paragraph()
    p.add_run("加粗").bold = True
    p.add_run("倾斜").italic = True
    t = d.add_table(rows=2, cols=2)
    t.style = d.styles["Light Grid Accent 1"]
    t.cell(0, 0).text, t.cell(1, 1).text = "甲", "乙"
    p = d.add_paragraph("链接：")
    part = d.part
    r_id = part.relate_to("https://www.gov.cn/", docx.opc.constants.RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = docx.oxml.OxmlElement("w:hyperlink")
    link.set(docx.oxml.ns.qn("r:id"), r_id)
    run = docx.oxml.OxmlElement("w:r")
    text = docx.oxml.OxmlElement("w:t")
    text.text = "中国政府网"
    run.append(text)
    link.append(run)
    p._p.append(link)
    d.add_paragraph("无此样式").style = d.styles["Quote"]
    d.paragraphs[-1]._p.pPr.pStyle.set(docx.oxml.ns.qn("w:val"), "NoSuchStyle")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def _samples() -> dict[str, bytes]:
    out = {}
    for variant_kw in ({}, {"body_variant": 7}, {"body_variant": 123456}):
        for name, data in bundle_files("complete", **variant_kw).items():
            if name.endswith(".docx"):
                out[f"genhe{variant_kw}:{name}"] = data
    out["factory:policy"] = f.build(f.policy_lines())
    out["factory:interpretation"] = f.build(f.interpretation_lines())
    out["factory:risk+table"] = f.build(f.risk_lines(), table=[["风险点", "等级"], ["考核", "低"]])
    out["python-docx:lists+links"] = _lists_and_links()
    return out


SAMPLES = _samples()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_lean_conversion_writes_the_html_mammoth_writes_for_the_original(name):
    data = SAMPLES[name]
    original = mammoth.convert_to_html(io.BytesIO(data))
    lean = mammoth.convert_to_html(io.BytesIO(mammoth_lean.lean_docx(data)))
    assert lean.value == original.value
    assert lean.messages == original.messages
    assert mammoth_lean.convert(data) == original.value


def _styles(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("word/styles.xml")


@pytest.mark.parametrize("name", ["genhe{}:根政办发〔2019〕36号.docx", "python-docx:lists+links"])
def test_the_styles_part_keeps_every_style_mammoth_reads_and_little_else(name):
    data = SAMPLES[name]
    before, after = _styles(data), _styles(mammoth_lean.lean_docx(data))
    assert b"latentStyles" in before and b"latentStyles" not in after
    assert len(after) < len(before) / 4

    def read(xml: bytes):
        s = read_styles_xml_element(office_xml.read(io.BytesIO(xml)))
        return (s._paragraph_styles, s._character_styles, s._table_styles, s._numbering_styles)
    assert read(after) == read(before)
    assert read(after)[3], "the sample has a numbering style: its w:numId is kept"


def test_a_styles_part_with_repeated_ids_keeps_the_first_as_mammoth_does():
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="{w}">'
           '<w:latentStyles w:count="1"><w:lsdException w:name="Normal"/></w:latentStyles>'
           '<w:style w:type="paragraph" w:styleId="A"><w:name w:val="First"/><w:pPr><w:jc w:val="center"/></w:pPr></w:style>'
           '<w:style w:type="paragraph" w:styleId="A"><w:name w:val="Second"/></w:style>'
           '<w:style w:type="numbering" w:styleId="N"><w:name w:val="List"/><w:pPr><w:numPr><w:ilvl w:val="0"/>'
           '<w:numId w:val="7"/></w:numPr><w:jc w:val="left"/></w:pPr></w:style></w:styles>').encode()
    lean = mammoth_lean._lean_styles(xml)
    s = read_styles_xml_element(office_xml.read(io.BytesIO(lean)))
    assert s.find_paragraph_style_by_id("A").name == "First"
    assert s.find_numbering_style_by_id("N").num_id == "7"
    assert b"jc" not in lean and b"latentStyles" not in lean


def test_a_document_whose_styles_cannot_be_cut_is_converted_as_it_is():
    data = SAMPLES["factory:policy"]
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:          # no styles part at all
        for info in src.infolist():
            if info.filename != "word/styles.xml":
                z.writestr(info.filename, src.read(info))
    without_styles = out.getvalue()
    assert mammoth_lean.lean_docx(without_styles) == without_styles
    assert mammoth_lean.convert(without_styles) == mammoth.convert_to_html(io.BytesIO(without_styles)).value
    assert mammoth_lean.lean_docx(b"not a zip") == b"not a zip"


# ---------------------------------------------------------------- text and blocks


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_read_text_gives_python_docx_paragraph_texts_and_the_body_in_order(name):
    data = SAMPLES[name]
    got = read_text(data)
    assert list(got.texts) == paragraph_texts(data)
    document = docx.Document(io.BytesIO(data))
    assert [b.text for b in got.blocks if b.rows is None] == [p.text for p in document.paragraphs]
    assert [b.rows for b in got.blocks if b.rows is not None] == [
        tuple(tuple(c.text for c in row.cells) for row in t.rows) for t in document.tables]
    assert DocxText.from_json(got.to_json()) == got


def test_blocks_carry_each_paragraphs_alignment_its_own_or_its_styles():
    d = docx.Document()
    d.styles["Heading 1"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    d.add_paragraph("右对齐").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    d.add_heading("样式居中", level=1)
    d.add_paragraph("两端对齐").alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    d.add_paragraph("  ")
    out = io.BytesIO()
    d.save(out)
    assert read_text(out.getvalue()).blocks == (
        Block(text="右对齐", align="right"), Block(text="样式居中", align="center"), Block(text="两端对齐"),
        Block(text="  "))
