"""Chinese in, Chinese out: typer's and click's own words, dates as offices write them, stages and
roles by their Chinese names (JSON keeps the ids). Through the typer CliRunner, no workflow engine:
the dossier is taken in with services.dossiers.intake.intake_bundle."""
from __future__ import annotations

import json
import re

import pytest

# English that typer and its click print when left alone.
ENGLISH = re.compile(r"Usage:|Missing (option|argument|command)|No such (option|command)|Invalid value|"
                     r"unexpected extra|Show this message|Try '|for help|Error|Options|Arguments|Commands|"
                     r"\[default|\[required\]|%Y|Did you mean|Possible options|<str>|<bool>|<path>|<int>")


def flat(text: str) -> str:
    """The text without its boxes and spaces: rich wraps the error panel's message at any column."""
    return re.sub(r"[\s│]", "", text)


def usage_error(r) -> str:
    """A usage error: exit 2, with Chinese and none of typer's English; its text flattened."""
    text = flat(r.output)
    assert r.exit_code == 2, text
    assert not ENGLISH.search(text), text
    assert "用法：" in text and "错误" in text, text
    return text


@pytest.fixture
def dossier(svc, sample_zip) -> str:
    from services.dossiers.intake import intake_bundle
    result = intake_bundle([sample_zip()], "drafter", svc)
    assert result.accepted, result.problems
    return result.dossier


# ---------------------------------------------------------------- typer's and click's own words

def test_a_missing_option_is_said_in_chinese(cli):
    text = usage_error(cli("register", "expire"))
    assert "缺少选项--as" in text and "运行'lockstepregisterexpire-h'查看帮助" in text


def test_a_missing_argument_an_unknown_option_and_extra_arguments_are_said_in_chinese(cli):
    assert "缺少参数卷宗" in usage_error(cli("gate"))
    assert "没有选项--bogus" in usage_error(cli("gate", "D2026-001", "--bogus"))
    assert "多余的参数：extra" in usage_error(cli("gate", "D2026-001", "extra"))


def test_an_unknown_command_is_said_in_chinese_with_the_near_names(cli):
    text = usage_error(cli("gat"))
    assert "没有命令gat" in text and "gate" in text and "用法：lockstep[选项]命令[参数]..." in text


def test_a_bad_date_names_the_forms_that_are_accepted(cli):
    text = usage_error(cli("register", "expire", "--as", "editor", "--today", "12/10/2026"))
    assert "--today的值无效" in text
    assert "2026-12-10、2026/12/10或2026年12月10日" in text
    assert "没有这一天" in usage_error(cli("register", "expire", "--as", "editor", "--today", "2026-02-30"))


@pytest.mark.parametrize("args", [["--help"], ["gazette", "--help"], ["review", "--help"],
                                  ["consultation", "open", "-h"], ["users", "add", "--help"]])
def test_help_of_a_group_and_of_a_command_is_chinese_and_not_cut_at_80_columns(cli, args):
    r = cli(*args)
    assert r.exit_code == 0, r.output
    assert not ENGLISH.search(r.output), r.output
    assert "用法：" in r.output and "选项" in r.output and "显示本帮助并退出。" in r.output
    assert max(len(line) for line in r.output.splitlines()) > 80
    if args[0] == "review":
        assert "[必填]" in r.output and "<文本>" in r.output
    if args[0] == "consultation":
        assert "日期" in r.output and "参数" in r.output


def test_the_group_help_lists_its_commands_under_a_chinese_title(cli):
    r = cli("--help")
    assert "─ 命令 ─" in r.output and "─ 选项 ─" in r.output
    # The longest command help is no longer cut at 80 columns.
    assert "命令行的提交、签发、发布交给它处理" in r.output


# ---------------------------------------------------------------- dates

@pytest.mark.parametrize("start, end", [
    ("2026-12-10", "2026-01-05"),
    ("2026/12/10", "2026/1/5"),
    ("2026年12月10日", "2026年1月5日"),
])
def test_every_date_form_is_accepted(cli, start, end):
    """The dates reach the command as dates: its refusal names them back (an end before the start)."""
    r = cli("consultation", "open", "D2026-999", "--from", start, "--to", end, "--as", "drafter", "--json")
    assert r.exit_code == 1, r.output
    message = json.loads(r.stdout)["problems"][0]["message"]
    assert "2026-01-05" in message and "2026-12-10" in message


@pytest.mark.parametrize("value", ["2026-12-10", "2026/12/10", "2026年12月10日", "2026年1月5日", "２０２６年１月５日"])
def test_date_options_of_register_and_gazette_read_every_form(cli, value):
    assert cli("register", "expire", "--as", "editor", "--today", value, "--json").exit_code == 0
    assert cli("gazette", "search", "--from", value, "--to", value, "--json").exit_code == 0


def test_the_one_date_parser():
    import datetime as dt
    from cli.zh import parse_date
    assert parse_date("2026年1月5日") == parse_date("2026/01/05") == parse_date("2026-1-5") == dt.datetime(2026, 1, 5)


# ---------------------------------------------------------------- stages and roles by name

