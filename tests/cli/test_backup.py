"""`lockstep backup TARGET` (issue 14, Operator): a consistent copy of an embedded home while a writer runs."""
from __future__ import annotations

import stat
import threading
import zipfile
from pathlib import Path

from sqlalchemy import func, select

from samples.genhe import bundle_files
from storage.tables import DossierRow, EventRow
from tests.conftest import Cli
from tests.storage.test_gazette_storage import signed_dossier


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _counts(svc) -> tuple[int, int]:
    with svc.session() as s:
        return s.scalar(select(func.count()).select_from(EventRow)), s.scalar(select(func.count()).select_from(DossierRow))


def _submit(svc, folder: Path, n: int) -> None:
    """A new dossier: objects stored, then rows and audit events committed (what a desk's intake does)."""
    from services.dossiers.intake import intake_bundle
    path = folder / f"w-{n}.zip"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in bundle_files("complete", doc_number=f"根政办发〔2018〕{n}号",
                                       inner_title=f"根河市第{n}号备份测试办法").items():
            z.writestr(name, data)
    assert intake_bundle([path], "drafter", svc).accepted


class Writer(threading.Thread):
    """A desk-like writer: submits bundles until told to stop (bounded)."""

    def __init__(self, svc, folder: Path) -> None:
        super().__init__(daemon=True)
        self.svc, self.folder, self.done, self.stop, self.error = svc, folder, 0, threading.Event(), None
        folder.mkdir()

    def run(self) -> None:
        try:
            while not self.stop.is_set() and self.done < 60:
                _submit(self.svc, self.folder, 100 + self.done)
                self.done += 1
        except BaseException as e:        # noqa: BLE001 - reported by the test
            self.error = e

    def wait_for(self, n: int) -> None:
        while self.done < n and self.is_alive():
            self.stop.wait(0.02)


def test_a_backup_taken_while_a_writer_runs_is_a_consistent_private_home_of_its_own(cli, svc, home, tmp_path):
    d = signed_dossier(svc, tmp_path / "bundles")
    status = cli.json("status", d)
    writer = Writer(svc, tmp_path / "writer")
    writer.start()
    try:
        writer.wait_for(1)
        before = writer.done
        copy = tmp_path / "backups" / "copy"
        summary = cli.json("backup", copy)
        writer.wait_for(writer.done + 1)          # the writer went on writing after the snapshot too
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.error is None and not writer.is_alive()
    assert summary["ok"] and summary["database"] == "lockstep.db" and summary["database_pages"] > 0
    assert summary["files"] > 10 and summary["bytes"] > summary["database_bytes"] > 0
    assert summary["objects"] > 0 and summary["config_rewritten"] == []
    assert summary["left_out"] == ["cache", "desk.json", "logs", "prefect"]

    copied = Cli(copy)
    assert copied.json("audit", "verify")["ok"] is True
    check = copied.json("storage", "check")                   # exit 0: clean
    assert check["ok"] and check["store"] == f"folder:{(copy / 'objects').resolve()}"
    assert copied.json("status", d) == status
    # The snapshot holds the writer's dossiers committed before it, none after: the copy is one moment.
    events, dossiers = _counts(svc)
    from services.home.context import open_services
    from services.home.folder import Home
    copy_svc = open_services(Home(copy))
    copy_events, copy_dossiers = _counts(copy_svc)
    assert 1 + before <= copy_dossiers < dossiers and copy_events < events

    # Private stays private, public stays public, the home keeps its own mode; run state is not copied.
    assert _mode(copy) == _mode(home.path)
    assert _mode(copy / "lockstep.toml") == 0o600 and _mode(copy / "lockstep.db") == 0o600
    assert _mode(copy / "objects") == 0o700
    assert {_mode(p) for p in (copy / "objects").rglob("*") if p.is_file()} == {0o600}
    assert {_mode(p) for p in (copy / "objects").rglob("*") if p.is_dir()} == {0o700}
    assert _mode(copy / "site") == 0o755
    pages = [p for p in (copy / "site").rglob("*") if p.is_file()]
    assert pages and {_mode(p) for p in pages} == {0o644}
    assert not any((copy / n).exists() for n in ("desk.json", "cache", "logs", "prefect"))
    assert not list(copy.rglob(".tmp-*"))

    # A write to the copy lands in the copy only.
    original = _counts(svc)
    _submit(copy_svc, tmp_path / "writer", 999)
    assert _counts(copy_svc)[1] == copy_dossiers + 1
    assert _counts(svc) == original

    # A damaged home (an object its rows name is gone) is still copied, as good as it is, and says so.
    from services.home.storage_check import named_objects
    lost = next(k for k in sorted(named_objects(svc)) if (home.path / "objects" / k[:2] / k[2:4] / k).is_file())
    (home.path / "objects" / lost[:2] / lost[2:4] / lost).unlink()
    damaged = cli.json("backup", tmp_path / "damaged", code=1)
    assert damaged["ok"] is False and damaged["missing_objects"] == [lost]
    assert damaged["problems"][0]["code"] == "storage_unavailable" and (tmp_path / "damaged" / "lockstep.db").is_file()


