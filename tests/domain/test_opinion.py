"""合法性审核意见书: a numbered docx rendered from the Word template an office can edit."""
from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from documents import form
from documents.docno import find_doc_number
from documents.docx_read import open_docx
from documents.extract import inspect_docx, read_meta
from templates.opinion import (Opinion, OpinionReason, date_text, default_template, opinion_number,
                               render_opinion)

ROOT = Path(__file__).resolve().parents[2]

REASONS = (
    OpinionReason(anchor="第三条", text="设定了行政许可事项，超出规范性文件的权限，应予删除。"),
    OpinionReason(text="未附公开征求意见情况及采纳情况的说明。"),
    OpinionReason(anchor="第五条第二款", text="引用的《中华人民共和国政府信息公开条例》应为2019年修订后的版本。"),
)


MATERIALS = ("policy", "drafting_note", "interpretation_plan", "interpretation_material",
             "interpretation_material", "risk_assessment")


def approved(**changes) -> Opinion:
    base = Opinion(organ="根河市司法局", opinion_number=opinion_number("根司合审", 2019, 12),
                   title="根河市2019年政务公开工作要点", doc_number="根政办发〔2019〕36号",
                   drafting_unit="根河市人民政府办公室", approved=True,
                   comment="建议印发前再次核对附件中各责任单位的名称。", reviewer="张明",
                   date=dt.date(2019, 8, 2), materials=MATERIALS)
    return base.model_copy(update=changes)


def returned(**changes) -> Opinion:
    values = dict(approved=False, opinion_number=opinion_number("根司合审", 2019, 13), reasons=REASONS,
                  comment="")
    return approved(**(values | changes))


def paragraphs(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def all_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))


# ---- numbers and dates


def test_opinion_number_is_organ_code_year_in_hexagonal_brackets_and_serial():
    number = opinion_number("根司合审", 2019, 12)
    assert number == "根司合审〔2019〕12号"
    parsed, problems = find_doc_number(number)
    assert parsed is not None and parsed.raw == number and problems == []


@pytest.mark.parametrize("code, year, serial", [("", 2019, 1), ("根司〔合审", 2019, 1), ("GS", 2019, 1),
                                                ("根司合审", 19, 1), ("根司合审", 2019, 0)])
def test_opinion_number_refuses_what_is_not_a_number(code, year, serial):
    with pytest.raises(ValueError):
        opinion_number(code, year, serial)


def test_date_text_is_arabic_numerals_without_padding():
    assert date_text(dt.date(2019, 8, 2)) == "2019年8月2日"
    assert date_text(dt.date(2019, 12, 31)) == "2019年12月31日"


# ---- rendering


def test_approved_opinion_carries_number_title_verdict_comment_and_date():
    texts = paragraphs(render_opinion(approved()))
    assert texts[0] == "根河市司法局"
    assert "根司合审〔2019〕12号" in texts
    assert "关于《根河市2019年政务公开工作要点》的合法性审核意见书" in texts
    assert "根河市人民政府办公室：" in texts
    assert any("（根政办发〔2019〕36号）及其起草说明、解读方案、解读材料（2份）、舆情风险评估报告收悉。" in t
               for t in texts)
    assert "该文件制定主体适格，内容合法，程序符合规定，同意提交集体审议。" in texts
    assert "建议印发前再次核对附件中各责任单位的名称。" in texts
    assert "审核人：张明" in texts
    assert not any(t.startswith("1．") for t in texts)
    signature = texts.index("2019年8月2日") - 1
    assert texts[signature] == "根河市司法局"
    assert any(t.replace("\t", "") == "根河市司法局2019年8月2日印发" for t in texts)


def test_returned_opinion_lists_each_reason_in_its_own_paragraph_with_its_anchor():
    data = render_opinion(returned())
    texts = paragraphs(data)
    assert "根司合审〔2019〕13号" in texts
    assert "该文件存在以下问题，请修改后重新报送：" in texts
    assert "同意提交集体审议" not in "".join(texts)
    reasons = [t for t in texts if re.match(r"^\d+．", t)]
    assert reasons == [
        "1．【第三条】设定了行政许可事项，超出规范性文件的权限，应予删除。",
        "2．未附公开征求意见情况及采纳情况的说明。",
        "3．【第五条第二款】引用的《中华人民共和国政府信息公开条例》应为2019年修订后的版本。",
    ]
    # The reasons follow the verdict, in the body style, and the empty comment leaves no paragraph.
    verdict = texts.index("该文件存在以下问题，请修改后重新报送：")
    assert texts[verdict + 1:verdict + 4] == reasons
    assert texts[verdict + 4] == "审核人：张明"
    document = docx.Document(io.BytesIO(data))
    styles = {p.text: p.style.name for p in document.paragraphs}
    assert {styles[r] for r in reasons} == {styles["该文件存在以下问题，请修改后重新报送："]}


