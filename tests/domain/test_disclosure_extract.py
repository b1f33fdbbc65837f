"""公开属性 as offices write it (DESIGN.md rule 9, "Fail closed"): read in the 附注 position, with or
without brackets, 此件/本件/此文, 信息公开选项/公开属性/公开方式/公开类型, a trailing 。 and a legal ground;
anything saying not public is 不予公开; a marking that cannot be placed is kept as text, unknown."""
from __future__ import annotations

import pytest

from documents.extract import disclosure_of, inspect_docx, read_disclosure
from tests.domain.docx_factory import Line, build, index_of, policy_lines, with_line, without

MARK = "（此件主动公开）"


def inspected(lines: list[Line]):
    result = inspect_docx("policy.docx", build(lines))
    assert result.metadata is not None, result.problems
    return result


def marked(text: str) -> list[Line]:
    return with_line(policy_lines(), index_of(policy_lines(), "（此件"), text=text)


WORDINGS = [
    # 主动公开
    ("（此件主动公开）", "主动公开"),
    ("（此件公开发布）", "主动公开"),
    ("此件公开发布。", "主动公开"),
    ("公开方式：主动公开。", "主动公开"),
    ("公开属性：主动公开", "主动公开"),
    ("信息公开选项：主动公开", "主动公开"),
    ("（信息公开选项：主动公开）", "主动公开"),
    ("【此件主动公开】", "主动公开"),
    ("[此件公开发布]", "主动公开"),
    ("(此件公开发布)", "主动公开"),
    ("公开类型：主动公开", "主动公开"),
    ("公开属性:主动公开", "主动公开"),
    ("公 开 属 性 ： 主 动 公 开", "主动公开"),
    ("（此件公开发布，联系人：张三，联系电话：5222222）", "主动公开"),
    ("附注：此件主动公开", "主动公开"),
    ("（主动公开）", "主动公开"),
    # 依申请公开
    ("（此件依申请公开）", "依申请公开"),
    ("公开属性：依申请公开", "依申请公开"),
    ("公开方式：依申请公开。", "依申请公开"),
    ("信息公开选项：依申请公开", "依申请公开"),
    ("本件依申请公开", "依申请公开"),
    ("公开属性：依申请公开（依据《中华人民共和国政府信息公开条例》第二十七条）", "依申请公开"),
    # 不予公开, in every wording, never public
    ("信息公开选项：不予公开", "不予公开"),
    ("【此件不予公开】", "不予公开"),
    ("（本件不予公开）", "不予公开"),
    ("公开属性：不予公开（依据《中华人民共和国政府信息公开条例》第十四条）", "不予公开"),
    ("公开属性：不予公开【依据《中华人民共和国保守国家秘密法》】", "不予公开"),
    ("此件不予公开", "不予公开"),
    ("此文不予公开。", "不予公开"),
    ("（此件不公开）", "不予公开"),
    ("公开方式：不公开", "不予公开"),
    ("公开类型：不公开。", "不予公开"),
    ("公开属性：免予公开", "不予公开"),
    ("（此件不对外公开）", "不予公开"),
    ("（此件不宜公开）", "不予公开"),
    ("【不予公开】", "不予公开"),
    ("公开属性：主动公开（不公开部分已删除）", "不予公开"),
    ("信息公开选项：☑主动公开□依申请公开□不予公开", "不予公开"),
]


@pytest.mark.parametrize("mark, value", WORDINGS)
def test_disclosure_marking_as_offices_write_it_is_read(mark, value):
    meta = inspected(marked(mark)).metadata
    assert meta.disclosure == value
    assert meta.disclosure_text == "".join(mark.split())


@pytest.mark.parametrize("mark", [m for m, v in WORDINGS if v == "不予公开"])
def test_a_marking_that_says_not_public_is_never_public(mark):
    assert read_disclosure(mark) == (True, "不予公开")


UNPLACEABLE = ["公开属性：待定", "公开属性：部分公开", "公开方式：另行确定", "（此件删减后公开）",
               "信息公开选项：", "公开属性：主动公开、依申请公开", "【公开属性：视情况确定】"]


@pytest.mark.parametrize("mark", UNPLACEABLE)
def test_a_marking_that_cannot_be_placed_is_unknown_and_kept_as_text(mark):
    result = inspected(marked(mark))
    assert result.metadata.disclosure is None
    assert result.metadata.disclosure_text == mark
    codes = [p.code for p in result.problems]
    assert "disclosure_missing" not in codes          # a marking was found: it is not missing
    [finding] = [p for p in result.problems if p.code == "disclosure_unknown"]
    assert finding.severity == "warning" and mark in finding.message


def test_no_marking_at_all_stays_disclosure_missing():
    result = inspected(without(policy_lines(), MARK))
    assert result.metadata.disclosure is None and result.metadata.disclosure_text is None
    assert [p.code for p in result.problems] == ["disclosure_missing"]


@pytest.mark.parametrize("text", [
    "本文件由市政务公开办负责解释。", "（三）公开方式", "主动公开政策文件及解读材料。",
    "各部门要依法依规做好政府信息公开工作，对不予公开的信息要说明理由。",
])
def test_body_prose_about_disclosure_is_not_a_marking(text):
    assert read_disclosure(text) == (False, None)


def test_marking_just_before_the_colophon_is_read():
    lines = without(policy_lines(), MARK)
    at = index_of(lines, "抄送")
    lines.insert(at, Line("信息公开选项：不予公开"))
    assert inspected(lines).metadata.disclosure == "不予公开"


def test_marking_after_the_colophon_at_the_very_end_is_read():
    lines = without(policy_lines(), MARK) + [Line("【此件不予公开】")]
    assert inspected(lines).metadata.disclosure == "不予公开"


def test_not_public_anywhere_in_the_tail_wins_over_a_public_marking():
    lines = policy_lines() + [Line("公开属性：不予公开")]
    meta = inspected(lines).metadata
    assert meta.disclosure == "不予公开"
    assert meta.disclosure_text == "公开属性：不予公开"


def test_two_markings_that_disagree_leave_the_attribute_unknown():
    lines = policy_lines() + [Line("公开方式：依申请公开")]
    meta = inspected(lines).metadata
    assert meta.disclosure is None
    assert meta.disclosure_text == "（此件主动公开）；公开方式：依申请公开"


def test_disclosure_of_combines_markings_fail_closed():
    assert disclosure_of([]) == (None, None)
    assert disclosure_of([("a", "主动公开"), ("b", "主动公开")]) == ("主动公开", "a；b")
    assert disclosure_of([("a", "主动公开"), ("b", None)]) == (None, "a；b")
    assert disclosure_of([("a", None), ("b", "不予公开")]) == ("不予公开", "b")
