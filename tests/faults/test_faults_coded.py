"""Faults are coded, bounded answers (issue 12, item 5).

Real parts, real `lockstep` subprocesses: a SeaweedFS S3 server stopped with SIGSTOP and one killed
with SIGKILL (then started again on the same ports and data), a PostgreSQL server stopped and started
again, a read-only home (a read-only bind mount of the home over itself: the tests run as root, which
ignores file modes, but not a read-only mount) and a full disk (a 1 MiB tmpfs mounted on the home's
objects folder, filled up). Each fault: the coded problem in the --json document on stdout, exit 1,
no traceback on stderr, within a bounded time; after the fault is removed the same command completes
the work, once.
"""
from __future__ import annotations

import json
import os
import signal
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from samples.genhe import graphic_png, write_bundles, write_zip

ROOT = Path(__file__).resolve().parents[2]
LOCKSTEP = Path(sys.executable).parent / "lockstep"


# ------------------------------------------------------------------ helpers

def lockstep(home: Path, *args: str, timeout: float = 120, env: dict | None = None):
    """Run the real command; return (exit code, the --json document or None, stderr, seconds)."""
    start = time.monotonic()
    r = subprocess.run([str(LOCKSTEP), "--home", str(home), *map(str, args)], cwd=ROOT, timeout=timeout,
                       capture_output=True, text=True, env={**os.environ, **(env or {})})
    took = time.monotonic() - start
    try:
        doc = json.loads(r.stdout) if "--json" in args else None
    except json.JSONDecodeError:
        raise AssertionError(f"stdout is not one JSON document:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    return r.returncode, doc, r.stderr, took


def assert_refused(result, code: str, within: float, words: str | None = None) -> dict:
    rc, doc, stderr, took = result
    assert rc == 1, (rc, doc, stderr[-3000:])
    assert doc is not None and doc["ok"] is False, doc
    assert [p["code"] for p in doc["problems"]][:1] == [code], doc
    if words:
        assert words in doc["problems"][0]["message"], doc
    assert "Traceback" not in stderr, stderr[-3000:]
    assert took < within, f"took {took:.1f} s"
    return doc


@pytest.fixture
def make_home(tmp_path, monkeypatch):
    """A home on the given database and object store, with one stored dossier (intake run here,
    without Prefect). The subprocesses see the same URLs through the environment."""
    from services.home import context as context

    made = []

    def make(database: str | None = None, objects: str | None = None):
        from services.home.context import initialise
        from services.home.folder import Home
        from services.dossiers.intake import intake_bundle
        if database:
            monkeypatch.setenv("LOCKSTEP_DATABASE_URL", database)
        if objects:
            monkeypatch.setenv("LOCKSTEP_OBJECTS", objects)
        _, svc = initialise(Home(tmp_path / "home"))
        made.append(svc)
        bundle = write_zip(tmp_path / "bundle.zip")
        r = intake_bundle([bundle], "drafter", svc)
        assert r.accepted and r.new_dossier, r
        context._engines.pop(svc.home.database_url, None)
        svc.engine.dispose()           # the SQLite file closed: WAL checkpointed, no -wal/-shm left
        return svc.home.path, r.dossier

    yield make
    for svc in made:
        context._engines.pop(svc.home.database_url, None)
        svc.engine.dispose()


def picture(tmp_path: Path, size: int = 0) -> Path:
    """A graphic interpretation to attach (a new version); padded to `size` bytes."""
    data = graphic_png()
    p = tmp_path / f"图解-{uuid.uuid4().hex[:6]}.png"
    p.write_bytes(data + os.urandom(max(16, size - len(data))))      # not the bundle's own picture
    return p


def versions(home: Path, dossier: str) -> int:
    rc, doc, err, _ = lockstep(home, "status", dossier, "--json")
    assert rc == 0, (doc, err[-2000:])
    return doc["version"]


# ------------------------------------------------------------------ S3

def _pid_of_weed(port: int) -> int:
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                argv = (d / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"-s3.port={port}".encode() in argv:
                return int(d.name)
    raise AssertionError(f"no weed serving S3 on port {port}")


@pytest.fixture
def s3(tmp_path_factory):
    from tests.support.seaweed import seaweed_s3
    tmp = Path(tempfile.mkdtemp(prefix="lockstep-fault-s3-"))
    try:
        with seaweed_s3(tmp) as endpoint:
            yield endpoint
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _s3_url(endpoint, bucket: str) -> str:
    # Short timeouts keep the test quick; the defaults (3 s, 10 s) bound a real store the same way.
    return endpoint.url(bucket) + "&connect_timeout=1&read_timeout=2"


def test_s3_stopped_batch_answers_storage_unavailable_then_rerun_stores_once(make_home, s3, tmp_path):
    home, _ = make_home(objects=_s3_url(s3, f"f-{uuid.uuid4().hex[:12]}"))
    bundles = tmp_path / "batch"
    bundles.mkdir()
    write_bundles(bundles, 2, seed=31)
    pid = _pid_of_weed(s3.port)
    os.kill(pid, signal.SIGSTOP)
    try:
        # Includes starting the workflow engine (~10–20 s here); the store's part is a few seconds.
        doc = assert_refused(lockstep(home, "batch", bundles, "--as", "drafter", "--json", timeout=150),
                             "storage_unavailable", within=120)
    finally:
        os.kill(pid, signal.SIGCONT)
    assert "未在限定时间内应答" in doc["problems"][0]["message"]
    rc, again, err, _ = lockstep(home, "batch", bundles, "--as", "drafter", "--json", timeout=150)
    assert rc == 0, (again, err[-3000:])
    assert again["summary"] == {"accepted": 2}, again["summary"]        # none stored by the failed run
    assert len({r["dossier"] for r in again["results"]}) == 2


def test_s3_killed_answers_storage_unavailable_then_restarted_stores_once(make_home, s3, tmp_path):
    home, dossier = make_home(objects=_s3_url(s3, f"f-{uuid.uuid4().hex[:12]}"))
    pid = _pid_of_weed(s3.port)
    argv = [a.decode() for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if a]
    cwd = os.readlink(f"/proc/{pid}/cwd")
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.3)
    pic = picture(tmp_path)
    assert_refused(lockstep(home, "attach", dossier, pic, "--role", "graphic_interpretation",
                            "--as", "drafter", "--json"), "storage_unavailable", within=45)
    assert versions(home, dossier) == 1
    # The same server again: same ports, same data.
    with open(Path(cwd) / "weed-restarted.out", "wb") as out:
        weed = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://{s3.host}:{s3.port}/", timeout=2).close()
            except urllib.error.HTTPError as e:
                if e.code == 403:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "weed did not come back"
            time.sleep(0.2)
        # Its gateway answers before its volumes are back: wait until a put goes through.
        from documents.problems import Refused
        from storage.objects import open_store
        while True:
            try:
                open_store(_s3_url(s3, "f-probe")).put(b"probe")
                break
            except Refused:
                assert time.monotonic() < deadline + 30, "weed took no objects after its restart"
                time.sleep(0.5)
        rc, doc, err, _ = lockstep(home, "attach", dossier, pic, "--role", "graphic_interpretation",
                                   "--as", "drafter", "--json")
        assert rc == 0 and doc["accepted"] and doc["version"] == 2 and not doc["duplicate"], (doc, err[-2000:])
        rc, doc, _, _ = lockstep(home, "attach", dossier, pic, "--role", "graphic_interpretation",
                                 "--as", "drafter", "--json")
        assert rc == 0 and doc["duplicate"] and doc["version"] == 2, doc          # once
    finally:
        weed.terminate()
        try:
            weed.wait(10)
        except subprocess.TimeoutExpired:
            weed.kill()
            weed.wait()


# ------------------------------------------------------------------ PostgreSQL

def _stop_postgres(server) -> None:
    pid = int((server.socket_dir / "data" / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGINT)                     # fast shutdown
    deadline = time.monotonic() + 15
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_postgres_down_answers_database_unavailable_then_restarted_records_once(make_home, pg, tmp_path):
    from tests.support import postgres as support
    home, dossier = make_home(database=pg.create_database(f"f_{uuid.uuid4().hex[:12]}"))
    _stop_postgres(pg)
    restarted = None
    try:
        for args in (("status", dossier, "--json"), ("audit", "verify", "--json"),
                     ("review", dossier, "--stage", "unit_check", "--approve", "--as", "director", "--json")):
            assert_refused(lockstep(home, *args), "database_unavailable", within=45)
        restarted, log = support._start(pg.socket_dir, pg.socket_dir / "data", pg.port)
        support._wait_ready(restarted, pg, log)
        rc, doc, err, _ = lockstep(home, "review", dossier, "--stage", "unit_check", "--approve",
                                   "--as", "director", "--json")
        assert rc == 0, (doc, err[-2000:])
        rc, st, _, _ = lockstep(home, "status", dossier, "--json")
        assert rc == 0 and [d["stage"] for d in st["decisions"]] == ["unit_check"], st["decisions"]
        rc, audit, _, _ = lockstep(home, "audit", "verify", "--json")
        assert rc == 0 and audit["ok"], audit
    finally:
        if restarted is not None:
            support._stop(restarted)


# ------------------------------------------------------------------ a read-only home, a full disk

def _mount(*args: str) -> None:
    r = subprocess.run(["mount", *args], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount here ({r.stderr.strip()}); these faults need root with mount rights")


def _umount(path: Path) -> None:
    if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def test_read_only_home_answers_reads_and_refuses_writes_with_a_code(make_home, tmp_path):
    home, dossier = make_home()
    _mount("--bind", str(home), str(home))
    try:
        _mount("-o", "remount,ro,bind", str(home))
        with pytest.raises(OSError):
            (home / "probe").write_text("x")                 # it really is read-only, for root too
        for args in (("status", dossier, "--json"), ("gate", dossier, "--json"), ("audit", "verify", "--json"),
                     ("register", "list", "--json"), ("history", dossier, "--json")):
            rc, doc, err, took = lockstep(home, *args)
            assert rc == 0, (args, doc, err[-2000:])
            assert "Traceback" not in err and took < 30
        rc, doc, _, _ = lockstep(home, "audit", "verify", "--json")
        assert doc["ok"] and doc["events"] >= 2, doc
        assert_refused(lockstep(home, "review", dossier, "--stage", "unit_check", "--approve",
                                "--as", "director", "--json"), "database_unavailable", within=45, words="只读")
        assert_refused(lockstep(home, "attach", dossier, picture(tmp_path), "--role", "graphic_interpretation",
                                "--as", "drafter", "--json"), "storage_unavailable", within=45, words="只读")
        # A flow run needs the workflow engine's records in the home: refused before it starts.
        assert_refused(lockstep(home, "batch", write_zip(tmp_path / "more.zip", doc_number="根政办发〔2019〕77号"),
                                "--as", "drafter", "--json"), "storage_unavailable", within=45, words="只读")
    finally:
        _umount(home)
    rc, doc, err, _ = lockstep(home, "review", dossier, "--stage", "unit_check", "--approve",
                               "--as", "director", "--json")
    assert rc == 0, (doc, err[-2000:])
    rc, st, _, _ = lockstep(home, "status", dossier, "--json")
    assert [d["stage"] for d in st["decisions"]] == ["unit_check"] and st["version"] == 1


def test_full_disk_answers_storage_unavailable_with_nothing_half_stored(make_home, tmp_path):
    home, dossier = make_home()
    objects = home / "objects"
    kept = tmp_path / "objects-before"
    shutil.copytree(objects, kept)
    _mount("-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(objects))
    try:
        shutil.copytree(kept, objects, dirs_exist_ok=True)
        filler = objects / "filler"
        with open(filler, "wb", buffering=0) as f:                       # leave less than the picture needs
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        filler_size = filler.stat().st_size
        filler.unlink()
        filler.write_bytes(b"\0" * max(0, filler_size - 128 * 1024))
        pic = picture(tmp_path, size=400 * 1024)
        assert_refused(lockstep(home, "attach", dossier, pic, "--role", "graphic_interpretation",
                                "--as", "drafter", "--json"), "storage_unavailable", within=45, words="磁盘已满")
        assert not [p for p in objects.rglob(".tmp-*")], "a temp file stayed behind"
        assert versions(home, dossier) == 1
        filler.unlink()                                      # the disk has room again
        rc, doc, err, _ = lockstep(home, "attach", dossier, pic, "--role", "graphic_interpretation",
                                   "--as", "drafter", "--json")
        assert rc == 0 and doc["version"] == 2 and not doc["duplicate"], (doc, err[-2000:])
        assert versions(home, dossier) == 2
        rc, audit, _, _ = lockstep(home, "audit", "verify", "--json")
        assert rc == 0 and audit["ok"], audit
    finally:
        _umount(objects)


def test_full_disk_under_the_database_answers_database_unavailable_then_records_once(make_home, tmp_path):
    where = tmp_path / "home"
    where.mkdir()
    _mount("-t", "tmpfs", "-o", "size=8m,mode=0711", "tmpfs", str(where))
    try:
        home, dossier = make_home()
        filler = home / "filler"
        with open(filler, "wb", buffering=0) as f:                       # not a byte left
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        review = ("review", dossier, "--stage", "unit_check", "--approve", "--as", "director", "--json")
        assert_refused(lockstep(home, *review), "database_unavailable", within=60, words="磁盘已满")
        filler.unlink()
        rc, doc, err, _ = lockstep(home, *review)
        assert rc == 0, (doc, err[-2000:])
        rc, st, _, _ = lockstep(home, "status", dossier, "--json")
        assert [d["stage"] for d in st["decisions"]] == ["unit_check"], st["decisions"]
    finally:
        _umount(where)


def test_the_desk_api_answers_503_database_unavailable_while_postgres_is_down(make_home, pg):
    from fastapi.testclient import TestClient

    from desk import auth
    from desk.app import create_app
    home, dossier = make_home(database=pg.create_database(f"f_{uuid.uuid4().hex[:12]}"))
    token = auth.issue_token(home, "drafter")
    client = TestClient(create_app(home, "hand-off-token"), base_url="http://testserver",
                        headers={"Authorization": f"Bearer {token}"}, raise_server_exceptions=False)
    assert client.get(f"/api/v1/dossiers/{dossier}").status_code == 200
    _stop_postgres(pg)
    start = time.monotonic()
    r = client.get(f"/api/v1/dossiers/{dossier}")
    assert r.status_code == 503, r.text
    doc = r.json()
    assert doc["ok"] is False and doc["problems"][0]["code"] == "database_unavailable", doc
    assert "127.0.0.1" not in r.text and str(pg.port) not in r.text          # no hosts for API clients
    took = time.monotonic() - start
    print(f"503 after {took:.1f} s")
    assert took < 30
