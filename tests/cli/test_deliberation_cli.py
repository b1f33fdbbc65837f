"""lockstep deliberation (issue 14): the 常务会议 secretary records the meeting from the command line,
shows it, finds it by the minutes; Chinese text, --json, exit codes 0 / 1 / 2. The dossier is taken
in through the services (no Prefect needed)."""
from __future__ import annotations

import json

from services.dossiers.intake import intake_bundle
from services.review.actions import record_decision
from tests.storage.test_deliberation import DELIBERATION_LINE, MINUTES


def reviewed(cli, sample_zip, required: bool = False) -> str:
    from services.home.context import open_services
    from services.home.folder import Home
    home = Home(cli.home)
    if required:
        text = home.config_path.read_text(encoding="utf-8")
        home.config_path.write_text(text.replace(DELIBERATION_LINE, DELIBERATION_LINE[:-2] + ", meeting_record = true }"),
                                    encoding="utf-8")
    svc = open_services(home)
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    record_decision(svc, d, "unit_check", "approve", "同意", "director")
    record_decision(svc, d, "legality", "approve", "同意", "reviewer")
    return d


def test_the_secretary_records_shows_and_finds_the_meeting(cli, sample_zip, tmp_path):
    d = reviewed(cli, sample_zip, required=True)
    minutes = tmp_path / "第12次常务会议纪要.docx"
    minutes.write_bytes(MINUTES)
    # approval first: refused with the code that says what to do
    r = cli("review", d, "--stage", "集体审议", "--approve", "--comment", "同意", "--as", "secretary", "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["problems"][0]["code"] == "deliberation_record_missing"
    r = cli("deliberation", "record", d, "--meeting", "市政府常务会议", "--session", "12", "--held-on", "2026年12月1日",
            "--minutes", minutes, "--as", "secretary")
    assert r.exit_code == 0, r.output
    assert "已记录集体审议" in r.output and "市政府常务会议第12次会议（2026年12月1日）" in r.output
    shown = cli.json("deliberation", "show", d)["deliberation"]
    assert (shown["meeting"], shown["session_number"], shown["held_on"]) == ("市政府常务会议", 12, "2026-12-01")
    assert shown["minutes_name"] == "第12次常务会议纪要.docx" and len(shown["minutes_sha256"]) == 64
    hits = cli.json("deliberation", "search", "驯鹿养殖户", "--as", "signer")["hits"]
    assert [h["dossier"] for h in hits] == [d] and "驯鹿养殖户" in hits[0]["excerpt"]
    r = cli("deliberation", "search", "驯鹿养殖户", "--as", "signer")
    assert r.exit_code == 0 and "找到 1 次会议记录" in r.output and "《" in r.output
    assert cli.json("deliberation", "search", "驯鹿养殖户", "--as", "editor")["hits"] == []   # may not see it
    r = cli("review", d, "--stage", "集体审议", "--approve", "--comment", "同意", "--as", "secretary", "--json")
    assert r.exit_code == 0, r.output


def test_refusals_are_coded_chinese_and_usage_errors_exit_2(cli, sample_zip, tmp_path):
    d = reviewed(cli, sample_zip)
    minutes = tmp_path / "纪要.docx"
    minutes.write_bytes(MINUTES)
    base = ("deliberation", "record", d, "--meeting", "市政府常务会议", "--held-on", "2026-12-01")

    def code(*args) -> str:
        r = cli(*args, "--json")
        assert r.exit_code == 1, r.output
        return json.loads(r.stdout)["problems"][0]["code"]
    assert code(*base, "--minutes", tmp_path / "没有.docx", "--as", "secretary") == "file_not_found"
    assert code(*base, "--minutes", minutes, "--as", "drafter") == "not_permitted"
    assert code(*base, "--minutes", minutes, "--as", "editor") == "not_found"
    bad = tmp_path / "纪要.pdf"
    bad.write_bytes(b"%PDF-1.4")
    assert code(*base, "--minutes", bad, "--as", "secretary") == "not_docx"
    r = cli("deliberation", "record", d, "--meeting", "市政府常务会议", "--held-on", "明天", "--minutes", minutes,
            "--as", "secretary")
    assert r.exit_code == 2 and "不是可识别的日期" in r.output
    r = cli("deliberation", "show", d)
    assert r.exit_code == 0 and "尚未记录集体审议会议" in r.output
