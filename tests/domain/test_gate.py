"""The sign-off gate as a pure function: every check and its code (DESIGN.md, "The gate")."""
from __future__ import annotations

import datetime as dt

from documents.docno import parse_doc_number
from documents.models import DocumentMeta
from documents.problems import CODES
from review.config import DEFAULT_CONFIG_TOML, parse_config
from review.gate import gate
from review.model import Consultation, StageDecided, Version, VersionFile

CONFIG = parse_config(DEFAULT_CONFIG_TOML)
NORMATIVE = CONFIG.pipeline("行政规范性文件")
POLICY_TITLE = "根河市人民政府办公室关于印发《根河市2019年政务公开工作要点》的通知"
UNIT = "根河市政务服务局"
T0 = dt.datetime(2019, 8, 1, 9, tzinfo=dt.timezone.utc)


def meta(name: str, **kw) -> DocumentMeta:
    return DocumentMeta(file=name, sha256=name.encode().hex()[:64].ljust(64, "0"), size=1, **kw)


def f(name: str, role: str, m: DocumentMeta | None = None) -> VersionFile:
    return VersionFile(name=name, role=role, sha256=(m.sha256 if m else "a" * 64), size=1, meta=m)


def policy(**kw) -> VersionFile:
    m = dict(title=POLICY_TITLE, doc_number=parse_doc_number("根政办发〔2019〕36号"), disclosure="主动公开")
    m.update(kw)
    return f("policy.docx", "policy", meta("policy.docx", **m))


def interp(name: str, role: str, unit: str = UNIT, number: str | None = "根政办发〔2019〕36号",
           title: str | None = "根河市2019年政务公开工作要点") -> VersionFile:
    return f(name, role, meta(name, interpreting_unit=unit, refers_to_title=title,
                              refers_to_number=parse_doc_number(number) if number else None))


def risk(level: str = "低", plan: bool = True, title: str | None = "根河市2019年政务公开工作要点",
         number: str | None = None) -> VersionFile:
    return f("risk.docx", "risk_assessment", meta("risk.docx", risk_level=level, has_response_plan=plan,
                                                  refers_to_title=title,
                                                  refers_to_number=parse_doc_number(number) if number else None))


def complete_files() -> list[VersionFile]:
    return [policy(), interp("plan.docx", "interpretation_plan"), interp("qa.docx", "interpretation_material"),
            f("一图读懂.png", "graphic_interpretation"), risk()]


def version(files: list[VersionFile], *, submitted_by_unit: str = UNIT, fp: str = "f" * 64,
            kind: str = "行政规范性文件") -> Version:
    return Version(dossier_id="D1", number=1, fingerprint=fp, kind=kind, drafting_unit=UNIT,
                   submitted_by="drafter", submitted_by_unit=submitted_by_unit, files=tuple(files))


def approve(*stages: str, fp: str = "f" * 64, verdict: str = "approve") -> list[StageDecided]:
    return [StageDecided(dossier_id="D1", actor="x", at=T0 + dt.timedelta(minutes=i), stage=s,
                         fingerprint=fp, verdict=verdict) for i, s in enumerate(stages)]


ALL = ("unit_check", "legality", "deliberation")


def codes(blocking) -> list[str]:
    return [b.code for b in blocking]


def test_gate_is_open_for_a_complete_dossier_with_every_stage_approved():
    assert gate(version(complete_files()), approve(*ALL), NORMATIVE) == []


def test_gate_lists_policy_missing():
    files = [x for x in complete_files() if x.role != "policy"]
    assert "policy_missing" in codes(gate(version(files), approve(*ALL), NORMATIVE))


def test_gate_lists_interpretation_missing_for_plan_and_for_material_separately():
    no_plan = [x for x in complete_files() if x.role != "interpretation_plan"]
    assert codes(gate(version(no_plan), approve(*ALL), NORMATIVE)) == ["interpretation_missing"]
    no_material = [x for x in complete_files()
                   if x.role not in ("interpretation_material", "graphic_interpretation")]
    assert codes(gate(version(no_material), approve(*ALL), NORMATIVE)) == ["interpretation_missing"]


def test_a_picture_alone_counts_as_interpretation_material():
    files = [x for x in complete_files() if x.role != "interpretation_material"]
    assert gate(version(files), approve(*ALL), NORMATIVE) == []


def test_gate_lists_interpreter_not_drafter_when_another_unit_declares_the_interpretation():
    files = complete_files()
    files[2] = interp("qa.docx", "interpretation_material", unit="根河市司法局")
    blocking = gate(version(files), approve(*ALL), NORMATIVE)
    assert codes(blocking) == ["interpreter_not_drafter"]
    assert blocking[0].file == "qa.docx"


def test_gate_lists_interpreter_not_drafter_when_another_unit_submits():
    blocking = gate(version(complete_files(), submitted_by_unit="根河市司法局"), approve(*ALL), NORMATIVE)
    assert codes(blocking) == ["interpreter_not_drafter"]


def test_a_unit_written_by_its_configured_short_form_matches():
    files = complete_files()
    files[1] = interp("plan.docx", "interpretation_plan", unit="政务服务局")
    assert gate(version(files), approve(*ALL), NORMATIVE, units=CONFIG.unit_book) == []


