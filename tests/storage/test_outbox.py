"""The publication outbox (issue 12): sign-off writes its publish job in its own transaction; any
worker claims jobs (FOR UPDATE SKIP LOCKED on PostgreSQL, compare-and-set on SQLite); a job held by a
dead or slow worker is claimed again; publishing a job twice publishes once."""
from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import threading

import pytest
from sqlalchemy import func, select, text

from documents.problems import Refused
from services.dossiers.intake import intake_bundle
from services.publication.publish import publish, publish_pending, waiting
from services.review.actions import record_decision, record_sign_off
from storage.jobs import Jobs, holder_alive, worker_id
from storage.tables import DossierRow, EventRow, GazetteItemRow, JobRow, PageRow, RegisterEntryRow

T0 = dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.timezone.utc)


def ready_dossier(svc, zip_path) -> str:
    d = intake_bundle([zip_path], "drafter", svc).dossier
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        record_decision(svc, d, stage, "approve", "同意", who)
    return d


def jobs_of(svc) -> list[JobRow]:
    with svc.session() as s:
        return list(s.scalars(select(JobRow).order_by(JobRow.id)))


def count(svc, table) -> int:
    with svc.session() as s:
        return s.scalar(select(func.count()).select_from(table))


def add_jobs(svc, n: int, at: dt.datetime = T0) -> list[int]:
    with svc.session() as s:
        return [Jobs(s).add("publish", f"D{i:03d}", f"f{i}", at).id for i in range(n)]


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


# ---------------------------------------------------------------- sign-off writes the job


def test_sign_off_writes_exactly_one_publish_job_with_its_version(svc, sample_zip):
    d = ready_dossier(svc, sample_zip())
    event = record_sign_off(svc, d, "signer")
    [job] = jobs_of(svc)
    assert (job.kind, job.dossier_id, job.fingerprint, job.status, job.attempts, job.actor) == (
        "publish", d, event.fingerprint, "pending", 0, "signer")
    assert [j.dossier_id for j in waiting(svc)] == [d]


def test_a_refused_sign_off_writes_no_job(svc, tmp_path):
    from samples.genhe import write_bundles
    first, second = write_bundles(tmp_path / "in", 2)
    d = intake_bundle([first], "drafter", svc).dossier
    with pytest.raises(Refused):
        record_sign_off(svc, d, "signer")                  # stages not approved
    d2 = ready_dossier(svc, second)
    record_sign_off(svc, d2, "signer")
    with pytest.raises(Refused):
        record_sign_off(svc, d2, "signer")                 # signed already
    assert [j.dossier_id for j in jobs_of(svc)] == [d2]


def test_the_sign_off_and_its_job_commit_together_or_not_at_all(svc, sample_zip):
    """With the job's table gone, writing the job fails, and the sign-off is not recorded either."""
    d = ready_dossier(svc, sample_zip())
    with svc.engine.begin() as c:
        c.execute(text("ALTER TABLE jobs RENAME TO jobs_away"))
    try:
        with pytest.raises(Exception):
            record_sign_off(svc, d, "signer")
        with svc.session() as s:
            assert s.get(DossierRow, d).state == "in_review"
            assert s.scalar(select(func.count()).select_from(EventRow)
                            .where(EventRow.name.like("%signed_off"))) == 0
    finally:
        with svc.engine.begin() as c:
            c.execute(text("ALTER TABLE jobs_away RENAME TO jobs"))
    record_sign_off(svc, d, "signer")
    assert len(jobs_of(svc)) == 1


# ---------------------------------------------------------------- claiming


def test_claim_on_sqlite_takes_each_pending_job_once_oldest_first(svc):
    ids = add_jobs(svc, 5)
    with svc.session() as s:
        first = Jobs(s).claim("publish", limit=2, worker="h:1:a", now=T0)
    with svc.session() as s:
        second = Jobs(s).claim("publish", limit=10, worker="h:2:b", now=T0)
    with svc.session() as s:
        third = Jobs(s).claim("publish", limit=10, worker="h:3:c", now=T0)
    assert [j.id for j in first] == ids[:2] and [j.id for j in second] == ids[2:] and third == []
    assert {(j.status, j.claimed_by, j.attempts) for j in first} == {("claimed", "h:1:a", 1)}
    assert {j.kind for j in first + second} == {"publish"}
    with svc.session() as s:
        assert Jobs(s).claim("release", limit=10, now=T0) == []      # another kind is another queue


