"""Issue 13, item 3 of P2's part: an intake job keeps its answer in `jobs.result` (migration 0018), not in
last_error; a row an earlier Lockstep answered (answer in last_error) still reads. Jobs are claimed
by id for a pool's flow run. SQLite and PostgreSQL."""
from __future__ import annotations

import uuid

import pytest


@pytest.fixture(scope="module")
def pg_url():
    from tests.support.postgres import postgres_server
    with postgres_server() as server:
        yield server.create_database(f"results_{uuid.uuid4().hex[:8]}")


@pytest.fixture(params=["sqlite", "postgresql"])
def services(request, tmp_path):
    from services.home import context
    from services.home.context import initialise
    from tests.support.homes import shared_home
    url = f"sqlite:///{tmp_path / 'db.sqlite'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    home = shared_home(tmp_path / "home", url, tmp_path / "objects")
    _, svc = initialise(home)
    yield svc
    context._engines.pop(url, None)
    svc.engine.dispose()


def test_an_intake_job_keeps_its_answer_in_result_and_an_old_row_still_reads(services, sample_zip):
    from services.dossiers.staged import KIND, new_batch, run_staged, stage, state
    svc = services
    batch = new_batch(svc.now())
    key = stage(svc, [sample_zip("complete", doc_number=f"根政办发〔2019〕{uuid.uuid4().int % 900 + 10}号")],
                "drafter", batch)[0]
    assert run_staged(svc, batch, worker="w-test")["taken"] == 1
    with svc.unit() as uow:
        job = uow.jobs.of(KIND, batch)[0]
    assert job.status == "done" and job.last_error is None
    assert job.result["accepted"] is True and job.result["dossier"] and job.result["worker"] == "w-test"
    assert state(svc, batch).answers[key]["dossier"] == job.result["dossier"]

    # A row answered by an earlier Lockstep: the answer sits in last_error, result is empty.
    from sqlalchemy import update
    from storage.tables import JobRow
    with svc.session() as s:
        s.execute(update(JobRow).where(JobRow.id == job.id).values(result=None, last_error={"dossier": "D-old",
                                                                                            "accepted": True}))
        s.commit()
    assert state(svc, batch).answers[key] == {"dossier": "D-old", "accepted": True}


def test_a_job_is_claimed_by_its_id_once(services):
    svc = services
    with svc.unit() as uow:
        a = uow.jobs.add("publish", "D-a", "f" * 64, uow.now())
        b = uow.jobs.add("publish", "D-b", "e" * 64, uow.now())
    with svc.unit() as uow:
        got = uow.jobs.claim("publish", now=svc.now(), job_id=b.id, worker="h:1:x")
    assert [j.id for j in got] == [b.id]
    with svc.unit() as uow:
        assert uow.jobs.claim("publish", now=svc.now(), job_id=b.id, worker="h:1:y") == []
        uow.jobs.done("publish", "D-b", "e" * 64, svc.now())
        uow.jobs.keep_result(b.id, {"published": True})
    with svc.unit() as uow:
        assert uow.jobs.get(b.id).result == {"published": True}
        assert uow.jobs.get(a.id).status == "pending"


def test_due_lists_staged_bundles_with_how_long_they_have_waited(services, sample_zip):
    from services.dossiers.staged import new_batch, stage, waiting
    from tests.conftest import Cli
    svc = services
    batch = new_batch(svc.now())
    stage(svc, [sample_zip("complete", doc_number="根政办发〔2019〕77号")], "drafter", batch)
    [w] = waiting(svc)
    assert (w["batch"], w["bundles"], w["waited_minutes"]) == (batch, 1, 0)
    cli = Cli(svc.home.path)
    assert cli.json("due")["staged"][0]["batch"] == batch
    text = cli("due").stdout
    assert f"批次 {batch}：1 份材料已暂存" in text and "已等待 0 分钟" in text


