"""A province on loopback (issue 13, "How it is shown"): the topology of `scripts/province`, one for
every test here (module scope), in the order below.

PostgreSQL (run as the postgres user), SeaweedFS S3, a Prefect server on that PostgreSQL, the pool's
deployments, two `lockstep worker` and two `lockstep serve` desks, each in its own folder with its own
lockstep.toml: they share nothing but the servers.

- 40 distinct bundles sent round-robin to both desks' HTTP API, and one `lockstep batch` of 40 more
  through desk-1's home (on the pool); both workers take work; every bundle ends in exactly one dossier;
- both workers take a fair share of the API's bundles (each worker's warm loop claims one bundle at a
  time; the deployment runs the desks ask for take what is left);
- during that batch a worker is killed with SIGKILL (its whole process group and flow runs: the machine
  is lost) while it holds bundles, and the Prefect server is restarted: nothing is lost, stuck or
  doubled (the product's recovery: the survivor takes what the dead worker held, the pool's sweep if
  anything still waits, the worker comes back, `publish --pending` finds nothing left);
- 20 dossiers reviewed at once by reviewers on both desks and signed at once; every signed dossier is
  in the gazette queue and the register exactly once; `lockstep audit verify` passes;
- `scripts/province down` stops exactly what `up` started.

Where the desks' own work runs (in the desk's process, or on the pool once a pool home hands it
there) is read from the records: the intake and publication jobs name the worker that did them, and
the assertions follow what they say (printed with -s).
"""
from __future__ import annotations

import json
import random
import re
import signal
import subprocess
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.support.province import (PEOPLE, HolderWatch, Province, alive, flow_run_stats, holder_pid,
                                    job_answer, listening,
                                    process_env, province_pids, running_province)

N = 40                     # bundles through the desks' API, and as many through one batch (the issue's 40 + 40)
SIGNED = 20
WORKERS = ("worker-1", "worker-2")
STAGES = (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary"))


def doc_numbers(n: int) -> list[str]:
    """The document numbers samples.genhe.write_bundles gives its first n bundles, in order."""
    out = []
    for i in range(n):
        code = ("根政办发", "根政发")[i % 2]
        year, serial = 2019 + (i // 2) // 400, (i // 2) % 400 + 1
        out.append(f"{code}〔{year}〕{serial}号")
    return out


class Run:
    """What the tests learn as they go (one module, one province)."""

    def __init__(self, p: Province, bundles: list[Path]) -> None:
        self.p = p
        self.api_bundles, self.batch_bundles = bundles[:N], bundles[N:]
        numbers = doc_numbers(2 * N)
        self.api_numbers, self.batch_numbers = numbers[:N], numbers[N:]
        self.tokens: dict[str, str] = {}
        self.dossier_of: dict[str, str] = {}          # doc number → dossier
        self.signed: list[str] = []
        self.notes: list[str] = []
        self.began = time.monotonic()

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"\nprovince [{time.monotonic() - self.began:5.0f} s]: {text}", flush=True)


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    from samples.genhe import write_bundles
    d = tmp_path_factory.mktemp("province")
    made: list[Path] = []
    # The bundles are written while the topology starts (~20 s of docx writing on this machine).
    with running_province(d / "p", before_wait=lambda: made.extend(write_bundles(d / "bundles", 2 * N))) as p:
        batch_dir = d / "batch"
        batch_dir.mkdir()
        for b in made[N:]:
            b.rename(batch_dir / b.name)
        run = Run(p, made[:N] + sorted(batch_dir.iterdir()))
        run.note(f"up in {p.up_seconds:.1f} s")
        run.tokens = p.tokens(PEOPLE)
        yield run


def _api(run: Run, calls: list[tuple], threads: int = 8) -> list[httpx.Response]:
    """(desk index, person, method, path, kwargs) each, sent together; the answers in order."""
    urls = [run.p.desk(0)["url"], run.p.desk(1)["url"]]
    clients = [httpx.Client(base_url=u, timeout=240) for u in urls]
    try:
        def send(call):
            desk, who, method, path, kw = call
            return clients[desk].request(method, path, headers={"Authorization": f"Bearer {run.tokens[who]}"}, **kw)
        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(send, calls))
    finally:
        for c in clients:
            c.close()


