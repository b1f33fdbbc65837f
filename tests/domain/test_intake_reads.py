"""Intake reads what offices send (issue 14): fixtures built in code (tests/domain/docx_factory.py),
each reproducing a shape seen in real files. Pure: documents/ only."""
from __future__ import annotations

import datetime as dt

from documents.bundle import role_from_file_name
from documents.extract import inspect_docx
from documents.labels import clause_cut, meta_fields
from tests.domain.docx_factory import FS_GB, HEI, XBS, Line, build, index_of, policy_lines, with_line

SONG = "宋体"


def codes(r) -> list[str]:
    return [p.code for p in r.problems]


def field(r, label: str) -> str | None:
    return dict(meta_fields(r.metadata)).get(label)


# ---------------------------------------------------------------- a policy always gets its form checks

def memo_like_policy() -> bytes:
    """A policy whose content looks like nothing in particular: no banner, no 文号, a title that ends
    in no policy word, set in 宋体 12 pt, no 公开属性."""
    return build([
        Line("根河市城乡居民最低生活保障标准", SONG, 12, None, "center"),
        Line("一、保障对象", SONG, 12),
        Line("具有本市户籍、家庭人均收入低于当地最低生活保障标准的城乡居民。", SONG, 12),
        Line("二、保障标准", SONG, 12),
        Line("城市居民每人每月780元，农村牧区居民每人每年7800元。", SONG, 12),
    ])


def test_a_file_given_the_policy_role_gets_the_form_checks_whatever_its_content_looks_like():
    data = memo_like_policy()
    by_content = inspect_docx("保障标准.docx", data)
    assert by_content.role == "other" and "font_format" not in codes(by_content)    # nothing says policy
    as_policy = inspect_docx("保障标准.docx", data, "policy")
    assert (as_policy.role, as_policy.role_source) == ("policy", "declared")
    found = codes(as_policy)
    assert {"font_format", "disclosure_missing"} <= set(found)
    assert all(p.severity == "warning" for p in as_policy.problems)             # form findings never block
    # Another declared role: no form checks, even for a document that looks like a 公文.
    plan = inspect_docx("解读方案.docx", build(policy_lines()), "interpretation_plan")
    assert plan.role == "interpretation_plan" and not {"font_format", "disclosure_missing"} & set(codes(plan))


def test_a_draft_for_comment_in_the_file_name_is_not_the_consultation_record():
    assert role_from_file_name("关于加强政务公开工作的通知（征求意见稿）.docx") == "policy"
    assert role_from_file_name("核电厂定期安全评价 第12部分：设计（征求意见稿20230317）.docx") is None
    assert role_from_file_name("征求意见情况汇总.docx") == "consultation"


# ---------------------------------------------------------------- 发文字号 and 成文日期 in unknown forms

def test_a_document_number_in_a_form_the_reader_does_not_know_is_docno_format_not_dropped():
    lines = policy_lines()
    at = index_of(lines, "根政办发")
    for written in ("根政办发〔2019〕三十六号", "根政办发2019年36号", "根政办发〔19〕36号", "根政办发〔2019〕36"):
        r = inspect_docx("通知.docx", build(with_line(lines, at, text=written)))
        [found] = [p for p in r.problems if p.code == "docno_format"]
        assert found.severity == "warning" and written in found.message and "无法识别" in found.message
        assert found.paragraph == at + 1
        m = r.metadata
        assert m.doc_number is None and m.doc_number_text == written
        assert m.title.endswith("的通知")                            # the line is not taken for the title
        assert r.role == "policy"


def test_a_labelled_reference_number_that_cannot_be_read_is_docno_format():
    r = inspect_docx("政策解读.docx", build([
        Line("《根河市2019年政务公开工作要点》政策解读", XBS, 22, None, "center"),
        Line("解读机关：根河市人民政府办公室"),
        Line("发文字号：根政办发（二〇一九）36号"),
        Line("问1：出台的背景是什么？"),
        Line("答：为贯彻落实国务院办公厅的部署。"),
    ]))
    assert [p.code for p in r.problems] == ["docno_format"] and "根政办发（二〇一九）36号" in r.problems[0].message


