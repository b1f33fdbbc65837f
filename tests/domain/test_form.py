"""GB/T 9704-2012 form findings: warnings only, read as a careful clerk would."""
from dataclasses import replace

import pytest

from tests.domain.docx_factory import (FS, FS_GB, HEI, KAI, XBS, Line, build, index_of, interpretation_lines,
                          policy_lines, with_line, without)
from documents.extract import inspect_docx

FORM_CODES = {"date_format", "disclosure_missing", "page_format", "font_format", "title_missing", "docno_format"}


def findings(data: bytes, code: str | None = None):
    result = inspect_docx("policy.docx", data)
    assert result.metadata is not None
    assert result.ok, "form findings never block intake"
    assert all(p.severity == "warning" for p in result.problems)
    assert all(p.file == "policy.docx" for p in result.problems)
    return [p for p in result.problems if code is None or p.code == code]


def test_compliant_policy_has_no_form_findings():
    assert findings(build(policy_lines())) == []


# ---- date_format


@pytest.mark.parametrize("written", ["二〇一九年八月五日", "2019年08月05日", "2019年8月05日"])
def test_date_not_in_full_arabic_numerals_warns(written):
    lines = with_line(policy_lines(), index_of(policy_lines(), "2019年8月5日"), text=written)
    [finding] = findings(build(lines))
    assert finding.code == "date_format"
    assert finding.paragraph == index_of(lines, written) + 1
    assert written in finding.message


# ---- disclosure_missing


def test_policy_without_disclosure_mark_warns():
    [finding] = findings(build(without(policy_lines(), "（此件主动公开）")))
    assert finding.code == "disclosure_missing"


def test_disclosure_in_another_wording_is_enough():
    lines = with_line(policy_lines(), index_of(policy_lines(), "（此件"), text="公开方式：依申请公开")
    assert findings(build(lines)) == []


def test_interpretation_without_disclosure_mark_is_not_a_form_finding():
    assert findings(build(interpretation_lines())) == []


# ---- page_format


@pytest.mark.parametrize("page, label", [
    ({"w": 12240, "h": 15840}, "A4"),                  # US Letter
    ({"top": 1440}, "上白边"),
    ({"left": 1800}, "左白边"),
    ({"right": 1800}, "右白边"),
    ({"bottom": 1440}, "下白边"),
])
def test_paper_and_margins_off_gbt9704_warn(page, label):
    [finding] = findings(build(policy_lines(), page=page))
    assert finding.code == "page_format"
    assert label in finding.message


def test_margins_within_one_millimetre_pass():
    # 2098 twips is 37.0 mm; 40 twips is 0.7 mm
    assert findings(build(policy_lines(), page={"top": 2098 + 40, "left": 1587 - 40})) == []


# ---- font_format: the title


def test_title_not_in_xiaobiaosong_warns_naming_the_paragraph():
    at = index_of(policy_lines(), "根河市人民政府办公室关于")
    lines = with_line(policy_lines(), at, face="宋体")
    [finding] = findings(build(lines))
    assert finding.code == "font_format"
    assert finding.paragraph == at + 1
    assert "标题" in finding.message


def test_title_not_at_22pt_warns():
    at = index_of(policy_lines(), "根河市人民政府办公室关于")
    [finding] = findings(build(with_line(policy_lines(), at, pt=18)))
    assert (finding.code, finding.paragraph) == ("font_format", at + 1)


@pytest.mark.parametrize("face", ["方正小标宋_GBK", "方正小标宋简体", "小标宋"])
def test_xiaobiaosong_family_faces_count(face):
    at = index_of(policy_lines(), "根河市人民政府办公室关于")
    assert findings(build(with_line(policy_lines(), at, face=face))) == []


def test_banner_size_and_colour_are_not_judged_as_the_title():
    lines = with_line(policy_lines(), 0, pt=36, face="方正小标宋_GBK")
    assert findings(build(lines)) == []


def test_policy_without_title_warns():
    lines = without(policy_lines(), "根河市人民政府办公室关于印发《根河市2019年政务公开工作要点》的通知")
    assert [f.code for f in findings(build(lines))] == ["title_missing"]


