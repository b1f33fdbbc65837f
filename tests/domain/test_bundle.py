"""Reading bundles: names as offices' archivers write them, hostile zips, manifests, folders."""
from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest


import documents.bundle as bundle_mod
from documents.bundle import Limits, read_bundle, role_from_file_name
from documents.problems import Refused

DOCX = b"PK\x03\x04 stand-in for a docx"  # bundle reading never opens the documents


class RawName(zipfile.ZipInfo):
    """An entry whose name is written as the given bytes, without the UTF-8 flag."""

    def __init__(self, raw: bytes) -> None:
        super().__init__(raw.decode("cp437"))
        self.raw = raw

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's hook
        return self.raw, self.flag_bits & ~0x800


def make_zip(path: Path, entries: dict, method: int = zipfile.ZIP_DEFLATED) -> Path:
    """entries: name (str, or bytes for a raw name) -> data."""
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in entries.items():
            zf.writestr(RawName(name) if isinstance(name, bytes) else zipfile.ZipInfo(name), data,
                        compress_type=method)
    return path


def patch_headers(path: Path, *, file_size: int | None = None, set_flags: int = 0) -> None:
    """Rewrite what the local and central headers declare, leaving the data as it is."""
    blob = bytearray(path.read_bytes())
    for sig, flags_at, size_at in ((b"PK\x03\x04", 6, 22), (b"PK\x01\x02", 8, 24)):
        at = blob.find(sig)
        while at != -1:
            flags = struct.unpack_from("<H", blob, at + flags_at)[0]
            struct.pack_into("<H", blob, at + flags_at, flags | set_flags)
            if file_size is not None:
                struct.pack_into("<I", blob, at + size_at, file_size)
            at = blob.find(sig, at + 4)
    path.write_bytes(bytes(blob))


def refused(paths, limits: Limits = Limits()) -> Refused:
    with pytest.raises(Refused) as info:
        read_bundle(paths, limits)
    return info.value


def names(bundle) -> list[str]:
    return [m.name for m in bundle.members]


@pytest.fixture
def no_inflating(monkeypatch):
    """Fails the test if any member is inflated."""
    def inflate(*args, **kw):
        raise AssertionError("a member was inflated before the limits were decided")
    monkeypatch.setattr(bundle_mod, "_inflate", inflate)


# ---------------------------------------------------------------- names

def test_gbk_names_without_utf8_flag_come_out_as_chinese(tmp_path):
    z = make_zip(tmp_path / "b.zip", {"根政办发〔2019〕36号.docx".encode("gbk"): DOCX,
                                      "材料/解读方案.docx".encode("gbk"): DOCX})
    assert all(not i.flag_bits & 0x800 for i in zipfile.ZipFile(z).infolist())
    b = read_bundle([z])
    assert names(b) == ["根政办发〔2019〕36号.docx", "材料/解读方案.docx"]
    assert [m.role for m in b.members] == ["policy", "interpretation_plan"]


def test_utf8_names_without_flag_come_out_as_written(tmp_path):
    z = make_zip(tmp_path / "b.zip", {"政策解读.docx".encode("utf-8"): DOCX})
    assert names(read_bundle([z])) == ["政策解读.docx"]


def test_shift_jis_names_are_not_mistaken_for_gbk(tmp_path):
    z = make_zip(tmp_path / "b.zip", {"こんにちは世界.txt".encode("shift_jis"): b"x"})
    assert names(read_bundle([z])) == ["こんにちは世界.txt"]


def test_names_are_nfc_and_backslashes_become_slashes(tmp_path):
    decomposed = "解读\\\u30d5\u309aラン.docx"  # フ + combining ゚, as macOS writes プ
    z = make_zip(tmp_path / "b.zip", {decomposed: DOCX})
    assert names(read_bundle([z])) == ["解读/プラン.docx"]


@pytest.mark.parametrize("bad", ["../x.docx", "/etc/x", "C:\\x", "a\\..\\..\\x", "C:x.docx",
                                 "a/../../x.docx"])
def test_unsafe_member_paths_are_refused_naming_the_member(tmp_path, bad):
    z = make_zip(tmp_path / "b.zip", {"ok.docx": DOCX, bad: DOCX})
    r = refused([z])
    assert r.problem.code == "unsafe_path"
    assert r.problem.file == bad and bad in r.problem.message


def test_dot_dot_that_stays_inside_is_resolved(tmp_path):
    z = make_zip(tmp_path / "b.zip", {"a/../政策解读.docx": DOCX})
    assert names(read_bundle([z])) == ["政策解读.docx"]


def test_two_members_with_the_same_name_are_refused(tmp_path):
    z = make_zip(tmp_path / "b.zip", {"a.docx": DOCX, "./a.docx": DOCX})
    assert refused([z]).problem.code == "unsafe_path"


