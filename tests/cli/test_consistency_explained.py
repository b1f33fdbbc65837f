"""解读与政策一致性：已说明 (issue 16): a reviewer of the dossier marks a finding explained with a
reason, audited as consistency.explained; the gate and sign-off say how many are unexplained and
never block on them. Through the service and the CLI, on a real SQLite home."""
from __future__ import annotations

import pytest

from documents.problems import Refused
from tests.support.inconsistent import inconsistent_dossier

REASON = "解读依据的是机构改革后的新分工，并非笔误"


@pytest.fixture
def dossier(svc, tmp_path):
    return inconsistent_dossier(svc, tmp_path)


def _refusal(fn, *args) -> str:
    with pytest.raises(Refused) as caught:
        fn(*args)
    return caught.value.problem.code


def _organ(view):
    return next(f for f in view.findings if f.kind == "organ")


def test_findings_name_both_places_and_start_unexplained(svc, dossier):
    from services.dossiers.explained import findings, summary_line
    view = findings(svc, dossier, "reviewer")
    assert (view.unexplained, view.may_explain) == (2, True)
    organ = _organ(view)
    assert (organ.anchor, organ.text, organ.policy_anchor, organ.policy_text) == (
        "问6", "市审计局牵头", "二、（三）", "市政务服务局牵头")
    assert len(organ.id) == 16 and len({f.id for f in view.findings}) == 2
    assert findings(svc, dossier).findings == view.findings        # the id is stable across reads
    assert summary_line(view) == "解读与政策一致性：2 处未说明"
    assert len(view.notes) == 3


def test_a_reviewer_explains_a_finding_audited_and_counted(svc, dossier):
    from services.dossiers.explained import explain, findings
    fid = _organ(findings(svc, dossier)).id
    done = explain(svc, dossier, fid, f"  {REASON}  ", "reviewer")
    assert (done.finding.explained, done.finding.explained_by, done.finding.reason, done.unexplained) == (
        True, "reviewer", REASON, 1)
    view = findings(svc, dossier, "director")
    assert view.unexplained == 1 and _organ(view).explained and _organ(view).reason == REASON
    with svc.unit() as uow:
        [event] = [e for e in uow.audit.history(dossier) if e.name == "consistency.explained"]
        assert uow.audit.verify() == []
    assert (event.actor, event.payload["finding"], event.payload["reason"]) == ("reviewer", fid, REASON)
    assert "市审计局牵头" in event.payload["summary"]
    # Explained once: a second mark is refused, the first stays.
    assert _refusal(explain, svc, dossier, fid, REASON, "director") == "invalid_state"


def test_refusals_are_coded(svc, dossier):
    from services.dossiers.explained import explain, findings
    fid = _organ(findings(svc, dossier)).id
    # A stranger: the gazette editor may not see an unsigned dossier, and is told it does not exist;
    # the publicity reviewer acts only on high-risk dossiers (this one is low), so likewise.
    for stranger in ("editor", "publicity"):
        assert _refusal(explain, svc, dossier, fid, REASON, stranger) == "not_found"
        assert _refusal(findings, svc, dossier, stranger) == "not_found"
    assert _refusal(explain, svc, "D2099-0001", fid, REASON, "reviewer") == "not_found"
    assert _refusal(explain, svc, dossier, fid, REASON, "nobody") == "unknown_person"
    # The signer sees the dossier but decides none of its stages.
    assert _refusal(explain, svc, dossier, fid, REASON, "signer") == "not_permitted"
    assert findings(svc, dossier, "signer").why_not.code == "not_permitted"
    # A reason is a sentence: ten 。 or zero-width spaces are not.
    for short in ("", "笔误", "。" * 12, "\u200b" * 12, "见说明 ok"):
        assert _refusal(explain, svc, dossier, fid, short, "reviewer") == "request_invalid", short
    # An id naming no finding of the current version.
    assert _refusal(explain, svc, dossier, "0" * 16, REASON, "reviewer") == "not_found"
    assert _refusal(explain, svc, dossier, "", REASON, "reviewer") == "not_found"
    assert findings(svc, dossier).unexplained == 2          # nothing was recorded by a refusal


def test_the_drafter_of_the_dossier_may_not_explain_its_own_findings(svc, dossier):
    """Separation of duties: the submitter is refused, and the unit's head who submitted nothing may."""
    from services.dossiers.explained import explain, findings
    fid = _organ(findings(svc, dossier)).id
    assert _refusal(explain, svc, dossier, fid, REASON, "drafter") == "not_permitted"
    view = findings(svc, dossier, "drafter")
    assert not view.may_explain and "提交了本卷宗" in view.why_not.message
    assert explain(svc, dossier, fid, REASON, "director").finding.explained