def _queued(r: httpx.Response) -> bool:
    try:
        body = r.json()
    except ValueError:
        return False
    return r.status_code in (202, 422) and not body.get("dossier") and (body.get("status") == "queued" or any(
        p.get("code") == "queued" for p in body.get("problems", [])))


def _dossiers_by_number(run: Run) -> dict[str, list[tuple[str, int]]]:
    """doc number → [(dossier, versions)] in the shared database."""
    from sqlalchemy import func, select

    from storage.tables import DossierRow, VersionRow
    with run.p.session() as s:
        rows = s.execute(select(DossierRow.doc_number, DossierRow.id, func.count(VersionRow.id))
                         .join(VersionRow, VersionRow.dossier_id == DossierRow.id, isouter=True)
                         .group_by(DossierRow.doc_number, DossierRow.id)).all()
    out: dict[str, list] = {}
    for number, dossier, versions in rows:
        out.setdefault(number, []).append((dossier, versions))
    return out


def _who_did(run: Run, jobs, watched: dict[int, str] | None = None) -> Counter:
    """Which part did each done job: the worker its answer names; else the part seen holding it (the
    worker whose flow run, or the desk whose process, held it while it lived); else its holder's pid."""
    desk_pids = {run.p.state["parts"][d["name"]]["pid"]: d["name"] for d in run.p.state["desks"]}
    out = Counter()
    for j in jobs:
        pid = holder_pid(j.claimed_by)
        out[job_answer(j).get("worker") or (watched or {}).get(j.id) or desk_pids.get(pid) or f"pid {pid}"] += 1
    return out


# ---------------------------------------------------------------------------------------------- up

def test_up_starts_every_part_on_loopback_each_home_in_its_own_folder(province):
    p = province.p
    st = p.state
    assert st["status"] == "running"
    for key in ("postgres_url", "s3", "prefect_api_url", "desks", "workers", "pids"):
        assert key in st, key
    assert set(st["s3"]) >= {"endpoint", "bucket", "access_key", "secret_key"}
    assert [d["name"] for d in st["desks"]] == ["desk-1", "desk-2"] and all(d["url"] and d["home"] for d in st["desks"])
    assert [w["name"] for w in st["workers"]] == list(WORKERS) and all(w["pid"] and w["home"] for w in st["workers"])
    status = p.run("status")
    assert status["ok"] is True, status["parts"]
    assert set(status["workers_online"]) >= set(WORKERS)

    # Every listening socket of every process the province started is on 127.0.0.1.
    sockets = listening(province_pids(p))
    assert sockets and {ip for ip, _, _ in sockets} == {"127.0.0.1"}, sockets
    assert {pid for _, _, pid in sockets} >= {st["pids"][n] for n in ("postgres", "seaweedfs", "prefect")}

    # Four working folders, each with its own lockstep.toml naming the same servers, nothing else shared.
    homes = [Path(x["home"]) for x in (*st["desks"], *st["workers"])]
    assert len(set(homes)) == 4
    import tomllib
    configs = [tomllib.loads((h / "lockstep.toml").read_text(encoding="utf-8")) for h in homes]
    assert {c["storage"]["database"] for c in configs} == {st["postgres_url"]}
    assert {c["storage"]["objects"].split("?")[0].rsplit("/", 1)[1] for c in configs} == {st["s3"]["bucket"]}
    assert {c["prefect"]["api_url"] for c in configs} == {st["prefect_api_url"]}
    deploy = st["deploy"]
    assert deploy["pool"] == "province" and deploy["deployments"]


# ------------------------------------- 40 through the desks' API and a batch of 40, while faults happen

