"""Intake on a work pool (issue 13): bundles staged in the object store, one outbox row each.

The command that received the bundles stores each one (content-addressed: its key is its SHA-256)
and writes one `intake` job per bundle, all under one batch id, in one transaction. A flow run on any
worker then takes jobs of that batch from the shared queue (`Jobs.claim`: FOR UPDATE SKIP LOCKED on
PostgreSQL), fetches each bundle from the store, runs the ordinary intake and keeps the answer on the
job's row. Flow parameters are the batch id and the submitter's name, never local paths; the answer
is read back from the database by whoever asked.

A warm `lockstep worker` takes them too, ONE bundle per claim (`claim_one`, the same claim), in its
own process (`run_claimed`), the bundles of one busy period in one flow run (flows/workpool.py
take_bundles): two online workers share a batch a bundle at a time, with no new process per run; the
deployment runs asked for find what is left (often nothing) and end.

A run killed halfway leaves its jobs claimed by a dead holder; the next run of the batch or the sweep
takes them again, and intake recognises a bundle already stored by its fingerprints (no double).
"""
from __future__ import annotations

import datetime as dt
import io
import secrets
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from documents.problems import Refused, problem
from services.home.context import Services
from services.home.crashpoints import crash_point
from services.home.faults import PLACE_FAULTS, refusal_of
from storage.jobs import STALE_AFTER, Job

KIND = "intake"


def new_batch(now: dt.datetime) -> str:
    """A batch id (fits the job's subject column, 32 characters): b20261207T0104-1a2b3c4d5e6f."""
    return f"b{now:%Y%m%dT%H%M}-{secrets.token_hex(6)}"


def bundle_bytes(path: Path) -> bytes:
    """A bundle as one zip: a zip file as it is, a folder zipped with stable names and times
    (so the same folder gives the same key)."""
    if not path.is_dir():
        return path.read_bytes()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(p for p in path.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f.relative_to(path).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, f.read_bytes())
    return buf.getvalue()


STAGE_THREADS = 4          # bundles read and stored at once: a store round trip each (S3: a look, then the upload)
STAGE_CHUNK = 10             # bundles stored, then their jobs committed, at a time: the first are taken while the rest are stored


def _put_all(svc: Services, makers: list) -> list[str]:
    """Each bundle's bytes (makers: one call each) stored, several at once; the keys in the order given.
    The first fault is raised, as storing them one by one would."""
    store = svc.store               # opened here, once, not by the threads at the same moment

    def put(make) -> str:
        return store.put(make(), content_type="application/zip")
    if len(makers) < 2:
        return [put(m) for m in makers]
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(min(STAGE_THREADS, len(makers)), thread_name_prefix="lockstep-stage") as pool:
        return list(pool.map(put, makers))


def _chunks(items: list) -> list[list]:
    return [items[i:i + STAGE_CHUNK] for i in range(0, len(items), STAGE_CHUNK)] or [[]]


def stage(svc: Services, bundles: list[Path], actor: str, batch: str) -> list[str]:
    """Store the bundles and record one pending intake job per bundle, STAGE_CHUNK at a time (each
    chunk's objects stored before its jobs are committed): workers take the first bundles while the
    rest are still being stored. The keys in the order given (a bundle given twice is one job).
    A staging stopped half-way leaves whole jobs for what was recorded; a rerun answers those as
    duplicates of what they became, never a second dossier."""
    keys: list[str] = []
    for part in _chunks(bundles):
        done = _put_all(svc, [lambda p=p: bundle_bytes(p) for p in part])

        def record(done=done) -> None:
            with svc.unit() as uow:
                for key in done:
                    uow.jobs.add(KIND, batch, key, uow.now(), actor)
        svc.retrying(record)
        keys += done
        crash_point("stage.chunk_recorded")         # tests: a staging stopped after a chunk
    return keys


