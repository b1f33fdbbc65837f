"""Work on a pool, the asking side (issue 13, P2's items 1, 2, 5, 7): in a pool home a sign-off's
publication, a gazette release and a desk's submission are run by deployment flow runs on real
worker processes, given an outbox job's id (or a batch id), never a path; the command or desk that
asked reports the answer from the job's row. With the server away they are accepted, recorded and
answered `queued` (exit 0), `lockstep due` lists what waits, and the pool's sweep does it when the
server is back. `lockstep scheduler` refuses in a pool home: the schedules are the server's.

Real parts: the session's Prefect server (the harness), PostgreSQL started for this module, a
folder object store shared by the homes, two `lockstep worker` processes (stopped in a finalizer).
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.support.desk import stop
from tests.support.homes import shared_home

ROOT = Path(__file__).resolve().parents[2]
POOL = "p2-pool"
pytestmark = pytest.mark.usefixtures("prefect_harness")


class Province:
    def __init__(self, pg, tmp: Path, api: str, stack: ExitStack) -> None:
        from services.home import context
        from services.home.context import initialise
        self.url = pg.create_database(f"p2_{uuid.uuid4().hex[:10]}")
        self.tmp, self.api, self.stack = tmp, api, stack
        self.desk = self.home("desk")
        _, self.svc = initialise(self.desk)
        stack.callback(lambda: (context._engines.pop(self.url, None), self.svc.engine.dispose()))
        self.workers: dict[str, subprocess.Popen] = {}
        self.serial = 100

    def home(self, name: str, api: str | None = None):
        return shared_home(self.tmp / name, self.url, self.tmp / "objects",
                           prefect={"api_url": api or self.api, "pool": POOL, "concurrency": 4, "wait": 90})

    def cli(self, *args: str):
        from typer.testing import CliRunner
        from cli.main import app
        return CliRunner().invoke(app, ["--home", str(self.desk.path), *map(str, args)], catch_exceptions=False)

    def start_worker(self, name: str) -> None:
        home = self.home(name)
        shutil.copyfile(self.desk.config_path, home.config_path)
        env = {**os.environ, "PREFECT_API_URL": self.api, "PREFECT_WORKER_QUERY_SECONDS": "1",
               "PREFECT_WORKER_PREFETCH_SECONDS": "2"}
        for key in ("LOCKSTEP_DATABASE_URL", "LOCKSTEP_OBJECTS", "LOCKSTEP_TEST_CRASH_AT", "LOCKSTEP_HOME"):
            env.pop(key, None)
        with open(self.tmp / f"{name}.out", "w") as log:
            proc = subprocess.Popen([sys.executable, "-m", "cli.main", "--home", str(home.path), "worker",
                                     "--name", name, "--limit", "2"], cwd=ROOT, env=env, stdout=log,
                                    stderr=subprocess.STDOUT)
        self.workers[name] = proc
        self.stack.callback(stop, proc, 45)

    def wait_online(self, timeout: float = 120) -> None:
        from flows.on_pool import workers_online
        from flows.workpool import settings_of
        deadline = time.monotonic() + timeout
        while not set(self.workers) <= set(workers_online(settings_of(self.desk))):
            for name, proc in self.workers.items():
                assert proc.poll() is None, (self.tmp / f"{name}.out").read_text()
            assert time.monotonic() < deadline, "workers not online in time"
            time.sleep(0.3)

    def ready_dossier(self, sample_zip) -> str:
        """A dossier the default people approved: ready to sign (services, no Prefect)."""
        from services.dossiers.intake import intake_bundle
        from services.review.actions import record_decision
        self.serial += 1
        d = intake_bundle([sample_zip("complete", doc_number=f"根政办发〔2019〕{self.serial}号")], "drafter",
                          self.svc).dossier
        for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
            record_decision(self.svc, d, stage, "approve", "同意", who)
        return d

    def jobs(self, kind: str, subject: str):
        with self.svc.unit() as uow:
            return uow.jobs.of(kind, subject)


def by_a_worker(job) -> bool:
    """Claimed by another process than this test's (a flow run on a worker), on this host."""
    return job.claimed_by is not None and job.claimed_by.split(":")[1] != str(os.getpid())


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    from prefect.settings import PREFECT_API_URL
    from tests.support.postgres import postgres_server
    with ExitStack() as stack:
        pg = stack.enter_context(postgres_server())
        p = Province(pg, tmp_path_factory.mktemp("p2pool"), PREFECT_API_URL.value().rstrip("/"), stack)
        for name in ("w1", "w2"):
            p.start_worker(name)
        r = p.cli("deploy", "--json")
        assert r.exit_code == 0, r.output
        p.first_deploy = json.loads(r.stdout)
        p.wait_online()
        yield p


