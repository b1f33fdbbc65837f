"""`lockstep scheduler` serves the deadline check on a schedule against a Prefect server."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_the_deadline_check_is_scheduled_and_runs_from_its_deployment(home, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PREFECT_HOME": str(tmp_path / "ph")}
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "--home", str(home.path), "scheduler",
                             "--cron", "0 8 * * *"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    name = f"lockstep-deadlines/deadlines-{home.path.name}"
    try:
        deployment, deadline = None, time.monotonic() + 120
        while deployment is None:
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "the scheduler did not register its deployment in 120 s"
            with get_client(sync_client=True) as client:
                try:
                    deployment = client.read_deployment_by_name(name)
                except Exception:          # noqa: BLE001 - not registered yet
                    time.sleep(0.5)
        assert [s.schedule.cron for s in deployment.schedules] == ["0 8 * * *"]
        assert deployment.parameters == {"home": str(home.path.resolve())}
        run = run_deployment(name=name, timeout=180)
        assert run.state.is_completed(), run.state
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_the_scheduler_refuses_to_start_without_a_server(cli, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    r = cli("scheduler", "--json")
    assert r.exit_code == 1 and "PREFECT_API_URL" in r.stdout