def test_the_rulebook_refuses_a_submitter_even_holding_the_stage_s_role():
    """A drafter who is also the unit's head (a small office) decides no stage of what they submitted,
    so explains none of its findings either; a closed dossier takes no marks."""
    from review import rules
    from review.config import Person, StageSpec
    stage = StageSpec(id="unit_check", name="起草单位审核", roles=("unit_head",), same_unit=True)
    both = Person(name="wang", unit="根河市政务服务局", roles=("drafter", "unit_head"))
    head = Person(name="li", unit="根河市政务服务局", roles=("unit_head",))
    assert rules.may_explain_finding(both, {"wang"}, "根河市政务服务局", [stage], "submitted").code == "not_permitted"
    assert rules.may_explain_finding(head, {"wang"}, "根河市政务服务局", [stage], "submitted") is None
    assert rules.may_explain_finding(head, {"wang"}, "根河市财政局", [stage], "submitted").code == "not_permitted"
    assert rules.may_explain_finding(head, {"wang"}, "根河市政务服务局", [stage], "signed_off").code == "invalid_state"
    assert rules.may_explain_finding_with(head, {"wang"}, "根河市政务服务局", [stage], "in_review",
                                          "。。。。。。。。。。。").code == "request_invalid"


def test_a_new_version_starts_its_findings_unexplained(svc, dossier, tmp_path):
    from samples import genhe
    from services.dossiers.attach import attach
    from services.dossiers.explained import explain, findings
    from tests.support.inconsistent import edited_docx
    for f in findings(svc, dossier).findings:
        explain(svc, dossier, f.id, REASON, "reviewer")
    assert findings(svc, dossier).unexplained == 0
    before = findings(svc, dossier).findings
    # Version 2: the same two findings (the questions reworded).
    material = tmp_path / genhe.MATERIAL_NAME
    material.write_bytes(edited_docx(edited_docx(genhe.interpretation_docx()), (("包括哪些内容？", "主要包括哪些内容？"),)))
    assert attach(svc, dossier, material, "interpretation_material", "drafter").version == 2
    view = findings(svc, dossier)
    assert view.version == 2 and view.unexplained == 2 and not any(f.explained for f in view.findings)
    assert [(f.anchor, f.text) for f in view.findings] == [(f.anchor, f.text) for f in before]
    assert not {f.id for f in view.findings} & {f.id for f in before}


# ------------------------------------------------------------------ the CLI


def test_cli_explain_show_gate_and_sign_off_text(cli, svc, dossier):
    shown = cli.json("consistency", "show", dossier, "--as", "reviewer")
    assert shown["ok"] and shown["unexplained"] == 2 and shown["summary"] == "解读与政策一致性：2 处未说明"
    fid = next(f["id"] for f in shown["findings"] if f["kind"] == "organ")
    done = cli.json("consistency", "explain", dossier, "--finding", fid, "--reason", REASON, "--as", "reviewer")
    assert done["ok"] and done["finding"]["explained"] and done["unexplained"] == 1
    text = cli("consistency", "explain", dossier, "--finding", fid, "--reason", REASON, "--as", "director")
    assert text.exit_code == 1 and "已由 reviewer 说明" in text.stdout
    gate = cli.json("gate", dossier)
    assert gate["consistency"]["unexplained"] == 1 and len(gate["consistency"]["problems"]) == 2
    assert not [b for b in gate["blocking"] if b["code"] == "interpretation_inconsistent"]
    words = cli("gate", dossier).stdout
    assert "解读与政策一致性：1 处未说明" in words and "已说明" in words
    # The signer is refused for the missing reviews, and reads the count there too.
    refused = cli("sign-off", dossier, "--as", "signer")
    assert refused.exit_code == 1 and "解读与政策一致性：1 处未说明" in refused.stdout


def test_cli_refusals_have_codes_and_exit_codes(cli, dossier):
    fid = next(f["id"] for f in cli.json("consistency", "show", dossier)["findings"])
    r = cli.json("consistency", "explain", dossier, "--finding", fid, "--reason", "太短", "--as", "reviewer", code=1)
    assert r["ok"] is False and r["problems"][0]["code"] == "request_invalid" and "不少于 10 个字" in r["problems"][0]["message"]
    r = cli.json("consistency", "explain", dossier, "--finding", fid, "--reason", REASON, "--as", "drafter", code=1)
    assert r["problems"][0]["code"] == "not_permitted"
    r = cli.json("consistency", "explain", dossier, "--finding", "nope", "--reason", REASON, "--as", "reviewer", code=1)
    assert r["problems"][0]["code"] == "not_found"
    assert cli("consistency", "explain", dossier, "--reason", REASON, "--as", "reviewer").exit_code == 2


@pytest.mark.usefixtures("prefect_harness")
def test_the_signer_reads_the_unexplained_count_and_signs_anyway(cli, svc, dossier):
    """Findings never block: with one unexplained the dossier signs, and sign-off says so."""
    from services.dossiers.explained import explain, findings
    explain(svc, dossier, _organ(findings(svc, dossier)).id, REASON, "reviewer")
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        cli.json("review", dossier, "--stage", stage, "--approve", "--comment", "同意", "--as", who)
    assert cli.json("gate", dossier)["ready"] is True
    signed = cli.json("sign-off", dossier, "--as", "signer")
    assert signed["signed"] is True
    assert signed["consistency"] == {"unexplained": 1, "summary": "解读与政策一致性：1 处未说明"}
    # Closed: no more marks.
    left = next(f for f in findings(svc, dossier).findings if not f.explained)
    r = cli.json("consistency", "explain", dossier, "--finding", left.id, "--reason", REASON, "--as", "reviewer", code=1)
    assert r["problems"][0]["code"] == "invalid_state"
