"""The journey through the command line, as an office, a reviewer and a signer use it."""
from __future__ import annotations

import json

import pytest
from tests.support.registration import registered

pytestmark = pytest.mark.usefixtures("prefect_harness")


def approve_all(cli, dossier: str) -> list[str]:
    people = cli.json("users", "list")["users"]
    done = []
    for b in cli.json("gate", dossier)["blocking"]:
        assert b["code"] == "stage_not_approved", b
        who = next(p["name"] for p in people if set(p["roles"]) & set(b["roles"]) and p["name"] != "drafter")
        cli.json("review", dossier, "--stage", b["stage"], "--approve", "--comment", "同意", "--as", who)
        done.append(b["stage"])
    return done


def test_journey_from_bundle_to_gazette_queue_and_register(cli, sample_zip, home):
    bundle = sample_zip()
    sub = cli.json("submit", bundle, "--as", "drafter")
    assert sub["accepted"] is True and sub["version"] == 1
    # The sample names no 施行日期: a warning, it takes effect on its gazette issue's date.
    assert [(p["code"], p["severity"]) for p in sub["problems"]] == [("effective_date_missing", "warning")]
    d = sub["dossier"]
    roles = {f["name"]: f["role"] for f in sub["files"]}
    assert roles["根政办发〔2019〕36号.docx"] == "policy" and roles["一图读懂.png"] == "graphic_interpretation"
    policy = next(f for f in sub["files"] if f["role"] == "policy")["metadata"]
    assert policy["doc_number"] == {"raw": "根政办发〔2019〕36号", "organ_code": "根政办发", "year": 2019, "serial": 36}
    assert policy["title"].endswith("政务公开工作要点》的通知") and policy["disclosure"] == "主动公开"

    gate = cli.json("gate", d)
    assert gate["ready"] is False and {b["code"] for b in gate["blocking"]} == {"stage_not_approved"}
    refused = cli("sign-off", d, "--as", "signer", "--json")
    assert refused.exit_code == 1
    assert json.loads(refused.stdout)["ready"] is False

    assert approve_all(cli, d) == ["unit_check", "legality", "deliberation"]
    assert cli.json("gate", d)["ready"] is True

    signed = cli.json("sign-off", d, "--as", "signer")
    assert signed["ready"] is True and signed["publication"]["published"] is True
    queue = cli.json("gazette", "queue")["items"]
    assert [i["dossier"] for i in queue] == [d]
    entries = cli.json("register", "list")["entries"]
    assert [(e["document_number"], e["status"]) for e in entries] == [("根政办发〔2019〕36号", "pending")]
    assert (entries[0]["effective_date"], entries[0]["valid_until"]) == (None, None)     # 待定: the gazette fixes it
    assert entries[0]["registration_number"] == registered(1)

    # The policy page and its interpretation page link to each other.
    pages = signed["publication"]["pages"]
    policy_html = open(pages["policy"], encoding="utf-8").read()
    interp_html = open(pages["interpretation"], encoding="utf-8").read()
    assert f'href="../interpretations/{d}.html"' in policy_html and "根河市2019年政务公开工作要点" in policy_html
    assert f'href="../policies/{d}.html"' in interp_html and "<img" in interp_html

    status = cli.json("status", d)
    assert status["state"] == "registered"
    assert [h["event"] for h in status["history"]] == [
        "dossier.submitted", "review.stage.decided", "review.stage.decided", "review.stage.decided",
        "dossier.signed_off", "dossier.published"]


def test_a_second_submit_of_the_same_bytes_is_recognised_not_stored_again(cli, sample_zip):
    bundle = sample_zip()
    first = cli.json("submit", bundle, "--as", "drafter")
    again = cli.json("submit", bundle, "--as", "drafter")
    assert (again["dossier"], again["version"], again["duplicate"]) == (first["dossier"], 1, True)


def test_a_resubmission_is_a_new_version_and_voids_earlier_approvals(cli, sample_zip):
    d = cli.json("submit", sample_zip(), "--as", "drafter")["dossier"]
    cli.json("review", d, "--stage", "unit_check", "--approve", "--as", "director")
    changed = sample_zip(body_variant=1)
    sub = cli.json("submit", changed, "--as", "drafter")
    assert (sub["dossier"], sub["version"], sub["new_dossier"]) == (d, 2, False)
    stages = [b["stage"] for b in cli.json("gate", d)["blocking"]]
    assert stages == ["unit_check", "legality", "deliberation"]


