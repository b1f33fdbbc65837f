"""Work on a pool (issue 13, item 1): `lockstep deploy` registers the flows on one process work pool,
two `lockstep worker` processes take its work (a bundle at a time in their warm loops, and the runs
asked for), a batch's bundles go through the object store and end as rows in PostgreSQL, both workers
share one batch, and a worker killed with SIGKILL mid-bundle leaves what it held to the other.

Real parts: the session's Prefect server on loopback (the harness), a PostgreSQL started for this
module, a folder object store shared by the homes (each home its own folder, as separate machines
share nothing but the servers), and real worker processes. Every process started here is stopped in
a finalizer; the victim worker's flow-run processes are killed with it (a machine lost).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.support.desk import stop
from tests.support.homes import shared_home

ROOT = Path(__file__).resolve().parents[2]
POOL = "province-test"
pytestmark = pytest.mark.usefixtures("prefect_harness")


def _home(path: Path, database: str, objects: Path, api: str):
    # warm_grace: a batch asks for deployment runs only when no warm worker has begun on it within
    # this many seconds; generous here, so a loaded machine's slow first claim does not ask for runs.
    return shared_home(path, database, objects, prefect={"api_url": api, "pool": POOL, "concurrency": 4,
                                                         "warm_grace": 60})


def _marked_with(name: str, value: str) -> list[int]:
    """Processes of this test session whose environment has name=value."""
    mark = f"LOCKSTEP_TEST_SESSION={os.environ['LOCKSTEP_TEST_SESSION']}".encode()
    want = f"{name}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            env = (entry / "environ").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if mark in env and want in env and state != "Z":
            found.append(int(entry.name))
    return found


def _worker_of(pid: int) -> str | None:
    try:
        env = (Path("/proc") / str(pid) / "environ").read_bytes().split(b"\0")
    except OSError:
        return None
    for item in env:
        if item.startswith(b"LOCKSTEP_WORKER_NAME="):
            return item.split(b"=", 1)[1].decode()
    return None


class Province:
    def __init__(self, pg, tmp_path: Path, api: str, stack: ExitStack) -> None:
        from services.home import context
        from services.home.context import initialise
        self.url = pg.create_database(f"pool_{uuid.uuid4().hex[:12]}")
        objects = tmp_path / "objects"
        self.desk = _home(tmp_path / "desk", self.url, objects, api)
        _, self.svc = initialise(self.desk)
        stack.callback(lambda: (context._engines.pop(self.url, None), self.svc.engine.dispose()))
        self.api, self.tmp, self.stack = api, tmp_path, stack
        self.workers: dict[str, subprocess.Popen] = {}

    def cli(self, *args: str):
        from typer.testing import CliRunner
        from cli.main import app
        return CliRunner().invoke(app, ["--home", str(self.desk.path), *map(str, args)], catch_exceptions=False)

    def start_worker(self, name: str, crash_at: str | None = None) -> subprocess.Popen:
        import shutil
        home = _home(self.tmp / name, self.url, self.tmp / "objects", self.api)
        shutil.copyfile(self.desk.config_path, home.config_path)      # the same organisation
        env = {**os.environ, "PREFECT_API_URL": self.api, "PREFECT_WORKER_QUERY_SECONDS": "1",
               "PREFECT_WORKER_PREFETCH_SECONDS": "2", "PYTHONUNBUFFERED": "1"}
        for key in ("LOCKSTEP_DATABASE_URL", "LOCKSTEP_OBJECTS", "LOCKSTEP_TEST_CRASH_AT", "LOCKSTEP_HOME"):
            env.pop(key, None)
        if crash_at:
            env["LOCKSTEP_TEST_CRASH_AT"] = crash_at
        log = open(self.tmp / f"{name}.out", "w")
        try:
            proc = subprocess.Popen([sys.executable, "-m", "cli.main", "--home", str(home.path), "worker",
                                     "--name", name, "--limit", "2"], cwd=ROOT, env=env, stdout=log,
                                    stderr=subprocess.STDOUT)
        finally:
            log.close()
        self.workers[name] = proc
        self.stack.callback(self._stop_worker, name)
        return proc

    def _stop_worker(self, name: str) -> None:
        stop(self.workers[name], grace=45)
        for pid in _marked_with("LOCKSTEP_WORKER_NAME", name):    # its flow runs, if any outlived it
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def alive(self) -> list[str]:
        return [n for n, p in self.workers.items() if p.poll() is None]

    def ensure_workers(self) -> None:
        for name in ("w1", "w2"):
            if name not in self.workers:
                self.start_worker(name)
        self.wait_online(set(self.alive()))
        self.wait_warm(set(self.alive()))

    def wait_warm(self, names: set[str], timeout: float = 120) -> None:
        """Until each worker's warm loop has said it takes work (its first line after the start)."""
        deadline = time.monotonic() + timeout
        while not all("每次一份" in (self.tmp / f"{n}.out").read_text(errors="replace") for n in names):
            for name in names:
                assert self.workers[name].poll() is None, (self.tmp / f"{name}.out").read_text()
            assert time.monotonic() < deadline, "warm loops not ready in time"
            time.sleep(0.2)

    def worker_of(self, holder: str | None) -> str | None:
        """The worker a job's holder (host:pid:random) is: its warm loop (the `lockstep worker`
        process) or one of its flow runs (their environment names it)."""
        if not holder:
            return None
        pid = int(holder.split(":")[1])
        return next((n for n, p in self.workers.items() if p.pid == pid), None) or _worker_of(pid)

    def wait_online(self, names: set[str], timeout: float = 120) -> None:
        from flows.workpool import pool_state, settings_of
        deadline = time.monotonic() + timeout
        while not names <= set(pool_state(settings_of(self.desk))["workers_online"]):
            for name in names:
                assert self.workers[name].poll() is None, (self.tmp / f"{name}.out").read_text()
            assert time.monotonic() < deadline, "workers not online in time"
            time.sleep(0.5)

    def jobs(self, batch: str):
        with self.svc.unit() as uow:
            return uow.jobs.of("intake", batch)

    def dossier_count(self) -> int:
        from sqlalchemy import text
        with self.svc.session() as s:
            return s.execute(text("select count(*) from dossiers")).scalar_one()


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    from prefect.settings import PREFECT_API_URL
    from tests.support.postgres import postgres_server
    with ExitStack() as stack:
        pg = stack.enter_context(postgres_server())
        province = Province(pg, tmp_path_factory.mktemp("pool"), PREFECT_API_URL.value().rstrip("/"), stack)
        first = province.cli("deploy", "--json")             # every test below needs the deployments
        assert first.exit_code == 0, first.output
        province.first_deploy = json.loads(first.stdout)
        yield province