def test_no_template_tags_survive_rendering():
    for opinion in (approved(), returned(), approved(doc_number=None, comment="")):
        text = all_text(render_opinion(opinion))
        assert "{{" not in text and "{%" not in text and "%}" not in text and "}}" not in text


def test_a_document_without_number_omits_the_brackets():
    texts = paragraphs(render_opinion(approved(doc_number=None)))
    assert any(t.startswith("你单位报送的《根河市2019年政务公开工作要点》及其起草说明") for t in texts)


def test_text_is_escaped_and_line_breaks_become_paragraphs():
    opinion = returned(reasons=(OpinionReason(anchor="第1段", text="“A<B & C>D”\n第二段\x07控制符"),),
                       comment="第一行\r\n第二行")
    data = render_opinion(opinion)
    texts = paragraphs(data)
    assert "1．【第1段】“A<B & C>D”" in texts
    assert "第二段控制符" in texts
    assert "第一行" in texts and "第二行" in texts


def test_rendering_is_deterministic():
    assert render_opinion(returned()) == render_opinion(returned())
    assert render_opinion(returned()) != render_opinion(returned(reviewer="李华"))
    with zipfile.ZipFile(io.BytesIO(render_opinion(approved()))) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "2019-08-02T00:00:00Z" in core and "根司合审〔2019〕12号" in core


def test_the_template_is_built_reproducibly_by_the_script(tmp_path):
    shipped = default_template()
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import make_templates
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    assert make_templates.build_opinion_template() == shipped, \
        "templates/legality_opinion.docx is stale: run python scripts/make_templates.py"


# ---- an office's own template


def test_a_template_edited_by_an_office_is_honoured():
    document = docx.Document(io.BytesIO(default_template()))
    for p in document.paragraphs:
        if p.text.startswith("审核人"):
            p.add_run("（联系电话：0470-5212345）")
    added = document.add_paragraph("本意见书一式两份，{{ organ }}存档一份。")
    added.style = document.styles["公文-正文"]
    buffer = io.BytesIO()
    document.save(buffer)
    texts = paragraphs(render_opinion(approved(), template=buffer.getvalue()))
    assert "审核人：张明（联系电话：0470-5212345）" in texts
    assert "本意见书一式两份，根河市司法局存档一份。" in texts


def test_an_office_template_cannot_reach_python_internals():
    document = docx.Document(io.BytesIO(default_template()))
    document.add_paragraph("{{ organ.__class__.__mro__[1].__subclasses__() }}")
    buffer = io.BytesIO()
    document.save(buffer)
    with pytest.raises(Exception) as raised:
        render_opinion(approved(), template=buffer.getvalue())
    assert "unsafe" in str(raised.value).lower() or "security" in type(raised.value).__name__.lower()


# ---- GB/T 9704 form


def test_page_is_a4_with_gbt_9704_margins():
    section = docx.Document(io.BytesIO(render_opinion(returned()))).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(m.mm, 1) for m in (section.top_margin, section.bottom_margin,
                                     section.left_margin, section.right_margin)] == [37, 35, 28, 26]


def test_faces_and_sizes_as_word_resolves_them():
    data = render_opinion(returned())
    doc, problems = open_docx("意见书.docx", data)
    assert doc is not None and problems == []
    runs = {p.flat: p.visible_runs for p in doc.paragraphs if p.flat}
    title = runs["关于《根河市2019年政务公开工作要点》的合法性审核意见书"]
    assert {(r.face, r.size) for r in title} == {("方正小标宋简体", 22.0)}
    for text in ("根河市人民政府办公室：", "1．【第三条】设定了行政许可事项，超出规范性文件的权限，应予删除。",
                 "审核人：张明", "2019年8月2日"):
        assert {(r.face, r.size) for r in runs[text]} == {("仿宋_GB2312", 16.0)}, text
    banner = next(p for p in doc.paragraphs if p.flat == "根河市司法局")
    assert banner.is_red and banner.size >= 24 and banner.align == "center"
    colophon = runs["根河市司法局2019年8月2日印发"]
    assert {(r.face, r.size) for r in colophon} == {("仿宋_GB2312", 14.0)}


def test_east_asian_faces_are_explicit_not_theme():
    document = docx.Document(io.BytesIO(render_opinion(approved())))
    styles = document.styles.element
    fonts = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "仿宋_GB2312" and fonts.get(qn("w:eastAsiaTheme")) is None
    title = document.styles["公文-标题"].element.rPr.find(qn("w:rFonts"))
    assert title.get(qn("w:eastAsia")) == "方正小标宋简体"


