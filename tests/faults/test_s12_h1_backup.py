"""Brief H1 (session 12), item 2: `lockstep backup` wrote the copy's lockstep.toml in place (open with
O_TRUNC, then write). restore takes a folder holding a readable lockstep.toml for a backup, and an empty
or cut file reads as the defaults: a backup killed as it began that file was restored as complete, with
the default people and pipelines instead of the home's. Now the file is written aside, fsynced and
renamed into place after the copied files reach the disk, and restore refuses an empty one. Real
subprocesses killed with SIGKILL."""
from __future__ import annotations

import signal
import stat

from tests.faults.test_orphans import lockstep


def _submitted(svc, sample_zip) -> str:
    from services.dossiers.intake import intake_bundle
    r = intake_bundle([sample_zip(doc_number="根政办发〔2019〕311号")], "drafter", svc)
    assert r.accepted, r.problems
    return r.dossier


def test_a_backup_killed_while_writing_its_config_leaves_no_config_and_is_never_restored(svc, sample_zip, tmp_path):
    home = svc.home.path
    d = _submitted(svc, sample_zip)
    half = tmp_path / "half"
    code, _ = lockstep(home, "backup", str(half), LOCKSTEP_TEST_CRASH_AT="backup.config_halfway")
    assert code == -signal.SIGKILL
    assert (half / "lockstep.db").is_file()
    assert not (half / "lockstep.toml").exists(), "a cut lockstep.toml is in the backup"
    assert [p.name[:5] for p in half.iterdir() if p.name.startswith(".tmp-")] == [".tmp-"]
    code, refused = lockstep(home, "restore", str(half))
    assert code == 1 and refused["problems"][0]["code"] == "request_invalid", refused
    assert not list(tmp_path.glob("home.before-restore-*"))          # the home was not touched
    code, shown = lockstep(home, "status", d)
    assert code == 0, shown

    whole = tmp_path / "whole"
    code, done = lockstep(home, "backup", str(whole))
    assert code == 0, done
    config = whole / "lockstep.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert not [p for p in whole.iterdir() if p.name.startswith(".tmp-")]
    assert 'database = "sqlite:///lockstep.db"' in config.read_text(encoding="utf-8")


def test_restore_refuses_a_backup_whose_config_is_empty(svc, sample_zip, tmp_path):
    """What the in-place write left when killed between creating the file and writing it: an empty
    lockstep.toml beside a whole database. Read as the defaults it was restored (the default people,
    pipelines and storage); it is refused, and the home stays as it was."""
    home = svc.home.path
    d = _submitted(svc, sample_zip)
    backup = tmp_path / "b"
    code, done = lockstep(home, "backup", str(backup))
    assert code == 0, done
    (backup / "lockstep.toml").write_bytes(b"")
    code, refused = lockstep(home, "restore", str(backup))
    assert code == 1, refused
    p = refused["problems"][0]
    assert p["code"] == "request_invalid" and "未写完" in p["message"] and "lockstep backup" in p["message"], p
    assert not list(tmp_path.glob("home.before-restore-*"))
    code, shown = lockstep(home, "status", d)
    assert code == 0, shown
