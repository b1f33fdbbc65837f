"""`lockstep restore BACKUP` (issue 14, Operator: backup and restore): never under a process that has the
home's database open, never from a damaged backup, never losing the home it replaces, whole after a kill -9."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.test_backup import _submit
from tests.conftest import Cli
from tests.support.desk import running_desk
from tests.storage.test_gazette_storage import signed_dossier

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def backed_up(cli, svc, home, tmp_path):
    """A home with a published dossier, its backup, and a dossier submitted after the backup."""
    first = signed_dossier(svc, tmp_path / "bundles")
    backup = tmp_path / "backups" / "b1"
    assert cli.json("backup", backup)["ok"]
    (tmp_path / "later").mkdir()
    _submit(svc, tmp_path / "later", 7)
    return first, backup


def _dossiers(cli: Cli) -> set[str]:
    with sqlite3.connect(cli.home / "lockstep.db") as c:
        return {r[0] for r in c.execute("select id from dossiers")}


def _holder(db: Path) -> subprocess.Popen:
    """A real process with the database open (as a desk, a worker or a scheduler would have)."""
    p = subprocess.Popen([sys.executable, "-c", "import sqlite3, sys, time\n"
                          f"c = sqlite3.connect({str(db)!r}); c.execute('select 1').fetchall()\n"
                          "print('open', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "open"
    return p


def test_restore_puts_the_backup_back_and_keeps_the_home_it_replaced(cli, home, backed_up):
    first, backup = backed_up
    before = _dossiers(cli)
    assert first in before and len(before) == 2          # the later dossier is not in the backup
    (home.path / "desk.json").write_text("{}")           # run state of the old home stays with it

    r = cli.json("restore", backup)

    assert r["ok"] and r["home"] == str(home.path.absolute()) and r["events"] > 0 and r["objects"] > 0
    assert _dossiers(cli) == {first}
    previous = Path(r["previous"])
    assert previous.name.startswith("home.before-restore-") and previous.parent == home.path.parent
    with sqlite3.connect(previous / "lockstep.db") as c:                    # nothing lost: the old home, whole
        assert {x[0] for x in c.execute("select id from dossiers")} == before
    assert (previous / "desk.json").exists() and not (home.path / "desk.json").exists()
    assert stat.S_IMODE((home.path / "lockstep.db").stat().st_mode) == 0o600
    assert (home.path / "prefect").is_dir()
    assert not [p for p in home.path.parent.iterdir() if ".restoring-" in p.name]
    assert cli.json("audit", "verify")["ok"] and cli.json("storage", "check")["counts"]["missing_objects"] == 0
    assert cli.json("status", first)["dossier"] == first
    assert (backup / "lockstep.db").exists()                                 # the backup itself is left alone


def test_restore_refuses_while_another_process_has_the_database_open(cli, home, backed_up):
    _first, backup = backed_up
    before = _dossiers(cli)
    holder = _holder(home.path / "lockstep.db")
    try:
        r = cli("restore", backup, "--json")
    finally:
        holder.kill()
        holder.wait(10)
    assert r.exit_code == 1
    p = json.loads(r.stdout)["problems"][0]
    assert p["code"] == "request_invalid" and f"进程 {holder.pid}" in p["message"] and "lockstep restore" in p["message"]
    assert _dossiers(cli) == before
    assert sorted(x.name for x in home.path.parent.iterdir()) == ["backups", "bundles", "home", "later"]


def test_restore_refuses_while_a_desk_serves_the_home_and_works_once_it_stopped(cli, home, backed_up):
    first, backup = backed_up
    before = _dossiers(cli)
    with running_desk(home.path) as desk:
        r = cli("restore", backup)
        assert r.exit_code == 1 and f"工作台（进程 {desk['pid']}" in r.output and "请先停止工作台" in r.output, r.output
        assert "Traceback" not in r.output and _dossiers(cli) == before
    assert cli.json("restore", backup)["ok"] and _dossiers(cli) == {first}


def test_a_tampered_or_incomplete_backup_is_refused_and_the_home_is_untouched(cli, home, backed_up):
    _first, backup = backed_up
    before = _dossiers(cli)
    with sqlite3.connect(backup / "lockstep.db") as c:          # someone edits an audit event in the backup
        (actor,) = c.execute("select actor from events where seq = 2").fetchone()
        c.execute("update events set actor = 'mallory' where seq = 2")
    r = cli.json("restore", backup, code=1)
    assert r["problems"][0]["code"] == "request_invalid" and "审计链" in r["problems"][0]["message"]
    assert _dossiers(cli) == before

    with sqlite3.connect(backup / "lockstep.db") as c:
        c.execute("update events set actor = ? where seq = 2", (actor,))
    victim = next(p for p in (backup / "objects").rglob("*") if p.is_file())
    victim.unlink()
    r = cli.json("restore", backup, code=1)
    assert r["problems"][0]["code"] in ("storage_unavailable", "request_invalid"), r
    assert _dossiers(cli) == before
    assert not [p for p in home.path.parent.iterdir() if ".restoring-" in p.name or "before-restore" in p.name]


def test_restore_refuses_what_is_not_a_backup_and_environment_overrides(cli, home, backed_up, tmp_path, monkeypatch):
    _first, backup = backed_up
    assert cli.json("restore", tmp_path / "nowhere", code=1)["problems"][0]["code"] == "file_not_found"
    (tmp_path / "empty").mkdir()
    assert "不是 Lockstep 的备份" in cli.json("restore", tmp_path / "empty", code=1)["problems"][0]["message"]
    assert "互相包含" in cli.json("restore", home.path, code=1)["problems"][0]["message"]
    monkeypatch.setenv("LOCKSTEP_OBJECTS", f"folder:{tmp_path / 'elsewhere'}")
    assert "LOCKSTEP_OBJECTS" in cli.json("restore", backup, code=1)["problems"][0]["message"]


def test_a_restore_killed_between_its_two_renames_is_finished_by_running_it_again(cli, home, backed_up):
    first, backup = backed_up
    from storage.unit import forget_database
    forget_database(home.database_url)            # this test process's pool: another process that has it open
    env = {**os.environ, "LOCKSTEP_TEST_CRASH_AT": "restore.between_renames"}
    env.pop("LOCKSTEP_DATABASE_URL", None)
    run = [sys.executable, "-m", "cli.main", "--home", str(home.path), "restore", str(backup), "--json"]
    killed = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL
    assert not home.path.exists()                                # the home is aside, the copy is staged
    aside = [p for p in home.path.parent.iterdir() if "before-restore" in p.name]
    assert len(aside) == 1 and (aside[0] / "lockstep.db").exists()

    env.pop("LOCKSTEP_TEST_CRASH_AT")
    time.sleep(1.1)                                              # a second later: another time stamp
    again = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    assert json.loads(again.stdout)["previous"] is None
    assert _dossiers(cli) == {first}
    assert not [p for p in home.path.parent.iterdir() if ".restoring-" in p.name]


def test_a_backup_from_a_newer_lockstep_is_refused_before_anything_is_replaced(cli, home, backed_up):
    _first, backup = backed_up
    before = _dossiers(cli)
    with sqlite3.connect(backup / "lockstep.db") as c:
        c.execute("update alembic_version set version_num = '9999'")
    c.close()
    p = cli.json("restore", backup, code=1)["problems"][0]
    assert p["code"] == "request_invalid" and "更新版本" in p["message"] and "9999" in p["message"]
    assert _dossiers(cli) == before and not [x for x in home.path.parent.iterdir() if "before-restore" in x.name]


def test_a_backup_with_a_link_out_of_it_is_refused(cli, home, backed_up, tmp_path):
    _first, backup = backed_up
    before = _dossiers(cli)
    (backup / "site" / "etc").symlink_to("/etc")           # a web server following links would serve /etc
    p = cli.json("restore", backup, code=1)["problems"][0]
    assert p["code"] == "request_invalid" and "site/etc" in p["message"] and "/etc" in p["message"]
    assert _dossiers(cli) == before
    (backup / "site" / "etc").unlink()
    (backup / "site" / "same").symlink_to("index.html" if (backup / "site" / "index.html").exists() else ".")
    assert cli.json("restore", backup)["ok"]                 # a link inside the backup is copied as it is
