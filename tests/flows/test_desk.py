"""`lockstep serve`: a warm desk takes the command line's flow work; nothing waits for Prefect."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.desk import running_desk
from tests.support.registration import registered

ROOT = Path(__file__).resolve().parents[2]

# Runs the CLI in a fresh process and reports whether Prefect was imported there.
RUN_CLI = """
import sys
from typer.testing import CliRunner
from cli.main import app
r = CliRunner().invoke(app, sys.argv[1:])
sys.stdout.write(r.stdout)
sys.stderr.write(f"\\nEXIT={r.exit_code} PREFECT={'prefect' in sys.modules}\\n")
"""


@pytest.fixture
def desk(home):
    with running_desk(home.path) as info:
        yield info
    assert not (home.path / "desk.json").exists()        # a stopped desk takes its address with it


def cli(home, *args) -> tuple[int, bool, dict]:
    out = subprocess.run([sys.executable, "-c", RUN_CLI, "--home", str(home.path), *map(str, args), "--json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    tail = out.stderr.strip().splitlines()[-1]
    code, prefect = tail.split()
    return int(code.split("=")[1]), prefect == "PREFECT=True", json.loads(out.stdout)


def test_the_command_line_hands_submit_and_sign_off_to_a_running_desk(home, desk, sample_zip):
    code, prefect, sub = cli(home, "submit", sample_zip(), "--as", "drafter")
    assert (code, prefect, sub["accepted"]) == (0, False, True)
    d = sub["dossier"]
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        assert cli(home, "review", d, "--stage", stage, "--approve", "--as", who)[0] == 0
    code, prefect, signed = cli(home, "sign-off", d, "--as", "signer")
    assert (code, prefect) == (0, False)
    assert signed["publication"]["registration_number"] == registered(1)


def test_the_desk_refuses_flow_work_without_its_token(desk):
    r = httpx.post(desk["url"] + "/api/flows/intake", json={"requests": []})
    assert r.status_code == 401
    assert httpx.get(desk["url"] + "/api/health").json()["ok"] is True
    r = httpx.post(desk["url"] + "/api/flows/intake", json={"requests": []},
                   headers={"Authorization": f"Bearer {desk['token']}"})
    assert r.json() == {"results": []}


def test_a_dead_desk_is_not_handed_anything(home):
    from flows.handoff import desk_of
    (home.path / "desk.json").write_text(json.dumps({"url": "http://127.0.0.1:9", "pid": 2 ** 22 + 17, "token": "x"}))
    assert desk_of(home.path) is None


def test_a_stopped_desk_is_passed_by_within_seconds_and_the_work_done_here(home, desk, sample_zip):
    """A desk stopped with SIGSTOP still accepts connections and never answers: the command line
    asks it whether it is up (3 s), then does the work itself instead of waiting on it for 600 s."""
    import os
    import signal
    import time
    # The desk's start-up sweep takes the flow work's turn: once a sweep asked now is answered, the
    # desk holds no transaction open when it is stopped (a stopped desk holding SQLite's write lock
    # would make the work here answer database_unavailable, which is right but not this test).
    httpx.post(desk["url"] + "/api/flows/publication-sweep", timeout=120,
               headers={"Authorization": f"Bearer {desk['token']}"}).raise_for_status()
    os.kill(desk["pid"], signal.SIGSTOP)
    try:
        started = time.monotonic()
        code, prefect, sub = cli(home, "submit", sample_zip(), "--as", "drafter")
        took = time.monotonic() - started
    finally:
        os.kill(desk["pid"], signal.SIGCONT)
    assert (code, sub.get("accepted")) == (0, True), sub
    assert prefect                  # run here, in the command's own process
    assert took < 100, took         # the bound is the 120 s subprocess timeout; 600 s before the probe
