"""Bad input through the command line: a coded problem, exit 1, and nothing stored."""
from __future__ import annotations

import json
import zipfile

from sqlalchemy import func, select

from storage.tables import DossierRow, EventRow


def nothing_stored(svc) -> bool:
    with svc.session() as s:
        rows = s.scalar(select(func.count()).select_from(DossierRow)) + s.scalar(
            select(func.count()).select_from(EventRow).where(EventRow.dossier_id.is_not(None)))
    return rows == 0 and list(svc.store.keys()) == []


def zip_with(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def submit_codes(cli, *paths) -> tuple[int, list[str], dict]:
    r = cli("submit", *paths, "--as", "drafter", "--json")
    doc = json.loads(r.stdout)
    return r.exit_code, [p["code"] for p in doc["problems"]], doc


def test_a_file_that_is_not_a_docx_is_refused_with_not_docx(cli, svc, tmp_path, sample_zip):
    from samples.genhe import bundle_files
    files = bundle_files("no-manifest")
    files["解读方案.docx"] = b"this is a plain text file, renamed"
    code, codes, doc = submit_codes(cli, zip_with(tmp_path / "b.zip", files))
    assert (code, doc["accepted"], doc["dossier"]) == (1, False, None)
    assert "not_docx" in codes
    assert nothing_stored(svc)


def test_a_legacy_doc_is_refused_with_advice_to_save_as_docx(cli, svc, tmp_path):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024
    code, codes, doc = submit_codes(cli, zip_with(tmp_path / "b.zip", {"通知.doc": ole}))
    assert code == 1 and codes == ["not_docx"]
    assert "docx" in doc["problems"][0]["message"]
    assert nothing_stored(svc)


def test_a_member_path_escaping_the_bundle_is_refused_with_unsafe_path(cli, svc, tmp_path):
    code, codes, _ = submit_codes(cli, zip_with(tmp_path / "b.zip", {"../../etc/通知.docx": b"x"}))
    assert (code, codes) == (1, ["unsafe_path"])
    assert nothing_stored(svc)


def test_a_zip_bomb_is_refused_with_bundle_too_large(cli, svc, tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("通知.docx", "w", force_zip64=True) as f:
            chunk = b"\0" * 2**20
            for _ in range(120):
                f.write(chunk)
    code, codes, _ = submit_codes(cli, path)
    assert (code, codes) == (1, ["bundle_too_large"])
    assert nothing_stored(svc)


def test_an_encrypted_office_file_is_refused_with_encrypted_document(cli, svc, tmp_path):
    # An OOXML file with an open password is an OLE2 container holding EncryptionInfo/EncryptedPackage.
    ole = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptionInfo".encode("utf-16-le")
           + b"\0" * 100 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 400)
    code, codes, _ = submit_codes(cli, zip_with(tmp_path / "b.zip", {"通知.docx": ole}))
    assert (code, codes) == (1, ["encrypted_document"])
    assert nothing_stored(svc)


def test_only_a_drafter_submits(cli, svc, sample_zip):
    r = cli("submit", sample_zip(), "--as", "reviewer", "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["problems"][0]["code"] == "not_permitted"
    assert nothing_stored(svc)


def test_an_unknown_person_is_refused(cli, sample_zip):
    r = cli("submit", sample_zip(), "--as", "nobody", "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["problems"][0]["code"] == "unknown_person"


def test_an_unknown_dossier_is_refused_with_not_found(cli):
    r = cli("gate", "D2019-9999", "--json")
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    assert doc["dossier"] == "D2019-9999" and doc["problems"][0]["code"] == "not_found"


def test_bad_usage_exits_2(cli):
    assert cli("gate").exit_code == 2
    assert cli("review", "D1", "--as", "reviewer").exit_code == 2


def test_commands_refuse_a_home_that_was_never_initialised(tmp_path):
    from tests.conftest import Cli
    r = Cli(tmp_path / "nowhere")("gate", "D1", "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["problems"][0]["code"] == "home_missing"


def test_inspect_reports_metadata_and_form_findings_without_storing(cli, svc, tmp_path):
    from samples.genhe import policy_docx
    good = tmp_path / "根政办发〔2019〕36号.docx"
    good.write_bytes(policy_docx())
    bad = tmp_path / "错号.docx"
    bad.write_bytes(policy_docx(doc_number="根政办发[2019]036号", date_text="二〇一九年八月五日"))
    r = cli("inspect", good, bad, "--json")
    files = json.loads(r.stdout)["files"]
    assert r.exit_code == 0     # form findings are warnings
    assert files[0]["ok"] and files[0]["problems"] == []
    assert files[0]["metadata"]["doc_number"]["serial"] == 36
    warned = {p["code"]: p["severity"] for p in files[1]["problems"]}
    assert warned == {"docno_format": "warning", "date_format": "warning"}
    assert files[1]["metadata"]["doc_number"]["serial"] == 36
    assert nothing_stored(svc)


def test_attaching_the_missing_risk_assessment_makes_a_new_version(cli, svc, sample_zip, tmp_path):
    from samples.genhe import risk_docx
    from services.dossiers.intake import intake_bundle
    d = intake_bundle([sample_zip("missing-risk")], "drafter", svc).dossier
    cli.json("review", d, "--stage", "unit_check", "--approve", "--as", "director")
    risk = tmp_path / "舆情风险评估报告.docx"
    risk.write_bytes(risk_docx())
    r = cli.json("attach", d, risk, "--role", "risk_assessment", "--as", "drafter")
    assert (r["dossier"], r["version"], r["accepted"]) == (d, 2, True)
    codes = [b["code"] for b in r["gate"]["blocking"]]
    assert "risk_assessment_missing" not in codes and codes.count("stage_not_approved") == 3   # approvals voided
    again = cli.json("attach", d, risk, "--role", "risk_assessment", "--as", "drafter")
    assert again["duplicate"] is True and again["version"] == 2
    bad = tmp_path / "坏.docx"
    bad.write_bytes(b"not a docx")
    r = cli("attach", d, bad, "--role", "interpretation_material", "--as", "drafter", "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["problems"][0]["code"] == "not_docx"


def test_a_drafter_submits_only_for_their_own_unit(cli, svc, sample_zip):
    code, codes, doc = submit_codes(cli, sample_zip(unit="根河市司法局"))
    assert (code, codes, doc["accepted"]) == (1, ["not_permitted"], False)
    assert nothing_stored(svc)
