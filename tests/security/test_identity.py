"""Identity comes from the signed-in person (issue 11, items 2 and 8): a bundle's own words about
its drafting unit are never believed, units match by equality (or a configured short form), a
blank unit matches nothing, and another unit's dossier answers exactly as a missing one.

Each attack came in by a surface: intake (services, as the CLI and the desk's flow call it), the
HTTP API and the desk's pages. Real SQLite home, real desk app, the session's Prefect test server
for flow work."""
from __future__ import annotations

import json
import zipfile

import pytest
from fastapi.testclient import TestClient

from desk import auth
from desk.app import create_app
from documents.problems import Refused
from services.home.context import open_services
from services.dossiers.intake import intake_bundle
from services.home.people import add_person
from services.review.actions import record_decision, status
from tests.desk.test_pages import PASSWORD, PEOPLE, sign_in

pytestmark = pytest.mark.usefixtures("prefect_harness")

OTHER_UNIT = "根河市司法局"
BLANK_OR_FOREIGN = (" ", "", "\u3000", "\u3000局", "局", "服务局", "政务服务局", "根河市政务服务局", "根河市人民政府")


def rewrite_manifest(path, **changes):
    """The same bundle, its bundle.json changed (or, with drafting_unit=None, without that key)."""
    with zipfile.ZipFile(path) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    manifest = json.loads(files["bundle.json"])
    for k, v in changes.items():
        if v is None:
            manifest.pop(k, None)
        else:
            manifest[k] = v
    files["bundle.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    out = path.with_name(f"{path.stem}-{abs(hash(json.dumps(changes, ensure_ascii=False)))}.zip")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in files.items():
            zf.writestr(n, data)
    return out


@pytest.fixture
def strangers(home):
    """A drafter and a unit head of another unit (司法局), beside the default people."""
    add_person(home, "sfj_drafter", OTHER_UNIT, ["drafter"], "司法局起草人", actor="test")
    add_person(home, "sfj_head", OTHER_UNIT, ["unit_head"], "司法局局长", actor="test")
    return open_services(home)


@pytest.fixture
def open_dossier(strangers, sample_zip):
    """An open 政务服务局 dossier with its unit check approved."""
    svc = strangers
    result = intake_bundle([sample_zip()], "drafter", svc)
    assert result.accepted and result.drafting_unit == "根河市政务服务局"
    record_decision(svc, result.dossier, "unit_check", "approve", "同意", "director")
    return result.dossier


def test_a_bundle_naming_a_blank_or_foreign_unit_is_refused_and_never_becomes_a_version(strangers, sample_zip,
                                                                                          open_dossier):
    svc = strangers
    before = status(svc, open_dossier)
    for written in BLANK_OR_FOREIGN:
        bundle = rewrite_manifest(sample_zip(), drafting_unit=written)
        result = intake_bundle([bundle], "sfj_drafter", svc)
        assert not result.accepted, written
        assert [p.code for p in result.problems if p.severity == "error"] == ["not_permitted"], written
    after = status(svc, open_dossier)
    assert (after.version, after.gate.stages) == (before.version, before.gate.stages)
    assert [d.stage for d in after.decisions] == ["unit_check"]


def test_a_drafting_unit_that_is_not_text_is_refused_not_ignored(strangers, sample_zip):
    for written in (["根河市政务服务局"], 7, {"name": "根河市政务服务局"}, True):
        bundle = rewrite_manifest(sample_zip(doc_number="根政办发〔2019〕51号"), drafting_unit=written)
        result = intake_bundle([bundle], "drafter", strangers)
        assert not result.accepted, written
        assert "not_permitted" in [p.code for p in result.problems], written


def test_the_drafter_of_the_open_dossier_cannot_name_a_blank_unit_either(strangers, sample_zip, open_dossier):
    bundle = rewrite_manifest(sample_zip(), drafting_unit="\u3000")
    result = intake_bundle([bundle], "drafter", strangers)
    assert not result.accepted and result.problems[0].code == "not_permitted"


def test_a_bundle_naming_the_own_unit_by_its_configured_short_form_is_accepted(strangers, sample_zip):
    for written in ("政务服务局", "根河市 政务服务局", "根河市政务服务局\u3000"):
        bundle = rewrite_manifest(sample_zip(doc_number="根政办发〔2019〕50号"), drafting_unit=written)
        result = intake_bundle([bundle], "drafter", strangers)
        assert result.accepted and result.drafting_unit == "根河市政务服务局", written


def test_the_same_document_number_from_another_unit_is_that_units_own_dossier(strangers, sample_zip, open_dossier):
    bundle = rewrite_manifest(sample_zip(), drafting_unit=None)
    result = intake_bundle([bundle], "sfj_drafter", strangers)
    assert result.accepted and result.dossier != open_dossier and result.drafting_unit == OTHER_UNIT
    assert status(strangers, open_dossier).version == 1


def test_identical_bytes_from_another_unit_do_not_reveal_the_first_units_dossier(strangers, sample_zip,
                                                                                   open_dossier):
    bundle = rewrite_manifest(sample_zip(), drafting_unit=None)
    intake_bundle([rewrite_manifest(sample_zip(), drafting_unit=None)], "drafter", strangers)
    result = intake_bundle([bundle], "sfj_drafter", strangers)
    assert result.accepted and not result.duplicate and result.dossier != open_dossier


def test_naming_another_units_dossier_to_resubmit_answers_as_a_missing_one(strangers, sample_zip, open_dossier):
    bundle = rewrite_manifest(sample_zip(), drafting_unit=None)
    with pytest.raises(Refused) as theirs:
        intake_bundle([bundle], "sfj_drafter", strangers, dossier_hint=open_dossier)
    with pytest.raises(Refused) as missing:
        intake_bundle([bundle], "sfj_drafter", strangers, dossier_hint="D2019-9999")
    assert theirs.value.problem.code == missing.value.problem.code == "not_found"
    assert "政务服务局" not in theirs.value.problem.message


def test_another_units_head_cannot_approve_its_unit_check(strangers, sample_zip):
    svc = strangers
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    with pytest.raises(Refused) as e:
        record_decision(svc, d, "unit_check", "approve", "同意", "sfj_head")
    assert e.value.problem.code in ("not_permitted", "not_found")
    assert status(svc, d).decisions == []


# ---------------------------------------------------------------- the HTTP API and the pages


def _api(home, name):
    token = auth.issue_token(home.path, name)
    return TestClient(create_app(home.path, "test-token"), base_url="http://testserver",
                      headers={"Authorization": f"Bearer {token}"})


def _same_answer(theirs, missing, their_id, missing_id):
    assert theirs.status_code == missing.status_code == 404
    assert theirs.text.replace(their_id, "X") == missing.text.replace(missing_id, "X")


def test_the_api_answers_another_units_dossier_exactly_as_a_missing_one(home, strangers, open_dossier, sample_zip):
    c = _api(home, "sfj_drafter")
    for path in ("", "/gate"):
        _same_answer(c.get(f"/api/v1/dossiers/{open_dossier}{path}"), c.get(f"/api/v1/dossiers/D2019-9999{path}"),
                     open_dossier, "D2019-9999")
    head = _api(home, "sfj_head")
    body = {"stage": "unit_check", "verdict": "approve", "comment": "同意"}
    _same_answer(head.post(f"/api/v1/dossiers/{open_dossier}/decisions", json=body),
                 head.post("/api/v1/dossiers/D2019-9999/decisions", json=body), open_dossier, "D2019-9999")
    upload = {"role": "risk_assessment"}
    files = [("file", ("风险评估.docx", b"PK\x03\x04", "application/octet-stream"))]
    theirs = c.post(f"/api/v1/dossiers/{open_dossier}/files", files=files, data=upload)
    missing = c.post("/api/v1/dossiers/D2019-9999/files", files=files, data=upload)
    _same_answer(theirs, missing, open_dossier, "D2019-9999")
    assert "政务服务局" not in theirs.text


def test_the_api_refuses_a_bundle_naming_a_blank_unit(home, strangers, open_dossier, sample_zip):
    c = _api(home, "sfj_drafter")
    bundle = rewrite_manifest(sample_zip(), drafting_unit=" ")
    r = c.post("/api/v1/dossiers", files=[("files", (bundle.name, bundle.read_bytes(), "application/zip"))])
    assert r.status_code in (403, 422) and "not_permitted" in r.text
    assert status(strangers, open_dossier).version == 1


def test_the_pages_answer_another_units_dossier_exactly_as_a_missing_one(home, strangers, open_dossier):
    for name in PEOPLE:
        auth.set_password(home.path, name, PASSWORD)
    auth.set_password(home.path, "sfj_drafter", PASSWORD)
    c = sign_in(create_app(home.path, "test-token"), "sfj_drafter")
    theirs = c.get(f"/desk/dossiers/{open_dossier}")
    missing = c.get("/desk/dossiers/D2019-9999")
    assert theirs.status_code == missing.status_code == 404
    assert "政务服务局" not in theirs.text and "not_found" in theirs.text
