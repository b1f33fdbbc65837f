"""The declared kind is a claim (session 7, helper F): no route to sign-off skips the legal reviewer's
question "is this normative?", whatever an operator wrote in lockstep.toml and whatever a drafting
office writes as its kind.

One home for the module, its config changed the way an operator might: 类别认定 of 政策性文件 marked
skippable; a lighter kind 工作方案 whose legal reviewer's stage (standing in for 类别认定) is marked
skippable; 合法性审核 and 集体审议 of 行政规范性文件 marked skippable. The law has no bypass (DESIGN.md): an
emergency sign-off through the API skips none of them."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from samples.genhe import write_zip
from services.dossiers.intake import intake_bundle
from services.home.context import open_services
from storage.tables import DossierRow
from tests.support.homes import scratch_home

REASON = "防汛紧急部署，须在汛期到来前公布施行"
NUMBERS = iter(range(400, 999))

SKIPPABLE_KIND_CHECK = ('{ id = "kind_check", name = "类别认定（确认非规范性文件）", roles = ["legal_reviewer"], after = [] }',
                        '{ id = "kind_check", name = "类别认定（确认非规范性文件）", roles = ["legal_reviewer"], after = [], '
                        'skippable = true }')
SKIPPABLE_LEGALITY = ('{ id = "legality", name = "合法性审核", roles = ["legal_reviewer"] },\n'
                      '  { id = "publicity", name = "宣传部门审核（高风险）", roles = ["publicity"], after = ["unit_check"], '
                      'when = "high_risk" },\n  { id = "deliberation", name = "集体审议", roles = ["deliberation_secretary"], '
                      'after = ["legality"] },\n]\n\n[[pipelines]]\nkind = "政策性文件"')
WORK_PLAN = """
[[pipelines]]
kind = "工作方案"
stages = [
  { id = "unit_check", name = "起草单位审核", roles = ["unit_head"], same_unit = true, skippable = true },
  { id = "legal_look", name = "合法性审查", roles = ["legal_reviewer"], skippable = true },
]
"""


@pytest.fixture(scope="module")
def world():
    from desk import auth
    from desk.app import create_app
    with scratch_home("lockstep-s7-kinds-") as (home, base):
        text = home.config_path.read_text(encoding="utf-8")
        assert SKIPPABLE_KIND_CHECK[0] in text and SKIPPABLE_LEGALITY in text
        text = text.replace(*SKIPPABLE_KIND_CHECK)
        # the normative pipeline's 合法性审核 (the first one in the file) marked skippable
        # and its 集体审议 (after 合法性审核, so both or neither could be skipped)
        text = text.replace(SKIPPABLE_LEGALITY, SKIPPABLE_LEGALITY.replace(
            'roles = ["legal_reviewer"] },', 'roles = ["legal_reviewer"], skippable = true },', 1).replace(
            'after = ["legality"] },', 'after = ["legality"], skippable = true },', 1), 1)
        home.config_path.write_text(text + WORK_PLAN, encoding="utf-8")
        svc = open_services(home)
        app = create_app(home.path, "test-token")
        signer = TestClient(app, base_url="http://testserver",
                            headers={"Authorization": f"Bearer {auth.issue_token(home.path, 'signer')}"})
        yield svc, signer, base


def _submit(svc, base: Path, kind: str) -> str:
    n = next(NUMBERS)
    path = write_zip(base / f"b{n}.zip", kind=kind, doc_number=f"根政办发〔2019〕{n}号")
    result = intake_bundle([path], "drafter", svc)
    assert result.accepted, result.problems
    return result.dossier


def _state(svc, d: str) -> str:
    with svc.session() as s:
        return s.get(DossierRow, d).state


@pytest.mark.parametrize("kind", ["政策性文件", "工作方案", "行政规范性文件"])
def test_an_emergency_sign_off_never_skips_a_legal_reviewers_stage_an_operator_marked_skippable(world, kind):
    """政策性文件's 类别认定 marked skippable, 工作方案's legal stage (in place of 类别认定) marked
    skippable, 行政规范性文件's 合法性审核 and 集体审议 marked skippable: the first two were skipped by
    紧急签发 (200, published), so a document that may be normative was published with no legal
    reviewer ever looking at it."""
    svc, signer, base = world
    d = _submit(svc, base, kind)
    from services.review.actions import record_decision
    record_decision(svc, d, "unit_check", "approve", "同意", "director")
    r = signer.post(f"/api/v1/dossiers/{d}/sign-off", json={"emergency_reason": REASON})
    assert r.status_code == 403 and r.json()["problems"][0]["code"] == "not_permitted", r.text
    assert _state(svc, d) in ("submitted", "in_review")


@pytest.mark.parametrize("written", [" 政策性文件", "政策性⽂件",
                                     "政策性文件\u202e"])
def test_a_kind_written_any_other_way_is_the_default_normative_kind_never_a_lighter_one(world, written):
    """A kind with a space, a bidi control, or a look-alike letter (⽂, the Kangxi radical that NFKC
    folds to 文): the bundle is taken as 行政规范性文件 with a warning, never as the lighter kind it resembles."""
    svc, _, base = world
    n = next(NUMBERS)
    path = write_zip(base / f"k{n}.zip", doc_number=f"根政办发〔2019〕{n}号")
    with zipfile.ZipFile(path) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    manifest = json.loads(files["bundle.json"])
    manifest["kind"] = written
    files["bundle.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    result = intake_bundle([path], "drafter", svc)
    assert result.accepted, result.problems
    assert result.kind == "行政规范性文件", (written, result.kind)
    with svc.unit() as uow:
        row = uow.dossiers.require(result.dossier)
        stages = [s.id for s in uow.dossiers.version(row.id, row.current_version).pipeline.stages]
    assert row.kind == "行政规范性文件" and "legality" in stages and "kind_check" not in stages


def _bundle(base: Path, name: str, n: int, kind: str | None) -> Path:
    """The sample's files under one 文号; bundle.json's kind as given (None: no kind at all)."""
    path = write_zip(base / name, kind="政策性文件", doc_number=f"根政办发〔2019〕{n}号")
    with zipfile.ZipFile(path) as zf:
        files = {f: zf.read(f) for f in zf.namelist()}
    manifest = json.loads(files["bundle.json"])
    manifest.pop("kind", None)
    if kind is not None:
        manifest["kind"] = kind
    files["bundle.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for f, data in files.items():
            zf.writestr(f, data)
    return path


def test_a_resubmission_naming_no_kind_keeps_the_dossiers_kind_and_a_later_change_of_kind_is_not_a_duplicate(world):
    """A 政策性文件 returned at 类别认定, resubmitted with the same files and no kind in bundle.json: the
    version stayed 政策性文件 but was fingerprinted as the default kind, so when the office then did
    what the return asked (the same files, kind 行政规范性文件) it was told “duplicate, kind
    行政规范性文件” while the dossier stayed 政策性文件 — the change of kind was lost and the dossier
    could never reach 合法性审核 with these files. Now a bundle naming no kind is fingerprinted (and
    warned: kind_doubtful, effective_date_missing) as the kind its dossier keeps — here the same
    bytes as version 1, so a duplicate of it — and the change makes a new version of the new kind."""
    from services.review.actions import record_decision
    svc, _, base = world
    n = next(NUMBERS)
    first = intake_bundle([_bundle(base, f"r{n}a.zip", n, "政策性文件")], "drafter", svc)
    d = first.dossier
    record_decision(svc, d, "kind_check", "return", "", "reviewer", ["本文件设定了公民义务，属于行政规范性文件"])
    silent = intake_bundle([_bundle(base, f"r{n}b.zip", n, None)], "drafter", svc, dossier_hint=d)
    assert silent.accepted and silent.duplicate and silent.version == 1 and silent.kind == "政策性文件", silent
    changed = intake_bundle([_bundle(base, f"r{n}c.zip", n, "行政规范性文件")], "drafter", svc, dossier_hint=d)
    assert changed.accepted and not changed.duplicate and changed.version == 2, changed
    with svc.unit() as uow:
        row = uow.dossiers.require(d)
        stages = [s.id for s in uow.dossiers.version(d, 2).pipeline.stages]
    assert (row.kind, row.current_version) == ("行政规范性文件", 2) and "legality" in stages
    # the same files once more, no kind named: the version just made, as a duplicate, of its kind
    again = intake_bundle([_bundle(base, f"r{n}d.zip", n, None)], "drafter", svc, dossier_hint=d)
    assert again.duplicate and again.version == 2 and again.kind == "行政规范性文件", again
