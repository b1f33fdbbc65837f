"""Work on a pool (issue 13): register Lockstep's flows as deployments of one Prefect work pool,
run a worker for it, and hand a batch of staged bundles to it.

The server and pool come from the home's lockstep.toml:

    [prefect]
    api_url = "http://10.0.0.5:4200/api"   # the Prefect server (PREFECT_API_URL in the environment wins)
    pool = "lockstep"                       # the work pool; when set, `lockstep batch` goes through it
    concurrency = 4                         # runs at once across the whole pool
    check_cron = "0 8 * * *"                # the scheduled check
    sweep_minutes = 10                      # the outbox sweep (staged bundles, publications left)

Without a pool the embedded default is unchanged: flows run in the process that asked (flows/run.py).
Reading the settings and asking whether the server answers do not import Prefect.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from documents.problems import Refused, problem

CODE = Path(__file__).resolve().parents[1]          # the folder the entrypoints are relative to
INTAKE, SWEEP, CHECK = "lockstep-intake-batch", "lockstep-sweep", "lockstep-check"
PUBLISH, RELEASE = "lockstep-publish", "lockstep-gazette-release"     # one outbox job each, by its id
PROC_TAG = "lockstep-proc:"       # a flow run's tag naming the process that runs it (HOST:PID)
WARM_TAG = "lockstep-warm"        # a flow run a worker's warm loop ran in its own process (no pool slot)


@dataclass(frozen=True)
class PoolSettings:
    api_url: str
    pool: str
    concurrency: int = 4
    check_cron: str = "0 8 * * *"
    sweep_minutes: int = 10


def settings_of(home, pool: str | None = None, concurrency: int | None = None) -> PoolSettings:
    raw = home.raw.get("prefect", {}) if home.exists else {}
    api = (os.environ.get("PREFECT_API_URL") or raw.get("api_url") or "").strip().rstrip("/")
    return PoolSettings(api_url=api, pool=(pool or raw.get("pool") or "").strip(),
                        concurrency=int(concurrency or raw.get("concurrency") or 4),
                        check_cron=str(raw.get("check_cron") or "0 8 * * *"),
                        sweep_minutes=int(raw.get("sweep_minutes") or 10))


def require_server(s: PoolSettings, *, need_pool: bool = True) -> PoolSettings:
    if not s.api_url:
        raise Refused(problem("invalid_state", "未配置 Prefect 服务器：在 lockstep.toml 的 prefect 节中填写 "
                                               "api_url（如 http://127.0.0.1:4200/api），或设置 PREFECT_API_URL", advice=""))
    if need_pool and not s.pool:
        raise Refused(problem("invalid_state", "未指定工作池：用 --pool 名称，或在 lockstep.toml 的 prefect 节中填写 pool", advice=""))
    return s


def server_answers(api_url: str, timeout: float = 3.0) -> bool:
    import httpx
    try:
        return httpx.get(f"{api_url}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def pool_state(s: PoolSettings) -> dict:
    """Whether the server answers, the pool exists (and its limit), and which workers are online."""
    import httpx
    out = {"server": s.api_url, "pool": s.pool, "server_ok": False, "pool_ok": False,
           "concurrency": None, "workers_online": []}
    if not server_answers(s.api_url):
        return out
    out["server_ok"] = True
    try:
        r = httpx.get(f"{s.api_url}/work_pools/{s.pool}", timeout=5)
        if r.status_code == 200:
            out["pool_ok"] = True
            out["concurrency"] = r.json().get("concurrency_limit")
            w = httpx.post(f"{s.api_url}/work_pools/{s.pool}/workers/filter", json={}, timeout=5)
            if w.status_code == 200:
                out["workers_online"] = sorted(x["name"] for x in w.json() if x.get("status") == "ONLINE")
    except httpx.HTTPError:
        pass
    return out


# -- deploy --------------------------------------------------------------------------------------

def _wanted(s: PoolSettings) -> list[dict]:
    return [
        {"flow": INTAKE, "entrypoint": "flows/pool.py:intake_batch_flow", "schedule": None},
        {"flow": SWEEP, "entrypoint": "flows/pool.py:sweep_flow", "schedule": ("interval", s.sweep_minutes * 60)},
        {"flow": CHECK, "entrypoint": "flows/pool.py:check_flow", "schedule": ("cron", s.check_cron)},
        {"flow": PUBLISH, "entrypoint": "flows/pool.py:publish_job_flow", "schedule": None},
        {"flow": RELEASE, "entrypoint": "flows/pool.py:gazette_release_flow", "schedule": None},
    ]


def _shape(d) -> dict:
    """What `deploy` decides on, as read back from the server: equal shapes mean nothing to change."""
    scheds = []
    for sc in d.schedules or []:
        sch = sc.schedule
        scheds.append(("cron", sch.cron) if getattr(sch, "cron", None) else
                      ("interval", int(sch.interval.total_seconds())) if getattr(sch, "interval", None) else
                      ("other", str(sch)))
    return {"entrypoint": d.entrypoint, "pool": d.work_pool_name, "pull_steps": d.pull_steps,
            "schedules": scheds, "parameters": dict(d.parameters or {})}


def deploy(s: PoolSettings) -> dict:
    """Create or update the pool (type process, pool-wide limit) and the deployments: batch intake,
    the sweep and the scheduled check (their schedules are the province's one scheduler), a sign-off's
    publication and a gazette release (each run given one outbox job's id).
    Running it again with the same settings changes nothing (each answer says created / updated /
    unchanged). The code folder (CODE) must be the same path on every worker machine."""
    require_server(s)
    if not server_answers(s.api_url):
        raise Refused(problem("invalid_state", f"Prefect 服务器 {s.api_url} 无应答：先启动它再部署", advice=""))
    from prefect import Flow
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate, WorkPoolUpdate
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL, temporary_settings

    out: dict = {"server": s.api_url, "pool": s.pool, "code": str(CODE), "deployments": []}
    with temporary_settings(updates={PREFECT_API_URL: s.api_url}), get_client(sync_client=True) as client:
        try:
            pool = client.read_work_pool(s.pool)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=s.pool, type="process", concurrency_limit=s.concurrency))
            out["pool_change"] = "created"
        else:
            if pool.type != "process":
                raise Refused(problem("invalid_state", f"工作池 {s.pool} 的类型为 {pool.type}，Lockstep 需要 process 类型", advice=""))
            if pool.concurrency_limit != s.concurrency:
                client.update_work_pool(s.pool, WorkPoolUpdate(concurrency_limit=s.concurrency))
                out["pool_change"] = "updated"
            else:
                out["pool_change"] = "unchanged"
        out["concurrency"] = s.concurrency
        for w in _wanted(s):
            full = f"{w['flow']}/{s.pool}"
            try:
                before = _shape(client.read_deployment_by_name(full))
            except ObjectNotFound:
                before = None
            flow = Flow.from_source(source=str(CODE), entrypoint=w["entrypoint"])
            kind, value = w["schedule"] or (None, None)
            dep = flow.to_deployment(name=s.pool, work_pool_name=s.pool,
                                     cron=value if kind == "cron" else None,
                                     interval=value if kind == "interval" else None,
                                     description=f"Lockstep {w['flow']}（工作池 {s.pool}）")
            wanted_shape = {"entrypoint": w["entrypoint"], "pool": s.pool,
                            "pull_steps": [dep.storage.to_pull_step()], "schedules": [w["schedule"]] if w["schedule"] else [],
                            "parameters": {}}
            if before == wanted_shape:
                change = "unchanged"
                dep_id = client.read_deployment_by_name(full).id
            else:
                dep_id = dep.apply(work_pool_name=s.pool)
                change = "created" if before is None else "updated"
            out["deployments"].append({"name": full, "id": str(dep_id), "entrypoint": w["entrypoint"],
                                       "schedule": w["schedule"] and f"{w['schedule'][0]} {w['schedule'][1]}",
                                       "change": change})
    out["changed"] = out["pool_change"] != "unchanged" or any(d["change"] != "unchanged" for d in out["deployments"])
    return out


# -- a batch through the pool --------------------------------------------------------------------

def start_runs(s: PoolSettings, batch: str, runs: int, limit: int) -> list[str]:
    """Ask for `runs` runs of the intake deployment for `batch` (each takes from the batch's shared
    queue until it is empty). Raises OSError-like faults from the client when the server is away."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings
    with temporary_settings(updates={PREFECT_API_URL: s.api_url}), get_client(sync_client=True) as client:
        dep = client.read_deployment_by_name(f"{INTAKE}/{s.pool}")
        return [str(client.create_flow_run_from_deployment(dep.id, parameters={"batch": batch, "limit": limit},
                                                           tags=["lockstep", batch]).id)
                for _ in range(max(1, runs))]


def start_sweep(s: PoolSettings) -> str:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings
    with temporary_settings(updates={PREFECT_API_URL: s.api_url}), get_client(sync_client=True) as client:
        dep = client.read_deployment_by_name(f"{SWEEP}/{s.pool}")
        return str(client.create_flow_run_from_deployment(dep.id, tags=["lockstep"]).id)


# -- the worker ----------------------------------------------------------------------------------

def _die_with_parent() -> None:           # the prefect worker never outlives `lockstep worker`
    import ctypes
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except OSError:
        pass


def worker_env(home: Path, s: PoolSettings, name: str) -> dict:
    prefect_home = (home / "prefect").resolve()
    env = {**os.environ, "PREFECT_API_URL": s.api_url, "LOCKSTEP_HOME": str(home.resolve()),
           "LOCKSTEP_WORKER_NAME": name}
    for key, value in {"PREFECT_HOME": str(prefect_home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                       "PREFECT_LOGGING_TO_API_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING",
                       "PREFECT_WORKER_QUERY_SECONDS": "5", "PREFECT_WORKER_PREFETCH_SECONDS": "5"}.items():
        env.setdefault(key, value)
    return env


DRAIN_POLL = 0.5            # seconds between looks at the outbox when nothing waits
DUE_EVERY = 1.0             # seconds between looks for a scheduled gazette issue whose moment has come
DRAIN_KINDS = ("publish", "gazette_release")


def _drainable(svc, limit: int = 5) -> list[tuple[str, int]]:
    """Publish and gazette_release jobs nobody holds, oldest first: pending, not scheduled for later,
    and not given back by a fault moments ago (that one waits a little longer each attempt)."""
    import datetime as dt
    now = svc.now()
    out = []
    with svc.unit() as uow:
        for kind in DRAIN_KINDS:
            for j in uow.jobs.pending(kind):
                not_before = getattr(j, "not_before", None)
                if j.status != "pending" or (not_before is not None and _utc(not_before) > now):
                    continue
                if j.last_error and j.claimed_at is not None and \
                        now - _utc(j.claimed_at) < dt.timedelta(seconds=min(30 * j.attempts, 300)):
                    continue
                out.append((kind, j.id))
    return out[:limit]


def _utc(t):
    import datetime as dt
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.timezone.utc)      # SQLite drops the zone


def _esc(value) -> str:
    """A value in a line `say` prints: `say` is the command line's console (rich markup on), so a worker's
    name, a path or an error's text holding "[a]" or "a\\[b]" prints as written (cli.output.esc)."""
    from cli.output import esc
    return esc(value)


def drain_outbox(home: Path, s: PoolSettings, name: str, stop, say=print) -> None:
    """The warm half of `lockstep worker`: in this process, with Prefect started once, take the
    outbox's publish and gazette_release jobs as they appear (a look every DRAIN_POLL seconds) and
    staged intake bundles, ONE per claim (services/dossiers/staged.py `claim_one`), so neither a
    sign-off's publication nor a batch waits for a new process per run, and two online workers share
    a batch a bundle at a time. Publications run as their flows (flows/pool.py, recorded on the server
    as any run); the bundles of one busy period run in ONE flow run, the intake drain (材料包批处理,
    take_bundles), not one run per bundle: a run's records cost the Prefect server, which shares the
    cores with the workers. The claim is the lock (FOR UPDATE SKIP LOCKED on PostgreSQL): what one
    worker or deployment run has taken, the others skip. With the server away the same work runs
    without it (the service directly), so nothing waits on the server. Publications go first: after
    each bundle the drain looks at the outbox and ends when one waits; the loop does it, then starts
    another drain for what is still staged. About once a second the loop also makes public a
    scheduled gazette issue whose moment has come (services.gazette.release.release_due, as the
    desk's clock does), so a province without a desk's clock does not wait for the sweep."""
    import random
    for key, value in worker_env(home, s, name).items():
        if key.startswith(("PREFECT_", "LOCKSTEP_")):
            os.environ[key] = value
    from flows.engine import configure, warm_settings
    configure(home)
    from flows import pool as flows
    from services.home.context import open_services
    from services.home.folder import Home
    svc = open_services(Home(home))
    direct = {"publish": "services.publication.publish:publish_job", "gazette_release": "services.gazette.release:release_job"}
    runs = {"publish": flows.publish_job_flow, "gazette_release": flows.gazette_release_flow}
    loop = WarmLoop(svc=svc, s=s, name=name, say=say, stop=stop)
    # Imported now, not by the first job: a worker that says it is ready takes its first bundle as
    # quickly as the next (two workers share a batch from its start).
    import fastapi.encoders  # noqa: F401  (Prefect serializes a run's parameters with it: ~0.8 s on the first run)
    import services.dossiers.intake  # noqa: F401
    import services.gazette.release  # noqa: F401
    import services.publication.publish  # noqa: F401
    if server_answers(s.api_url, timeout=2):
        _register([*runs.values(), flows.intake_drain_flow])
    say(f"工作节点 {_esc(name)}：本进程随时领取签发后的发布、公报出版任务与暂存的材料包（每次一份）")
    from services.gazette.release import release_due
    due_next = 0.0
    with warm_settings():
        while not stop.is_set():
            try:
                waiting = _drainable(svc)
            except Exception:           # noqa: BLE001 - the database is away: look again later
                waiting = []
                stop.wait(2)
            for kind, job in waiting:
                if stop.is_set():
                    break
                try:
                    if server_answers(s.api_url, timeout=2):
                        with warm_tags():
                            runs[kind](job)
                    else:
                        import importlib
                        module, _, fn = direct[kind].partition(":")
                        getattr(importlib.import_module(module), fn)(svc, job)
                except Exception as e:      # noqa: BLE001 - the job's row says what happened; go on
                    say(f"工作节点 {_esc(name)}：任务 {_esc(job)}（{_esc(kind)}）未完成：{type(e).__name__}：{_esc(e)}")
            if not stop.is_set() and time.monotonic() >= due_next:
                due_next = time.monotonic() + DUE_EVERY
                try:        # 定时出版: a scheduled issue whose moment has come, public now (as the desk's clock does)
                    for r in release_due(svc):
                        say(f"工作节点 {_esc(name)}：定时出版的公报 {_esc(r.get('issue'))} "
                            f"{'已公开' if r.get('released') else '未公开：' + _esc(r.get('problems') or r)}")
                except Exception as e:      # noqa: BLE001 - the database is away: the next look tries again
                    say(f"工作节点 {_esc(name)}：定时出版检查未完成：{type(e).__name__}：{_esc(e)}")
            took = False
            if not stop.is_set():
                try:
                    took = take_bundles(loop, flows.intake_drain_flow) > 0
                except Exception:       # noqa: BLE001 - the database is away: look again later
                    stop.wait(2)
            if not waiting and not took:
                stop.wait(DRAIN_POLL * (0.8 + 0.4 * random.random()))


def _register(flows) -> None:
    """The flows' records on the server made now (an upsert; no run): the first job's run, and two
    workers' first runs at once, do not make them."""
    try:
        from prefect.client.orchestration import get_client
        with get_client(sync_client=True) as client:
            for f in flows:
                client.create_flow(f)
    except Exception:       # noqa: BLE001 - the first run makes it then
        pass


@dataclass
class WarmLoop:
    """What a worker's warm loop (drain_outbox) carries from one look at the outbox to the next; the
    intake drain's flow run (flows/pool.py intake_drain_flow), run in the same process, reads it."""
    svc: object
    s: PoolSettings
    name: str
    say: object = print
    stop: object = None                                    # a threading.Event: the worker is stopping
    resting: dict = field(default_factory=dict)           # intake job → when to try it again (given back after a fault)
    held: dict = field(default_factory=dict)              # intake job → Job: claimed here, not answered yet


_loop: WarmLoop | None = None        # this process's warm loop (one per `lockstep worker`)


def claim_bundle(loop: WarmLoop):
    """ONE staged bundle (any batch, oldest first) claimed for this process, or None: the same claim
    as a deployment run's (FOR UPDATE SKIP LOCKED), one row, so two workers interleave a bundle at a
    time. Bundles given back after a fault rest a while first."""
    from services.dossiers.staged import claim_one
    now = time.monotonic()
    for job_id in [j for j, until in loop.resting.items() if until <= now]:
        del loop.resting[job_id]
    job = claim_one(loop.svc, exclude=tuple(loop.resting))
    if job is not None:
        loop.held[job.id] = job
    return job


def do_bundle(loop: WarmLoop, job, run: str | None = None) -> dict | None:
    """A bundle this process claimed, done here (services/dossiers/staged.py run_claimed): the answer
    kept on the job's row (with `run`, the drain's flow run, when there is one). A fault gives the
    bundle back for any claimer (this loop leaves it a while). None: not done here."""
    from services.dossiers.staged import give_back, run_claimed
    try:
        return run_claimed(loop.svc, job.id, worker=loop.name, via="warm", run=run)
    except Exception as e:      # noqa: BLE001 - a fault: give the bundle back, try it again later
        loop.resting[job.id] = time.monotonic() + min(30 * job.attempts, 300)
        from services.home.faults import refusal_of
        code = refusal_of(e).problem.code          # database_unavailable, storage_unavailable, …
        try:
            give_back(loop.svc, job, code, f"工作节点 {loop.name} 处理材料包时出错：{type(e).__name__}：{str(e)[:200]}")
        except Exception:       # noqa: BLE001 - the database is away: the claim expires with this process
            pass
        loop.say(f"工作节点 {_esc(loop.name)}：材料包任务 {_esc(job.id)} 未完成，已交回：{type(e).__name__}：{_esc(e)}")
        return None
    finally:
        loop.held.pop(job.id, None)


def drain_staged(first: int) -> dict:
    """The body of the intake drain's flow run (flows/pool.py intake_drain_flow), in the warm loop's
    process: the bundle `first` (claimed before the run), then one claim per bundle until none is
    left, the worker is stopping, or a publication or gazette release waits (publications go first:
    the loop does them, then starts another run for what is still staged)."""
    from prefect.runtime import flow_run

    from services.home.crashpoints import crash_point
    loop = _loop
    if loop is None or first not in loop.held:
        return {"taken": 0, "bundles": [], "worker": loop.name if loop else ""}
    run = str(flow_run.id) if flow_run.id else None
    job, bundles = loop.held[first], []
    while job is not None:
        crash_point("warm.intake-running")          # tests/faults: a worker lost mid-run, holding a bundle
        done = do_bundle(loop, job, run)
        bundles.append({"job": job.id, "dossier": (done or {}).get("dossier"),
                        "accepted": (done or {}).get("accepted"), "taken": done is not None})
        if (loop.stop is not None and loop.stop.is_set()) or _drainable(loop.svc, limit=1):
            break
        job = claim_bundle(loop)
    return {"taken": len(bundles), "bundles": bundles, "worker": loop.name, "run": run}


def take_bundles(loop: WarmLoop, flow) -> int:
    """Claim ONE staged bundle; when there is one, take it and those staged after it in one flow run
    (`flow`, the intake drain) when the server answers, else the bundle directly (the service): nothing
    waits on the server. What this process still holds after the run (it failed before doing it, say
    the server went away mid-run) is finished directly. Returns the bundles taken (0: none waited)."""
    global _loop
    from services.dossiers.staged import mine
    job = claim_bundle(loop)
    if job is None:
        return 0
    _loop, taken = loop, 0
    if server_answers(loop.s.api_url, timeout=2):
        try:
            with warm_tags():
                got = flow(job.id)
            taken = got["taken"]
            if taken > 1:
                loop.say(f"工作节点 {_esc(loop.name)}：材料包批处理 {taken} 份（流程运行 {_esc(got.get('run'))}）")
        except Exception as e:     # noqa: BLE001 - e.g. the server restarted mid-run: finish it here
            loop.say(f"工作节点 {_esc(loop.name)}：材料包批处理的流程运行未完成（{type(e).__name__}），"
                     f"本进程持有的 {len(loop.held)} 份在本进程中直接完成")
    for held in list(loop.held.values()):
        if loop.svc.retrying(lambda: mine(loop.svc, held.id)) is None:
            loop.held.pop(held.id, None)       # answered already, or taken over
        else:
            do_bundle(loop, held)
            taken += 1
    return max(taken, 1)


def warm_tags():
    """Tags for a warm loop's flow run: WARM_TAG and this process (PROC_TAG), so a worker killed
    mid-run leaves a run crash_orphans can mark Crashed, as it does the pool's runs."""
    import socket

    from prefect import tags
    return tags(WARM_TAG, f"{PROC_TAG}{socket.gethostname()}:{os.getpid()}")


def crash_orphans(s: PoolSettings, say=print) -> list[str]:
    """Flow runs of the pool, and of the warm loops, left Running (or Cancelling, Pending) by a process
    of this host that is gone (a worker killed with its runs): marked Crashed on the server, so they
    no longer hold the pool's concurrency slots nor read as running. Runs of other hosts are left to their host's worker. Their Lockstep work
    is not lost: a dead holder's job is claimed again (storage/jobs.py). Returns the runs marked."""
    import socket

    import httpx
    host, marked = socket.gethostname(), []
    left = {"state": {"type": {"any_": ["RUNNING", "CANCELLING", "PENDING"]}}}
    try:
        found = {}
        # The pool's runs, and the warm loops' runs (no pool; tagged WARM_TAG and their process).
        for query in ({"flow_runs": left, "work_pools": {"name": {"any_": [s.pool]}}},
                      {"flow_runs": {**left, "tags": {"all_": [WARM_TAG]}}}):
            r = httpx.post(f"{s.api_url}/flow_runs/filter", timeout=10, json={**query, "limit": 200})
            r.raise_for_status()
            found.update((run["id"], run) for run in r.json())
        for run in found.values():
            for tag in run.get("tags") or []:
                if not tag.startswith(PROC_TAG):
                    continue
                where, _, pid = tag[len(PROC_TAG):].rpartition(":")
                if where != host or not pid.isdigit() or _alive(int(pid)):
                    continue
                httpx.post(f"{s.api_url}/flow_runs/{run['id']}/set_state", timeout=10, json={
                    "state": {"type": "CRASHED", "name": "Crashed",
                              "message": f"运行它的进程 {pid} 已不在（工作节点被终止）；Lockstep 的任务已由其他进程接手"},
                    "force": True}).raise_for_status()
                marked.append(run["id"])
    except (httpx.HTTPError, ValueError, KeyError):
        return marked
    if marked:
        say(f"已将 {len(marked)} 个进程已不在的流程运行标为 Crashed（释放工作池并发名额）")
    return marked


def run_worker(home: Path, s: PoolSettings, name: str, limit: int | None, say=print, drain: bool = True) -> int:
    """Supervise `prefect worker start` for the pool until SIGTERM/SIGINT, then stop it (30 s of
    grace, then SIGKILL). Its output goes to PREFECT_HOME/worker-NAME.log. Returns its exit code.
    `drain`: also take publish and gazette_release jobs and staged intake bundles (one per claim)
    warm, in this process (drain_outbox)."""
    import threading
    env = worker_env(home, s, name)
    Path(env["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "prefect", "worker", "start", "--pool", s.pool, "--type", "process",
           "--name", name]
    if limit:
        cmd += ["--limit", str(limit)]
    # a name holding "/" (or NUL) names a file in PREFECT_HOME, not a folder under it nor an invalid path
    log_path = Path(env["PREFECT_HOME"]) / f"worker-{name.replace('/', '_').replace(chr(0), '_')[:100]}.log"
    stopping = {"signal": None}

    def stop(signum, _frame):
        stopping["signal"] = signum

    old = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, cwd=CODE, env=env, stdout=log, stderr=subprocess.STDOUT,
                                preexec_fn=_die_with_parent)
    say(f"工作节点 {_esc(name)} 已启动：领取工作池 {_esc(s.pool)} 的任务（服务器 {_esc(s.api_url)}，进程 {proc.pid}，"
        f"日志 {_esc(log_path)}）")
    crash_orphans(s, say)                  # runs a killed worker of this host left holding slots
    done = threading.Event()
    if drain:
        threading.Thread(target=drain_outbox, args=(home, s, name, done, say), name="lockstep-outbox",
                         daemon=True).start()
    try:
        tidy = time.monotonic() + 60
        while proc.poll() is None and stopping["signal"] is None:
            time.sleep(0.2)
            if time.monotonic() > tidy:      # and once a minute after (another worker of this host killed)
                tidy = time.monotonic() + 60
                crash_orphans(s, say)
        if stopping["signal"] is not None:
            # Ctrl+C reaches the Prefect worker too (same process group); SIGTERM is sent on here.
            say(f"正在停止工作节点 {_esc(name)} …")
            if proc.poll() is None:
                proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            say(f"工作节点 {_esc(name)} 已停止")
            return 0
        say(f"工作节点 {_esc(name)} 意外退出（代码 {proc.returncode}），详见 {_esc(log_path)}")
        return 1
    finally:
        done.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for sig, handler in old.items():
            signal.signal(sig, handler)


def _alive(pid: int) -> bool:
    from storage.jobs import pid_alive
    return pid_alive(pid)