def test_gate_speaks_of_stages_and_roles_by_name_and_its_json_keeps_the_ids(cli, dossier):
    r = cli("gate", dossier)
    assert r.exit_code == 0, r.output
    assert "起草单位审核" in r.output and "合法性审核人员（reviewer）" in r.output
    assert "起草单位负责人（director）" in r.output         # the drafting unit's head, not every unit's
    assert "unit_check" not in r.output and "legal_reviewer" not in r.output and "unit_head" not in r.output
    doc = cli.json("gate", dossier)
    blocking = {b["stage"]: b["roles"] for b in doc["blocking"] if b["code"] == "stage_not_approved"}
    assert blocking["unit_check"] == ["unit_head"] and blocking["legality"] == ["legal_reviewer"]
    assert [s["id"] for s in doc["stages"]][:2] == ["unit_check", "legality"]


def test_review_takes_the_stage_by_its_chinese_name(cli, dossier):
    r = cli("review", dossier, "--stage", "起草单位审核", "--approve", "--as", "director")
    assert r.exit_code == 0, r.output
    assert "“起草单位审核”环节" in r.output and "unit_check" not in r.output
    done = cli.json("review", dossier, "--stage", "合法性审核", "--approve", "--as", "reviewer")
    assert done["decision"]["stage"] == "legality"
    status = cli("status", dossier)
    assert "审核：起草单位审核 通过" in status.output and "审核：合法性审核 通过" in status.output
    history = cli("history", dossier)
    assert "环节：起草单位审核，结论：通过" in history.output and "unit_check" not in history.output


def test_an_unknown_stage_is_a_usage_error_listing_the_stages(cli, dossier):
    r = cli("review", dossier, "--stage", "终审", "--approve", "--as", "director", "--json")
    assert r.exit_code == 2, r.output
    text = usage_error(r)
    assert "没有审核环节终审（可用：起草单位审核、合法性审核、宣传部门审核（高风险）、集体审议、类别认定（确认非规范性文件））" in text


def test_attach_takes_the_material_role_by_its_chinese_name(cli, dossier, tmp_path):
    from samples.genhe import risk_docx
    f = tmp_path / "舆情风险评估报告.docx"
    f.write_bytes(risk_docx(level="中"))
    doc = cli.json("attach", dossier, f, "--role", "风险评估", "--as", "drafter")
    assert doc["accepted"] is True and doc["version"] == 2
    assert "risk_assessment" in {x["role"] for x in doc["files"]}
    r = cli("attach", dossier, f, "--role", "附件", "--as", "drafter")
    assert r.exit_code == 2, r.output
    assert "没有材料角色附件" in flat(r.output) and "、舆情风险评估、" in usage_error(r)


def test_users_add_takes_roles_by_their_chinese_names(cli):
    added = cli.json("users", "add", "wang", "--unit", "司法局", "--role", "合法性审核人员", "--role", "registrar")
    assert added["user"]["roles"] == ["legal_reviewer", "registrar"]
    listed = cli("users", "list")
    assert "合法性审核人员、台帐管理员" in listed.output
    r = cli("users", "add", "li", "--unit", "司法局", "--role", "emperor", "--json")
    assert r.exit_code == 2, r.output
    assert "没有角色emperor（可用：起草人员、起草单位负责人、合法性审核人员" in usage_error(r)
    assert "li" not in {u["name"] for u in cli.json("users", "list")["users"]}


def test_the_names_helper_maps_names_aliases_and_ids():
    import typer
    from cli.names import material_role_id, person_role_id, stage_id
    from review.config import DEFAULT_CONFIG_TOML, parse_config
    config = parse_config(DEFAULT_CONFIG_TOML)
    assert material_role_id("舆情风险评估") == material_role_id("风险评估") == "risk_assessment"
    assert material_role_id("policy") == material_role_id("政策文件") == "policy"
    assert person_role_id("起草人员") == person_role_id("drafter") == "drafter"
    assert stage_id(config, "宣传部门审核") == stage_id(config, "宣传部门审核（高风险）") == "publicity"
    with pytest.raises(typer.BadParameter):
        stage_id(config, "终审")


def test_the_chinese_help_costs_a_command_nothing_until_help_or_an_error_is_shown():
    """typer's rich renderer (rich.markdown…) still loads only for help or an error: reads stay fast."""
    import subprocess
    import sys
    code = ("import sys, cli.main; assert 'typer.rich_utils' not in sys.modules; "
            "import typer.rich_utils as ru; assert ru.OPTIONS_PANEL_TITLE == '选项', ru.OPTIONS_PANEL_TITLE")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


def test_an_argument_that_is_not_utf8_is_a_chinese_usage_error_not_an_internal_fault(tmp_path):
    """A GBK terminal hands `lockstep` bytes that are not UTF-8 (lone surrogates in sys.argv): a usage error
    (exit 2) naming the argument and the fix, before any command or the desk hand-off sees it."""
    import os
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    bad = os.fsencode("D") + "测试".encode("gbk")
    r = subprocess.run([sys.executable, "-m", "cli.main", "--home", str(tmp_path / "h"), "status", bad],
                       cwd=root, capture_output=True, timeout=120)
    err = r.stderr.decode("utf-8")
    assert r.returncode == 2 and "第 4 个参数" in err and "不是 UTF-8 编码" in err, err
    assert "internal_error" not in err and "Traceback" not in err and not (tmp_path / "h").exists()
    from cli.main import undecodable
    assert undecodable(["status", "D2026-0001", "根河"]) is None