def test_lockstep_reads_the_opinion_as_a_well_formed_document():
    data = render_opinion(returned())
    result = inspect_docx("意见书.docx", data)
    assert result.ok
    meta = result.metadata
    assert meta.doc_number_text == "根司合审〔2019〕13号"
    assert meta.title == "关于《根河市2019年政务公开工作要点》的合法性审核意见书"
    assert meta.addressee == "根河市人民政府办公室"
    assert meta.signature_organ == "根河市司法局" and meta.date == dt.date(2019, 8, 2)
    assert not [p for p in result.problems if p.code in {"page_format", "font_format", "docno_format",
                                                         "date_format"}]
    # The opinion is not a policy, so intake skips the form checks; run the ones that apply.
    doc, _ = open_docx("意见书.docx", data)
    meta, layout, _ = read_meta("意见书.docx", data, doc)
    assert layout.colophon, "the 版记 line is read as 版记 (4号)"
    findings = form.check_form("意见书.docx", doc, meta, layout)
    assert [p for p in findings if p.code in {"page_format", "font_format", "date_format",
                                              "title_missing"}] == []


def test_make_templates_script_runs_from_the_command_line(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_templates.py"), str(tmp_path)],
                   check=True, capture_output=True, cwd=tmp_path)
    assert (tmp_path / "legality_opinion.docx").read_bytes() == default_template()


# ---- an opinion says one thing


def test_an_approval_opinion_never_asks_for_resubmission_and_a_return_never_says_lawful():
    approval = "".join(paragraphs(render_opinion(approved())))
    refusal = "".join(paragraphs(render_opinion(returned())))
    assert "内容合法" in approval and "请修改后重新报送" not in approval
    assert "请修改后重新报送" in refusal and "内容合法" not in refusal


def test_an_opinion_refuses_to_carry_return_reasons_under_an_approval():
    fields = approved().model_dump()
    with pytest.raises(ValueError):
        Opinion(**(fields | {"reasons": REASONS}))


def test_a_return_opinion_without_a_reason_is_never_made():
    fields = returned().model_dump()
    for reasons in ((), (OpinionReason(text="  "),)):
        with pytest.raises(ValueError):
            Opinion(**(fields | {"reasons": reasons}))


def test_an_office_template_listing_reasons_prints_none_under_an_approval():
    # Bypassing the model's check (model_copy does not validate), the renderer still prints none.
    texts = paragraphs(render_opinion(approved().model_copy(update={"reasons": REASONS})))
    assert not any(re.match(r"^\d+．", t) for t in texts)


# ---- what was received, who reviewed it, a title within the title (issue 14)


def test_the_opinion_lists_only_the_materials_received():
    texts = "".join(paragraphs(render_opinion(approved(materials=("policy", "interpretation_plan",
                                                                  "risk_assessment", "response_plan")))))
    assert "（根政办发〔2019〕36号）及其解读方案、舆情风险评估报告、应对处置预案收悉。" in texts
    assert "起草说明" not in texts and "解读材料" not in texts and "等材料" not in texts
    alone = "".join(paragraphs(render_opinion(approved(materials=("policy",)))))
    assert "你单位报送的《根河市2019年政务公开工作要点》（根政办发〔2019〕36号）收悉。经审核" in alone


def test_materials_text_counts_each_kind_once_in_a_clerks_order():
    from templates.opinion import materials_text
    assert materials_text(["interpretation_material", "policy", "drafting_note", "interpretation_material",
                           "graphic_interpretation"]) == "及其起草说明、解读材料（2份）、图文解读"
    assert materials_text(["policy"]) == "" and materials_text([]) == ""


def test_the_opinion_names_the_reviewer_and_their_unit_when_not_the_organ():
    same = paragraphs(render_opinion(approved(reviewer="张明", reviewer_unit="根河市司法局")))
    assert "审核人：张明" in same
    other = paragraphs(render_opinion(approved(reviewer="李华", reviewer_unit="根河市司法局行政复议与应诉科")))
    assert "审核人：李华（根河市司法局行政复议与应诉科）" in other


def test_a_title_within_the_reviewed_title_is_in_single_book_title_marks():
    data = render_opinion(approved(title="关于印发《根河市驯鹿养殖补贴管理办法》的通知", doc_number=None))
    texts = paragraphs(data)
    assert "关于《关于印发〈根河市驯鹿养殖补贴管理办法〉的通知》的合法性审核意见书" in texts
    assert any(t.startswith("你单位报送的《关于印发〈根河市驯鹿养殖补贴管理办法〉的通知》及其") for t in texts)
    assert "《《" not in "".join(texts) and "》》" not in "".join(texts)
    # Word opens it: python-docx reads it back, and the core title carries the same marks.
    document = docx.Document(io.BytesIO(data))
    assert document.core_properties.title == "关于《关于印发〈根河市驯鹿养殖补贴管理办法〉的通知》的合法性审核意见书"