def request_bytes(paths: list[Path]) -> bytes:
    """A request's files as one bundle: one zip or folder as it is (bundle_bytes), several files zipped
    under their names (as the desk receives files uploaded together)."""
    if len(paths) == 1:
        return bundle_bytes(paths[0])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in paths:
            info = zipfile.ZipInfo(p.name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, bundle_bytes(p) if p.is_dir() else p.read_bytes())
    return buf.getvalue()


def stage_requests(svc: Services, requests: list[dict], batch: str) -> list[str]:
    """Intake requests as the desk and the command line make them ({"paths", "actor", "dossier",
    "answers"}): every bundle stored, one pending intake job each (STAGE_CHUNK at a time, as `stage`),
    the dossier and 修改说明 kept on the job. The keys in the order given."""
    keys: list[str] = []
    for part in _chunks(requests):
        done = _put_all(svc, [lambda r=r: request_bytes([Path(p) for p in r["paths"]]) for r in part])

        def record(done=done, part=part) -> None:
            with svc.unit() as uow:
                for key, r in zip(done, part):
                    extra = {k: r[k] for k in ("dossier", "answers") if r.get(k)}
                    uow.jobs.add(KIND, batch, key, uow.now(), r.get("actor"), request=extra or None)
        svc.retrying(record)
        keys += done
    return keys


@dataclass(frozen=True)
class BatchState:
    batch: str
    total: int
    done: int
    failed: int
    answers: dict[str, dict]           # key → the intake's answer (SubmitResult as JSON), when done
    pending: int = 0                   # not claimed by anyone yet

    @property
    def finished(self) -> bool:
        return self.done + self.failed == self.total


def state(svc: Services, batch: str) -> BatchState:
    with svc.unit() as uow:
        jobs = uow.jobs.of(KIND, batch)
    answers = {j.fingerprint: answer_of(j) for j in jobs if j.status in ("done", "failed")}
    return BatchState(batch=batch, total=len(jobs), done=sum(j.status == "done" for j in jobs),
                      failed=sum(j.status == "failed" for j in jobs), answers=answers,
                      pending=sum(j.status == "pending" for j in jobs))


def answer_of(job: Job) -> dict:
    """An intake job's answer: `result` (migration 0018); a row an earlier Lockstep answered kept it in
    last_error, read as it is."""
    if job.result is not None and "request" not in job.result:
        return job.result
    return job.last_error or {} if job.status == "done" else {"accepted": False, "problems": [job.last_error]
                                                              if job.last_error else []}