def test_deploy_twice_registers_the_same_deployments_and_the_worker_check_answers(province):
    first = province.first_deploy
    assert {d["name"] for d in first["deployments"]} == {
        f"lockstep-intake-batch/{POOL}", f"lockstep-sweep/{POOL}", f"lockstep-check/{POOL}",
        f"lockstep-publish/{POOL}", f"lockstep-gazette-release/{POOL}"}
    second = json.loads(province.cli("deploy", "--json").stdout)
    assert second["changed"] is False and second["pool_change"] == "unchanged"
    assert [(d["name"], d["id"]) for d in second["deployments"]] == [(d["name"], d["id"]) for d in first["deployments"]]
    assert {d["change"] for d in second["deployments"]} == {"unchanged"}

    from prefect.client.orchestration import get_client
    with get_client(sync_client=True) as client:
        pool = client.read_work_pool(POOL)
        assert (pool.type, pool.concurrency_limit) == ("process", 4)
        check = client.read_deployment_by_name(f"lockstep-check/{POOL}")
        assert [s.schedule.cron for s in check.schedules] == ["0 8 * * *"]
        intake = client.read_deployment_by_name(f"lockstep-intake-batch/{POOL}")
        assert intake.entrypoint == "flows/pool.py:intake_batch_flow"
        assert intake.pull_steps == [{"prefect.deployments.steps.set_working_directory": {"directory": str(ROOT)}}]

    r = province.cli("worker", "--check", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["pool_ok"] is True


def test_a_batch_through_the_pool_ends_in_one_dossier_per_bundle_taken_by_both_workers(province, tmp_path):
    from samples.genhe import write_bundles
    t0 = time.monotonic()
    province.ensure_workers()
    print(f"\nworkers up in {time.monotonic() - t0:.1f} s")
    bundles = write_bundles(tmp_path / "bundles", 10)
    before = province.dossier_count()
    r = province.cli("batch", str(tmp_path / "bundles"), "--as", "drafter", "--chunk", "2", "--wait", "150", "--json")
    doc = json.loads(r.stdout)
    assert doc["status"] == "done", doc
    assert len(doc["results"]) == len(bundles) == 10
    accepted = [x for x in doc["results"] if x["accepted"]]
    assert len({x["dossier"] for x in accepted}) == len(accepted) == 10, doc["summary"]
    assert province.dossier_count() - before == 10
    jobs = province.jobs(doc["batch"])
    assert len(jobs) == 10 and {j.status for j in jobs} == {"done"}
    assert {j.attempts for j in jobs} == {1}                       # each bundle taken exactly once
    # Both workers took bundles of this one batch: their warm loops claim one bundle at a time (each
    # answer names its worker), so neither drains the batch before the other is there.
    took = Counter(x["worker"] for x in doc["results"])
    for j in sorted(jobs, key=lambda j: j.claimed_at):
        print(f"  {j.result['worker']} {j.claimed_at:%H:%M:%S.%f} → {j.done_at:%H:%M:%S.%f} via "
              f"{j.result.get('via')} run {j.result.get('run')}")
    print(f"\nbatch of 10 split {dict(took)}; via {dict(Counter(x.get('via') for x in doc['results']))}")
    assert set(took) == {"w1", "w2"}, took
    # Taken warm, so no deployment run was asked for the batch (none on the server either); each
    # worker took its bundles in an intake drain, one flow run for a busy period, not one per bundle.
    import httpx
    assert doc["runs"] == []
    asked = httpx.post(f"{province.api}/flow_runs/filter", timeout=30,
                       json={"flow_runs": {"tags": {"all_": [doc["batch"]]}}}).json()
    assert asked == []
    assert {j.result["via"] for j in jobs} == {"warm"}
    runs = {j.result["run"] for j in jobs}
    assert len(runs) < len(jobs), runs
    for run in runs:
        r = httpx.get(f"{province.api}/flow_runs/{run}", timeout=30).json()
        assert (r["state_type"], "lockstep-warm" in r["tags"]) == ("COMPLETED", True), r
        assert r["name"].startswith("材料包批处理-"), r["name"]


def test_taken_warm_is_whether_a_claimer_began_on_the_batch_within_the_grace(svc, tmp_path):
    """flows/on_pool.taken_warm, the rule a submission on a pool asks deployment runs by (none when
    it is true), on its inputs: the batch's rows and the grace. Nobody claimed: false once the grace
    is out; a claim within the grace: true at that moment, not at the grace's end."""
    import threading

    from flows.on_pool import taken_warm
    from services.dossiers.staged import claim_one, new_batch, stage
    files = []
    for i in range(3):
        files.append(tmp_path / f"b{i}.zip")
        files[-1].write_bytes(b"bundle %d" % i)
    empty = new_batch(svc.now())
    assert taken_warm(svc, empty, 0) is False                  # nothing staged: nobody is on it
    batch = new_batch(svc.now())
    stage(svc, files, "drafter", batch)
    t0 = time.monotonic()
    assert taken_warm(svc, batch, 0.6) is False                # staged, unclaimed: the grace waited out
    assert time.monotonic() - t0 >= 0.6
    later = threading.Timer(0.5, lambda: claim_one(svc, batch))
    later.start()
    t0 = time.monotonic()
    try:
        assert taken_warm(svc, batch, 60) is True              # a claim within the grace
    finally:
        later.join()
    assert time.monotonic() - t0 < 30
    assert taken_warm(svc, batch, 0) is True                   # and from then on, at once


def test_an_intake_drain_takes_a_busy_period_in_one_run_and_yields_to_a_waiting_publication(svc, tmp_path):
    """flows/workpool.take_bundles with the intake drain (flows/pool.py intake_drain_flow), in this
    process against the session's Prefect server: one claim per bundle, all the staged bundles in one
    flow run, each job's row naming it; a publication waiting ends the run after the bundle in hand
    (publications go first), and the next drain takes the rest."""
    from prefect.settings import PREFECT_API_URL

    from flows import pool as flows
    from flows.workpool import PoolSettings, WarmLoop, take_bundles
    from services.dossiers.staged import new_batch, stage
    files = []
    for i in range(4):
        files.append(tmp_path / f"b{i}.zip")
        files[-1].write_bytes(b"not a bundle %d" % i)          # answered (refused) all the same
    batch = new_batch(svc.now())
    stage(svc, files, "drafter", batch)
    with svc.unit() as uow:
        publication = uow.jobs.add("publish", "d-waiting", "f" * 64, uow.now())
    said: list[str] = []
    loop = WarmLoop(svc=svc, s=PoolSettings(api_url=PREFECT_API_URL.value().rstrip("/"), pool=POOL),
                    name="t1", say=said.append)
    assert take_bundles(loop, flows.intake_drain_flow) == 1, said    # then the publication's turn
    with svc.unit() as uow:
        [taken] = uow.jobs.claim("publish", now=uow.now(), job_id=publication.id)
        uow.jobs.done("publish", taken.dossier_id, taken.fingerprint, uow.now())
    assert take_bundles(loop, flows.intake_drain_flow) == 3, said    # the rest, in one run
    assert take_bundles(loop, flows.intake_drain_flow) == 0           # nothing staged: no run
    with svc.unit() as uow:
        jobs = uow.jobs.of("intake", batch)
    assert {j.status for j in jobs} == {"done"} and {j.attempts for j in jobs} == {1}
    assert {(j.result["worker"], j.result["via"]) for j in jobs} == {("t1", "warm")}
    first, *rest = [j.result["run"] for j in jobs]
    assert len(set(rest)) == 1 and first not in rest and loop.held == {}
    import httpx
    for run in (first, rest[0]):
        r = httpx.get(f"{PREFECT_API_URL.value().rstrip('/')}/flow_runs/{run}", timeout=30).json()
        assert r["state_type"] == "COMPLETED" and "lockstep-warm" in r["tags"], r


def test_a_worker_killed_mid_bundle_leaves_what_it_held_to_the_other(province, tmp_path):
    from samples.genhe import write_bundles
    province.ensure_workers()
    for path in write_bundles(tmp_path / "bundles", 18)[:10]:      # the first 10 went through above
        path.unlink()
    before = province.dossier_count()
    # Staged as `lockstep batch` stages them (no run asked for: the warm loops take them at once).
    from services.dossiers.staged import new_batch, stage
    batch = new_batch(province.svc.now())
    assert len(set(stage(province.svc, sorted((tmp_path / "bundles").iterdir()), "drafter", batch))) == 8

    # Wait for a worker to hold a bundle (its warm loop, or a run), then kill it and every process of
    # that worker (SIGKILL).
    deadline, victim, held = time.monotonic() + 120, None, []
    while victim is None:
        assert time.monotonic() < deadline, "no worker claimed a bundle in 120 s"
        jobs = province.jobs(batch)
        for j in jobs:
            if j.status == "claimed" and (name := province.worker_of(j.claimed_by)):
                victim, held = name, [x.id for x in jobs
                                      if x.status == "claimed" and province.worker_of(x.claimed_by) == name]
                break
        time.sleep(0.02)
    os.kill(province.workers[victim].pid, signal.SIGKILL)
    for pid in _marked_with("LOCKSTEP_WORKER_NAME", victim):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    province.workers[victim].wait(10)
    survivor = ({"w1", "w2"} - {victim}).pop()

    # The survivor's warm loop takes what the dead worker held (its holder is gone), and the rest.
    deadline = time.monotonic() + 150
    while not all(j.status == "done" for j in province.jobs(batch)):
        assert time.monotonic() < deadline, [(j.id, j.status, j.claimed_by) for j in province.jobs(batch)]
        assert province.workers[survivor].poll() is None
        time.sleep(0.5)
    jobs = {j.id: j for j in province.jobs(batch)}
    assert province.dossier_count() - before == 8                      # nothing lost, nothing doubled
    dossiers = [j.result["dossier"] for j in jobs.values()]
    assert len(set(dossiers)) == 8 and None not in dossiers
    # What the killed worker held was finished by the survivor, on a second attempt.
    for i in held:
        assert jobs[i].result["worker"] == survivor and jobs[i].attempts >= 2, jobs[i]


def test_with_the_server_and_workers_away_the_bundles_wait_staged_and_a_worker_lost_mid_run_leaves_nothing_running(
        province, tmp_path, monkeypatch):
    """Item 3: a worker stops cleanly on SIGTERM; with no worker running and the server away, the
    command answers "queued" (no traceback), `lockstep due` lists the batch, `storage check` keeps the
    staged bundles; a worker that comes back is lost inside a warm flow run (SIGKILL, holding a
    bundle), and when it comes back again it marks that run Crashed and takes both bundles."""
    import socket

    from samples.genhe import write_bundles
    province.ensure_workers()
    # A worker stops cleanly on SIGTERM: exit 0, its Prefect worker gone with it. Now none runs.
    name = province.alive()[0]
    proc = province.workers[name]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 0
    assert "已停止" in (province.tmp / f"{name}.out").read_text()
    assert _marked_with("LOCKSTEP_WORKER_NAME", name) == []
    assert province.alive() == []

    for path in write_bundles(tmp_path / "bundles", 20)[:18]:      # 18 went through above
        path.unlink()
    before = province.dossier_count()
    with socket.socket() as s:                                     # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        away = f"http://127.0.0.1:{s.getsockname()[1]}/api"
    monkeypatch.setenv("PREFECT_API_URL", away)
    r = province.cli("batch", str(tmp_path / "bundles"), "--as", "drafter", "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert (doc["status"], doc["reason"], doc["staged"], doc["runs"]) == ("queued", "server_unavailable", 2, []), doc
    monkeypatch.delenv("PREFECT_API_URL")
    due = json.loads(province.cli("due", "--json").stdout)
    assert [(b["batch"], b["bundles"]) for b in due["staged"]] == [(doc["batch"], 2)]
    keys = {j.fingerprint for j in province.jobs(doc["batch"])}
    check = province.cli("storage", "check", "--json")
    assert not keys & {o["what"] for o in json.loads(check.stdout)["orphan_objects"]}

    # The server and a worker are back; the worker is lost (SIGKILL) inside its first warm flow run,
    # holding a bundle: that run is left Running on the server.
    import httpx
    lost = province.start_worker(name, crash_at="warm.intake-running")
    assert lost.wait(120) == -signal.SIGKILL, (province.tmp / f"{name}.out").read_text()
    tag = f"lockstep-proc:{socket.gethostname()}:{lost.pid}"

    def warm_runs() -> list[dict]:
        return httpx.post(f"{province.api}/flow_runs/filter", timeout=30, json={"flow_runs": {
            "tags": {"all_": ["lockstep-warm", tag]}}}).json()
    assert [r["state_type"] for r in warm_runs()] == ["RUNNING"]
    held = [j.id for j in province.jobs(doc["batch"]) if j.status == "claimed"]
    assert len(held) == 1

    # It comes back: it marks the run its lost process left Crashed and takes both bundles, the one
    # the lost process held on a second attempt.
    province.start_worker(name)
    deadline = time.monotonic() + 120
    while not all(j.status == "done" for j in province.jobs(doc["batch"])):
        assert time.monotonic() < deadline, [(j.status, j.claimed_by) for j in province.jobs(doc["batch"])]
        assert province.workers[name].poll() is None, (province.tmp / f"{name}.out").read_text()
        time.sleep(0.5)
    assert province.dossier_count() - before == 2
    jobs = {j.id: j for j in province.jobs(doc["batch"])}
    assert {j.result["worker"] for j in jobs.values()} == {name} and jobs[held[0]].attempts == 2
    assert json.loads(province.cli("due", "--json").stdout)["staged"] == []
    assert [r["state_type"] for r in warm_runs()] == ["CRASHED"]


def test_a_home_that_names_a_prefect_server_sends_its_in_process_runs_there(tmp_path, monkeypatch):
    """flows/engine.configure: [prefect] api_url in lockstep.toml stands for PREFECT_API_URL (the
    environment still wins); a home without it keeps the in-process engine."""
    from flows.engine import configure
    from services.home.folder import Home
    monkeypatch.setenv("PREFECT_API_URL", "placeholder")      # recorded, so teardown restores the session's value
    monkeypatch.delenv("PREFECT_API_URL")
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "ph"))
    plain = Home(tmp_path / "plain")
    plain.create()
    configure(plain.path)
    assert "PREFECT_API_URL" not in os.environ
    named = _home(tmp_path / "named", "sqlite:///x.db", tmp_path / "o", "http://127.0.0.1:4299/api/")
    configure(named.path)
    assert os.environ["PREFECT_API_URL"] == "http://127.0.0.1:4299/api"
    os.environ["PREFECT_API_URL"] = "http://127.0.0.1:4300/api"
    configure(named.path)
    assert os.environ["PREFECT_API_URL"] == "http://127.0.0.1:4300/api"


