"""Decisions and transitions: separation of duties, roles, order of stages, states."""
from __future__ import annotations

import datetime as dt

import pytest

from documents.problems import Refused
from review.decisions import Decide, DossierView, decide, sign_off
from review.gate import gate
from review.model import Reason
from review.states import transition
from tests.domain.test_gate import CONFIG, NORMATIVE, approve, complete_files, version

NOW = dt.datetime(2019, 8, 2, 9, tzinfo=dt.timezone.utc)


def dossier(state: str = "submitted") -> DossierView:
    return DossierView(id="D1", state=state, kind="行政规范性文件", drafting_unit="根河市政务服务局",
                       submitters=frozenset({"drafter"}), current=version(complete_files()))


def cmd(stage: str, who: str, verdict: str = "approve") -> Decide:
    reasons = (Reason(anchor="一、（二）", text="表述不清"),) if verdict == "return" else ()
    return Decide(stage=stage, verdict=verdict, comment="同意" if verdict == "approve" else "",
                  actor=CONFIG.person(who), reasons=reasons)


def refused_code(fn, *args) -> str:
    with pytest.raises(Refused) as e:
        fn(*args)
    return e.value.problem.code


def test_an_approval_binds_to_the_current_version_and_moves_the_dossier_into_review():
    event, state = decide(cmd("unit_check", "director"), dossier(), NORMATIVE, [], NOW)
    assert (event.stage, event.verdict, event.fingerprint, state) == ("unit_check", "approve", "f" * 64, "in_review")


def test_nobody_approves_a_dossier_they_submitted():
    d = dossier().model_copy(update={"submitters": frozenset({"director"})})
    assert refused_code(decide, cmd("unit_check", "director"), d, NORMATIVE, [], NOW) == "not_permitted"


def test_a_stage_needs_one_of_its_roles():
    assert refused_code(decide, cmd("legality", "publicity"), dossier(), NORMATIVE, approve("unit_check"), NOW) == "not_permitted"


def test_a_unit_check_is_done_by_the_drafting_unit():
    from review.config import Person
    outsider = Person(name="x", unit="根河市司法局", roles=("unit_head",))
    c = Decide(stage="unit_check", verdict="approve", actor=outsider)
    assert refused_code(decide, c, dossier(), NORMATIVE, [], NOW) == "not_permitted"


def test_a_stage_waits_for_the_stage_before_it():
    assert refused_code(decide, cmd("legality", "reviewer"), dossier(), NORMATIVE, [], NOW) == "stage_not_approved"


def test_an_unknown_stage_is_refused_with_the_stages_that_exist():
    with pytest.raises(Refused) as e:
        decide(cmd("nonsense", "reviewer"), dossier(), NORMATIVE, [], NOW)
    assert "unit_check" in e.value.problem.message


def test_a_return_sends_the_dossier_back_to_the_office():
    _, state = decide(cmd("unit_check", "director", "return"), dossier(), NORMATIVE, [], NOW)
    assert state == "returned"


def test_a_returned_dossier_takes_no_decision_until_resubmitted():
    assert refused_code(decide, cmd("unit_check", "director"), dossier("returned"), NORMATIVE, [], NOW) == "invalid_state"
    assert transition("returned", "resubmit") == "submitted"


def test_sign_off_is_refused_with_every_failing_check():
    d = dossier()
    blocking = gate(d.current, [], NORMATIVE)
    with pytest.raises(Refused) as e:
        sign_off(CONFIG.person("signer"), d, blocking, NOW)
    assert {p.code for p in e.value.problems} == {"stage_not_approved"} and len(e.value.problems) == 3


def test_only_a_signer_signs_off():
    assert refused_code(sign_off, CONFIG.person("reviewer"), dossier(), [], NOW) == "not_permitted"


def test_sign_off_with_an_open_gate_records_the_version():
    event = sign_off(CONFIG.person("signer"), dossier("in_review"), [], NOW)
    assert (event.version, event.fingerprint) == (1, "f" * 64)


def test_a_signed_dossier_cannot_be_resubmitted_or_signed_again():
    assert refused_code(transition, "signed_off", "resubmit") == "invalid_state"
    assert refused_code(transition, "registered", "sign_off") == "invalid_state"


def test_a_stage_needing_several_roles_waits_for_each_of_them():
    from review.config import Pipeline, StageSpec
    joint = Pipeline(kind="行政规范性文件", stages=(
        StageSpec(id="joint", name="联合审核", roles=("legal_reviewer", "publicity"), require_all=True),))
    d = dossier()
    e1, _ = decide(cmd("joint", "reviewer"), d, joint, [], NOW)
    assert e1.role == "legal_reviewer"
    blocking = gate(d.current, [e1], joint)
    assert [(b.stage, b.roles) for b in blocking] == [("joint", ("publicity",))]
    e2, _ = decide(cmd("joint", "publicity"), d.model_copy(update={"state": "in_review"}), joint, [e1],
                   NOW + dt.timedelta(minutes=1))
    assert gate(d.current, [e1, e2], joint) == []