# ---------------------------------------------------------------- sizes

def test_zip_bomb_declared_1gb_is_refused_before_inflating(tmp_path, no_inflating):
    z = make_zip(tmp_path / "bomb.zip", {"bomb.docx": bytes(1 << 20)})
    patch_headers(z, file_size=1 << 30)  # as if 1 GB of zeros had been deflated
    assert zipfile.ZipFile(z).infolist()[0].file_size == 1 << 30
    r = refused([z])
    assert r.problem.code == "bundle_too_large" and r.problem.file == "bomb.docx"


def test_high_ratio_member_is_refused_from_declared_sizes(tmp_path, no_inflating):
    z = make_zip(tmp_path / "bomb.zip", {"zeros.docx": bytes(20 << 20)})  # 20 MB -> ~20 KB
    assert refused([z]).problem.code == "bundle_too_large"


def test_total_and_member_count_limits(tmp_path, no_inflating):
    z = make_zip(tmp_path / "b.zip", {f"{i}.docx": DOCX for i in range(5)})
    assert refused([z], Limits(max_members=4)).problem.code == "bundle_too_large"
    assert refused([z], Limits(max_total_bytes=4 * len(DOCX))).problem.code == "bundle_too_large"
    assert refused([z], Limits(max_member_bytes=len(DOCX) - 1)).problem.code == "bundle_too_large"
    assert refused([z], Limits(max_bundle_bytes=100)).problem.code == "bundle_too_large"


def test_member_that_inflates_past_its_declared_size_is_refused(tmp_path):
    z = make_zip(tmp_path / "liar.zip", {"liar.docx": bytes(5 << 20)})
    patch_headers(z, file_size=1000)  # declares 1000 bytes; really 5 MB of zeros
    r = refused([z])
    assert r.problem.code == "bundle_too_large" and r.problem.file == "liar.docx"


def test_stored_member_longer_than_declared_is_refused(tmp_path):
    z = make_zip(tmp_path / "liar.zip", {"liar.docx": bytes(10_000)}, method=zipfile.ZIP_STORED)
    patch_headers(z, file_size=100)
    assert refused([z]).problem.code == "bundle_too_large"


def test_corrupt_zip_is_refused_as_unreadable(tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"this is not a zip")
    assert refused([bad]).problem.code == "bundle_unreadable"


# ---------------------------------------------------------------- encrypted, junk, empty

def test_encrypted_member_is_refused(tmp_path):
    z = make_zip(tmp_path / "b.zip", {"ok.docx": DOCX, "secret.docx": DOCX})
    patch_headers(z, set_flags=0x1)
    r = refused([z])
    assert r.problem.code == "encrypted_document"
    assert {p.file for p in r.problems} == {"ok.docx", "secret.docx"}


def test_junk_is_skipped_silently(tmp_path):
    z = make_zip(tmp_path / "b.zip", {
        "__MACOSX/._政策解读.docx": b"apple double", ".DS_Store": b"x", "材料/Thumbs.db": b"x",
        "~$政策解读.docx": b"lock", "desktop.ini": b"x", "材料/": b"", "政策解读.docx": DOCX})
    b = read_bundle([z])
    assert names(b) == ["政策解读.docx"] and b.problems == ()


def test_nested_zip_is_a_member_not_expanded(tmp_path):
    inner = make_zip(tmp_path / "inner.zip", {"a.docx": DOCX}).read_bytes()
    z = make_zip(tmp_path / "b.zip", {"附件.zip": inner})
    assert [(m.name, m.data) for m in read_bundle([z]).members] == [("附件.zip", inner)]


@pytest.mark.parametrize("entries", [{}, {".DS_Store": b"x"}, {"bundle.json": b"{}"}])
def test_bundle_without_usable_files_is_refused_as_empty(tmp_path, entries):
    z = make_zip(tmp_path / "b.zip", entries)
    assert refused([z]).problem.code == "bundle_empty"


def test_empty_folder_and_no_paths_are_empty_bundles(tmp_path):
    (tmp_path / "empty").mkdir()
    assert refused([tmp_path / "empty"]).problem.code == "bundle_empty"
    assert refused([]).problem.code == "bundle_empty"


# ---------------------------------------------------------------- manifest

MANIFEST = {"drafting_unit": "根河市政务服务局", "kind": "行政规范性文件", "public_interest": True,
            "files": {"材料一.docx": "policy", "材料二.docx": "interpretation_plan"}}


