"""`gate` and `status` show where the interpretation disagrees with its policy: warnings under
"consistency", never in `blocking`."""
from __future__ import annotations

import io
import zipfile

from samples import genhe


def _interpretation_citing(old: str, new: str) -> bytes:
    """The sample's 政策解读 with one cited text changed (in the docx XML, as an office's edit would)."""
    src = zipfile.ZipFile(io.BytesIO(genhe.interpretation_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for entry in src.infolist():
            data = src.read(entry)
            if entry.filename == "word/document.xml":
                assert old.encode() in data
                data = data.replace(old.encode(), new.encode())
            dst.writestr(entry, data)
    return out.getvalue()


def test_the_sample_agrees_with_its_policy_and_names_the_parts_left_unexplained(cli, svc, sample_zip):
    from services.dossiers.intake import intake_bundle
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    gate = cli.json("gate", d)
    assert gate["consistency"]["problems"] == []
    assert len(gate["consistency"]["notes"]) == 3
    assert all("解读中没有对应内容" in n for n in gate["consistency"]["notes"])


def test_a_misquoted_document_number_is_a_warning_in_gate_and_status_not_a_block(cli, svc, sample_zip, tmp_path):
    from services.dossiers.intake import intake_bundle
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    before = [b["code"] for b in cli.json("gate", d)["blocking"]]
    wrong = tmp_path / genhe.MATERIAL_NAME
    wrong.write_bytes(_interpretation_citing("根政办发〔2018〕43号", "根政办发〔2018〕34号"))
    r = cli.json("attach", d, wrong, "--role", "interpretation_material", "--as", "drafter")
    assert r["accepted"] and r["version"] == 2
    gate = cli.json("gate", d)
    [found] = gate["consistency"]["problems"]
    assert (found["code"], found["severity"], found["file"]) == ("interpretation_inconsistent", "warning",
                                                                 genhe.MATERIAL_NAME)
    assert found["message"].startswith("解读 问1：‘根政办发〔2018〕34号’ ↔ 政策中没有")
    assert [b["code"] for b in gate["blocking"]] == before           # the finding blocks nothing
    assert cli.json("status", d)["consistency"]["problems"] == [found]
    shown = cli("gate", d).stdout
    assert "1 处待核对" in shown and "根政办发〔2018〕34号" in shown


def test_an_unreadable_interpretation_leaves_the_gate_answering(cli, svc, sample_zip):
    from services.dossiers import consistency as consistency
    from services.dossiers.intake import intake_bundle
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    consistency._CACHE.clear()
    [material] = [f for f in cli.json("status", d)["files"] if f["role"] == "interpretation_material"]
    consistency._CACHE.clear()
    svc.store.delete(material["sha256"])
    gate = cli.json("gate", d)
    assert gate["consistency"]["problems"] == []
    assert [p["code"] for p in gate["consistency"]["unavailable"]] == ["storage_unavailable"]