def test_an_emergency_sign_off_never_skips_the_legality_review_of_a_normative_document():
    d = dossier()
    blocking = gate(d.current, [], NORMATIVE)
    assert refused_code(sign_off, CONFIG.person("signer"), d, blocking, NOW,
                        "防汛紧急部署，需在汛期到来前公布施行", NORMATIVE) == "not_permitted"


def test_an_emergency_sign_off_skips_only_stages_marked_skippable():
    d = dossier().model_copy(update={"kind": "政策性文件"})
    policy = CONFIG.pipeline("政策性文件")
    blocking = gate(d.current, approve("kind_check"), policy)
    event = sign_off(CONFIG.person("signer"), d, blocking, NOW, "防汛紧急部署，需在汛期到来前公布施行", policy)
    assert event.skipped_stages == ("unit_check",)


def test_an_emergency_sign_off_never_skips_the_kind_confirmation():
    """A 政策性文件 is a claim until a legal reviewer confirms it (review/kinds.py): skipping 类别认定
    in an emergency would let a normative document skip 合法性审核."""
    d = dossier().model_copy(update={"kind": "政策性文件"})
    policy = CONFIG.pipeline("政策性文件")
    blocking = gate(d.current, approve("unit_check"), policy)
    assert [b.stage for b in blocking if b.stage] == ["kind_check"]
    assert refused_code(sign_off, CONFIG.person("signer"), d, blocking, NOW, "防汛紧急部署，需在汛期到来前公布施行",
                        policy) == "not_permitted"


def test_an_emergency_reason_is_a_sentence_not_a_dot():
    d = dossier().model_copy(update={"kind": "政策性文件"})
    policy = CONFIG.pipeline("政策性文件")
    blocking = gate(d.current, [], policy)
    for reason in (" ", ".", "紧急", "　紧 急 紧 急 紧 急　"):
        assert refused_code(sign_off, CONFIG.person("signer"), d, blocking, NOW, reason, policy) == "not_permitted"


def test_an_emergency_sign_off_never_skips_the_dossier_contents():
    d = dossier().model_copy(update={"kind": "政策性文件"})
    policy = CONFIG.pipeline("政策性文件")
    no_risk = d.current.model_copy(update={"files": tuple(f for f in d.current.files if f.role != "risk_assessment")})
    blocking = gate(no_risk, [], policy)
    assert refused_code(sign_off, CONFIG.person("signer"), d.model_copy(update={"current": no_risk}),
                        blocking, NOW, "防汛紧急部署，需在汛期到来前公布施行", policy) == "risk_assessment_missing"


# ---- a decision says what the reviewer meant


def test_a_return_without_a_reason_is_refused():
    c = Decide(stage="unit_check", verdict="return", comment="请修改", actor=CONFIG.person("director"))
    assert refused_code(decide, c, dossier(), NORMATIVE, [], NOW) == "request_invalid"
    blank = c.model_copy(update={"reasons": (Reason(text="  "),)})
    assert refused_code(decide, blank, dossier(), NORMATIVE, [], NOW) == "request_invalid"


def test_a_return_with_a_general_reason_is_recorded():
    c = Decide(stage="unit_check", verdict="return", reasons=(Reason(text="请补充起草说明"),),
               actor=CONFIG.person("director"))
    event, state = decide(c, dossier(), NORMATIVE, [], NOW)
    assert (event.verdict, state, event.reasons[0].text) == ("return", "returned", "请补充起草说明")


def test_an_approval_carrying_return_reasons_is_refused():
    c = Decide(stage="unit_check", verdict="approve", reasons=(Reason(anchor="一、（二）", text="表述不清"),),
               actor=CONFIG.person("director"))
    with pytest.raises(Refused) as e:
        decide(c, dossier(), NORMATIVE, [], NOW)
    assert e.value.problem.code == "request_invalid" and "通过时不能附退回理由" in e.value.problem.message


def test_an_approval_asking_for_resubmission_is_refused():
    c = Decide(stage="unit_check", verdict="approve", comment="请修改后重新报送", actor=CONFIG.person("director"))
    assert refused_code(decide, c, dossier(), NORMATIVE, [], NOW) == "request_invalid"


def test_a_decision_has_no_default_verdict():
    from pydantic import ValidationError
    with pytest.raises(ValidationError):
        Decide(stage="unit_check", actor=CONFIG.person("director"))