def test_a_job_held_too_long_or_by_a_dead_process_is_claimed_again(svc):
    ids = add_jobs(svc, 3)
    here = socket.gethostname()
    holders = {ids[0]: "elsewhere:4242:aaaa",                          # another host: trusted until stale
               ids[1]: f"{here}:{dead_pid()}:bbbb",                     # this host, process gone
               ids[2]: worker_id()}                                      # this very process: alive
    with svc.session() as s:
        for i, holder in holders.items():
            s.execute(text("UPDATE jobs SET status='claimed', claimed_by=:h, claimed_at=:t, attempts=1 "
                           "WHERE id=:i"), {"h": holder, "t": T0, "i": i})
    assert not holder_alive(holders[ids[1]]) and holder_alive(holders[ids[2]]) and holder_alive(holders[ids[0]])
    soon = T0 + dt.timedelta(minutes=1)
    with svc.session() as s:
        taken = Jobs(s).claim("publish", worker="h:9:z", now=soon)
    assert [(j.id, j.attempts, j.claimed_by) for j in taken] == [(ids[1], 2, "h:9:z")]
    later = T0 + dt.timedelta(minutes=5, seconds=30)     # T0 + 1 min is not stale yet
    with svc.session() as s:
        taken = Jobs(s).claim("publish", worker="h:8:y", now=later)
    assert {j.id for j in taken} == {ids[0], ids[2]}      # held since T0, longer than stale_after
    assert {j.attempts for j in taken} == {2}


def test_two_claimers_on_postgresql_never_take_the_same_job(pg_url, monkeypatch, tmp_path):
    from services.home import context as context
    from services.home.context import initialise
    from services.home.folder import Home
    monkeypatch.setenv("LOCKSTEP_DATABASE_URL", pg_url)
    _, svc = initialise(Home(tmp_path / "home"))
    try:
        ids = add_jobs(svc, 40)
        # While one claimer's transaction holds its rows, the other skips them: no wait, no overlap.
        with svc.session() as a:
            held = Jobs(a).claim("publish", limit=5, worker="a:1:a", now=T0)
            with svc.session() as b:
                b.execute(text("SET LOCAL lock_timeout = '2s'"))        # a FOR UPDATE without SKIP LOCKED would wait
                other = Jobs(b).claim("publish", limit=5, worker="b:1:b", now=T0)
                b.rollback()
        assert [j.id for j in held] == ids[:5] and [j.id for j in other] == ids[5:10]

        got: dict[str, list[int]] = {"x:1:x": [], "y:1:y": []}
        barrier = threading.Barrier(2)

        def claimer(worker: str) -> None:
            barrier.wait()
            while True:
                with svc.session() as s:
                    taken = Jobs(s).claim("publish", limit=3, worker=worker, now=T0)
                    s.execute(text("SELECT pg_sleep(0.01)"))             # hold the rows a moment
                if not taken:
                    return
                got[worker] += [j.id for j in taken]
        threads = [threading.Thread(target=claimer, args=(w,)) for w in got]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        a, b = got.values()
        assert not set(a) & set(b)
        assert sorted(a + b) == ids[5:]          # the first five stay claimed by a:1:a
        with svc.session() as s:
            assert s.scalar(select(func.max(JobRow.attempts))) == 1
    finally:
        context._engines.pop(svc.home.database_url, None)
        svc.engine.dispose()


# ---------------------------------------------------------------- running jobs


def test_publishing_a_job_twice_publishes_once_and_marks_it_done_with_the_publication(svc, sample_zip):
    d = ready_dossier(svc, sample_zip())
    record_sign_off(svc, d, "signer")
    first = publish(svc, d, "signer")
    again = publish(svc, d, "signer")
    assert first.published and not first.already and again.already
    assert publish_pending(svc).results == []
    [job] = jobs_of(svc)
    assert (job.status, job.attempts) == ("done", 1) and job.done_at is not None
    with svc.session() as s:
        published = s.scalar(select(EventRow.at).where(EventRow.name == "dossier.published"))
    assert job.done_at == published
    assert (count(svc, GazetteItemRow), count(svc, RegisterEntryRow), count(svc, PageRow)) == (1, 1, 2)
    assert waiting(svc) == []


def test_the_sweep_publishes_a_signed_dossier_whose_publication_never_ran(svc, sample_zip):
    d = ready_dossier(svc, sample_zip())
    record_sign_off(svc, d, "signer")                # and the command died here
    swept = publish_pending(svc)
    assert [(r["dossier"], r["published"], r.get("already")) for r in swept.results] == [(d, True, False)]
    assert publish_pending(svc).results == []
    assert [j.status for j in jobs_of(svc)] == ["done"]
    assert (count(svc, GazetteItemRow), count(svc, RegisterEntryRow)) == (1, 1)
    with svc.session() as s:
        for p in s.scalars(select(PageRow)):
            import hashlib
            assert hashlib.sha256((svc.home.site / p.path).read_bytes()).hexdigest() == p.sha256
    assert not list(svc.home.site.rglob(".tmp-*"))


