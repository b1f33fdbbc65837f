"""An uploaded bundle is never held whole in memory (issue 5): members are spooled to disk or read
where they lie, inspected one at a time, and streamed into the object store, folder or S3.

Memory is measured with tracemalloc (what Python allocates: every bytes object a member could
become). A bundle of four 20 MiB pictures must cost about one member, not the bundle.
"""
from __future__ import annotations

import gc
import hashlib
import os
import tempfile
import tracemalloc
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from samples.genhe import bundle_files
from services.dossiers import intake as intake_mod
from services.dossiers.attach import attach
from services.dossiers.intake import intake_bundle
from storage.objects import ObjectChanged, ObjectStore

MIB = 1 << 20
PICTURES = 4
PICTURE_BYTES = 20 * MIB
# One member's worth of slack beyond the largest member: the S3 client keeps a few 5 MiB parts
# in flight; holding any two pictures at once, or the bundle, goes over.
BOUND = PICTURE_BYTES + 16 * MIB


@dataclass(frozen=True)
class Big:
    zip: Path
    loose: list[Path]
    sha256: dict[str, str]   # member name -> sha256 of its bytes
    size: int                # all members, uncompressed


def file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(MIB):
            h.update(chunk)
    return h.hexdigest()


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Big:
    """The Genhe sample plus four incompressible 20 MiB pictures (random bytes named .png: intake
    does not open pictures, and 一图读懂 in the name makes each a graphic interpretation)."""
    root = tmp_path_factory.mktemp("big")
    loose = root / "loose"
    loose.mkdir()
    for name, data in bundle_files("complete").items():
        (loose / name).write_bytes(data)
    for i in range(PICTURES):
        with open(loose / f"一图读懂{i + 1}.png", "wb") as f:
            for _ in range(PICTURE_BYTES // MIB):
                f.write(os.urandom(MIB))
    paths = sorted(loose.iterdir())
    z = root / "big.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in paths:
            zf.write(p, p.name, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    members = [p for p in paths if p.name != "bundle.json"]
    return Big(zip=z, loose=paths, sha256={p.name: file_sha(p) for p in members},
               size=sum(p.stat().st_size for p in members))


@pytest.fixture
def spool_dir(tmp_path, monkeypatch) -> Path:
    """Where bundles spool, watched: it must be empty again after every intake."""
    folder = tmp_path / "spool"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def traced_peak(fn):
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def stored_sha(store: ObjectStore, key: str) -> str:
    h = hashlib.sha256()
    with store.open(key) as f:
        while chunk := f.read(MIB):
            h.update(chunk)
    return h.hexdigest()


@pytest.mark.parametrize("shape", ["zip", "loose"])
def test_intake_of_an_80_mib_bundle_holds_about_one_member_in_memory(any_svc, big, shape, spool_dir):
    paths = [big.zip] if shape == "zip" else big.loose
    r, peak = traced_peak(lambda: intake_bundle(paths, "drafter", any_svc))
    assert r.accepted and not r.duplicate, r.problems
    assert big.size > 4 * PICTURE_BYTES
    assert peak < BOUND, f"peak {peak / MIB:.1f} MiB for a {big.size / MIB:.0f} MiB bundle"
    assert {f.name: f.sha256 for f in r.files} == big.sha256
    assert set(any_svc.store.keys()) == set(big.sha256.values())
    for key in big.sha256.values():
        assert stored_sha(any_svc.store, key) == key
    assert list(spool_dir.iterdir()) == []


def test_s3_put_file_streams_a_20_mib_member(s3_store, big):
    picture = max(big.loose, key=lambda p: p.stat().st_size)
    sha, size = big.sha256[picture.name], picture.stat().st_size
    assert size == PICTURE_BYTES
    key, peak = traced_peak(lambda: s3_store.put_file(picture, sha256=sha, size=size))
    assert key == sha and stored_sha(s3_store, key) == sha
    assert peak < BOUND, f"peak {peak / MIB:.1f} MiB for a {size / MIB:.0f} MiB file"


@pytest.fixture(params=["folder_store", "s3_store"])
def store(request) -> ObjectStore:
    return request.getfixturevalue(request.param)


def test_put_file_refuses_bytes_other_than_the_caller_measured(store, tmp_path):
    src = tmp_path / "in.bin"
    src.write_bytes(b"after the edit")
    before = hashlib.sha256(b"before the edit").hexdigest()
    with pytest.raises(ObjectChanged):
        store.put_file(src, sha256=before, size=len(b"before the edit"))
    assert list(store.keys()) == []
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["in.bin"]  # no temp file left


def test_put_file_with_a_known_key_already_stored_does_not_read_the_file(store, tmp_path):
    key = store.put(b"stored before")
    absent = tmp_path / "gone.bin"  # nothing to read: the key alone answers
    assert store.put_file(absent, sha256=key, size=13) == key


def test_a_loose_file_edited_during_intake_is_refused_and_nothing_is_stored(svc, tmp_path, monkeypatch):
    loose = tmp_path / "loose"
    loose.mkdir()
    for name, data in bundle_files("complete").items():
        (loose / name).write_bytes(data)
    picture = loose / "一图读懂.png"
    real = intake_mod.inspect_bundle

    def inspect_then_edit(*args, **kw):
        prepared = real(*args, **kw)
        picture.write_bytes(b"edited after it was measured")
        return prepared

    monkeypatch.setattr(intake_mod, "inspect_bundle", inspect_then_edit)
    r = intake_bundle(sorted(loose.iterdir()), "drafter", svc)
    assert not r.accepted and [p.code for p in r.problems] == ["bundle_unreadable"]
    assert r.problems[0].file == "一图读懂.png"
    assert list(svc.store.keys()) == []


def test_the_spool_is_removed_after_refusals_and_failures(svc, sample_zip, spool_dir, tmp_path):
    bomb = tmp_path / "liar.zip"
    with zipfile.ZipFile(bomb, "w") as zf:
        zf.writestr("政策解读.docx", b"x" * 1000)
        zf.writestr("liar.docx", bytes(5 << 20))
    blob = bytearray(bomb.read_bytes())  # liar.docx declares 1000 bytes, inflates to 5 MB
    for sig, at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        i = blob.rfind(sig)
        blob[i + at:i + at + 4] = (1000).to_bytes(4, "little")
    bomb.write_bytes(bytes(blob))
    r = intake_bundle([bomb], "drafter", svc)  # refused halfway through inflating
    assert [p.code for p in r.problems] == ["bundle_too_large"]
    assert list(spool_dir.iterdir()) == []

    r = intake_bundle([sample_zip("missing-risk")], "drafter", svc)  # inspected, kept
    assert r.accepted
    with pytest.raises(Exception):
        intake_bundle([sample_zip(body_variant=2)], "drafter", svc, dossier_hint="D1999-0001")
    assert list(spool_dir.iterdir()) == []

    risk = tmp_path / "risk.zip"
    with zipfile.ZipFile(risk, "w") as zf:
        zf.writestr("舆情风险评估报告.docx", bundle_files()["舆情风险评估报告.docx"])
    attached = attach(svc, r.dossier, risk, "risk_assessment", "drafter")
    assert attached.accepted and attached.version == 2
    assert list(spool_dir.iterdir()) == []