def test_unit_names_never_match_by_suffix():
    for written in ("局", "服务局", "政务服务局", " ", "\u3000"):
        files = complete_files()
        files[1] = interp("plan.docx", "interpretation_plan", unit=written)
        assert "interpreter_not_drafter" in codes(gate(version(files), approve(*ALL), NORMATIVE)), written
    for written in ("局", "服务局", "\u3000局"):
        files = complete_files()
        files[1] = interp("plan.docx", "interpretation_plan", unit=written)
        assert "interpreter_not_drafter" in codes(
            gate(version(files), approve(*ALL), NORMATIVE, units=CONFIG.unit_book)), written


def test_gate_lists_interpretation_mismatch_for_another_document_number():
    files = complete_files()
    files[2] = interp("qa.docx", "interpretation_material", number="根政办发〔2019〕37号")
    assert codes(gate(version(files), approve(*ALL), NORMATIVE)) == ["interpretation_mismatch"]


def test_gate_lists_interpretation_mismatch_for_another_title_when_no_number_is_given():
    files = complete_files()
    files[2] = interp("qa.docx", "interpretation_material", number=None, title="根河市2020年政务公开工作要点")
    assert codes(gate(version(files), approve(*ALL), NORMATIVE)) == ["interpretation_mismatch"]


def test_an_interpretation_matching_by_title_alone_is_accepted():
    files = complete_files()
    files[2] = interp("qa.docx", "interpretation_material", number=None)
    assert gate(version(files), approve(*ALL), NORMATIVE) == []


def test_gate_lists_risk_assessment_missing():
    files = [x for x in complete_files() if x.role != "risk_assessment"]
    assert codes(gate(version(files), approve(*ALL), NORMATIVE)) == ["risk_assessment_missing"]


def test_gate_lists_response_plan_missing_when_risk_high():
    files = complete_files()
    files[-1] = risk("高", plan=False)
    assert "response_plan_missing" in codes(gate(version(files), approve(*ALL, "publicity"), NORMATIVE))


def test_high_risk_needs_the_publicity_stage():
    files = complete_files()
    files[-1] = risk("高", plan=True)
    blocking = gate(version(files), approve(*ALL), NORMATIVE)
    assert [(b.code, b.stage, b.roles) for b in blocking] == [("stage_not_approved", "publicity", ("publicity",))]
    assert gate(version(files), approve(*ALL, "publicity"), NORMATIVE) == []


def test_stage_not_approved_names_the_stage_and_who_may_act():
    blocking = gate(version(complete_files()), approve("unit_check"), NORMATIVE)
    assert [(b.code, b.stage, b.roles) for b in blocking] == [
        ("stage_not_approved", "legality", ("legal_reviewer",)),
        ("stage_not_approved", "deliberation", ("deliberation_secretary",))]


def test_an_approval_on_another_version_does_not_count():
    blocking = gate(version(complete_files()), approve(*ALL, fp="e" * 64), NORMATIVE)
    assert codes(blocking) == ["stage_not_approved"] * 3


def test_a_return_after_an_approval_closes_the_stage_again():
    decisions = approve(*ALL) + [StageDecided(dossier_id="D1", actor="r", at=T0 + dt.timedelta(hours=1),
                                              stage="legality", fingerprint="f" * 64, verdict="return")]
    assert [b.stage for b in gate(version(complete_files()), decisions, NORMATIVE)] == ["legality"]


def test_gate_lists_every_failing_check_at_once():
    files = [policy()]
    assert codes(gate(version(files), [], NORMATIVE)) == [
        "interpretation_missing", "interpretation_missing", "risk_assessment_missing",
        "stage_not_approved", "stage_not_approved", "stage_not_approved"]


def test_major_decision_gate_lists_consultation_open_until_closed_and_summary_published():
    major = CONFIG.pipeline("重大行政决策")
    v = version(complete_files(), kind="重大行政决策")
    today = dt.date(2019, 9, 1)
    assert codes(gate(v, approve(*ALL), major, None, today)) == ["consultation_open"]
    running = Consultation(opens=dt.date(2019, 8, 10), closes=dt.date(2019, 9, 10))
    assert codes(gate(v, approve(*ALL), major, running, today)) == ["consultation_open"]
    closed = Consultation(opens=dt.date(2019, 7, 1), closes=dt.date(2019, 7, 31), summary_published=True)
    assert gate(v, approve(*ALL), major, closed, today) == []


def test_every_blocking_message_is_chinese_and_says_what_to_do():
    for b in gate(version([policy()]), [], NORMATIVE):
        assert any("\u4e00" <= ch <= "\u9fff" for ch in b.message)
        # found, then the advice for the code; or the advice alone when it already says what was found
        assert "：" in b.message or b.message == CODES[b.code]


def test_gate_lists_risk_assessment_mismatch_when_it_assesses_another_policy():
    for other in (risk(title="根河市2018年政务公开工作要点"), risk(title=None, number="根政办发〔2019〕12号")):
        files = complete_files()[:-1] + [other]
        blocking = gate(version(files), approve(*ALL), NORMATIVE)
        assert codes(blocking) == ["risk_assessment_mismatch"] and blocking[0].file == "risk.docx"


def test_gate_lists_risk_assessment_mismatch_when_it_names_no_document():
    files = complete_files()[:-1] + [risk(title=None)]
    blocking = gate(version(files), approve(*ALL), NORMATIVE)
    assert codes(blocking) == ["risk_assessment_mismatch"] and "未写明所评估的文件" in blocking[0].message


def test_a_risk_assessment_naming_this_policy_by_number_passes():
    files = complete_files()[:-1] + [risk(title=None, number="根政办发〔2019〕36号")]
    assert gate(version(files), approve(*ALL), NORMATIVE) == []