def test_a_return_then_resubmit_reopens_review(cli, sample_zip):
    d = cli.json("submit", sample_zip(), "--as", "drafter")["dossier"]
    r = cli.json("review", d, "--stage", "unit_check", "--return", "--reason", "一、（二）：表述不清", "--as", "director")
    assert r["decision"]["verdict"] == "return"
    assert cli.json("status", d)["state"] == "returned"
    again = cli("review", d, "--stage", "unit_check", "--approve", "--as", "director", "--json")
    assert again.exit_code == 1 and json.loads(again.stdout)["problems"][0]["code"] == "invalid_state"
    cli.json("submit", sample_zip(body_variant=2), "--as", "drafter", "--dossier", d)
    assert cli.json("status", d)["state"] == "submitted"


def test_missing_risk_assessment_is_accepted_but_sign_off_is_refused(cli, sample_zip):
    sub = cli.json("submit", sample_zip("missing-risk"), "--as", "drafter")
    d = sub["dossier"]
    assert sub["accepted"] is True
    assert "risk_assessment_missing" in [b["code"] for b in sub["gate"]["blocking"]]
    approve_stages = [b for b in cli.json("gate", d)["blocking"] if b["code"] == "stage_not_approved"]
    assert approve_stages
    for who, stage in (("director", "unit_check"), ("reviewer", "legality"), ("secretary", "deliberation")):
        cli.json("review", d, "--stage", stage, "--approve", "--as", who)
    r = cli("sign-off", d, "--as", "signer", "--json")
    assert r.exit_code == 1
    assert [b["code"] for b in json.loads(r.stdout)["blocking"]] == ["risk_assessment_missing"]


def test_roles_come_from_file_names_without_a_manifest(cli, sample_zip):
    sub = cli.json("submit", sample_zip("no-manifest"), "--as", "drafter")
    roles = sorted(f["role"] for f in sub["files"])
    assert roles == ["graphic_interpretation", "interpretation_material", "interpretation_plan",
                     "policy", "risk_assessment"]
    assert {f["role_source"] for f in sub["files"]} == {"file_name"}


def test_a_gbk_zip_from_chinese_windows_reads_as_chinese(cli, sample_zip):
    sub = cli.json("submit", sample_zip(gbk_names=True), "--as", "drafter")
    assert "根政办发〔2019〕36号.docx" in [f["name"] for f in sub["files"]]


def test_reviewer_cannot_approve_a_stage_outside_their_role(cli, sample_zip):
    d = cli.json("submit", sample_zip(), "--as", "drafter")["dossier"]
    r = cli("review", d, "--stage", "unit_check", "--approve", "--as", "reviewer", "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["problems"][0]["code"] == "not_permitted"
    r = cli("review", d, "--stage", "unit_check", "--approve", "--as", "drafter", "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["problems"][0]["code"] == "not_permitted"


def test_demo_walks_the_whole_journey(cli, tmp_path):
    r = cli("demo", "--workdir", tmp_path / "demo", "--json")
    assert r.exit_code == 0, r.output
    steps = json.loads(r.stdout)
    assert steps["publication"]["published"] is True
    assert [s for s, _ in steps["approvals"]] == ["unit_check", "legality", "deliberation"]
    major = steps["major_decision"]
    assert major["returned_with"][0]["anchor"] == "一、（二）" and major["publication"]["published"] is True
    assert major["diff"]["policy"]["replace"] >= 1
    gazette = steps["gazette"]
    assert gazette["status"] == "released" and gazette["print_sha256"] and gazette["web_sha256"]
    import hashlib
    from pathlib import Path
    assert hashlib.sha256(Path(gazette["print_path"]).read_bytes()).hexdigest() == gazette["print_sha256"]
    again = json.loads(cli("demo", "--workdir", tmp_path / "demo", "--json").stdout)
    assert again["submit"]["dossier"] != steps["submit"]["dossier"]


def test_the_demo_runs_in_a_fresh_temporary_home_unless_one_is_named(tmp_path):
    from pathlib import Path

    from cli.demo import demo_home
    scratch = demo_home(None, None)
    assert scratch is not None and not scratch.exists() and scratch.parent.is_dir()
    assert scratch != demo_home(None, None)                   # a new one each time
    assert not str(scratch).startswith(str(Path.cwd()))       # never ./.lockstep
    assert demo_home(tmp_path / "home", None) is None          # --home: that home
    assert demo_home(None, str(tmp_path / "h")) is None        # LOCKSTEP_HOME: that home
