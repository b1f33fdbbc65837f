"""The 集体审议 rules (review/rules.py, issue 14): who records the meeting, and when its approval needs it."""
from __future__ import annotations

from review import rules
from review.config import Person, Pipeline, StageSpec

STAGE = StageSpec(id="deliberation", name="集体审议", roles=("deliberation_secretary",), after=("legality",))
REQUIRED = STAGE.model_copy(update={"meeting_record": True})
SECRETARY = Person(name="secretary", unit="根河市人民政府办公室", roles=("deliberation_secretary",))
DRAFTER = Person(name="drafter", unit="根河市政务服务局", roles=("drafter",))
OFFICE = "根河市政务服务局"


def test_the_meeting_stage_is_the_deliberation_stage_or_one_marked_meeting_record():
    legality = StageSpec(id="legality", name="合法性审核", roles=("legal_reviewer",))
    council = StageSpec(id="council", name="全体会议", roles=("deliberation_secretary",), meeting_record=True)
    assert rules.meeting_stage(Pipeline(kind="行政规范性文件", stages=(legality, STAGE))) == STAGE
    assert rules.meeting_stage(Pipeline(kind="X", stages=(legality, council))) == council
    assert rules.meeting_stage(Pipeline(kind="政策性文件", stages=(legality,))) is None
    assert rules.meeting_stage(None) is None


def test_the_stages_approvers_record_the_meeting_while_the_dossier_is_under_review():
    assert rules.may_record_deliberation(SECRETARY, {"drafter"}, OFFICE, "in_review", STAGE) is None
    assert rules.may_record_deliberation(DRAFTER, {"drafter"}, OFFICE, "in_review", STAGE).code == "not_permitted"
    assert rules.may_record_deliberation(SECRETARY, {"secretary"}, OFFICE, "in_review", STAGE).code == "not_permitted"
    for state in ("returned", "signed_off", "published"):
        assert rules.may_record_deliberation(SECRETARY, {"drafter"}, OFFICE, state, STAGE).code == "invalid_state"
    assert rules.may_record_deliberation(SECRETARY, {"drafter"}, OFFICE, "in_review", None).code == "invalid_state"


def test_an_approval_needs_the_record_only_where_the_stage_says_so_and_a_return_never():
    assert rules.deliberation_record_problem(REQUIRED, "approve", False).code == "deliberation_record_missing"
    assert rules.deliberation_record_problem(REQUIRED, "approve", True) is None
    assert rules.deliberation_record_problem(REQUIRED, "return", False) is None
    assert rules.deliberation_record_problem(STAGE, "approve", False) is None