def test_manifest_roles_win_over_file_names(tmp_path):
    manifest = dict(MANIFEST, files={"政策解读.docx": "policy"})
    z = make_zip(tmp_path / "b.zip", {"政策解读.docx": DOCX, "解读方案.docx": DOCX,
                                      "bundle.json": json.dumps(manifest, ensure_ascii=False).encode()})
    b = read_bundle([z])
    assert [(m.name, m.role, m.role_source) for m in b.members] == [
        ("政策解读.docx", "policy", "manifest"),
        ("解读方案.docx", "interpretation_plan", "file_name")]
    assert (b.drafting_unit, b.kind, b.public_interest) == ("根河市政务服务局", "行政规范性文件", True)
    assert b.manifest == manifest and b.problems == ()


@pytest.mark.parametrize("encode", [
    lambda s: s.encode("utf-8-sig"), lambda s: s.encode("gbk")], ids=["bom", "gbk"])
def test_manifest_with_bom_or_in_gbk_is_read(tmp_path, encode):
    z = make_zip(tmp_path / "b.zip", {"材料一.docx": DOCX, "材料二.docx": DOCX,
                                      "bundle.json": encode(json.dumps(MANIFEST, ensure_ascii=False))})
    b = read_bundle([z])
    assert [m.role for m in b.members] == ["policy", "interpretation_plan"]
    assert b.drafting_unit == "根河市政务服务局" and b.problems == ()


def test_unparseable_manifest_is_a_warning_and_file_names_decide(tmp_path):
    z = make_zip(tmp_path / "b.zip", {"政策解读.docx": DOCX, "bundle.json": b"{drafting_unit: oops"})
    b = read_bundle([z])
    assert [p.code for p in b.problems] == ["manifest_invalid"]
    assert b.problems[0].severity == "warning"
    assert b.manifest is None and b.drafting_unit is None
    assert [(m.role, m.role_source) for m in b.members] == [("interpretation_material", "file_name")]


def test_unknown_role_and_absent_file_in_manifest_are_warnings(tmp_path):
    manifest = {"files": {"政策解读.docx": "解读材料吧", "舆情风险评估报告.docx": "risk_assessment"}}
    z = make_zip(tmp_path / "b.zip", {"政策解读.docx": DOCX,
                                      "bundle.json": json.dumps(manifest, ensure_ascii=False).encode()})
    b = read_bundle([z])
    assert [p.code for p in b.problems] == ["manifest_invalid", "manifest_invalid"]
    assert all(p.severity == "warning" for p in b.problems)
    assert "舆情风险评估报告.docx" in b.problems[1].message
    assert [(m.role, m.role_source) for m in b.members] == [(None, None)]  # intake reads content


def test_manifest_in_a_zipped_folder_names_files_relative_to_itself(tmp_path):
    z = make_zip(tmp_path / "b.zip", {
        "根河/bundle.json": json.dumps(MANIFEST, ensure_ascii=False).encode(),
        "根河/材料一.docx": DOCX, "根河/材料二.docx": DOCX})
    b = read_bundle([z])
    assert [(m.name, m.role) for m in b.members] == [
        ("根河/材料一.docx", "policy"), ("根河/材料二.docx", "interpretation_plan")]


# ---------------------------------------------------------------- folders and loose files

def test_folder_bundle_is_walked_recursively_skipping_hidden_and_junk(tmp_path):
    root = tmp_path / "根河"
    (root / "解读").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / ".git" / "config").write_bytes(b"x")
    (root / "根政办发〔2019〕36号.docx").write_bytes(DOCX)
    (root / "解读" / "一图读懂.png").write_bytes(b"png")
    (root / ".DS_Store").write_bytes(b"x")
    (root / "~$草稿.docx").write_bytes(b"x")
    (root / "bundle.json").write_text(json.dumps({"drafting_unit": "根河市政务服务局"}), "utf-8")
    b = read_bundle([root])
    assert names(b) == ["根政办发〔2019〕36号.docx", "解读/一图读懂.png"]
    assert [m.role for m in b.members] == ["policy", "graphic_interpretation"]
    assert b.drafting_unit == "根河市政务服务局"


def test_folder_symlink_leaving_the_folder_is_refused(tmp_path):
    root = tmp_path / "bundle"
    root.mkdir()
    (root / "a.docx").write_bytes(DOCX)
    (tmp_path / "secret.txt").write_bytes(b"secret")
    (root / "b.docx").symlink_to(tmp_path / "secret.txt")
    r = refused([root])
    assert r.problem.code == "unsafe_path" and r.problem.file == "b.docx"


def test_folder_symlink_inside_the_folder_is_read(tmp_path):
    root = tmp_path / "bundle"
    root.mkdir()
    (root / "a.docx").write_bytes(DOCX)
    (root / "b.docx").symlink_to(root / "a.docx")
    assert names(read_bundle([root])) == ["a.docx", "b.docx"]