def test_a_fault_of_locksteps_own_on_a_bundle_is_answered_once_never_retried_for_ever(services, sample_zip, monkeypatch):
    """An unforeseen error while taking a staged bundle (here raised at the test-only point
    fail:intake.object_stored, after the bundle's objects are stored and before any row) would fail
    the same way on every attempt: the job is answered once with internal_error, nothing half-stored
    is left in the database, and no claimer takes it again. The same bundle staged again after the fault
    is gone is taken as any other. (A database or object store away is still given back: run_staged's
    callers retry those.)"""
    from services.dossiers.staged import KIND, claim_one, new_batch, run_staged, stage, state
    svc = services
    from sqlalchemy import func, select

    from storage.tables import DossierRow

    def dossiers() -> int:
        with svc.session() as s:
            return s.scalar(select(func.count()).select_from(DossierRow))
    before = dossiers()
    number = f"根政办发〔2019〕{uuid.uuid4().int % 900 + 10}号"
    batch = new_batch(svc.now())
    key = stage(svc, [sample_zip("complete", doc_number=number)], "drafter", batch)[0]
    monkeypatch.setenv("LOCKSTEP_TEST_CRASH_AT", "fail:intake.object_stored")
    assert run_staged(svc, batch, worker="w-test")["taken"] == 1
    monkeypatch.delenv("LOCKSTEP_TEST_CRASH_AT")
    with svc.unit() as uow:
        job = uow.jobs.of(KIND, batch)[0]
    assert dossiers() == before                                 # nothing half-stored
    assert job.status == "done" and job.attempts == 1
    answer = state(svc, batch).answers[key]
    assert answer["accepted"] is False and [p["code"] for p in answer["problems"]] == ["internal_error"]
    assert "CrashPointFault" in answer["problems"][0]["message"]
    assert claim_one(svc, batch) is None                        # never taken again
    again = new_batch(svc.now())
    stage(svc, [sample_zip("complete", doc_number=number)], "drafter", again)
    assert run_staged(svc, again, worker="w-test")["taken"] == 1
    assert next(iter(state(svc, again).answers.values()))["accepted"] is True


def test_a_batch_is_staged_a_chunk_at_a_time_and_a_stop_half_way_leaves_whole_jobs(services, tmp_path, monkeypatch):
    """stage() stores STAGE_CHUNK bundles and commits their jobs before the next chunk, so workers take
    the first bundles while the rest are stored; a staging stopped after its first chunk (the test-only
    point fail:stage.chunk_recorded) leaves exactly that chunk's jobs, pending and claimable, each
    with its object stored; the whole batch staged again afterwards is every bundle once."""
    from services.dossiers.staged import KIND, STAGE_CHUNK, claim_one, new_batch, stage
    from services.home.crashpoints import CrashPointFault
    svc = services
    files = []
    for i in range(STAGE_CHUNK * 2 + 3):
        files.append(tmp_path / f"b{i}.zip")
        files[-1].write_bytes(b"bundle %d %s" % (i, uuid.uuid4().hex.encode()))
    batch = new_batch(svc.now())
    monkeypatch.setenv("LOCKSTEP_TEST_CRASH_AT", "fail:stage.chunk_recorded")
    with pytest.raises(CrashPointFault):
        stage(svc, files, "drafter", batch)
    monkeypatch.delenv("LOCKSTEP_TEST_CRASH_AT")
    with svc.unit() as uow:
        jobs = uow.jobs.of(KIND, batch)
    assert len(jobs) == STAGE_CHUNK and {j.status for j in jobs} == {"pending"}
    assert all(svc.store.exists(j.fingerprint) for j in jobs)
    assert claim_one(svc, batch) is not None
    keys = stage(svc, files, "drafter", batch)
    with svc.unit() as uow:
        assert sorted(j.fingerprint for j in uow.jobs.of(KIND, batch)) == sorted(set(keys)) and len(keys) == len(files)