def waiting(svc: Services) -> list[dict]:
    """Staged batches not done yet, oldest first: `lockstep due` lists them (batch, bundles, since)."""
    with svc.unit() as uow:
        rows = uow.jobs.kinds_waiting(KIND)
    now = svc.now()

    def minutes(since: dt.datetime | None) -> int | None:
        if since is None:
            return None
        since = since if since.tzinfo else since.replace(tzinfo=dt.timezone.utc)     # SQLite drops the zone
        return max(0, int((now - since).total_seconds() // 60))
    return [{"batch": b, "bundles": n, "since": since.isoformat() if since else None, "waited_minutes": minutes(since)}
            for b, n, since in rows]


def _claim(svc: Services, batch: str | None, limit: int, tried: list[int],
           stale_after: dt.timedelta) -> list[Job]:
    with svc.unit() as uow:
        return uow.jobs.claim(KIND, limit=limit, now=svc.now(), dossier_id=batch, exclude=tuple(tried),
                              stale_after=stale_after)


def claim_one(svc: Services, batch: str | None = None, *, exclude: tuple[int, ...] | list[int] = (),
              stale_after: dt.timedelta = STALE_AFTER) -> Job | None:
    """ONE staged bundle for this process (the warm loop of `lockstep worker`, flows/workpool.py): the
    same claim as a flow run's (`Jobs.claim`: FOR UPDATE SKIP LOCKED on PostgreSQL), one row, so two
    warm workers share a batch a bundle at a time. `batch` None: any batch, oldest first."""
    jobs = svc.retrying(lambda: _claim(svc, batch, 1, list(exclude), stale_after))
    return jobs[0] if jobs else None


def do_staged(svc: Services, job: Job, worker: str = "", via: str = "run", run: str | None = None) -> dict:
    """A claimed intake job done: fetch its bundle, intake it, keep the answer on the row (compare-and-
    set on the holder: a job a sweep took over meanwhile is left to it). The answer as kept: the
    intake's, with the worker, the attempt and `via` (run: a deployment's flow run; warm: a worker's
    warm loop), and `run`, the flow run that did it, when known (a warm loop's intake drain)."""
    from services.dossiers.intake import SubmitResult, intake_bundle
    try:
        data = svc.store.get(job.fingerprint)
    except KeyError:
        answer = SubmitResult(dossier=None, version=None, accepted=False, problems=[problem(
            "storage_unavailable", f"暂存的材料包 {job.fingerprint[:12]} 不在对象存储中")])
    else:
        with tempfile.TemporaryDirectory(prefix="lockstep-staged-") as tmp:
            path = Path(tmp) / f"{job.fingerprint[:16]}.zip"
            path.write_bytes(data)
            asked = (job.result or {}).get("request") or {}
            try:
                answer = intake_bundle([path], job.actor or "", svc, asked.get("dossier"),
                                       asked.get("answers") or ())
            except Refused as r:
                answer = SubmitResult(dossier=None, version=None, accepted=False,
                                      problems=list(r.problems))
            except Exception as e:      # noqa: BLE001 - classified: a place away is raised, a fault of ours answered
                # A database or object store that did not answer: give the bundle back, try again later.
                # A fault of Lockstep's own on this bundle (internal_error) would fail the same way every
                # time: answered once, with the coded problem, never retried for ever (nothing was stored:
                # the intake's transaction rolled back).
                fault = refusal_of(e)
                if fault.problem.code in PLACE_FAULTS:
                    raise
                answer = SubmitResult(dossier=None, version=None, accepted=False, problems=list(fault.problems))
    record = {**answer.model_dump(mode="json"), "worker": worker, "attempts": job.attempts, "via": via}
    if run:
        record["run"] = run

    def finish() -> None:
        with svc.unit() as uow:
            uow.jobs.answered(job, record, uow.now())
    svc.retrying(finish)
    return record


def mine(svc: Services, job_id: int) -> Job | None:
    """The intake job `job_id` if this process holds it (claimed by worker_id()), else None."""
    from storage.jobs import worker_id
    with svc.unit() as uow:
        job = uow.jobs.get(job_id)
    return job if job is not None and job.kind == KIND and job.status == "claimed" \
        and job.claimed_by == worker_id() else None


def run_claimed(svc: Services, job_id: int, worker: str = "", via: str = "warm",
                run: str | None = None) -> dict | None:
    """The intake job `job_id`, claimed by this process before (claim_one), done here. None when this
    process no longer holds it (done already, or taken over)."""
    job = svc.retrying(lambda: mine(svc, job_id))
    return None if job is None else do_staged(svc, job, worker, via, run)


def give_back(svc: Services, job: Job, code: str, why: str) -> bool:
    """A claimed job this process could not do (a fault such as `database_unavailable`, not a
    refusal): pending again with why, for any claimer. False when it is no longer this process's."""
    def back() -> bool:
        with svc.unit() as uow:
            return uow.jobs.failed(job, problem(code, why), retry=True)
    return svc.retrying(back)


def run_staged(svc: Services, batch: str | None, *, limit: int = 5, worker: str = "",
               stale_after: dt.timedelta = STALE_AFTER, crash_at=None) -> dict:
    """Take the batch's jobs (or, with batch None, any intake job left waiting) `limit` at a time until
    none is left, and do each (do_staged). Returns counts.
    `crash_at`: a test hook called after each claim (tests/faults kill the run there)."""
    tried: list[int] = []
    taken = 0
    while jobs := svc.retrying(lambda: _claim(svc, batch, limit, tried, stale_after)):
        if crash_at is not None:
            crash_at("intake-claimed")
        for job in jobs:
            tried.append(job.id)
            taken += 1
            do_staged(svc, job, worker, "run")
    return {"batch": batch, "taken": taken, "worker": worker}