def test_deploy_registers_publication_and_release_and_the_schedules_once(province):
    names = {d["name"] for d in province.first_deploy["deployments"]}
    assert {f"lockstep-publish/{POOL}", f"lockstep-gazette-release/{POOL}"} <= names
    again = json.loads(province.cli("deploy", "--json").stdout)
    assert again["changed"] is False and {d["change"] for d in again["deployments"]} == {"unchanged"}
    from prefect.client.orchestration import get_client
    with get_client(sync_client=True) as client:
        check = client.read_deployment_by_name(f"lockstep-check/{POOL}")
        sweep = client.read_deployment_by_name(f"lockstep-sweep/{POOL}")
        assert [s.schedule.cron for s in check.schedules] == ["0 8 * * *"]
        assert [int(s.schedule.interval.total_seconds()) for s in sweep.schedules] == [600]

    # One scheduler per province: the per-machine loop refuses, coded and in Chinese.
    r = province.cli("scheduler", "--json")
    assert r.exit_code == 1
    p = json.loads(r.stdout)["problems"][0]
    assert p["code"] == "invalid_state" and "Prefect 服务器" in p["message"] and "lockstep deploy" in p["message"]


def test_a_sign_off_is_published_by_a_worker_and_reported_by_the_command(province, sample_zip):
    d = province.ready_dossier(sample_zip)
    r = province.cli("sign-off", d, "--as", "signer", "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["signed"] is True and doc["publication"]["published"] is True, doc["publication"]
    assert doc["publication"]["registration_number"] and doc["publication"]["gazette_item"]
    [job] = province.jobs("publish", d)
    assert job.status == "done" and by_a_worker(job), job
    assert job.result["registration_number"] == doc["publication"]["registration_number"]
    # Taken warm by a `lockstep worker` process itself (its outbox drain), and published once.
    assert int(job.claimed_by.split(":")[1]) in {p.pid for p in province.workers.values()}, job.claimed_by
    from sqlalchemy import func, select
    from storage.tables import EventRow, GazetteItemRow
    with province.svc.session() as s:
        assert s.scalar(select(func.count()).select_from(GazetteItemRow).filter_by(dossier_id=d)) == 1
        assert s.scalar(select(func.count()).select_from(EventRow).filter_by(name="dossier.published",
                                                                             dossier_id=d)) == 1


def test_a_gazette_release_is_built_by_a_worker_and_answered_here(province, tmp_path):
    from services.gazette import issues as gazette
    from tests.storage.test_gazette_storage import signed_dossier
    d = signed_dossier(province.svc, tmp_path / "bundles")
    gazette.create_issue(province.svc, 2019, 9, "editor", total=121)
    gazette.add_items(province.svc, "2019-9", [d], "editor")
    out = tmp_path / "out"
    r = province.cli("gazette", "issue", "release", "2019-9", "--out", out, "--as", "editor",
                     "--date", "2019-09-30", "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert isinstance(doc["issue"], dict) and doc["issue"]["status"] == "released", doc
    [job] = province.jobs("gazette_release", "2019-9")
    assert job.status == "done" and by_a_worker(job), job
    assert (out / "2019-9").is_dir() and Path(doc["issue"]["print_path"]).is_file()


def test_a_desk_submission_is_taken_in_by_a_worker(province, sample_zip):
    from fastapi.testclient import TestClient

    from desk import auth
    from desk.app import create_app
    token = auth.issue_token(province.desk.path, "drafter")
    bundle = sample_zip("complete", doc_number="根政办发〔2019〕199号")
    with TestClient(create_app(province.desk.path, "hand-off")) as client:
        r = client.post("/api/v1/dossiers", headers={"Authorization": f"Bearer {token}"},
                        files=[("files", (bundle.name, bundle.read_bytes(), "application/zip"))])
    assert r.status_code == 200, r.text
    d = r.json()["dossier"]
    from sqlalchemy import select
    from storage.tables import JobRow
    with province.svc.session() as s:
        rows = [j for j in s.scalars(select(JobRow).where(JobRow.kind == "intake"))
                if (j.result or {}).get("dossier") == d]
    assert len(rows) == 1 and rows[0].status == "done" and rows[0].result["worker"] in {"w1", "w2"}, rows


def test_with_the_server_away_work_is_recorded_answered_queued_and_done_when_it_returns(province, sample_zip,
                                                                                        monkeypatch):
    from flows.workpool import settings_of, start_sweep
    d = province.ready_dossier(sample_zip)
    # Asked at once (no grace for a warm worker): the server is away for this desk, so the answer is
    # queued, though the workers, which still reach it, then do the publications warm.
    import tomlkit
    config = province.desk.config_path.read_text(encoding="utf-8")
    doc = tomlkit.parse(config)
    doc["prefect"]["warm_grace"] = 0
    province.desk.config_path.write_text(tomlkit.dumps(doc), encoding="utf-8")
    try:
        _away(province, sample_zip, monkeypatch, d)
    finally:
        province.desk.config_path.write_text(config, encoding="utf-8")


def _away(province, sample_zip, monkeypatch, d):
    from flows.workpool import settings_of, start_sweep
    with socket.socket() as s:                                     # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        away = f"http://127.0.0.1:{s.getsockname()[1]}/api"
    monkeypatch.setenv("PREFECT_API_URL", away)
    r = province.cli("sign-off", d, "--as", "signer", "--json")
    assert r.exit_code == 0, r.output
    pub = json.loads(r.stdout)["publication"]
    assert (pub["status"], pub["reason"], pub["problems"][0]["code"]) == ("queued", "server_unavailable", "queued")
    r = province.cli("submit", sample_zip("complete", doc_number="根政办发〔2019〕198号"), "--as", "drafter", "--json")
    assert r.exit_code == 0, r.output
    sub = json.loads(r.stdout)
    assert sub["status"] == "queued" and sub["problems"][0]["code"] == "queued", sub
    text = province.cli("submit", sample_zip("complete", doc_number="根政办发〔2019〕197号"), "--as", "drafter")
    assert text.exit_code == 0 and "已受理并记录，等待工作节点处理" in text.stdout

    # The desk's API says the same: 202, accepted and recorded.
    from fastapi.testclient import TestClient

    from desk import auth
    from desk.app import create_app
    d2 = province.ready_dossier(sample_zip)
    drafter, signer = (auth.issue_token(province.desk.path, n) for n in ("drafter", "signer"))
    bundle = sample_zip("complete", doc_number="根政办发〔2019〕196号")
    with TestClient(create_app(province.desk.path, "hand-off")) as client:
        r = client.post("/api/v1/dossiers", headers={"Authorization": f"Bearer {drafter}"},
                        files=[("files", (bundle.name, bundle.read_bytes(), "application/zip"))])
        assert r.status_code == 202 and r.json()["status"] == "queued" and r.json()["ok"] is True, r.text
        r = client.post(f"/api/v1/dossiers/{d2}/sign-off", headers={"Authorization": f"Bearer {signer}"})
        assert r.status_code == 202 and r.json()["publication"]["problems"][0]["code"] == "queued", r.text
    monkeypatch.delenv("PREFECT_API_URL")

    # Three bundles staged, one batch each; the workers, which still reach the server, take staged
    # bundles warm (one per claim), so `due` lists those not taken yet.
    due = json.loads(province.cli("due", "--json").stdout)
    assert {b["bundles"] for b in due["staged"]} <= {1} and len(due["staged"]) <= 3

    start_sweep(settings_of(province.desk))                        # the server is back: its sweep runs
    deadline = time.monotonic() + 90
    while True:
        waits = json.loads(province.cli("due", "--json").stdout)
        if not waits["staged"] and {province.jobs("publish", x)[0].status for x in (d, d2)} == {"done"}:
            break
        assert time.monotonic() < deadline, waits
        time.sleep(0.5)
    assert all(by_a_worker(province.jobs("publish", x)[0]) for x in (d, d2))


def test_a_run_left_running_by_a_process_that_is_gone_is_marked_crashed(province):
    """A worker killed with its runs leaves them Running on the server, holding pool slots: `lockstep
    worker` (at start, then each minute) marks those of its host whose process is gone Crashed."""
    import socket as sockets

    from prefect.client.orchestration import get_client
    from prefect.states import Cancelled, Running

    from flows.workpool import PROC_TAG, crash_orphans, settings_of
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with get_client(sync_client=True) as client:
        dep = client.read_deployment_by_name(f"lockstep-gazette-release/{POOL}")
        # Created Running (as its process had set it), so no worker takes them meanwhile.
        orphan = client.create_flow_run_from_deployment(dep.id, parameters={"job": 0}, state=Running(),
                                                        tags=[f"{PROC_TAG}{sockets.gethostname()}:{gone.pid}"])
        live = client.create_flow_run_from_deployment(dep.id, parameters={"job": 0}, state=Running(),
                                                      tags=[f"{PROC_TAG}{sockets.gethostname()}:{os.getpid()}"])
        assert str(orphan.id) in crash_orphans(settings_of(province.desk), say=lambda m: None)
        assert client.read_flow_run(orphan.id).state.type.value == "CRASHED"
        assert client.read_flow_run(live.id).state.type.value == "RUNNING"
        client.set_flow_run_state(live.id, Cancelled(), force=True)
