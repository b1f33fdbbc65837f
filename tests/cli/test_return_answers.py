"""After a return (issue 14, drafting office): gate and status say it was returned, by whom, when,
with the anchored reasons, and that the office moves next; a resubmission carries a 修改说明 per
reason (command line --answer, 修改说明.json, bundle.json), an unanswered reason is flagged."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from docx import Document

REASONS = ("一、（二）：回应时限表述不清", "解读：问2：与原文不一致", "请补充起草说明")


def returned(cli, svc, sample_zip) -> str:
    from services.dossiers.intake import intake_bundle
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    args = [x for r in REASONS for x in ("--reason", r)]
    cli.json("review", d, "--stage", "unit_check", "--return", "--comment", "请修改", *args, "--as", "director")
    return d


def revised_zip(tmp_path, name: str = "v2.zip", note: dict | list | str | None = None,
                manifest_note=None) -> str:
    """The sample with 一、（二） revised (a sentence added), optionally with a 修改说明."""
    from samples.genhe import bundle_files
    files = bundle_files()
    policy = next(n for n in files if n.endswith("号.docx"))
    doc = Document(io.BytesIO(files[policy]))
    para = next(p for p in doc.paragraphs if p.text.startswith("（二）积极回应社会关切"))
    para.runs[-1].text += "回应时限为三个工作日。"
    out = io.BytesIO()
    doc.save(out)
    files[policy] = out.getvalue()
    if note is not None:
        files["修改说明.json"] = (note if isinstance(note, str) else json.dumps(note, ensure_ascii=False)).encode()
    if manifest_note is not None:
        manifest = json.loads(files["bundle.json"])
        manifest["修改说明"] = manifest_note
        files["bundle.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in files.items():
            zf.writestr(n, data)
    return str(path)


# ---------------------------------------------------------------- gate and status after a return

def test_after_a_return_gate_and_status_say_returned_by_whom_when_why_and_that_the_office_moves_next(
        cli, svc, sample_zip):
    d = returned(cli, svc, sample_zip)
    for command in ("gate", "status"):
        text = cli(command, d).stdout
        assert "已退回（退回）" in text and "起草单位审核环节退回第 1 版" in text
        assert "政务服务局局长（director），起草单位负责人，根河市政务服务局" in text
        assert "【一、（二）】回应时限表述不清" in text and "【解读：问2】与原文不一致" in text
        assert "理由3：请补充起草说明" in text
        assert "下一步：由起草单位（根河市政务服务局）修改后重新提交" in text
        assert "→ 由" not in text            # no reviewer is named as the next to act
    gate = cli.json("gate", d)
    st = cli.json("status", d)
    for g in (gate, st["gate"]):
        r = g["returned"]
        assert g["next_move"] == "起草单位按退回意见修改后重新提交" and r["pending"] is True
        assert (r["by"], r["by_display"], r["role"], r["role_name"], r["unit"], r["stage"], r["version"]) == (
            "director", "政务服务局局长", "unit_head", "起草单位负责人", "根河市政务服务局", "unit_check", 1)
        assert r["at"] and r["comment"] == "请修改"
        assert [(x["key"], x["anchor"], x["text"], x["answer"]) for x in r["reasons"]] == [
            ("一、（二）", "一、（二）", "回应时限表述不清", None), ("解读：问2", "问2", "与原文不一致", None),
            ("理由3", "", "请补充起草说明", None)]
        assert g["warnings"] == []           # nothing is 未答复 before the office resubmits


def test_a_dossier_never_returned_has_no_return_and_no_next_move_of_the_office(cli, svc, sample_zip):
    from services.dossiers.intake import intake_bundle
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    gate = cli.json("gate", d)
    assert gate["returned"] is None and gate["next_move"] is None and gate["warnings"] == []
    assert "退回" not in cli("gate", d).stdout


# ---------------------------------------------------------------- 修改说明 through the services

def test_a_resubmission_answers_reasons_and_an_unanswered_one_is_flagged_in_gate_and_status(
        cli, svc, sample_zip, tmp_path):
    from services.dossiers.intake import intake_bundle
    d = returned(cli, svc, sample_zip)
    r = intake_bundle([revised_zip(tmp_path)], "drafter", svc, d,
                      ["一、（二）=已按意见修改为三个工作日内回应", "理由3=已补充起草说明"])
    assert r.accepted and r.version == 2
    gate = cli.json("gate", d)
    back = gate["returned"]
    assert back["pending"] is False and gate["next_move"] is None and back["answered_by_version"] == 2
    assert [(x["key"], x["answer"], x["answered_in"]) for x in back["reasons"]] == [
        ("一、（二）", "已按意见修改为三个工作日内回应", 2), ("解读：问2", None, None), ("理由3", "已补充起草说明", 2)]
    [w] = gate["warnings"]
    assert w["code"] == "reason_unanswered" and w["severity"] == "warning" and "解读：问2" in w["message"]
    assert not any(b["code"] == "reason_unanswered" for b in gate["blocking"])   # a flag, not a block
    text = cli("status", d).stdout
    assert "修改说明（第 2 版）：已按意见修改为三个工作日内回应" in text
    assert "未答复" in text and "reason_unanswered" in text
    assert "此前退回" in text and "已退回" not in text
    assert "下一步：由起草单位" not in text and "→ 由 起草单位负责人" in text   # reviewers act again on version 2


def test_a_bundle_carries_its_修改说明_json_and_bundle_json_field(cli, svc, sample_zip, tmp_path):
    from services.dossiers.intake import intake_bundle
    d = returned(cli, svc, sample_zip)
    note = [{"理由": "一、（二）", "修改说明": "已修改时限"}, {"理由": "解读：问2", "修改说明": "已与原文一致"}]
    r = intake_bundle([revised_zip(tmp_path, note=note, manifest_note={"理由3": "已补充说明"})], "drafter", svc, d)
    assert r.accepted, r.problems
    assert "修改说明.json" not in [f.name for f in r.files]       # a note, not a member of the version
    gate = cli.json("gate", d)
    assert [x["answer"] for x in gate["returned"]["reasons"]] == ["已修改时限", "已与原文一致", "已补充说明"]
    assert gate["warnings"] == []


@pytest.mark.parametrize("note", ['["一、（二）"]', '{"一、（二）": 3}', '"已修改"', "不是 JSON",
                                  '[{"理由": "一、（二）", "修改说明": "x", "附件": "y"}]'])
def test_a_修改说明_of_an_unknown_shape_is_a_coded_problem_and_nothing_is_stored(
        cli, svc, sample_zip, tmp_path, note):
    from services.dossiers.intake import intake_bundle
    d = returned(cli, svc, sample_zip)
    r = intake_bundle([revised_zip(tmp_path, note=note)], "drafter", svc, d)
    assert not r.accepted
    assert any(p.code == "revision_note_invalid" and p.severity == "error" and p.file == "修改说明.json" for p in r.problems)
    assert cli.json("status", d)["version"] == 1


def test_an_answer_for_a_reason_the_return_does_not_have_is_a_coded_refusal(cli, svc, sample_zip, tmp_path):
    from services.dossiers.intake import intake_bundle
    d = returned(cli, svc, sample_zip)
    r = intake_bundle([revised_zip(tmp_path)], "drafter", svc, d, ["九、（八）=已修改"])
    assert not r.accepted and r.problems[0].code == "not_found"
    assert "九、（八）" in r.problems[0].message and "可答复：一、（二）、解读：问2、理由3" in r.problems[0].message
    assert cli.json("status", d)["version"] == 1              # nothing stored
    # The command line refuses it before reading or storing anything (no workflow engine started).
    r = cli("submit", revised_zip(tmp_path, "v2b.zip"), "--dossier", d, "--as", "drafter",
            "--answer", "理由9=已修改", "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["problems"][0]["code"] == "not_found"
    r = cli("submit", revised_zip(tmp_path, "v2c.zip"), "--dossier", d, "--as", "drafter",
            "--answer", "一、（二）已修改", "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["problems"][0]["code"] == "request_invalid"
    assert cli.json("status", d)["version"] == 1


def test_answers_without_any_return_are_refused(cli, svc, sample_zip, tmp_path):
    from services.dossiers.intake import intake_bundle
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    r = intake_bundle([revised_zip(tmp_path)], "drafter", svc, d, ["一、（二）=已修改"])
    assert not r.accepted and r.problems[0].code == "not_found" and "没有退回意见" in r.problems[0].message


def test_another_units_clerk_cannot_see_the_reasons(cli, svc, sample_zip, tmp_path):
    d = returned(cli, svc, sample_zip)
    cli.json("users", "add", "zhao", "--unit", "根河市司法局", "--role", "drafter")
    r = cli("submit", revised_zip(tmp_path), "--dossier", d, "--as", "zhao", "--answer", "理由1=我来答", "--json")
    assert r.exit_code == 1
    body = json.loads(r.stdout)
    assert body["problems"][0]["code"] == "not_found"
    assert "回应时限" not in r.stdout and "一、（二）" not in r.stdout and "政务服务局" not in r.stdout


@pytest.mark.usefixtures("prefect_harness")
def test_submit_with_answers_through_the_command_line_stores_them_with_the_new_version(
        cli, svc, sample_zip, tmp_path):
    d = returned(cli, svc, sample_zip)
    r = cli.json("submit", revised_zip(tmp_path), "--dossier", d, "--as", "drafter",
                 "--answer", "一、（二）=已按意见修改为三个工作日", "--answer", "解读：问2=已与原文一致")
    assert r["accepted"] and r["version"] == 2
    reasons = r["gate"]["returned"]["reasons"]
    assert [x.get("answer") for x in reasons] == ["已按意见修改为三个工作日", "已与原文一致", None]
    assert [x["answered"] for x in reasons] == [True, True, False]
    assert [w["code"] for w in r["gate"]["warnings"]] == ["reason_unanswered"]
