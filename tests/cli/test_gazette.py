"""The gazette editors' commands: Chinese text, --json, exit codes 0/1/2."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.storage.test_gazette_storage import mark_not_public, signed_dossier


def test_issue_new_prints_the_issue_id_and_the_running_total(cli):
    r = cli("gazette", "issue", "new", "--year", "2019", "--number", "8", "--total", "120", "--as", "editor")
    assert r.exit_code == 0 and "2019-8" in r.stdout and "总第120期" in r.stdout
    doc = cli.json("gazette", "issue", "new", "--year", "2019", "--number", "9", "--as", "editor")
    assert (doc["issue"]["issue"], doc["issue"]["total"], doc["issue"]["status"]) == ("2019-9", 121, "draft")


def test_assemble_show_and_release_an_issue_through_the_command_line(cli, svc, tmp_path):
    government = signed_dossier(svc, tmp_path / "b", government=True)
    office = signed_dossier(svc, tmp_path / "b", "本办法自2019年9月1日起施行。")
    queued = [i["dossier"] for i in cli.json("gazette", "queue")["items"]]
    assert queued == [government, office]
    cli.json("gazette", "issue", "new", "--year", "2019", "--number", "8", "--date", "2019-08-30",
             "--as", "editor")
    added = cli.json("gazette", "issue", "add", "2019-8", office, government, "--as", "editor")["issue"]
    assert [(i["section"], i["dossier"]) for i in added["items"]] == [
        ("本级政府行政规范性文件", government), ("政府办公室文件", office)]
    assert cli.json("gazette", "queue")["items"] == []
    shown = cli("gazette", "issue", "show", "2019-8")
    assert shown.exit_code == 0 and "【政府办公室文件】" in shown.stdout and "编排中" in shown.stdout

    done = cli.json("gazette", "issue", "release", "2019-8", "--out", str(tmp_path / "out"), "--as", "editor")
    issue = done["issue"]
    assert issue["status"] == "released" and issue["release_date"] == "2019-08-30"
    docx_path = Path(issue["print_path"])
    assert docx_path == tmp_path / "out" / "2019-8" / "公报2019年第8期.docx"
    assert hashlib.sha256(docx_path.read_bytes()).hexdigest() == issue["print_sha256"]
    assert Path(issue["web_index"]) == tmp_path / "out" / "2019-8" / "html" / "index.html"
    feed = json.loads((tmp_path / "out" / "2019-8" / "html" / "feed.json").read_text(encoding="utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert [(i["id"], i["url"], i["_gazette"]["interpretation_url"]) for i in feed["items"]] == [
        (d, f"items/{d}.html", f"interpretations/{d}.html") for d in (government, office)]
    for item in feed["items"]:
        assert (tmp_path / "out" / "2019-8" / "html" / item["url"]).is_file()
    text = cli("gazette", "issue", "show", "2019-8").stdout
    assert "已出版" in text and "出版日期：2019-08-30" in text
    assert [v["issue"] for v in cli.json("gazette", "issue", "list")["issues"]] == ["2019-8"]


def test_refusals_exit_1_with_coded_problems(cli, svc, tmp_path):
    d = signed_dossier(svc, tmp_path / "b")
    cli.json("gazette", "issue", "new", "--year", "2019", "--number", "8", "--as", "editor")
    refused = cli.json("gazette", "issue", "add", "2019-8", d, "--as", "drafter", code=1)
    assert refused["ok"] is False and refused["problems"][0]["code"] == "not_permitted"
    mark_not_public(svc, d)
    refused = cli.json("gazette", "issue", "add", "2019-8", d, "--as", "editor", code=1)
    assert [p["code"] for p in refused["problems"]] == ["not_public"]
    r = cli("gazette", "issue", "show", "2099-1")
    assert r.exit_code == 1 and "not_found" in r.stdout and "没有公报期次" in r.stdout
    empty = cli.json("gazette", "issue", "release", "2019-8", "--out", str(tmp_path / "o"), "--as", "editor",
                     code=1)
    assert empty["problems"][0]["code"] == "invalid_state"


def test_a_release_after_the_effective_date_is_refused_in_chinese(cli, svc, tmp_path):
    d = signed_dossier(svc, tmp_path / "b", "本办法自2019年9月1日起施行。")
    cli.json("gazette", "issue", "new", "--year", "2019", "--number", "9", "--as", "editor")
    cli.json("gazette", "issue", "add", "2019-9", d, "--as", "editor")
    r = cli("gazette", "issue", "release", "2019-9", "--out", str(tmp_path / "o"), "--date", "2019-09-15",
            "--as", "editor")
    assert r.exit_code == 1 and "effective_before_gazette" in r.stdout and "2019年9月1日" in r.stdout


def test_usage_errors_exit_2(cli):
    assert cli("gazette", "issue", "new", "--year", "2019", "--number", "8").exit_code == 2      # no --as
    assert cli("gazette", "issue", "new", "--year", "2019", "--number", "0", "--as", "editor").exit_code == 2
    assert cli("gazette", "issue", "release", "2019-8", "--out", "x", "--date", "8/1/2019",
               "--as", "editor").exit_code == 2


def test_a_correction_notice_is_added_removed_and_printed_through_the_command_line(cli, svc, tmp_path):
    wrong = signed_dossier(svc, tmp_path / "b")
    cli.json("gazette", "issue", "new", "--year", "2019", "--number", "8", "--as", "editor")
    cli.json("gazette", "issue", "add", "2019-8", wrong, "--as", "editor")
    cli.json("gazette", "issue", "release", "2019-8", "--out", str(tmp_path / "out"), "--date", "2019-08-30",
             "--as", "editor")
    cli.json("gazette", "issue", "new", "--year", "2019", "--number", "9", "--as", "editor")
    text = tmp_path / "更正.txt"
    text.write_text("第二条“五年”应为“三年”。\n\n特此更正。\n", encoding="utf-8")

    r = cli("gazette", "correction", "add", "2019-9", "--corrects", "2019-8", "--dossier", wrong,
            "--file", str(text), "--as", "editor")
    assert r.exit_code == 0 and "更正启事编号" in r.stdout
    first = int(r.stdout.split("更正启事编号")[1].split()[0])
    assert cli.json("gazette", "correction", "remove", str(first), "--as", "editor")["correction"]["notice"] == first
    added = cli.json("gazette", "correction", "add", "2019-9", "--corrects", "2019-8", "--dossier", wrong,
                     "--text", "第二条“五年”应为“三年”。", "--as", "editor")["correction"]
    assert (added["issue"], added["corrects"], added["dossier"]) == ("2019-9", "2019-8", wrong)
    shown = cli("gazette", "issue", "show", "2019-9")
    assert "【更正启事】" in shown.stdout and added["title"] in shown.stdout

    refused = cli.json("gazette", "correction", "add", "2019-9", "--corrects", "2019-8", "--text", "x",
                       "--as", "drafter", code=1)
    assert refused["problems"][0]["code"] == "not_permitted"
    refused = cli.json("gazette", "correction", "add", "2019-8", "--corrects", "2019-9", "--text", "x",
                       "--as", "editor", code=1)
    assert {p["code"] for p in refused["problems"]} == {"invalid_state"}
    refused = cli.json("gazette", "correction", "add", "2019-9", "--corrects", "2019-8", "--text", "  ",
                       "--as", "editor", code=1)
    assert refused["problems"][0]["code"] == "request_invalid"
    assert cli.json("gazette", "correction", "remove", "999", "--as", "editor", code=1)["problems"][0]["code"] \
        == "not_found"
    assert cli("gazette", "correction", "add", "2019-9", "--corrects", "2019-8", "--as", "editor").exit_code == 2
    assert cli("gazette", "correction", "add", "2019-9", "--corrects", "2019-8", "--text", "x", "--file", str(text),
               "--as", "editor").exit_code == 2

    cli.json("gazette", "issue", "release", "2019-9", "--out", str(tmp_path / "out"), "--date", "2019-09-30",
             "--as", "editor")
    hits = cli.json("gazette", "search", "应为“三年”")["items"]
    assert [(h["issue"], h["corrects"]) for h in hits] == [("2019-9", "2019-8")]
    assert "已有更正" in cli("gazette", "issue", "show", "2019-8").stdout
    refused = cli.json("gazette", "correction", "remove", str(added["notice"]), "--as", "editor", code=1)
    assert refused["problems"][0]["code"] == "invalid_state"
