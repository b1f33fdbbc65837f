"""Session 12, brief H2 item 4: what `lockstep demo`, `lockstep serve` and `lockstep worker` print about a
home, a path or a name prints as written.

Their lines go to the command line's console (rich markup on), but the values in them did not go through
cli.output.esc: a home under a folder named "[bold]x[/bold]" printed as "x" in bold, and "a\\[b]" lost its
backslash. Real processes of `lockstep` (pattern of tests/cli/test_markup_verbatim.py, here end to end):
the demo on a home and work folder under such folders; serve on such a home (the session's Prefect
server); a worker named "[bold]x[/bold]a\\[b]" for a pool "[red]p[/red]" on a server that does not answer,
stopped with SIGTERM once it said it started. That name also found a second hole: the worker's log file
was PREFECT_HOME/worker-NAME.log with the "/" in the name making it a path into a missing folder, so the
worker stopped at once with internal_error; the "/" is now "_" in the file's name only.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.desk import stop

ROOT = Path(__file__).resolve().parents[2]
LOCKSTEP = [sys.executable, "-m", "cli.main"]
NAME = "[bold]x[/bold]a\\[b]"
POOL = "[red]p[/red]"


def weird(tmp_path: Path) -> Path:
    """A folder whose path holds "a\\[b]" and "[bold]x[/bold]" (the "/" in it makes two folders)."""
    base = tmp_path / "a\\[b]" / "[bold]x[/bold]"
    base.mkdir(parents=True)
    return base


def env(**extra: str) -> dict:
    out = {k: v for k, v in os.environ.items() if not k.startswith(("LOCKSTEP_HOME", "LOCKSTEP_DATABASE_URL",
                                                                    "LOCKSTEP_OBJECTS", "LOCKSTEP_TEST_CRASH_AT",
                                                                    "PREFECT_"))}     # the home's own Prefect files
    return {**out, "COLUMNS": "400", "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT), **extra}


def wait_for(log: Path, proc: subprocess.Popen, text: str, seconds: float = 240) -> str:
    """The process's output once it holds `text` (bounded: fails with the output after `seconds`)."""
    deadline = time.monotonic() + seconds
    while text not in (said := log.read_text(encoding="utf-8", errors="replace")):
        assert proc.poll() is None or text in log.read_text(encoding="utf-8", errors="replace"), said
        assert time.monotonic() < deadline, said
        time.sleep(0.1)
    return said


def test_the_demo_prints_its_home_and_work_paths_as_written(tmp_path):
    base = weird(tmp_path)
    home, work = base / "home", base / "work"
    r = subprocess.run([*LOCKSTEP, "--home", str(home), "demo", "--workdir", str(work)], cwd=tmp_path, env=env(),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"起草单位提交材料：{work}/" in r.stdout, r.stdout
    assert f"政策原文页面：{home}/site/policies/" in r.stdout
    assert f"印刷版：{home}/gazette/" in r.stdout
    assert f"lockstep --home {home} status D" in r.stdout
    assert "[bold]" in r.stdout and "a\\[b]" in r.stdout


@pytest.mark.usefixtures("prefect_harness")
def test_serve_prints_its_home_s_paths_as_written(tmp_path):
    from prefect.settings import PREFECT_API_URL

    from services.home.context import initialise
    from services.home.folder import Home
    home = weird(tmp_path) / "home"
    initialise(Home(home))
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([*LOCKSTEP, "--home", str(home), "serve", "--port", "0"], cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT, env=env(PREFECT_API_URL=PREFECT_API_URL.value()))
    try:
        said = wait_for(log, proc, "Lockstep 工作台已启动")
        assert f"访问日志：{home}/logs/access.log" in said, said
    finally:
        stop(proc)


def test_worker_prints_its_name_pool_and_log_as_written(tmp_path):
    from services.home.context import initialise
    from services.home.folder import Home
    home = weird(tmp_path) / "home"
    initialise(Home(home))
    log = tmp_path / "worker.log"
    with open(log, "w") as out:            # a server that does not answer: the worker starts, says so, is stopped
        proc = subprocess.Popen([*LOCKSTEP, "--home", str(home), "worker", "--pool", POOL, "--name", NAME, "--no-drain"],
                                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                env=env(PREFECT_API_URL="http://127.0.0.1:9/api"))
    try:
        said = wait_for(log, proc, "已启动：", 120)
        assert f"工作节点 {NAME} 已启动：领取工作池 {POOL} 的任务（服务器 http://127.0.0.1:9/api" in said, said
        assert f"worker-{NAME.replace('/', '_')}.log）" in said and str(home) in said, said     # "/": one file
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        proc.wait(60)
        said = log.read_text(encoding="utf-8")
        assert f"工作节点 {NAME} 已停止" in said or f"工作节点 {NAME} 意外退出" in said, said
    finally:
        stop(proc)