def test_forty_through_both_desks_and_a_batch_of_forty_end_in_one_dossier_each_through_a_killed_worker_and_a_prefect_restart(
        province, tmp_path):
    """The 40 API submissions (all at once, round-robin over both desks) and the `lockstep batch` of 40
    (desk-1's home, on the pool) go together. Both workers take a fair share of the API's bundles; then
    one is killed with SIGKILL while it holds bundles of the batch (its process group and flow runs: the
    machine is lost), the Prefect server is restarted, the survivor takes what waits (and if anything
    still waits after a minute the pool's sweep is asked for), the worker comes back. Every bundle ends
    in exactly one dossier, one version."""
    run, p = province, province.p
    before = {j.id for j in p.jobs("intake")}
    started = time.monotonic()
    api = ThreadPoolExecutor(1)
    # All at once: each desk gathers the requests that arrive together into one intake.
    answers_later = api.submit(_api, run, [(i % 2, "drafter", "POST", "/api/v1/dossiers",
                                            {"files": [("files", (b.name, b.read_bytes(), "application/zip"))]})
                                           for i, b in enumerate(run.api_bundles)], N)
    # The batch a moment later (once the desks have staged most of theirs, when they use the pool): its
    # runs queue behind the desks' on the pool, so the faults below fall in the middle of the batch.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and sum(j.id not in before for j in p.jobs("intake")) < N * 3 // 4:
        time.sleep(0.3)
    batch = p.start_lockstep(p.home("desk-1"), "batch", str(run.batch_bundles[0].parent), "--as", "drafter",
                             "--chunk", "2", "--wait", "240", "--json", log=tmp_path / "batch.err")
    try:
        def batch_jobs():
            jobs = [j for j in p.jobs("intake") if j.id not in before]
            ids = Counter(j.dossier_id for j in jobs)      # the batch id: the one with 40 bundles
            mine = [b for b, n in ids.items() if n == N]
            return [j for j in jobs if j.dossier_id in mine]

        _wait("the batch staged its 40 bundles", lambda: len(batch_jobs()) == N or batch.poll() is not None, 150, 0.3)
        assert batch.poll() is None, (batch.stdout.read(), (tmp_path / "batch.err").read_text())
        run.note("the batch's 40 bundles are staged")

        # A worker's runs take bundles (of the batch, and of the desks' intake when it runs on the pool);
        # while it holds some and the batch is under way, its machine is lost.
        seen: set[str] = set()           # workers seen holding or having done a bundle

        def new_jobs():
            return [j for j in p.jobs("intake") if j.id not in before]

        def holder(job) -> str | None:
            """The worker holding the job: its warm loop (the `lockstep worker` process, marked with its
            part's name) or one of its flow runs (LOCKSTEP_WORKER_NAME)."""
            pid = holder_pid(job.claimed_by) if job.status == "claimed" else None
            env = process_env(pid) if pid else {}
            return env.get("LOCKSTEP_WORKER_NAME") or env.get("LOCKSTEP_PROVINCE_PART")

        def victim():
            jobs = new_jobs()
            holders = {j.id: holder(j) for j in jobs}
            seen.update(job_answer(j).get("worker") for j in jobs if j.status == "done")
            seen.update(h for h in holders.values() if h)
            if all(j.status == "done" for j in batch_jobs()):
                raise AssertionError(f"the batch was done before a worker could be lost in its middle ({seen})")
            # Lost while it holds a bundle of the batch (claims go oldest first: the API's are taken by then).
            for j in batch_jobs():
                if (name := holders.get(j.id)) in WORKERS:
                    return name, [i for i, h in holders.items() if h == name]
            return None
        # A warm bundle takes well under a second: the worker found holding one is frozen (SIGSTOP)
        # and asked again, so that it still holds it when it is killed (else thawed, and again).
        for _ in range(50):
            name, holding = _wait("a worker holding bundles", victim, 180, 0.05,
                                  lambda: f"seen {seen}; jobs {Counter(j.status for j in new_jobs())}; "
                                          f"runs {flow_run_stats(p)}")
            _kill_part(p, name, signal.SIGSTOP)
            holding = [j.id for j in new_jobs() if holder(j) == name]
            if holding:
                break
            _kill_part(p, name, signal.SIGCONT)
        else:
            raise AssertionError(f"no worker was caught holding a bundle in 50 tries ({seen})")
        survivor = next(w for w in WORKERS if w != name)
        _kill_part(p, name)                  # the machine is lost while it holds bundles
        batch_left = sum(j.status != "done" for j in batch_jobs())
        held = [j.id for j in new_jobs() if j.status == "claimed" and not alive(holder_pid(j.claimed_by) or 0)]
        _wait(f"every process of {name} gone", lambda: not [
            pid for pid in province_pids(p) if process_env(pid).get("LOCKSTEP_PROVINCE_PART") == name], 10)
        # The Prefect server restarted mid-batch, right after (the survivor's runs go on meanwhile).
        assert batch_left, "the batch ended before the Prefect server could be restarted in its middle"
        restarted = p.run("restart", "prefect", timeout=300)
        run.note(f"killed {name} (SIGKILL: process group and flow runs) holding {holding}; its dead runs "
                 f"held {held}; {batch_left} of the batch's bundles were left; Prefect server restarted in "
                 f"{restarted['seconds']} s; batch done: {sum(j.status == 'done' for j in batch_jobs())}/{N}")
        p.run("kill", name)                  # the script records it (and finds nothing left to kill)
        # The recovery the product gives, with the lost machine still away: the survivor's warm loop
        # takes what waits (staged bundles, and those the dead worker held: their holder is gone); if
        # anything still waits after a minute, the pool's sweep is asked for too.
        try:
            _wait("every staged bundle taken in by the survivor", lambda: not _waiting(p, before), 60, 1)
            recovery = "the survivor took every staged bundle"
        except AssertionError:
            swept = p.prefect("deployment", "run", "lockstep-sweep/province")
            assert swept.returncode == 0, swept.stdout + swept.stderr
            recovery = f"sweep asked for ({_waiting(p, before)} waiting)"
        answers = answers_later.result(timeout=300)
        run.note(f"{recovery}; 40 API submissions answered: {dict(Counter(r.status_code for r in answers))}")
        _wait("every staged bundle taken in", lambda: not _waiting(p, before), 240, 1,
              lambda: f"{_waiting(p, before)} waiting; runs {flow_run_stats(p)}")
        out, _ = batch.communicate(timeout=300)
        # The lost machine comes back.
        p.run("restart", name, timeout=300)
        run.note(f"{name} is back")
    finally:
        api.shutdown(wait=False, cancel_futures=True)
        if batch.poll() is None:
            batch.kill()
            batch.wait()
    elapsed = time.monotonic() - started

    # The API's answers: 200 with the dossier, or 202 recorded and waiting (the pool's `queued` notice).
    bad = [(b.name, r.status_code, r.text[:300]) for b, r in zip(run.api_bundles, answers)
           if not (r.status_code == 200 and r.json().get("dossier")) and not _queued(r)]
    assert bad == [], bad
    doc = json.loads(out)
    run.note(f"80 bundles in {elapsed:.1f} s; the batch answered {doc.get('status')} {doc.get('reason') or ''}")

    # Every bundle ends in exactly one dossier, one version: nothing lost, nothing doubled.
    found = _dossiers_by_number(run)
    for number in (*run.api_numbers, *run.batch_numbers):
        assert len(found.get(number, [])) == 1, (number, found.get(number))
        dossier, versions = found[number][0]
        assert versions == 1, (number, dossier, versions)
        run.dossier_of[number] = dossier
    assert len(set(run.dossier_of.values())) == 2 * N == sum(len(v) for v in found.values())
    for number, answer in zip(run.api_numbers, answers):
        if answer.json().get("dossier"):
            assert answer.json()["dossier"] == run.dossier_of[number]

    # Every intake job done, by the two workers; what the dead runs held was done on a later claim.
    jobs = batch_jobs()
    assert len(jobs) == N and {j.status for j in jobs} == {"done"}, Counter(j.status for j in jobs)
    every = [j for j in p.jobs("intake") if j.id not in before]
    assert {j.status for j in every} == {"done"}, Counter(j.status for j in every)
    who = _who_did(run, every)
    run.note(f"intake jobs done by {dict(who)} (the batch: {dict(_who_did(run, jobs))}); seen taking bundles: "
             f"{sorted(seen)}; attempts {dict(Counter(j.attempts for j in every))}")
    assert set(who) <= set(WORKERS), who
    # Both workers took work: the lost one held bundles, the survivor did what it held.
    assert held, "the killed worker's runs held no bundle when it was killed"
    for j in every:
        if j.id in held:
            assert j.attempts >= 2 and job_answer(j).get("worker") == survivor, (j.id, j.attempts, job_answer(j))
    assert set(WORKERS) <= seen | set(who), (seen, who)
    assert {job_answer(j).get("dossier") for j in jobs} == {run.dossier_of[n] for n in run.batch_numbers}
    if doc.get("status") == "done":
        assert len(doc["results"]) == N and {r["dossier"] for r in doc["results"]} == {
            run.dossier_of[n] for n in run.batch_numbers}

    # Where the desks' API intake ran: on the pool (intake jobs answered by workers) or in each desk.
    api_dossiers = {run.dossier_of[n] for n in run.api_numbers}
    pool_jobs = [j for j in p.jobs("intake") if job_answer(j).get("dossier") in api_dossiers]
    if pool_jobs:
        assert {job_answer(j)["dossier"] for j in pool_jobs} == api_dossiers
        split = _who_did(run, pool_jobs)
        run.note(f"the desks' API intake ran on the pool: {dict(split)}; "
                 f"via {dict(Counter(job_answer(j).get('via') for j in pool_jobs))}")
        assert set(split) <= set(WORKERS), split
        # A fair share each: the workers' warm loops claim one bundle at a time (before the faults,
        # which come once the API's bundles are taken).
        assert all(split[w] >= N // 4 for w in WORKERS), split
    else:
        run.note("the desks' API intake ran in each desk's own process (no intake job: not on the pool)")
        for desk in (0, 1):
            log = Path(p.desk(desk)["home"]) / "logs" / "access.log"
            assert "/api/v1/dossiers" in log.read_text(encoding="utf-8", errors="replace"), \
                f"desk-{desk + 1} took no submission"
    run.note(f"flow runs so far: {flow_run_stats(p)}")


def _waiting(p: Province, before: set[int]) -> int:
    return sum(j.status != "done" for j in p.jobs("intake") if j.id not in before)


def _kill_part(p: Province, name: str, sig: int = signal.SIGKILL) -> None:
    """`sig` (SIGKILL) to the part's process group and to every process carrying its mark (its flow runs)."""
    import os
    pid = p.state["pids"][name]
    try:
        os.killpg(pid, sig)
    except OSError:
        pass
    for other in province_pids(p):
        if process_env(other).get("LOCKSTEP_PROVINCE_PART") == name:
            try:
                os.kill(other, sig)
            except OSError:
                pass


def _wait(what: str, check, timeout: float, every: float = 0.1, why=None):
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        assert time.monotonic() < deadline, f"not in {timeout:.0f} s: {what}" + (f" ({why()})" if why else "")
        time.sleep(every)


# ------------------------------------------------------- 20 reviewed on both desks, signed at once

def test_twenty_dossiers_reviewed_on_both_desks_and_signed_at_once_are_published_exactly_once(province, request):
    run, p = province, province.p
    rng = random.Random(13)
    picked = [run.dossier_of[n] for n in run.api_numbers[:SIGNED]]
    started = time.monotonic()
    for stage, who in STAGES:            # each stage of every dossier at once, spread over both desks
        calls = [(rng.randrange(2), who, "POST", f"/api/v1/dossiers/{d}/decisions",
                  {"json": {"stage": stage, "verdict": "approve", "comment": "同意"}}) for d in picked]
        answers = _api(run, calls, threads=10)
        bad = [(c[3], r.status_code, r.text[:300]) for c, r in zip(calls, answers) if r.status_code != 200]
        assert bad == [], bad
    reviewed = time.monotonic() - started

    calls = [(i % 2, "signer", "POST", f"/api/v1/dossiers/{d}/sign-off", {}) for i, d in enumerate(picked)]
    watch = HolderWatch(p, "publish").__enter__()      # until every publication is done
    request.addfinalizer(watch.__exit__)
    answers = _api(run, calls, threads=SIGNED)
    signed = time.monotonic() - started - reviewed
    outcome = Counter()
    for (_, _, _, path, _), r in zip(calls, answers):
        body = r.json()
        assert body.get("signed", True) is not False and "signed_off" in body, (path, r.status_code, r.text[:500])
        pub = body.get("publication") or {}
        if r.status_code == 200 and pub.get("published"):
            outcome["published"] += 1
        else:                  # signed, its publication recorded and waiting (the pool's queued notice)
            codes = {x.get("code") for x in [*pub.get("problems", []), *body.get("problems", [])]}
            assert r.status_code == 202 and "queued" in codes, (path, r.status_code, r.text[:500])
            outcome["queued"] += 1
    run.signed = picked
    run.note(f"{3 * SIGNED} decisions on two desks in {reviewed:.1f} s; {SIGNED} sign-offs at once in "
             f"{signed:.1f} s: {dict(outcome)}")

    # Every signed dossier in the gazette queue and the register exactly once (waiting for queued ones).
    def published():
        counts = _published_counts(p, picked)
        return counts if all(v == (1, 1) for v in counts.values()) else None
    if not published():
        done = p.lockstep_json(p.home("desk-2"), "publish", "--pending", code=None)
        run.note(f"publish --pending: {str(done)[:300]}")
    counts = _wait("every signed dossier published", published, 180, 1)
    watch.__exit__()
    assert counts == {d: (1, 1) for d in picked}
    jobs = [j for j in p.jobs("publish") if j.dossier_id in set(picked)]
    assert len(jobs) == SIGNED and {j.status for j in jobs} == {"done"}, Counter(j.status for j in jobs)
    who = _who_did(run, jobs, watch.names)
    run.note(f"publications done by {dict(who)}")
    run.note(f"flow runs so far: {flow_run_stats(p)}")
    # Each by a desk that signed (in its own process) or by a worker's run on the pool, nobody else.
    assert set(who) <= {"desk-1", "desk-2", *WORKERS}, who


def _published_counts(p: Province, dossiers: list[str]) -> dict[str, tuple[int, int]]:
    from sqlalchemy import func, select

    from storage.tables import GazetteItemRow, RegisterEntryRow
    with p.session() as s:
        items = dict(s.execute(select(GazetteItemRow.dossier_id, func.count()).where(
            GazetteItemRow.dossier_id.in_(dossiers)).group_by(GazetteItemRow.dossier_id)).all())
        entries = dict(s.execute(select(RegisterEntryRow.dossier_id, func.count()).where(
            RegisterEntryRow.dossier_id.in_(dossiers)).group_by(RegisterEntryRow.dossier_id)).all())
    return {d: (items.get(d, 0), entries.get(d, 0)) for d in dossiers}


# ------------------------------------------------------------------ nothing lost, stuck or doubled

def test_nothing_lost_stuck_or_doubled_and_the_audit_chain_verifies(province):
    from sqlalchemy import func, select

    from storage.tables import DossierRow, GazetteItemRow, RegisterEntryRow
    run, p = province, province.p
    assert run.signed, "the sign-off test did not run"
    # The product's recovery after the faults, run once more: it finds nothing left to publish.
    again = p.lockstep_json(p.home("desk-2"), "publish", "--pending", code=None)
    run.note(f"publish --pending after the faults: {json.dumps(again, ensure_ascii=False)[:300]}")
    with ThreadPoolExecutor(4) as pool:      # the commands below read only: at once
        due = pool.submit(p.lockstep_json, p.home("desk-2"), "due", code=None)
        # Any home of the province verifies the one audit chain.
        verified = [pool.submit(p.lockstep_json, p.home(h), "audit", "verify") for h in ("desk-1", "worker-2")]
        status = pool.submit(p.run, "status")
        due, verified, status = due.result(), [v.result() for v in verified], status.result()

    # No job waits, none is held, none failed: every intake and publication done exactly once.
    jobs = [j for j in p.jobs() if j.kind in ("intake", "publish")]
    assert {j.status for j in jobs} == {"done"}, Counter((j.kind, j.status) for j in jobs)
    assert Counter(j.kind for j in jobs if j.kind == "publish") == {"publish": SIGNED}
    others = Counter((j.kind, j.status) for j in p.jobs() if j.kind not in ("intake", "publish"))
    assert not [k for k, status in others if status != "done"], others
    assert not due.get("staged"), due.get("staged")
    with p.session() as s:
        assert s.scalar(select(func.count()).select_from(DossierRow)) == 2 * N
        states = Counter(s.scalars(select(DossierRow.state)))
        assert states["registered"] == SIGNED, states
        assert s.scalar(select(func.count()).select_from(GazetteItemRow)) == SIGNED
        assert s.scalar(select(func.count()).select_from(RegisterEntryRow)) == SIGNED
        numbers = sorted(s.scalars(select(RegisterEntryRow.registration_number)))
    # The register numbers are unique and gap-free.
    serials = sorted(int(re.fullmatch(r"GHDR-\d{4}-(\d{4})", n).group(1)) for n in numbers)
    assert serials == list(range(1, SIGNED + 1)), numbers
    assert [v["ok"] for v in verified] == [True, True], verified
    # Nothing failed out of sight in the desks; every part runs and answers.
    for d in p.state["desks"]:
        assert "Traceback" not in Path(d["log"]).read_text(errors="replace"), Path(d["log"]).read_text()[-4000:]
    assert status["ok"] is True, status["parts"]
    # On the Prefect server: runs a lost machine left `Running` (they hold pool slots; see the README).
    with httpx.Client(timeout=30) as c:
        runs = c.post(f"{p.state['prefect_api_url']}/flow_runs/filter", json={"flow_runs": {"state": {"type": {
            "any_": ["RUNNING", "PENDING", "CANCELLING"]}}}}).json()
    run.note(f"flow runs still Running/Pending on the server: {len(runs)} "
             f"({dict(Counter(r['state_name'] for r in runs))})")


# -------------------------------------------------------------------------------------------- down

def test_down_stops_exactly_what_up_started(province):
    p = province.p
    ours = province_pids(p)
    groups = {name: pid for name, pid in p.state["pids"].items() if pid}
    assert set(groups) == {"postgres", "seaweedfs", "prefect", "desk-1", "desk-2", "worker-1", "worker-2"}
    # A process that is not the province's, in its own group: down leaves it alone.
    import sys
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True)
    try:
        started = time.monotonic()
        done = p.run("down", timeout=300)
        took = time.monotonic() - started
        province.note(f"down in {took:.1f} s: {done.get('seconds')}")
        assert set(done["stopped"]) == set(groups)
        assert province_pids(p) == []
        assert not [pid for pid in ours if alive(pid)]
        assert bystander.poll() is None
        assert p.state["status"] == "stopped"
        r = subprocess.run([str(Path(__file__).resolve().parents[2] / "scripts" / "province"), "status", "--dir",
                            str(p.dir), "--json"], capture_output=True, text=True, timeout=60)
        assert r.returncode == 1 and json.loads(r.stdout)["ok"] is False
        assert took < 60
    finally:
        bystander.send_signal(signal.SIGKILL)
        bystander.wait()
