"""The asking side of a pool home (issue 13): a desk or command whose home names a Prefect server and
a work pool ([prefect] api_url and pool in lockstep.toml) hands a sign-off's publication, a gazette
release and intake to the pool's deployments, then reports the answer when it lands.

What is handed over is an outbox row's id (a publish or gazette_release job, written in the decision's
own transaction) or a batch id (bundles staged in the object store), never a local path. The run is
asked for through the server's REST API (no Prefect import here: a command stays quick); the answer
is read back from the job's row, polling for at most `wait` seconds. A server that does not answer,
a pool with no worker online, or a run that has not finished in time leaves the work recorded and
waiting: the answer is the `queued` notice (not a failure; the sweep and the runs already asked for
take the work when the server and workers return; `lockstep due` lists it). A server that answers
without Lockstep's deployments (`lockstep deploy` not run yet) runs the work here, as in the
embedded default, which is otherwise unchanged.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

from documents.problems import problem
from flows.workpool import INTAKE, PUBLISH, RELEASE, PoolSettings, settings_of

WAIT = 60           # seconds a person's request waits for the pool's answer by default ([prefect] wait)
POLL = 0.3
TIMEOUT = 10        # seconds for one request to the server (a refused connection answers at once)
HEARTBEAT = 150     # seconds since a worker's last heartbeat within which it counts as online
GRACE = 5.0         # seconds a warm worker has to take a publish or release job before a run is asked for

QUEUED = {"server_unavailable": "Prefect 服务器无应答", "no_workers": "工作池暂无在线工作节点",
          "timeout": "工作节点尚未完成"}


def pool_of(home: Path) -> PoolSettings | None:
    """The pool settings of a pool home, None for the embedded default (no pool or no server named)."""
    from services.home.folder import Home
    try:
        h = Home(home)
        if not h.exists:
            return None
        s = settings_of(h)
    except Exception:       # noqa: BLE001 - an unreadable lockstep.toml is answered where it is read for the work
        return None
    return s if s.api_url and s.pool else None


def wait_of(home: Path) -> float:
    from services.home.folder import Home
    h = Home(home)
    try:
        return float((h.raw.get("prefect") or {}).get("wait", WAIT))
    except (TypeError, ValueError):
        return WAIT


def queued_notice(reason: str, what: str) -> dict:
    """The `queued` notice as a problem (severity warning: accepted and recorded, not a failure)."""
    p = problem("queued", f"{what}：{QUEUED.get(reason, reason)}", severity="warning")
    return p.model_dump(mode="json")


@dataclass(frozen=True)
class Asked:
    run: str | None
    reason: str | None          # None: a run was asked for and a worker is online
    detail: str | None = None   # what the server said, when it failed


def ask(s: PoolSettings, flow: str, parameters: dict, key: str, runs: int = 1) -> Asked:
    """`runs` runs of the deployment `flow` on the pool with `parameters`; `key` makes a second ask
    for the same work (before anything ran it) the same run. reason 'not_deployed': the server has
    no such deployment (run the work here)."""
    import httpx
    try:
        r = _call("GET", f"{s.api_url}/deployments/name/{flow}/{s.pool}")
        if r.status_code == 404:
            return Asked(None, "not_deployed")
        r.raise_for_status()
        first = None
        for i in range(max(1, runs)):
            # The same idempotency key on a retry: a run the server made before failing to answer is
            # the one it returns, not a second one.
            c = _call("POST", f"{s.api_url}/deployments/{r.json()['id']}/create_flow_run",
                      json={"parameters": parameters, "tags": ["lockstep"],
                            "idempotency_key": key if i == 0 else f"{key}-{i}"})
            c.raise_for_status()
            first = first or c.json()["id"]
    except (httpx.HTTPError, ValueError, KeyError) as e:
        return Asked(None, "server_unavailable", f"{type(e).__name__}: {e}"[:300])
    return Asked(first, None if workers_online(s) else "no_workers")


def _call(method: str, url: str, tries: int = 6, **kw):
    """One request to the server; a server error (5xx: 503 is Prefect's "retry", its database busy)
    or a timeout is asked again with a growing pause (about 10 s in all, as Prefect's own client
    does); a refused connection (no server) is answered at once."""
    import httpx
    for i in range(tries):
        try:
            r = httpx.request(method, url, timeout=TIMEOUT, **kw)
        except httpx.ConnectError:
            raise
        except httpx.TransportError:
            if i == tries - 1:
                raise
        else:
            if r.status_code < 500 or i == tries - 1:
                return r
        time.sleep(min(0.5 * 2 ** i, 4))
    raise AssertionError("unreachable")


def workers_online(s: PoolSettings) -> list[str]:
    import httpx
    try:
        w = _call("POST", f"{s.api_url}/work_pools/{s.pool}/workers/filter", json={})
        w.raise_for_status()
        return sorted(x["name"] for x in w.json() if x.get("status") == "ONLINE" or _recent(x.get("last_heartbeat_time")))
    except (httpx.HTTPError, ValueError, KeyError):
        return []


def _recent(moment: str | None, within: float = HEARTBEAT) -> bool:
    """A worker whose last heartbeat is that recent counts as online: on a loaded machine a live
    worker's heartbeat comes late and the server marks it offline for a while."""
    import datetime as dt
    if not moment:
        return False
    try:
        t = dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        return False
    return (dt.datetime.now(dt.timezone.utc) - t).total_seconds() < within


def _job(svc, job_id: int):
    with svc.unit() as uow:
        return uow.jobs.get(job_id)


def wait_job(svc, job_id: int, seconds: float, attempts_before: int):
    """The job once it is done, or failed again (attempts past `attempts_before`); else None in time."""
    deadline = time.monotonic() + seconds
    while True:
        job = svc.retrying(lambda: _job(svc, job_id))
        if job is not None and (job.status == "done" or (job.status == "failed" and job.attempts > attempts_before)):
            return job
        if time.monotonic() >= deadline:
            return None
        time.sleep(POLL)


def handed(svc, s: PoolSettings, flow: str, job, wait: float, grace: float):
    """The outbox job `job`, run by the pool: first a warm worker's drain may take it (`lockstep
    worker` claims publish and gazette_release jobs in its own warm process, flows/workpool.py); if
    nobody has touched it within `grace` seconds, a run of the deployment `flow` is asked for. Returns
    (the job once done or failed again, or None in time; how it was asked). Asked.reason
    'not_deployed': nobody took it and the server has no such deployment (run it here)."""
    first = None
    deadline = time.monotonic() + grace
    while True:
        first = svc.retrying(lambda: _job(svc, job.id))
        if first is None or first.status == "done" or (first.status == "failed" and first.attempts > job.attempts):
            return first, Asked(None, None)
        if first.status == "claimed" or time.monotonic() >= deadline:
            break
        time.sleep(POLL)
    if first.status == "claimed":           # a worker has it: wait for its answer
        asked = Asked(None, None)
    else:
        asked = ask(s, flow, {"job": job.id}, f"{flow}-{job.id}-{job.attempts}")
        if asked.reason == "not_deployed" or asked.reason:
            return None, asked
    return wait_job(svc, job.id, max(0.0, wait - grace), job.attempts), asked


def grace_of(home: Path) -> float:
    from services.home.folder import Home
    try:
        return float((Home(home).raw.get("prefect") or {}).get("warm_grace", GRACE))
    except (TypeError, ValueError, OSError):
        return GRACE


def _open(home: Path):
    from services.home.context import open_services
    from services.home.folder import Home
    return open_services(Home(home))


# ---------------------------------------------------------------- publication

def publish(home: Path, s: PoolSettings, dossier_ids: list[str], actor: str,
            wait: float | None = None) -> list[dict] | None:
    """Each dossier's publish job through the pool: the publication's answer, or the queued notice.
    None: nothing for the pool here (a dossier with no job waiting, or no deployment): run it as today."""
    svc = _open(home)
    wait = wait_of(home) if wait is None else wait
    jobs = []
    for d in dossier_ids:
        with svc.unit() as uow:
            open_jobs = [j for j in uow.jobs.of("publish", d) if j.status != "done"]
        if not open_jobs:
            return None
        jobs.append(open_jobs[-1])
    out = []
    for job in jobs:
        # 定时发布: the pool takes no job before its moment, so its pages are built, checked and stored
        # here, now, as without a pool (nothing public); the moment then only makes them public.
        from services.publication.publish import prepare_if_waiting
        if (ready := prepare_if_waiting(svc, job.dossier_id, actor)) is not None:
            out.append(ready.model_dump(mode="json"))
            continue
        done, asked = handed(svc, s, PUBLISH, job, wait, min(grace_of(home), wait))
        if asked.reason == "not_deployed":
            return None
        out.append(_publication(svc, job, done, asked, s))
    return out


def _publication(svc, job, done, asked: Asked, s: PoolSettings) -> dict:
    if done is None:
        reason = asked.reason or "timeout"
        return {"dossier": job.dossier_id, "published": False, "queued": True, "status": "queued",
                "reason": reason, "detail": asked.detail, "job": job.id, "run": asked.run, "pool": s.pool,
                "problems": [queued_notice(reason, f"卷宗 {job.dossier_id} 已签发，发布任务已记录")]}
    if done.status == "failed":
        return {"dossier": job.dossier_id, "published": False, "job": job.id,
                "problems": [done.last_error] if done.last_error else []}
    if done.result:
        return {k: v for k, v in done.result.items()}
    # Done in the publication's transaction, its answer not kept (the run died just after): read it.
    from services.publication.publish import publish as answer
    return answer(svc, job.dossier_id, job.actor or "lockstep").model_dump(mode="json")


# ---------------------------------------------------------------- gazette release

class Queued(Exception):
    """Work accepted and recorded, waiting for the pool: `doc` is the answer (status "queued")."""

    def __init__(self, doc: dict) -> None:
        self.doc = doc
        super().__init__(doc["problems"][0]["message"])


def release(svc, s: PoolSettings, issue_id: str, out_dir: Path, actor: str, date=None, at=None,
            wait: float | None = None):
    """A gazette release through the pool: the decision and its job committed here, the editions
    built by a worker, the answer (and the folder, completed from the stored editions) here.
    Raises Queued when the pool has not answered in time."""
    from services.gazette.release import answer_release, decide_release
    answered = decide_release(svc, issue_id, out_dir, actor, date, at)
    if answered is not None:
        return answered
    with svc.unit() as uow:
        open_jobs = [j for j in uow.jobs.of("gazette_release", issue_id) if j.status != "done"]
    if not open_jobs:
        return answer_release(svc, issue_id, actor)
    job = open_jobs[-1]
    wait = wait_of(svc.home.path) if wait is None else wait
    done, asked = handed(svc, s, RELEASE, job, wait, min(grace_of(svc.home.path), wait))
    if asked.reason == "not_deployed":
        return answer_release(svc, issue_id, actor)
    if done is None:
        reason = asked.reason or "timeout"
        raise Queued({"issue": issue_id, "status": "queued", "reason": reason, "detail": asked.detail, "job": job.id, "run": asked.run,
                      "pool": s.pool, "problems": [queued_notice(reason, f"公报 {issue_id} 的出版决定已记录")]})
    if done.status == "failed" and done.last_error:
        from documents.problems import Problem, Refused
        raise Refused(Problem.model_validate(done.last_error))
    return answer_release(svc, issue_id, actor)


def release_anywhere(svc, issue_id: str, out_dir: Path, actor: str, date=None, at=None):
    """A gazette release here (the embedded default) or through the pool of a pool home (Queued)."""
    s = pool_of(svc.home.path)
    if s is None:
        from services.gazette.release import release_issue
        return release_issue(svc, issue_id, out_dir, actor, date, at=at)
    return release(svc, s, issue_id, out_dir, actor, date, at)


# ---------------------------------------------------------------- intake

def taken_warm(svc, batch: str, grace: float) -> bool:
    """Whether a warm worker claimed (or did) any of the batch's bundles within `grace` seconds: then
    it is on the batch and no deployment run need be asked for (the desk's, the API's and `lockstep
    batch`'s rule)."""
    from services.dossiers.staged import state
    deadline = time.monotonic() + grace
    got = state(svc, batch)
    while got.pending == got.total and got.total and time.monotonic() < deadline:
        time.sleep(POLL)
        got = state(svc, batch)
    return got.pending < got.total


def intake(home: Path, s: PoolSettings, requests: list[dict], wait: float | None = None) -> list[dict] | None:
    """Intake requests (paths, actor, dossier, answers) through the pool: each staged in the object
    store under one batch, one run of the intake deployment asked for, the answers read back.
    None when the server has no intake deployment (run it here)."""
    from services.dossiers.staged import new_batch, stage_requests, state
    if not requests:
        return []
    svc = _open(home)
    wait = wait_of(home) if wait is None else wait
    batch = new_batch(svc.now())
    keys = stage_requests(svc, requests, batch)
    # Warm workers (`lockstep worker`'s own loop, flows/workpool.py) claim staged bundles one at a
    # time within a moment: when one has begun on this batch within `warm_grace`, no deployment run
    # is asked for (each would start a new process, 12-20 s of a core, to find the queue taken).
    # Otherwise a run per five bundles up to the pool's limit, each taking one bundle at a time from
    # the batch's shared queue until it is empty (then any other staged bundle).
    if taken_warm(svc, batch, min(grace_of(home), wait)):
        asked = Asked(None, None)
    else:
        asked = ask(s, INTAKE, {"batch": batch, "limit": 1}, f"lockstep-intake-{batch}",
                    runs=min(math.ceil(len(set(keys)) / 5), max(1, s.concurrency)))
    if asked.reason == "not_deployed":
        return None
    got = state(svc, batch)
    if asked.reason is None:
        deadline = time.monotonic() + wait
        while not got.finished and time.monotonic() < deadline:
            time.sleep(POLL)
            got = state(svc, batch)
    out = []
    for key in keys:
        answer = got.answers.get(key)
        if answer is None:
            reason = asked.reason or "timeout"
            out.append({"dossier": None, "version": None, "accepted": False, "queued": True, "status": "queued",
                        "reason": reason, "detail": asked.detail, "batch": batch, "run": asked.run, "pool": s.pool,
                        "problems": [queued_notice(reason, f"材料已暂存于对象存储并排队（批次 {batch}）")]})
        else:
            out.append({k: v for k, v in answer.items() if k not in ("worker", "attempts", "via")})
    return out
