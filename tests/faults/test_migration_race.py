"""Migrations run under a lock (issue 12, item 5): two first commands on a new database both succeed.

A home whose database is new (no tables): two processes start the same first command at one
moment (both wait for a go file, then run `lockstep audit verify --json` through the real command
entry point). On PostgreSQL an advisory lock serialises the migration and the second finds it done;
on SQLite a file lock does. Before the lock, one of them failed on alembic_version.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 1
WORKER = r"""
import sys, time
from pathlib import Path
import cli.main                       # the imports done before the start signal
home, go = sys.argv[1], Path(sys.argv[2])
deadline = time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.002)
sys.argv = ["lockstep", "--home", home, "audit", "verify", "--json"]
cli.main.run()
"""


@pytest.fixture(scope="module")
def pg():
    from tests.support.postgres import postgres_server
    with postgres_server() as server:
        yield server


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_two_first_commands_on_a_new_database_both_succeed(backend, tmp_path, request):
    from services.home.folder import Home
    for round_ in range(ROUNDS):
        home = Home(tmp_path / f"home-{round_}")
        home.create()                                   # config only: the database has no tables yet
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        if backend == "postgresql":
            env["LOCKSTEP_DATABASE_URL"] = request.getfixturevalue("pg").create_database(
                f"race_{uuid.uuid4().hex[:12]}")
        go = Path(tempfile.mkdtemp(prefix="race-go-")) / "go"
        procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(home.path), str(go)], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        try:
            time.sleep(2.5)                              # both have imported the command
            go.touch()
            outs = [p.communicate(timeout=120) for p in procs]
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        for p, (out, err) in zip(procs, outs):
            assert p.returncode == 0, (round_, out[-2000:], err[-3000:])
            doc = json.loads(out)
            assert doc["ok"] is True, doc
            assert "Traceback" not in err, err[-3000:]
