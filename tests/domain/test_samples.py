"""The built-in Genhe sample: deterministic bytes, the real sample's structure, usable variants."""
from __future__ import annotations

import hashlib
import io
import json
import struct
import zipfile

import docx
import pytest


from documents.bundle import read_bundle
from samples import genhe

POLICY = "根政办发〔2019〕36号.docx"
MEMBERS = [POLICY, "解读方案.docx", "政策解读.docx", "一图读懂.png", "舆情风险评估报告.docx"]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def open_docx(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def east_asian_face(paragraph) -> str:
    return paragraph.runs[0]._element.rPr.rFonts.get(docx.oxml.ns.qn("w:eastAsia"))


# ---------------------------------------------------------------- determinism

def test_same_arguments_give_the_same_bytes():
    first, second = genhe.bundle_files(), genhe.bundle_files()
    assert {n: sha(d) for n, d in first.items()} == {n: sha(d) for n, d in second.items()}


def test_zip_is_byte_for_byte_repeatable(tmp_path):
    a = genhe.write_zip(tmp_path / "a.zip")
    b = genhe.write_zip(tmp_path / "b.zip")
    assert sha(a.read_bytes()) == sha(b.read_bytes())
    assert {i.date_time for i in zipfile.ZipFile(a).infolist()} == {(2019, 8, 5, 9, 30, 0)}


def test_docx_entries_and_core_properties_carry_fixed_times():
    data = genhe.policy_docx()
    assert {i.date_time for i in zipfile.ZipFile(io.BytesIO(data)).infolist()} == {(2019, 8, 5, 9, 30, 0)}
    props = open_docx(data).core_properties
    assert props.created == props.modified and props.created.year == 2019 and props.revision == 1


def test_different_arguments_give_different_bytes():
    assert genhe.policy_docx() != genhe.policy_docx(doc_number="根政办发〔2019〕37号")
    assert genhe.policy_docx() != genhe.policy_docx(body_variant=1)


# ---------------------------------------------------------------- variants

@pytest.mark.parametrize("variant, members", [
    ("complete", MEMBERS + ["bundle.json"]),
    ("no-manifest", MEMBERS),
    ("missing-risk", MEMBERS[:4]),
])
def test_variants_have_the_real_samples_members(variant, members):
    assert list(genhe.bundle_files(variant)) == members


def test_complete_manifest_is_the_real_one():
    manifest = json.loads(genhe.bundle_files()["bundle.json"])
    assert manifest == {
        "drafting_unit": "根河市政务服务局", "kind": "行政规范性文件", "public_interest": True,
        "files": {POLICY: "policy", "解读方案.docx": "interpretation_plan",
                  "政策解读.docx": "interpretation_material", "一图读懂.png": "graphic_interpretation",
                  "舆情风险评估报告.docx": "risk_assessment"}}


def test_unknown_variant_is_an_error():
    with pytest.raises(ValueError):
        genhe.bundle_files("half")


def test_every_docx_opens_with_python_docx():
    for name, data in genhe.bundle_files().items():
        if name.endswith(".docx"):
            assert open_docx(data).paragraphs, name


def test_graphic_is_a_small_valid_png():
    png = genhe.graphic_png()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png.endswith(b"IEND\xaeB`\x82")
    assert len(png) == 156
    assert struct.unpack(">II", png[16:24]) == (64, 48)


def test_gbk_names_are_written_without_the_utf8_flag(tmp_path):
    z = genhe.write_zip(tmp_path / "gbk.zip", "no-manifest", gbk_names=True)
    infos = zipfile.ZipFile(z).infolist()
    assert all(not i.flag_bits & 0x800 for i in infos)
    assert [i.filename.encode("cp437").decode("gbk") for i in infos] == MEMBERS
    assert [m.name for m in read_bundle([z]).members] == MEMBERS


# ---------------------------------------------------------------- the documents' structure

def test_policy_follows_the_real_samples_layout():
    d = open_docx(genhe.policy_docx())
    p = d.paragraphs
    expected = [  # text, East Asian face, size (pt), alignment
        ("根河市人民政府办公室文件", "方正小标宋简体", 26, "CENTER"),
        ("根政办发〔2019〕36号", "仿宋_GB2312", 16, "CENTER"),
        ("", "仿宋_GB2312", 6, "CENTER"),
        ("根河市人民政府办公室关于印发《根河市2019年政务公开工作要点》的通知", "方正小标宋简体", 22, "CENTER"),
        ("各乡镇人民政府、街道办事处、市直各部门、驻市有关单位：", "仿宋_GB2312", 16, None),
    ]
    for para, (text, face, size, align) in zip(p, expected):
        assert para.text == text
        assert east_asian_face(para) == face and para.runs[0].font.name == face
        assert para.runs[0].font.size.pt == size
        assert (para.alignment.name if para.alignment is not None else None) == align
    assert str(p[0].runs[0].font.color.rgb) == "FF0000"
    assert p[5].paragraph_format.first_line_indent.pt == 32
    assert p[5].paragraph_format.line_spacing.twips == 579
    assert [east_asian_face(x) for x in p if x.text.startswith("一、")] == ["黑体"]
    assert {east_asian_face(x) for x in p if x.text.startswith("（一）")} == {"楷体_GB2312"}
    assert [x.text for x in p[-5:-1]] == ["附件：根河市2019年政务公开工作主要任务分工表",
                                          "根河市人民政府办公室", "2019年8月5日", "（此件主动公开）"]
    assert p[-1].text.endswith("2019年8月5日印发") and p[-1].runs[0].font.size.pt == 14
    assert len(p) == 37


def test_every_document_is_on_gbt9704_paper():
    for name, data in genhe.bundle_files().items():
        if name.endswith(".docx"):
            s = open_docx(data).sections[0]
            assert (s.page_width.twips, s.page_height.twips) == (11906, 16838), name
            assert (s.top_margin.twips, s.right_margin.twips, s.bottom_margin.twips,
                    s.left_margin.twips) == (2098, 1474, 1984, 1587), name


def test_interpretation_and_plan_name_the_unit_and_the_policy():
    plan = [p.text for p in open_docx(genhe.plan_docx(unit="根河市司法局")).paragraphs]
    assert plan[:3] == ["《根河市2019年政务公开工作要点》解读方案", "解读机关：根河市司法局",
                        "解读对象：《根河市2019年政务公开工作要点》（根政办发〔2019〕36号）"]
    material = [p.text for p in open_docx(genhe.interpretation_docx()).paragraphs]
    assert material[:4] == ["一问一答读懂《根河市2019年政务公开工作要点》", "《根河市2019年政务公开工作要点》政策解读",
                            "解读机关：根河市政务服务局", "关联文件：根政办发〔2019〕36号"]
    assert material[4].startswith("问1：") and material[5].startswith("答：")


def test_risk_assessment_level_and_response_plan():
    high = open_docx(genhe.risk_docx(level="高"))
    texts = [p.text for p in high.paragraphs]
    assert "经研判，该文件出台后引发负面舆情的风险等级为：高。" in texts
    assert "三、应对处置预案" in texts
    assert high.tables[0].cell(1, 1).text == "高"
    bare = [p.text for p in open_docx(genhe.risk_docx(with_response_plan=False)).paragraphs]
    assert "三、应对处置预案" not in bare


# SHA-256 of the shared real sample's parts (../shared/samples/genhe-2019-complete.zip):
# word/document.xml of each docx, and the other members whole. Pinned here so the test needs no
# file from ../shared and still fails if our generated text or formatting drifts from the real one.
REAL_PARTS = {
    "根政办发〔2019〕36号.docx": "a9e03d906041fbc7a18ef73690813d3ecdf11fd402e0d532dd1433b2240d6c20",
    "解读方案.docx": "f17b1804e0b816509cced1543c5fe8deca9ba662dfe79f9346732321bd742964",
    "政策解读.docx": "d27e3f8d8410450eae4f2b6adedec3d6ac78ced623c300bbaf366442fc1db2fa",
    "一图读懂.png": "9d4c6f5e5a0d9c8675ae31c08178103b067c5931abbe48bdd5c863af1e0fd657",
    "舆情风险评估报告.docx": "00a4668dedba8ccd0d009e1b2ed99ca479068e0d06388ca23cdfa506f145bdd5",
    "bundle.json": "2df64fdcb216230c99de41c206322c59074fc52a57d1e79c1785301ed6f2a84f",
}


def test_document_xml_matches_the_real_sample_exactly():
    ours = {}
    for name, data in genhe.bundle_files().items():
        if name.endswith(".docx"):
            data = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
        ours[name] = sha(data)
    assert ours == REAL_PARTS


# ---------------------------------------------------------------- benchmark bundles

def test_write_bundles_makes_distinct_realistic_bundles(tmp_path):
    paths = genhe.write_bundles(tmp_path, 4, seed=1)
    assert len({sha(p.read_bytes()) for p in paths}) == 4
    numbers = set()
    for path in paths:
        members = read_bundle([path]).members
        policy = next(m for m in members if m.role == "policy")
        numbers.add(policy.name)
        body = [p for p in open_docx(policy.data).paragraphs if east_asian_face(p) in ("黑体", "楷体_GB2312")]
        assert 10 <= len(body) <= 40
    assert len(numbers) == 4
    assert [p.name for p in genhe.write_bundles(tmp_path / "again", 4, seed=1)] == [p.name for p in paths]
