"""类别认定 (review/kinds.py): a kind that skips legality review is a claim a legal reviewer confirms."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from documents.models import DocNumber, DocumentMeta
from review.config import ROLE_NAMES, Pipeline, parse_config, DEFAULT_CONFIG_TOML
from review.gate import active_stages, gate
from review.kinds import KIND_STAGE_ID, LEGAL_REVIEWER, kind_doubt, normative_signals
from tests.domain.test_gate import approve, complete_files, version


def meta(title: str, organ_code: str = "根政办发") -> DocumentMeta:
    return DocumentMeta(file="p.docx", sha256="0" * 64, size=1, title=title,
                        doc_number=DocNumber(raw=f"{organ_code}〔2026〕3号", organ_code=organ_code, year=2026, serial=3))


@pytest.mark.parametrize("title,organ_code,found", [
    ("根河市人民政府办公室关于印发《根河市政务公开管理办法》的通知", "根政办发", 1),
    ("根河市人民政府关于印发《根河市行政执法公示规定（试行）》的通知", "根政规", 2),
    ("根河市城市供热管理实施细则", "根政办发", 1),
    ("关于做好2026年春节期间安全生产工作的通知", "根政办发", 0),
    ("关于印发《根河市2026年政务公开工作要点》的通知", "根政办发", 0),
    ("关于做好2026年春节期间安全生产工作的通知", "根政规", 1),
])
def test_what_in_a_policy_suggests_a_normative_document(title, organ_code, found):
    assert len(normative_signals(meta(title, organ_code))) == found


def test_a_lighter_kind_with_a_normative_looking_text_is_warned_and_a_normative_kind_is_not():
    m = meta("根河市人民政府办公室关于印发《根河市政务公开管理办法》的通知")
    doubt = kind_doubt("政策性文件", False, m, "p.docx")
    assert doubt is not None and doubt.code == "kind_doubtful" and doubt.severity == "warning"
    assert "类别认定" in doubt.message and "可能属于行政规范性文件" in doubt.message and "办法" in doubt.message
    assert kind_doubt("行政规范性文件", True, m) is None
    assert kind_doubt("政策性文件", False, None) is None


def test_the_default_lighter_kind_carries_the_stage_and_the_normative_kinds_do_not():
    config = parse_config(DEFAULT_CONFIG_TOML)
    policy = config.pipeline("政策性文件")
    assert [s.id for s in policy.stages if LEGAL_REVIEWER in s.roles] == [KIND_STAGE_ID]
    for kind in ("行政规范性文件", "重大行政决策"):
        assert KIND_STAGE_ID not in [s.id for s in config.pipeline(kind).stages]


def test_a_stored_snapshot_without_the_stage_gains_it():
    """A version taken in before this rule keeps its pipeline snapshot; read back, it has the stage."""
    old = {"kind": "政策性文件", "stages": [{"id": "unit_check", "name": "起草单位审核", "roles": ["unit_head"]}]}
    assert [s.id for s in Pipeline.model_validate(old).stages] == ["unit_check", KIND_STAGE_ID]


def test_a_kind_check_stage_a_legal_reviewer_does_not_act_on_is_a_config_error():
    bad = DEFAULT_CONFIG_TOML.replace('{ id = "kind_check", name = "类别认定（确认非规范性文件）", roles = ["legal_reviewer"]',
                                      '{ id = "kind_check", name = "类别认定", roles = ["unit_head"]')
    assert bad != DEFAULT_CONFIG_TOML
    with pytest.raises(ValidationError):
        parse_config(bad)


ROLES = sorted(ROLE_NAMES)
stage_st = st.builds(lambda i, roles, when, skippable, require_all: {
                         "id": f"s{i}", "name": f"环节{i}", "roles": roles, "when": when, "skippable": skippable,
                         "require_all": require_all},
                     st.integers(0, 5), st.lists(st.sampled_from(ROLES), min_size=1, max_size=3, unique=True),
                     st.sampled_from(["always", "high_risk"]), st.booleans(), st.booleans())


@settings(max_examples=200, deadline=None)
@given(stages=st.lists(stage_st, max_size=4, unique_by=lambda s: s["id"]), normative=st.booleans(),
       high=st.booleans())
def test_no_pipeline_signs_off_without_a_legal_reviewer_having_acted(stages, normative, high):
    """Whatever stages an operator configures, approving every stage except the legal reviewers'
    never opens the gate of a document that is not confirmed normative-free: the lighter kind's
    pipeline always has an active legal-reviewer stage (类别认定) that nobody else can approve."""
    pipeline = Pipeline(kind="任意类别", stages=stages, normative=normative)
    v = version(complete_files()).model_copy(update={"risk_level": "高" if high else "低"})
    if normative:
        return          # a normative kind's own stages are the operator's (合法性审核 is configured there)
    # Everyone but the legal reviewer approves whatever they can: every stage one of their roles may
    # approve alone (a require_all stage needs each role, so without the legal reviewer's it stays open).
    others = [s for s in active_stages(pipeline, v)
              if not (s.require_all and LEGAL_REVIEWER in s.roles) and set(s.roles) - {LEGAL_REVIEWER}]
    decisions = [d.model_copy(update={"role": r}) for s in others for d in approve(s.id)
                 for r in (s.roles if s.require_all else s.roles[:1])]
    assert gate(v, decisions, pipeline), "a lighter kind's gate opened without a legal reviewer"
