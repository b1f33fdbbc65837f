"""Lockstep's flows as deployments of one work pool (issue 13): the entrypoints `lockstep deploy`
registers and `lockstep worker` runs, on any machine that has the code at the same path.

Parameters are ids, never local paths: a flow run opens the home of the worker that runs it
(LOCKSTEP_HOME, set by `lockstep worker`), whose lockstep.toml names the shared database and object
store. Bundles come from the store (staged by the command that received them), answers go to rows.
"""
from __future__ import annotations

import os
from pathlib import Path

from prefect import flow, task

from flows.workpool import PROC_TAG
from services.home.crashpoints import crash_point


def worker_home():
    from services.home.folder import Home
    path = os.environ.get("LOCKSTEP_HOME")
    if not path:
        from documents.problems import Refused, problem
        raise Refused(problem("home_missing", "工作节点未设置 LOCKSTEP_HOME（请用 lockstep worker 启动）"))
    return Home(Path(path))


def _services():
    from services.home.context import open_services
    return open_services(worker_home())


def _worker() -> str:
    return os.environ.get("LOCKSTEP_WORKER_NAME", "")


def _mark_process() -> None:
    """Tag this flow run with the process that runs it (lockstep-proc:HOST:PID): a worker killed with
    its runs leaves them RUNNING on the server, holding pool slots; `lockstep worker` on the same host
    marks such runs Crashed when their process is gone (flows/workpool.crash_orphans)."""
    import socket
    try:
        from prefect.client.orchestration import get_client
        from prefect.runtime import flow_run
        if not flow_run.id or not flow_run.deployment_id:
            return
        with get_client(sync_client=True) as client:
            run = client.read_flow_run(flow_run.id)
            client.update_flow_run(flow_run.id, tags=[*run.tags, f"{PROC_TAG}{socket.gethostname()}:{os.getpid()}"])
    except Exception:       # noqa: BLE001 - a label only: the work goes on without it
        pass



@task(retries=1, retry_delay_seconds=2)
def take_staged(batch: str | None, limit: int) -> dict:
    from services.dossiers.staged import run_staged
    return run_staged(_services(), batch, limit=limit, worker=_worker(),
                      crash_at=crash_point)


@flow(name="lockstep-intake-batch")
def intake_batch_flow(batch: str, limit: int = 5) -> dict:
    """Take the batch's staged bundles from the shared queue, `limit` at a time, until none is left
    (a second run of the same batch on another worker takes what this one has not claimed)."""
    mine = take_staged(batch, limit)
    # Then any bundle still staged (another desk's batch waiting for a slot, one staged while the
    # server was away): the process is started already, the costly part of a run here.
    return {**mine, "others": take_staged(None, limit)}


@flow(name="lockstep-intake-drain", flow_run_name="材料包批处理-{first}",
      description="材料包批处理：工作节点的常驻循环在本进程中逐份领取并入库暂存的材料包（一次领取一份）")
def intake_drain_flow(first: int) -> dict:
    """材料包批处理 (intake drain): the staged bundles this process's warm loop (`lockstep worker`,
    flows/workpool.py) takes in one busy period, beginning with `first` (claimed before the run), then
    one claim per bundle until none is left or a publication waits (publications go first: the loop
    does them, then starts another run). One flow run per busy period, not per bundle: a run's records
    cost the Prefect server, which shares the cores with the workers (bench/intake_recording.py).
    Each bundle is recorded on its job's row (its answer, the worker, and this run's id) and in this
    run's result. Run in the worker's own process, never a deployment's (the claims are this
    process's)."""
    from flows.workpool import drain_staged
    return drain_staged(first)


@task(retries=1, retry_delay_seconds=2)
def sweep_publications() -> dict:
    # Gazette releases too: jobs a killed run left, and scheduled issues whose moment has come.
    from services.gazette.release import release_pending
    from services.publication.publish import publish_pending
    svc = _services()
    done = publish_pending(svc).model_dump(mode="json")
    return {**done, "gazette": release_pending(svc).results}


def _problems(r) -> list[dict]:
    return [p.model_dump(mode="json") for p in r.problems]


@task
def publish_job(job: int) -> dict:
    from documents.problems import Refused
    from services.publication.publish import publish_job as run
    try:
        done = run(_services(), job)
    except Refused as r:        # the job's row says it too (failed, or pending again for a fault)
        return {"job": job, "published": False, "problems": _problems(r), "worker": _worker()}
    if done is None:
        return {"job": job, "taken": False, "worker": _worker()}
    return {"job": job, **done.model_dump(mode="json"), "worker": _worker()}


@flow(name="lockstep-publish")
def publish_job_flow(job: int) -> dict:
    """A sign-off's publication (gazette item, web release, register entry): the outbox job `job`,
    claimed here (another worker's run of the same job finds it taken or done); the answer is kept on
    the job's row for the desk or command that asked."""
    _mark_process()
    crash_point("pool.publish")
    done = publish_job(job)
    # Then the other sign-offs' jobs waiting (a wave of sign-offs): this run's process is started
    # already; their askers read their answers from the rows, and their own runs find them done.
    return {**done, "others": publish_waiting()}


@task
def publish_waiting() -> int:
    from services.publication.publish import publish_pending
    try:
        return len(publish_pending(_services()).results)
    except Exception:       # noqa: BLE001 - the sweep takes whatever is left
        return 0


@task
def release_job(job: int) -> dict:
    from documents.problems import Refused
    from services.gazette.release import release_job as run
    try:
        done = run(_services(), job)
    except Refused as r:
        return {"job": job, "released": False, "problems": _problems(r), "worker": _worker()}
    if done is None:
        return {"job": job, "taken": False, "worker": _worker()}
    return {"job": job, "issue": done.issue, "status": done.status, "worker": _worker()}


@flow(name="lockstep-gazette-release")
def gazette_release_flow(job: int) -> dict:
    """A gazette release (both editions built, stored and fingerprinted, the rows): the outbox job
    `job`, claimed here; whoever asked answers from the database and the store when it is done."""
    _mark_process()
    return release_job(job)


@flow(name="lockstep-sweep")
def sweep_flow(limit: int = 5) -> dict:
    """The outbox's sweep: staged bundles left waiting (a server or worker that was away, a run killed
    halfway) and publications left undone."""
    _mark_process()
    staged = take_staged(None, limit)
    return {"intake": staged, "publication": sweep_publications()}


@flow(name="lockstep-check")
def check_flow() -> list[dict]:
    """The scheduled check (flows/deadlines.py) on the worker's home."""
    from flows.deadlines import deadlines_flow
    return deadlines_flow(str(worker_home().path.resolve()))
