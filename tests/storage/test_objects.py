"""The object store contract, run against the folder backend and a real S3 server (SeaweedFS)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from minio import Minio
from minio.error import S3Error

from documents.problems import Refused
from storage import objects
from storage.objects import FolderStore, MinioStore, ObjectMissing, ObjectStore, open_store

ABSENT = hashlib.sha256(b"never stored").hexdigest()
BAD_KEYS = [
    "../../etc/passwd",
    "",
    "abc",
    ABSENT.upper(),            # keys are lowercase
    ABSENT[:-1],               # 63 digits
    ABSENT + "\n",             # a trailing newline must not slip past the check
    "../" + ABSENT[3:],
    "g" * 64,
]


@pytest.fixture(params=["folder_store", "s3_store"])
def store(request: pytest.FixtureRequest) -> ObjectStore:
    return request.getfixturevalue(request.param)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the contract, both backends ---------------------------------------------------------

def test_put_returns_sha256_key_and_get_returns_the_same_bytes(store: ObjectStore) -> None:
    data = b"%PDF-1.7 policy text"
    key = store.put(data, content_type="application/pdf")
    assert key == sha(data)
    assert store.get(key) == data


def test_put_same_bytes_twice_stores_one_object(store: ObjectStore, monkeypatch: pytest.MonkeyPatch) -> None:
    data = "同一份文件".encode()
    first = store.put(data)
    if isinstance(store, MinioStore):
        writes: list[str] = []
        real_put = store.client.put_object
        monkeypatch.setattr(store.client, "put_object",
                            lambda bucket, name, *a, **kw: (writes.append(name), real_put(bucket, name, *a, **kw))[1])
        assert store.put(data) == first
        assert writes == []
    else:
        path = store.root / first[:2] / first[2:4] / first
        before = path.stat()
        assert store.put(data) == first
        after = path.stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert list(store.keys()) == [first]


def test_put_file_streams_a_12_mib_file_under_its_sha256(store: ObjectStore, tmp_path: Path) -> None:
    data = os.urandom(12 * 1024 * 1024)  # above S3's 5 MiB part size: multipart upload
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    key = store.put_file(src)
    assert key == sha(data)
    assert store.get(key) == data
    h = hashlib.sha256()
    with store.open(key) as f:
        while chunk := f.read(1024 * 1024):
            assert len(chunk) <= 1024 * 1024
            h.update(chunk)
    assert h.hexdigest() == key
    assert store.put_file(src) == key
    assert list(store.keys()) == [key]


@pytest.mark.parametrize("data", [
    "关于印发《根河市政务公开工作实施方案》的通知\n根政办发〔2019〕36号".encode("utf-8"),
    "政策解读：一图读懂".encode("gb18030"),
    bytes(range(256)) * 4,
    b"\x00\xff\r\n\x1a",
    b"",
], ids=["utf8-chinese", "gb18030", "all-bytes", "control-bytes", "empty"])
def test_chinese_and_binary_content_round_trips_byte_for_byte(store: ObjectStore, data: bytes) -> None:
    key = store.put(data)
    assert key == sha(data)
    assert store.get(key) == data
    with store.open(key) as f:
        assert f.read() == data


def test_exists_after_put_and_not_after_delete(store: ObjectStore) -> None:
    key = store.put(b"orphan")
    assert store.exists(key)
    store.delete(key)
    assert not store.exists(key)
    assert list(store.keys()) == []
    store.delete(key)  # deleting what is not there is not an error


def test_delete_leaves_other_objects_alone(store: ObjectStore) -> None:
    keep, drop = store.put(b"keep"), store.put(b"drop")
    store.delete(drop)
    assert store.get(keep) == b"keep"


def test_absent_key_raises_object_missing(store: ObjectStore) -> None:
    assert not store.exists(ABSENT)
    with pytest.raises(ObjectMissing) as e:
        store.get(ABSENT)
    assert e.value.args == (ABSENT,)
    with pytest.raises(ObjectMissing):
        with store.open(ABSENT):
            pass
    with pytest.raises(KeyError):  # ObjectMissing is a KeyError, for callers that expect one
        store.get(ABSENT)


def test_keys_lists_every_object_once(store: ObjectStore) -> None:
    assert list(store.keys()) == []
    stored = {store.put(f"第{i}号".encode()) for i in range(5)}
    store.put("第0号".encode())
    listed = list(store.keys())
    assert sorted(listed) == sorted(stored)


@pytest.mark.parametrize("bad", BAD_KEYS)
def test_keys_that_are_not_64_lowercase_hex_are_refused(store: ObjectStore, bad: str) -> None:
    for call in (store.get, store.exists, store.delete):
        with pytest.raises(ValueError):
            call(bad)
    with pytest.raises(ValueError):
        with store.open(bad):
            pass


def test_describe_names_the_place_without_secrets(store: ObjectStore) -> None:
    text = store.describe()
    if isinstance(store, MinioStore):
        assert text == f"s3://{store.endpoint}/{store.bucket}?secure=false"
        assert "secret" not in text
    else:
        assert text == f"folder:{store.root.resolve()}"


# --- folder backend ------------------------------------------------------------------------

def test_folder_store_refuses_a_path_from_outside(folder_store: FolderStore, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("not an object")
    with pytest.raises(ValueError):
        folder_store.get("../../secret.txt")
    with pytest.raises(ValueError):
        folder_store.delete("../../secret.txt")
    assert (tmp_path / "secret.txt").exists()


def test_folder_store_lays_objects_out_by_key_prefix(folder_store: FolderStore) -> None:
    key = folder_store.put(b"x")
    assert (folder_store.root / key[:2] / key[2:4] / key).read_bytes() == b"x"


def test_folder_writes_leave_no_temp_files(folder_store: FolderStore, tmp_path: Path) -> None:
    src = tmp_path / "in.bin"
    src.write_bytes(os.urandom(3 * 1024 * 1024))
    keys = {folder_store.put(b"a"), folder_store.put(b"a"), folder_store.put_file(src), folder_store.put_file(src)}
    files = {p.relative_to(folder_store.root).as_posix() for p in folder_store.root.rglob("*") if p.is_file()}
    assert files == {f"{k[:2]}/{k[2:4]}/{k}" for k in keys}


@pytest.mark.parametrize("how", ["put", "put_file"])
def test_folder_failed_write_leaves_neither_object_nor_temp_file(
        folder_store: FolderStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    src = tmp_path / "in.bin"
    src.write_bytes(b"half written")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(objects.os, "fsync", disk_full)
    with pytest.raises(Refused) as refused:       # a full disk is a coded answer (issue 12, item 5)
        folder_store.put(b"half written") if how == "put" else folder_store.put_file(src)
    assert refused.value.problem.code == "storage_unavailable" and "磁盘已满" in refused.value.problem.message
    monkeypatch.undo()
    assert not folder_store.exists(sha(b"half written"))
    assert [p for p in folder_store.root.rglob("*") if p.is_file()] == []


def test_folder_keys_ignore_stray_files(folder_store: FolderStore) -> None:
    key = folder_store.put(b"real")
    (folder_store.root / key[:2] / key[2:4] / ".tmp-abc").write_bytes(b"stray")
    (folder_store.root / "ab" / "cd").mkdir(parents=True)
    (folder_store.root / "ab" / "cd" / ABSENT).write_bytes(b"in the wrong folder")
    assert list(folder_store.keys()) == [key]


# --- S3 backend ------------------------------------------------------------------------------

def test_s3_objects_are_named_by_key_prefix_with_their_content_type(s3_store: MinioStore) -> None:
    key = s3_store.put(b"%PDF", content_type="application/pdf")
    st = s3_store.client.stat_object(s3_store.bucket, f"sha256/{key[:2]}/{key}")
    assert st.content_type == "application/pdf"
    assert st.size == 4


def test_s3_with_a_wrong_secret_is_refused(s3, s3_store: MinioStore) -> None:
    with pytest.raises(S3Error) as e:
        MinioStore(s3.endpoint, s3_store.bucket, access_key=s3.access_key,
                   secret_key="wrong-secret", secure=False)
    assert e.value.code == "SignatureDoesNotMatch"

    key = s3_store.put(b"guarded")
    intruder = open_store(s3.url(s3_store.bucket))
    intruder.client = Minio(s3.endpoint, access_key=s3.access_key, secret_key="wrong-secret", secure=False)
    # A refusal must surface as an error, never as "absent" or as a silent success.
    for call in (intruder.exists, intruder.get, intruder.delete):
        with pytest.raises(S3Error) as e:
            call(key)
        assert not isinstance(e.value, KeyError)
    with pytest.raises(S3Error):
        intruder.put(b"sneaked in")
    assert s3_store.get(key) == b"guarded"
    assert list(s3_store.keys()) == [key]


def test_s3_put_file_keeps_nothing_when_the_file_changes_during_upload(
        s3_store: MinioStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "in.bin"
    src.write_bytes(b"after the edit")
    # As if the file read b"before the edit" when it was hashed, then changed.
    monkeypatch.setattr(objects, "_hash_file", lambda p: (sha(b"before the edit"), src.stat().st_size))
    with pytest.raises(RuntimeError, match="changed"):
        s3_store.put_file(src)
    assert list(s3_store.keys()) == []


# --- open_store --------------------------------------------------------------------------------

def test_open_store_resolves_relative_folder_against_root(tmp_path: Path) -> None:
    store = open_store("folder:.lockstep/objects", root=tmp_path)
    assert isinstance(store, FolderStore)
    assert store.root == tmp_path / ".lockstep" / "objects"
    assert store.root.is_dir()


def test_open_store_keeps_absolute_folder(tmp_path: Path) -> None:
    store = open_store(f"folder:{tmp_path / 'abs'}", root=tmp_path / "elsewhere")
    assert store.root == tmp_path / "abs"


def test_open_store_s3_url_gives_a_working_minio_store(s3) -> None:
    store = open_store(s3.url("from-url"))
    assert isinstance(store, MinioStore)
    assert (store.bucket, store.endpoint, store.secure) == ("from-url", s3.endpoint, False)
    key = store.put("经由网址".encode())
    assert open_store(s3.url("from-url")).get(key) == "经由网址".encode()


def test_open_store_takes_s3_credentials_from_env_when_url_has_none(s3, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCKSTEP_S3_ACCESS_KEY", s3.access_key)
    monkeypatch.setenv("LOCKSTEP_S3_SECRET_KEY", s3.secret_key)
    store = open_store(f"s3://{s3.endpoint}/env-creds?secure=false")
    assert store.exists(store.put(b"env")) is True


def test_open_store_s3_without_credentials_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCKSTEP_S3_ACCESS_KEY", raising=False)
    monkeypatch.delenv("LOCKSTEP_S3_SECRET_KEY", raising=False)
    with pytest.raises(ValueError, match="credentials"):
        open_store("s3://127.0.0.1:9/bucket?secure=false")


@pytest.mark.parametrize("url", [
    "ftp://host/bucket",
    "/plain/path",
    "folder:",
    "s3://AK:SK@127.0.0.1:9",
    "s3://AK:SK@127.0.0.1:9/",
    "s3://AK:SK@127.0.0.1:9/bucket/extra",
    "s3://AK:SK@127.0.0.1:9/bucket?secure=maybe",
    "s3://AK:SK@127.0.0.1:9/bucket?secur=false",
])
def test_open_store_refuses_malformed_urls(url: str) -> None:
    with pytest.raises(ValueError):
        open_store(url)