def test_a_refused_publication_fails_its_job_and_the_due_list_shows_it(svc, sample_zip):
    from services.review.deadlines import compute
    d = ready_dossier(svc, sample_zip())
    record_sign_off(svc, d, "signer")
    with svc.session() as s:                        # 不予公开 after sign-off: publication refuses it
        s.get(DossierRow, d).disclosure = "不予公开"
    swept = publish_pending(svc)
    assert [p["code"] for p in swept.results[0]["problems"]] == ["not_public"]
    [job] = jobs_of(svc)
    assert (job.status, job.last_error["code"]) == ("failed", "not_public")
    assert publish_pending(svc).results == []      # a failed job waits for a person, not the sweep
    [due] = [x for x in compute(svc) if x.kind == "publication"]
    assert due.dossier == d and due.note.startswith(f"待发布：卷宗 {d}，签发于 ") and "not_public" in due.note


def test_due_lists_a_waiting_publication_with_since_when(svc, sample_zip):
    from services.review.deadlines import compute
    d = ready_dossier(svc, sample_zip())
    record_sign_off(svc, d, "signer")
    [due] = [x for x in compute(svc) if x.kind == "publication"]
    assert (due.kind_name, due.dossier, due.status) == ("待发布", d, "due_today")
    assert due.note.startswith(f"待发布：卷宗 {d}，签发于 ") and due.note.endswith("起等待")
    publish(svc, d)
    assert [x for x in compute(svc) if x.kind == "publication"] == []


def test_the_sweep_removes_staged_pages_of_a_dead_writer_that_never_committed(svc, sample_zip):
    here = socket.gethostname()
    stray = svc.home.site / "policies" / f".tmp-{here}-{dead_pid()}-0123abcd~D999.html"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"<html>never committed</html>")
    live = svc.home.site / "policies" / f".tmp-{here}-{os.getpid()}-0123abcd~D998.html"
    live.write_bytes(b"<html>being written</html>")
    swept = publish_pending(svc)
    assert swept.removed == ["policies/D999.html"] and swept.placed == []
    assert not stray.exists() and live.exists()                  # a live writer's file is left alone
    assert not (svc.home.site / "policies" / "D999.html").exists()


def test_due_on_the_command_line_says_which_publication_waits_and_publish_wants_one_of_d_or_pending(svc, sample_zip):
    import json
    from typer.testing import CliRunner
    from cli.main import app
    d = ready_dossier(svc, sample_zip())
    record_sign_off(svc, d, "signer")
    run = CliRunner()
    r = run.invoke(app, ["--home", str(svc.home.path), "due"])
    assert r.exit_code == 0 and f"待发布：卷宗 {d}，签发于 " in r.output and "起等待" in r.output
    [item] = [x for x in json.loads(run.invoke(app, ["--home", str(svc.home.path), "due", "--json"]).stdout)["due"]
              if x["kind"] == "publication"]
    assert item["dossier"] == d and item["kind_name"] == "待发布"
    for args in (["publish"], ["publish", d, "--pending"]):
        assert run.invoke(app, ["--home", str(svc.home.path), *args, "--json"]).exit_code == 2


def test_two_sweeps_at_once_publish_each_signed_dossier_once(db_svc, tmp_path):
    from samples.genhe import write_bundles
    ds = [ready_dossier(db_svc, b) for b in write_bundles(tmp_path / "in", 3)]
    for d in ds:
        record_sign_off(db_svc, d, "signer")
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def sweep(i: int) -> None:
        barrier.wait()
        try:
            results[i] = publish_pending(db_svc)
        except Exception as e:       # noqa: BLE001 - the test reports what each sweep got
            results[i] = e
    threads = [threading.Thread(target=sweep, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(isinstance(r, Exception) for r in results), results
    runs = [r["dossier"] for res in results for r in res.results]
    assert all(r["published"] for res in results for r in res.results)
    assert sorted(set(runs)) == sorted(ds)
    with db_svc.session() as s:
        assert s.scalar(select(func.count()).select_from(EventRow).where(EventRow.name == "dossier.published")) == 3
        assert s.scalar(select(func.count()).select_from(GazetteItemRow)) == 3
        assert s.scalar(select(func.count(func.distinct(RegisterEntryRow.registration_number)))) == 3
    assert {j.status for j in jobs_of(db_svc)} == {"done"}
    assert not list(db_svc.home.site.rglob(".tmp-*"))


def test_migration_0012_gives_a_dossier_left_signed_and_unpublished_its_publish_job(svc, sample_zip):
    from alembic import command
    from storage.db import _alembic_config, migrate
    d = ready_dossier(svc, sample_zip())
    event = record_sign_off(svc, d, "signer")
    with svc.engine.begin() as c:                   # as an older Lockstep left it: no jobs table
        command.downgrade(_alembic_config(c), "0011")
    migrate(svc.engine)
    [job] = jobs_of(svc)
    assert (job.dossier_id, job.fingerprint, job.status) == (d, event.fingerprint, "pending")
    assert publish_pending(svc).results[0]["published"] is True
