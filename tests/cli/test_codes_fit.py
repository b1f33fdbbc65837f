"""Codes that fit (issue 14): each refusal's code and text name this case, and the general advice
of a code never contradicts the specific message before it."""
from __future__ import annotations

import json

import pytest

from documents.problems import problem
from tests.cli.test_review_process import major_decision, submit

pytestmark = pytest.mark.usefixtures("prefect_harness")     # submit runs its intake flow in-process


def refusal(cli, *args) -> dict:
    r = cli(*args, "--json")
    assert r.exit_code == 1, r.output
    return json.loads(r.stdout)["problems"][0]


def test_a_missing_file_is_file_not_found_not_an_empty_bundle(cli, sample_zip, tmp_path):
    d = submit(cli, sample_zip())
    for args in (("submit", tmp_path / "没有这个.zip", "--as", "drafter"),
                 ("attach", d, tmp_path / "风险评估.docx", "--role", "风险评估", "--as", "drafter")):
        p = refusal(cli, *args)
        assert p["code"] == "file_not_found", (args, p)
        assert "不存在" in p["message"] and "没有可读取的文件" not in p["message"], p
    r = cli("inspect", tmp_path / "没有这个.docx", "--json")          # inspect reports each file it was given
    assert r.exit_code == 1
    [found] = json.loads(r.stdout)["files"][0]["problems"]
    assert found["code"] == "file_not_found" and "No such file" not in found["message"], found


def test_a_consultation_not_yet_opened_says_so_and_nothing_about_a_period_running(cli, sample_zip):
    d = major_decision(cli, sample_zip)
    for args in (("consultation", "summary", d, "--as", "drafter"),
                 ("consultation", "comments", d, "--author", "王五", "--text", "增加图解", "--as", "drafter")):
        p = refusal(cli, *args)
        assert p["code"] == "consultation_not_started", (args, p)
        assert "未结束" not in p["message"], p


def test_a_period_too_short_or_reversed_is_told_what_to_do_about_it(cli, sample_zip):
    d = major_decision(cli, sample_zip)
    short = refusal(cli, "consultation", "open", d, "--from", "2019-07-01", "--to", "2019-07-10", "--as", "drafter")
    assert short["code"] == "consultation_open" and "少于" in short["message"] and "未结束" not in short["message"]
    reversed_ = refusal(cli, "consultation", "open", d, "--from", "2019-07-31", "--to", "2019-07-01",
                        "--as", "drafter")
    assert reversed_["code"] == "request_invalid" and "/docs" not in reversed_["message"], reversed_


def test_a_command_line_refusal_never_sends_the_clerk_to_the_api_docs(cli, sample_zip):
    d = submit(cli, sample_zip(disclosure="公开属性：待定"))
    p = refusal(cli, "disclosure", "set", d, "不予公开", "--as", "director")
    assert p["code"] == "request_invalid" and "/docs" not in p["message"] and "法律依据" in p["message"], p


def test_a_case_may_replace_its_codes_general_advice():
    assert problem("request_invalid", "甲").message == "甲：接口请求内容有误，请按接口说明（/docs）填写后重试"
    assert problem("request_invalid", "甲", advice="乙").message == "甲：乙"
    assert problem("request_invalid", "甲", advice="").message == "甲"
    assert problem("request_invalid", advice="").message.startswith("接口请求内容有误")
