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


@task(retries=1, retry_delay_seconds=2)
def take_staged(batch: str | None, limit: int) -> dict:
    from services.dossiers.staged import run_staged
    return run_staged(_services(), batch, limit=limit, worker=_worker(),
                      crash_at=crash_point)


@flow(name="lockstep-intake-batch")
def intake_batch_flow(batch: str, limit: int = 5) -> dict:
    """Take the batch's staged bundles from the shared queue, `limit` at a time, until none is left
    (a second run of the same batch on another worker takes what this one has not claimed)."""
    return take_staged(batch, limit)


@task(retries=1, retry_delay_seconds=2)
def sweep_publications() -> dict:
    from services.publication.publish import publish_pending
    return publish_pending(_services()).model_dump(mode="json")


@flow(name="lockstep-sweep")
def sweep_flow(limit: int = 5) -> dict:
    """The outbox's sweep: staged bundles left waiting (a server or worker that was away, a run killed
    halfway) and publications left undone."""
    staged = take_staged(None, limit)
    return {"intake": staged, "publication": sweep_publications()}


@flow(name="lockstep-check")
def check_flow() -> list[dict]:
    """The scheduled check (flows/deadlines.py) on the worker's home."""
    from flows.deadlines import deadlines_flow
    return deadlines_flow(str(worker_home().path.resolve()))