def test_backup_refuses_a_used_target_and_a_server_home_and_makes_an_older_homes_path_relative(
        cli, home, tmp_path, monkeypatch):
    # An older home named its SQLite file by an absolute path inside the home.
    text = home.config_path.read_text(encoding="utf-8")
    home.config_path.write_text(text.replace('database = "sqlite:///lockstep.db"',
                                             f'database = "sqlite:///{(home.path / "lockstep.db").resolve()}"'))
    used = tmp_path / "used"
    used.mkdir()
    (used / "x").write_text("x")
    r = cli.json("backup", used, code=1)
    assert r["problems"][0]["code"] == "request_invalid" and "x" == (used / "x").read_text()
    assert cli.json("backup", home.path / "inside", code=1)["problems"][0]["code"] == "request_invalid"
    assert cli("backup").exit_code == 2

    from storage.objects import FolderStore
    orphan = FolderStore(home.path / "objects").put(b"stored by an intake that had not committed")
    r = cli("backup", tmp_path / "old")
    assert r.exit_code == 0, r.output
    assert "sqlite:///lockstep.db" in r.stdout and "已备份" in r.stdout
    assert 'database = "sqlite:///lockstep.db"' in (tmp_path / "old" / "lockstep.toml").read_text(encoding="utf-8")
    assert Cli(tmp_path / "old").json("audit", "verify")["ok"]
    # An object no row of the snapshot names (stored for a commit after it) stays out of the copy.
    assert "1 个对象" in r.stdout and not list((tmp_path / "old" / "objects").rglob(orphan))
    assert Cli(tmp_path / "old").json("storage", "check")["ok"] and (home.path / "objects" / orphan[:2]).is_dir()

    monkeypatch.setenv("LOCKSTEP_DATABASE_URL", "postgresql+psycopg://lockstep@127.0.0.1:9/lockstep")
    r = cli.json("backup", tmp_path / "pg", code=1)
    [p] = r["problems"]
    assert p["code"] == "request_invalid" and "pg_dump" in p["message"] and "mc mirror" in p["message"]
    assert "ops/province/GUIDE.md" in p["message"] and not (tmp_path / "pg").exists()
    monkeypatch.delenv("LOCKSTEP_DATABASE_URL")
    monkeypatch.setenv("LOCKSTEP_OBJECTS", "s3://a:b@127.0.0.1:9/bucket?secure=false")
    assert "mc mirror" in cli.json("backup", tmp_path / "s3", code=1)["problems"][0]["message"]


def test_a_backup_that_fails_half_way_leaves_no_half_copy(tmp_path):
    from services.home.folder import Home
    broken = Home(tmp_path / "broken")
    broken.create()
    (broken.path / "lockstep.db").write_bytes(b"not a database" * 100)
    r = Cli(broken.path).json("backup", tmp_path / "half", code=1)
    assert r["ok"] is False and not (tmp_path / "half").exists()
    (tmp_path / "empty").mkdir()
    Cli(broken.path).json("backup", tmp_path / "empty", code=1)
    assert (tmp_path / "empty").is_dir() and not list((tmp_path / "empty").iterdir())