def test_a_date_in_a_form_the_reader_does_not_know_is_date_format_and_still_read():
    lines = policy_lines()
    at = index_of(lines, "2019年8月5日")
    for written, value in (("2019.8.5", dt.date(2019, 8, 5)), ("2019-08-05", dt.date(2019, 8, 5)),
                           ("2019年8月5号", dt.date(2019, 8, 5)), ("2019年8月", None),
                           ("二〇一九年8月5日", dt.date(2019, 8, 5))):
        r = inspect_docx("通知.docx", build(with_line(lines, at, text=written)))
        m = r.metadata
        assert (m.date_text, m.date) == (written, value)
        assert m.signature_organ == "根河市人民政府办公室"
        [found] = [p for p in r.problems if p.code == "date_format"]
        assert found.severity == "warning" and written in found.message and found.paragraph == at + 1
    well = inspect_docx("通知.docx", build(lines))
    assert "date_format" not in codes(well) and well.metadata.date == dt.date(2019, 8, 5)


# ---------------------------------------------------------------- covers: standards, 某某局 发布

def standard_cover() -> bytes:
    return build([
        Line("ICS 03.080", HEI, 10.5),
        Line("DB15", SONG, 48, None, "right"),
        Line("内蒙古自治区地方标准", HEI, 24, None, "center"),
        Line("DB15/T 3456—2026", HEI, 14, None, "right"),
        Line(""),
        Line("政务服务事项办事指南编制规范", HEI, 26, None, "center"),
        Line("Specification for compiling guides of government service items", HEI, 14, None, "center"),
        Line("2026-12-01发布", HEI, 14),
        Line("2027-01-01实施", HEI, 14, None, "right"),
        Line("内蒙古自治区市场监督管理局　发布", HEI, 14, None, "center"),
        Line("前言", HEI, 16, None, "center"),
        Line("本文件按照GB/T 1.1—2020的规定起草。", SONG, 10.5),
        Line("1 范围", HEI, 10.5),
        Line("本文件规定了政务服务事项办事指南的编制原则、内容和要求。", SONG, 10.5),
    ])


def test_a_standards_cover_gives_the_title_under_its_class_line_and_the_organ_that_issues_it():
    r = inspect_docx("编制规范.docx", standard_cover())
    m = r.metadata
    assert m.title == "政务服务事项办事指南编制规范"
    assert m.signature_organ == "内蒙古自治区市场监督管理局"
    assert m.banner is None and m.doc_number is None


def test_two_organs_issuing_together_are_both_read():
    r = inspect_docx("国家标准.docx", build([
        Line("中华人民共和国国家标准", HEI, 24, None, "center"),
        Line("GB/T 9704—2012", HEI, 14, None, "right"),
        Line("党政机关公文格式", HEI, 26, None, "center"),
        Line("2012-06-29发布", HEI, 14),
        Line("中华人民共和国国家质量监督检验检疫总局　中国国家标准化管理委员会　发布", HEI, 14, None, "center"),
    ]))
    assert r.metadata.title == "党政机关公文格式"
    assert r.metadata.signature_organ == "中华人民共和国国家质量监督检验检疫总局、中国国家标准化管理委员会"


def test_a_policy_title_ending_in_biaozhun_is_still_a_title():
    r = inspect_docx("标准.docx", memo_like_policy(), "policy")
    assert r.metadata.title == "根河市城乡居民最低生活保障标准"


# ---------------------------------------------------------------- the 正文层次 outline

def test_the_outline_is_never_cut_inside_a_word():
    r = inspect_docx("通知.docx", build(policy_lines()))
    shown = field(r, "正文层次")
    assert shown == "一、着眼稳定预期，加强政策解读和回应关切 二、围绕重点领域，深化决策和执行公开"
    long = "各地区各部门要高度重视政务公开工作，切实加强组织领导，明确责任分工，完善工作机制，确保各项任务落到实处"
    lines = with_line(policy_lines(), index_of(policy_lines(), "一、着眼"), text="一、" + long)
    shown = field(inspect_docx("通知.docx", build(lines)), "正文层次")
    assert shown.startswith("一、各地区各部门要高度重视政务公开工作… 二、")
    assert clause_cut("加强政策解读和回应关切", 4) == "加强政策解读和回应关切"       # no clause mark: whole
    assert clause_cut("甲乙丙丁，戊己庚辛", 6) == "甲乙丙丁…"
