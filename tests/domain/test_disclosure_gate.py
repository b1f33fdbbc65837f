"""The gate fails closed on the 公开属性: a policy whose attribute is unknown blocks sign-off with
`disclosure_unknown` (an error) until a person sets it; 不予公开 is known (publication refuses it)."""
from __future__ import annotations

import pytest

from review.gate import disclosure_check, gate
from tests.domain.test_gate import ALL, NORMATIVE, approve, complete_files, policy, version


def files_with(**policy_meta):
    return [policy(**policy_meta)] + [x for x in complete_files() if x.role != "policy"]


def test_gate_blocks_a_policy_with_no_marking_with_disclosure_unknown():
    blocking = gate(version(files_with(disclosure=None)), approve(*ALL), NORMATIVE)
    [b] = blocking
    assert (b.code, b.severity, b.file) == ("disclosure_unknown", "error", "policy.docx")
    assert "未标注公开属性" in b.message
    assert "起草单位根河市政务服务局" in b.message and "负责人或签发人" in b.message


def test_gate_names_the_marking_it_could_not_place():
    [b] = gate(version(files_with(disclosure=None, disclosure_text="公开属性：待定")), approve(*ALL), NORMATIVE)
    assert b.code == "disclosure_unknown"
    assert "“公开属性：待定”" in b.message


@pytest.mark.parametrize("value", ["主动公开", "依申请公开", "不予公开"])
def test_gate_opens_once_a_person_set_the_attribute(value):
    v = version(files_with(disclosure=None, disclosure_text="公开属性：待定"))
    assert gate(v, approve(*ALL), NORMATIVE, disclosure_set=value) == []


@pytest.mark.parametrize("value", ["主动公开", "依申请公开", "不予公开"])
def test_gate_accepts_a_marking_read_from_the_policy(value):
    assert disclosure_check(version(files_with(disclosure=value))) == []


@pytest.mark.parametrize("bogus", ["", "公开", "待定", "public"])
def test_a_set_value_outside_the_three_attributes_does_not_open_the_gate(bogus):
    v = version(files_with(disclosure=None))
    assert [b.code for b in disclosure_check(v, bogus)] == ["disclosure_unknown"]


def test_no_policy_is_policy_missing_only():
    files = [x for x in complete_files() if x.role != "policy"]
    assert disclosure_check(version(files)) == []