def test_several_files_are_named_by_base_name(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    a = tmp_path / "x" / "政策解读.docx"
    m = tmp_path / "y" / "bundle.json"
    a.write_bytes(DOCX)
    m.write_text(json.dumps({"files": {"政策解读.docx": "interpretation_material"}}), "utf-8")
    b = read_bundle([a, m])
    assert [(x.name, x.role, x.role_source) for x in b.members] == [
        ("政策解读.docx", "interpretation_material", "manifest")]


def test_a_single_non_zip_file_is_a_one_file_bundle(tmp_path):
    f = tmp_path / "解读方案.docx"
    f.write_bytes(DOCX)
    assert [(m.name, m.data, m.role) for m in read_bundle([f]).members] == [
        ("解读方案.docx", DOCX, "interpretation_plan")]


def test_folder_limits_are_checked_from_file_sizes(tmp_path):
    (tmp_path / "a.docx").write_bytes(bytes(1000))
    assert refused([tmp_path], Limits(max_member_bytes=999)).problem.code == "bundle_too_large"


# ---------------------------------------------------------------- roles from file names

@pytest.mark.parametrize("name, role", [
    ("根政办发〔2019〕36号.docx", "policy"),
    ("根政办发[2019]36号.docx", "policy"),
    ("关于印发某某办法的通知.docx", "policy"),
    ("实施细则.doc", "policy"),
    ("工作方案.docx", "policy"),
    ("解读方案.docx", "interpretation_plan"),
    ("《工作方案》解读方案.docx", "interpretation_plan"),
    ("政策解读.docx", "interpretation_material"),
    ("政策简明问答.docx", "interpretation_material"),
    ("答记者问.docx", "interpretation_material"),
    ("一图读懂.png", "graphic_interpretation"),
    ("图解工作要点.docx", "graphic_interpretation"),
    ("长图.jpg", "graphic_interpretation"),
    ("政策解读.png", "graphic_interpretation"),
    ("政策解读.PDF", "graphic_interpretation"),
    ("舆情风险评估报告.docx", "risk_assessment"),
    ("舆情风险评估及应对处置预案.docx", "risk_assessment"),
    ("应对处置预案.docx", "response_plan"),
    ("舆情应对处置预案.docx", "response_plan"),
    ("起草说明.docx", "drafting_note"),
    ("关于《办法》的起草说明.docx", "drafting_note"),
    ("征求意见情况.docx", "consultation"),
    ("意见采纳情况.docx", "consultation"),
    ("材料/根政办发〔2019〕36号.docx", "policy"),
    ("新建文档.docx", None),
    ("IMG_0001.png", None),
])
def test_role_from_file_name(name, role):
    assert role_from_file_name(name) == role


def test_member_whose_data_fails_its_crc_is_refused_as_unreadable(tmp_path):
    z = make_zip(tmp_path / "b.zip", {"a.docx": b"original data"}, method=zipfile.ZIP_STORED)
    z.write_bytes(z.read_bytes().replace(b"original data", b"tampered data"))
    assert refused([z]).problem.code == "bundle_unreadable"


# ---------------------------------------------------------------- spooling: no member held in memory

def test_zip_members_are_spooled_hashed_and_removed_on_close(tmp_path):
    import hashlib
    z = make_zip(tmp_path / "b.zip", {"政策解读.docx": DOCX, "解读方案.docx": b"plan"})
    with read_bundle([z], spool_dir=tmp_path) as b:
        spool = b.members[0].path.parent
        assert spool.parent == tmp_path and len(list(spool.iterdir())) == 2
        assert [(m.size, m.sha256, m.read()) for m in b.members] == [
            (len(DOCX), hashlib.sha256(DOCX).hexdigest(), DOCX), (4, hashlib.sha256(b"plan").hexdigest(), b"plan")]
    assert not spool.exists()
    with pytest.raises(ValueError):
        b.members[0].read()


def refused_in(spool_dir: Path, paths) -> Refused:
    with pytest.raises(Refused) as info:
        read_bundle(paths, spool_dir=spool_dir)
    return info.value


def test_a_refused_zip_leaves_no_spool(tmp_path):
    z = make_zip(tmp_path / "liar.zip", {"liar.docx": bytes(5 << 20)})
    patch_headers(z, file_size=1000)  # refused halfway through writing its spool file
    (tmp_path / "spool").mkdir()
    assert refused_in(tmp_path / "spool", [z]).problem.code == "bundle_too_large"
    assert list((tmp_path / "spool").iterdir()) == []


def test_loose_files_are_read_where_they_lie_and_an_edit_is_caught(tmp_path):
    f = tmp_path / "解读方案.docx"
    f.write_bytes(DOCX)
    [m] = read_bundle([f]).members
    assert m.path == f and m.read() == DOCX
    f.write_bytes(DOCX.replace(b"stand-in", b"edited!!"))  # same size, other bytes
    with pytest.raises(Refused) as info:
        m.read()
    assert info.value.problem.code == "bundle_unreadable" and info.value.problem.file == "解读方案.docx"