def test_a_live_worker_makes_a_scheduled_release_public_at_its_moment(province, sample_zip):
    """定时发布 on the pool (issue 15 item 1, helper D): a dossier signed off on the command line with
    --publish-at a few seconds ahead has its pages prepared at once and nothing public; the worker's
    warm loop (no desk, no desk's clock, nothing the test calls) takes the publish job at its moment
    and publishes it: before, the public page is the Chinese 404; after (bounded wait), the page is
    there with 发布日期 and the released page's footer at the moment, published exactly once."""
    import datetime as dt

    from fastapi.testclient import TestClient
    from sqlalchemy import func, select

    from desk.app import create_app
    from storage.tables import EventRow, JobRow, PageRow
    from tests.storage.test_outbox import ready_dossier
    if not province.alive():                       # run alone: one worker is enough here
        province.start_worker("w1")
    alive = set(province.alive())
    province.wait_online(alive)
    province.wait_warm(alive)
    svc = province.svc
    d = ready_dossier(svc, sample_zip())
    site = TestClient(create_app(province.desk.path, "test-token"), base_url="http://testserver")
    page = f"/site/policies/{d}.html"
    # Ahead by enough for the sign-off (its pages built here, about a second) on a loaded machine.
    moment = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=8)).replace(microsecond=0)
    r = province.cli("sign-off", d, "--as", "signer", "--publish-at", moment.isoformat(), "--json")
    assert r.exit_code == 0, r.output
    publication = json.loads(r.stdout)["publication"]
    assert publication["scheduled_at"] and not publication.get("published"), publication
    before = site.get(page)
    lead = (moment - dt.datetime.now(dt.timezone.utc)).total_seconds()
    assert lead > 0, "the sign-off took longer than the lead time"
    assert before.status_code == 404 and "页面不存在" in before.text

    def published_events() -> int:
        with svc.session() as s:
            return s.scalar(select(func.count()).select_from(EventRow)
                            .where(EventRow.dossier_id == d, EventRow.name == "dossier.published"))
    assert published_events() == 0
    deadline = time.monotonic() + 60 + max(0.0, (moment - dt.datetime.now(dt.timezone.utc)).total_seconds())
    while (after := site.get(page)).status_code != 200:
        assert time.monotonic() < deadline, "the worker did not publish within 60 s of the moment"
        assert province.alive(), "no worker left"
        time.sleep(0.25)
    seen = dt.datetime.now(dt.timezone.utc)
    assert seen >= moment
    print(f"\nsigned off with {lead:.1f} s to spare; public {(seen - moment).total_seconds():.2f} s after the moment")
    local = moment.astimezone()
    assert f"发布日期</div><div>{local.date()}</div>" in after.text
    with svc.session() as s:
        rows = list(s.scalars(select(PageRow).where(PageRow.dossier_id == d)))
        job = s.scalars(select(JobRow).where(JobRow.kind == "publish", JobRow.dossier_id == d)).one()
    assert rows and {r.released_at.astimezone(dt.timezone.utc) for r in rows} == {moment}
    policy = next(r for r in rows if r.kind == "policy")
    assert f"于 {local:%Y年%m月%d日 %H:%M} 同步发布" in svc.store.get(policy.sha256).decode("utf-8")
    # The worker did it: the job was claimed by one of its processes, at or after the moment.
    assert job.status == "done" and province.worker_of(job.claimed_by) in alive, job.claimed_by
    assert job.claimed_at.astimezone(dt.timezone.utc) >= moment
    time.sleep(1.5)                                # a worker's next looks find nothing more to do
    assert published_events() == 1