# ---- font_format: the body


def test_body_not_in_fangsong_warns_naming_the_paragraph():
    at = index_of(policy_lines(), "现将")
    [finding] = findings(build(with_line(policy_lines(), at, face="宋体")))
    assert (finding.code, finding.paragraph) == ("font_format", at + 1)
    assert "仿宋" in finding.message


def test_body_not_at_16pt_warns():
    at = index_of(policy_lines(), "现将")
    [finding] = findings(build(with_line(policy_lines(), at, pt=14)))
    assert finding.code == "font_format"


def test_several_body_faults_are_one_finding():
    lines = [replace(line, face="宋体") if line.face == FS_GB and line.pt == 16 and not line.align else line
             for line in policy_lines()]
    found = findings(build(lines))
    assert [f.code for f in found] == ["font_format"]
    assert "共" in found[0].message


@pytest.mark.parametrize("face", ["仿宋", "仿宋_GB2312", "FangSong", "方正仿宋_GBK"])
def test_fangsong_family_faces_count(face):
    lines = [replace(line, face=face) if line.face in (FS, FS_GB) else line for line in policy_lines()]
    assert findings(build(lines)) == []


def test_heading_one_in_fangsong_warns():
    at = index_of(policy_lines(), "一、")
    [finding] = findings(build(with_line(policy_lines(), at, face=FS_GB)))
    assert (finding.code, finding.paragraph) == ("font_format", at + 1)
    assert "黑体" in finding.message


def test_heading_two_in_kaiti_for_the_whole_paragraph_passes():
    at = index_of(policy_lines(), "（一）")
    whole = Line("（一）深入解读重要政策措施。紧紧围绕全市中心工作，做好政策解读。", KAI, 16)
    lines = policy_lines()
    lines[at] = whole
    assert findings(build(lines)) == []


def test_heading_two_sentence_in_fangsong_warns():
    at = index_of(policy_lines(), "（二）")
    [finding] = findings(build(with_line(policy_lines(), at, face=FS_GB)))
    assert (finding.code, finding.paragraph) == ("font_format", at + 1)
    assert "楷体" in finding.message


def test_heading_three_in_heiti_warns():
    at = index_of(policy_lines(), "1．")
    [finding] = findings(build(with_line(policy_lines(), at, face=HEI)))
    assert finding.code == "font_format"


def test_colophon_at_14pt_passes_and_at_16pt_warns():
    at = index_of(policy_lines(), "抄送")
    [finding] = findings(build(with_line(policy_lines(), at, pt=16)))
    assert (finding.code, finding.paragraph) == ("font_format", at + 1)
    assert "版记" in finding.message


def _unformatted_body(lines):
    """Body lines without direct formatting: only the banner, title and headings keep theirs."""
    keep = {XBS, HEI, KAI}
    out = []
    for line in lines:
        if line.runs:
            line = replace(line, runs=tuple((t, f if f in keep else None) for t, f in line.runs), pt=None)
        elif line.face not in keep and line.pt != 14:
            line = replace(line, face=None, pt=None)
        elif line.face in (HEI, KAI):
            line = replace(line, pt=None)
        out.append(line)
    return out


def test_font_set_only_on_the_normal_style_counts():
    assert findings(build(_unformatted_body(policy_lines()), normal=("仿宋_GB2312", 16))) == []


def test_wrong_font_on_the_normal_style_warns():
    found = findings(build(_unformatted_body(policy_lines()), normal=("宋体", 16)))
    assert [f.code for f in found] == ["font_format"]


def test_font_set_only_on_document_defaults_counts():
    assert findings(build(_unformatted_body(policy_lines()), defaults=("仿宋", 16))) == []


def test_python_docx_default_theme_font_is_not_fangsong():
    # No font anywhere: Word falls back to the theme's East Asian face, which is not 仿宋.
    found = findings(build(_unformatted_body(policy_lines())))
    assert [f.code for f in found] == ["font_format"]


def test_form_checks_only_apply_to_policies():
    lines = [replace(line, face="宋体", pt=12) for line in interpretation_lines()]
    assert findings(build(lines, page={"w": 12240, "h": 15840})) == []
