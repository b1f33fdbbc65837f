"""Brief H1 (session 12), item 3: `lockstep restore` left its lock file (.HOME.restore.lock) beside the home
after every run, done or refused. Now the file goes when a restore ends; one a killed restore left is
reported (Chinese, with the way forward) by the next restore and by any command on the home it left
missing; a restore that holds the lock (stopped) refuses another, naming its process. Real subprocesses
killed with SIGKILL or stopped with SIGSTOP at restore.between_renames."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from tests.cli.test_restore import ROOT, _dossiers, backed_up  # noqa: F401  (a fixture)
from tests.faults.test_s11_q_kill import _stopped


def _lock(home) -> list[str]:
    return [p.name for p in home.path.parent.iterdir() if p.name.endswith(".restore.lock")]


def _run(home, *args, crash: str | None = None):
    env = {k: v for k, v in os.environ.items() if k not in ("LOCKSTEP_TEST_CRASH_AT", "LOCKSTEP_DATABASE_URL",
                                                             "LOCKSTEP_OBJECTS")}
    if crash:
        env["LOCKSTEP_TEST_CRASH_AT"] = crash
    return [sys.executable, "-m", "cli.main", "--home", str(home.path), *args, "--json"], env


def test_a_restore_leaves_no_lock_file_done_or_refused(cli, home, backed_up):
    first, backup = backed_up
    assert cli.json("restore", backup)["ok"] and _dossiers(cli) == {first}
    assert _lock(home) == [], "a finished restore left its lock file"
    with open(backup / "lockstep.db", "r+b") as f:      # a damaged backup: refused after taking the lock
        f.seek(100)
        f.write(b"\xff" * 4096)
    assert cli.json("restore", backup, code=1)["problems"][0]["code"] == "request_invalid"
    assert _lock(home) == [], "a refused restore left its lock file"


def test_a_killed_restores_lock_is_reported_with_the_way_forward_and_the_next_restore_finishes(cli, home, backed_up):
    first, backup = backed_up
    from storage.unit import forget_database
    forget_database(home.database_url)            # this test process's pool: another process that has it open
    run, env = _run(home, "restore", str(backup), crash="restore.between_renames")
    killed = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL
    assert not home.path.exists() and _lock(home) == [".home.restore.lock"]

    run, env = _run(home, "status", first)       # any command on the home the killed restore left missing
    status = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    problem = json.loads(status.stdout)["problems"][0]
    assert status.returncode == 1 and problem["code"] == "home_missing", status.stdout
    assert "恢复" in problem["message"] and "被中断" in problem["message"], problem
    assert f"restore {backup}" in problem["message"] and "lockstep init" not in problem["message"].replace(
        "不要运行 lockstep init", ""), problem

    time.sleep(1.1)                              # a second later: another time stamp for the staging folder
    run, env = _run(home, "restore", str(backup))
    again = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    done = json.loads(again.stdout)
    assert done["interrupted"] and "上一次恢复" in done["interrupted"] and "被中断" in done["interrupted"], done
    assert _dossiers(cli) == {first}
    assert _lock(home) == [] and not [p for p in home.path.parent.iterdir() if ".restoring-" in p.name]


def test_a_restore_holding_the_lock_refuses_another_naming_its_process(cli, home, backed_up):
    first, backup = backed_up
    from storage.unit import forget_database
    forget_database(home.database_url)
    run, env = _run(home, "restore", str(backup), crash="stop:restore.between_renames")
    proc = subprocess.Popen(run, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _stopped(proc, time.monotonic() + 90), proc.communicate(timeout=5)
        run2, env2 = _run(home, "restore", str(backup))
        other = subprocess.run(run2, cwd=ROOT, env=env2, capture_output=True, text=True, timeout=120)
        problem = json.loads(other.stdout)["problems"][0]
        assert other.returncode == 1 and problem["code"] == "request_invalid", other.stdout
        assert f"进程 {proc.pid}" in problem["message"] and f"kill {proc.pid}" in problem["message"], problem
        os.kill(proc.pid, signal.SIGCONT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err[-3000:]
    assert json.loads(out)["interrupted"] is None
    assert _dossiers(cli) == {first} and _lock(home) == []