def test_a_live_worker_makes_a_scheduled_gazette_issue_public_at_its_moment(province, tmp_path):
    """定时出版 on the pool: an issue released on the command line with --at a few seconds ahead is
    prepared and not public; the worker's warm loop (no desk, no desk's clock, no sweep) makes it
    public at its moment: before, the web edition is the Chinese 404; after (bounded wait), it is there."""
    import datetime as dt

    from fastapi.testclient import TestClient

    from desk.app import create_app
    from services.gazette import issues as gazette
    from tests.storage.test_gazette_storage import signed_dossier
    if not province.alive():
        province.start_worker("w1")
    alive = set(province.alive())
    province.wait_online(alive)
    province.wait_warm(alive)
    svc = province.svc
    d = signed_dossier(svc, tmp_path / "b", government=True)
    gazette.create_issue(svc, 2019, 31, "editor", total=931)
    gazette.add_items(svc, "2019-31", [d], "editor")
    site = TestClient(create_app(province.desk.path, "test-token"), base_url="http://testserver")
    page = "/gazette/2019-31/web/index.html"
    moment = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=25)).replace(microsecond=0)
    r = province.cli("gazette", "issue", "release", "2019-31", "--out", str(tmp_path / "out"), "--as", "editor",
                     "--at", moment.astimezone().strftime("%Y-%m-%d %H:%M:%S"), "--json")
    assert r.exit_code == 0, r.output
    answer = json.loads(r.stdout)
    # The decision is recorded; the worker prepares the editions (the command may stop waiting first: queued).
    assert answer.get("status") == "queued" or answer["issue"]["status"] == "scheduled", r.stdout
    deadline = time.monotonic() + 60
    while gazette.show_issue(svc, "2019-31").status != "scheduled":
        assert time.monotonic() < deadline, "the worker did not prepare the scheduled issue"
        time.sleep(0.25)
    assert dt.datetime.now(dt.timezone.utc) < moment, "preparing took longer than the lead time"
    before = site.get(page)
    assert before.status_code == 404 and "页面不存在" in before.text
    deadline = time.monotonic() + 30 + max(0.0, (moment - dt.datetime.now(dt.timezone.utc)).total_seconds())
    while (after := site.get(page)).status_code != 200:
        assert time.monotonic() < deadline, "the worker did not release the issue within 30 s of its moment"
        assert province.alive(), "no worker left"
        time.sleep(0.25)
    assert dt.datetime.now(dt.timezone.utc) >= moment
    assert gazette.show_issue(svc, "2019-31").status == "released"
