"""`lockstep gazette issue release --at` (定时出版), `gazette issue cancel`, and the question asked
at a terminal before an irreversible release (issue 15 item 1). Chinese text, --json, exit codes."""
from __future__ import annotations

import datetime as dt

import pytest

from cli.main import app
from services.gazette import issues as gazette
from tests.storage.test_gazette_storage import signed_dossier


@pytest.fixture
def draft(svc, tmp_path):
    d = signed_dossier(svc, tmp_path / "b", government=True)
    gazette.create_issue(svc, 2019, 8, "editor", total=120)
    gazette.add_items(svc, "2019-8", [d], "editor")
    return d


def later(days: int = 2) -> dt.datetime:
    return (dt.datetime.now() + dt.timedelta(days=days)).replace(second=0, microsecond=0)


def test_release_at_schedules_and_cancel_takes_it_back_to_draft(cli, svc, draft, tmp_path):
    at = later()
    r = cli("gazette", "issue", "release", "2019-8", "--out", str(tmp_path / "out"), "--as", "editor",
            "--at", at.strftime("%Y年%m月%d日 %H:%M"))
    assert r.exit_code == 0, r.output
    assert "已定时出版" in r.stdout and at.strftime("%Y-%m-%d %H:%M") in r.stdout and "公开前如需取消" in r.stdout
    shown = cli.json("gazette", "issue", "show", "2019-8")["issue"]
    assert shown["status"] == "scheduled" and shown["release_date"] == at.date().isoformat()
    assert not (tmp_path / "out" / "2019-8").exists()
    assert "定时出版" in cli("gazette", "issue", "list").stdout

    refused = cli.json("gazette", "issue", "cancel", "2019-8", "--reason", "改期", "--as", "editor", code=1)
    assert refused["problems"][0]["code"] == "request_invalid"
    refused = cli.json("gazette", "issue", "cancel", "2019-8", "--reason", "稿件需要重新核对，暂缓出版本期",
                       "--as", "drafter", code=1)
    assert refused["problems"][0]["code"] == "not_permitted"
    done = cli.json("gazette", "issue", "cancel", "2019-8", "--reason", "稿件需要重新核对，暂缓出版本期", "--as", "editor")
    assert done["issue"]["status"] == "draft"
    # A draft again: cancelling twice is refused with its state.
    again = cli.json("gazette", "issue", "cancel", "2019-8", "--reason", "稿件需要重新核对，暂缓出版本期",
                     "--as", "editor", code=1)
    assert again["problems"][0]["code"] == "invalid_state"


def test_release_at_in_the_json_answer_and_its_usage_errors(cli, svc, draft, tmp_path):
    at = later(3)
    doc = cli.json("gazette", "issue", "release", "2019-8", "--out", str(tmp_path / "out"), "--as", "editor",
                   "--at", at.strftime("%Y-%m-%d %H:%M"))
    assert doc["issue"]["status"] == "scheduled" and doc["issue"]["web_sha256"]
    assert dt.datetime.fromisoformat(doc["issue"]["released_at"]) == at.astimezone()
    bad = cli("gazette", "issue", "release", "2019-8", "--out", str(tmp_path / "out"), "--as", "editor",
              "--at", "下周一")
    assert bad.exit_code == 2 and "不是可识别的时间" in bad.output


def test_a_non_editor_cannot_schedule(cli, svc, draft, tmp_path):
    refused = cli.json("gazette", "issue", "release", "2019-8", "--out", str(tmp_path / "out"), "--as", "drafter",
                       "--at", later().strftime("%Y-%m-%d %H:%M"), code=1)
    assert refused["problems"][0]["code"] == "not_permitted"
    assert gazette.show_issue(svc, "2019-8").status == "draft"


def test_at_a_terminal_release_asks_first_and_no_means_nothing_happens(cli, svc, draft, tmp_path, monkeypatch):
    import cli.gazette_cmds as commands
    monkeypatch.setattr(commands, "interactive", lambda: True)
    args = ["--home", str(cli.home), "gazette", "issue", "release", "2019-8", "--out", str(tmp_path / "out"),
            "--as", "editor", "--date", "2019-08-30"]
    r = cli.runner.invoke(app, args, input="n\n")
    assert r.exit_code == 1 and "确认立即出版公报 2019-8" in r.output and "已取消，未出版" in r.output
    assert gazette.show_issue(svc, "2019-8").status == "draft"
    r = cli.runner.invoke(app, args, input="y\n")
    assert r.exit_code == 0 and "已出版" in r.output, r.output
    assert gazette.show_issue(svc, "2019-8").status == "released"


def test_yes_skips_the_question_at_a_terminal(cli, svc, draft, tmp_path, monkeypatch):
    import cli.gazette_cmds as commands
    monkeypatch.setattr(commands, "interactive", lambda: True)
    r = cli("gazette", "issue", "release", "2019-8", "--out", str(tmp_path / "out"), "--as", "editor",
            "--date", "2019-08-30", "--yes")
    assert r.exit_code == 0 and "确认" not in r.output and "已出版" in r.output
