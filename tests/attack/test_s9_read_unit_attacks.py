"""The read units attacked as a stranger would (issue 14, "Reads are fast"; storage/unit.py Reader).

Tried here, on SQLite and on a real PostgreSQL:
- a read unit that ends in a refusal, a refused write or any other error gives its one pooled
  connection back able to write (SQLite's `PRAGMA query_only` is undone whatever happened);
- a desk's threads reading and writing in turns on one shared pool never meet a connection left
  read-only (a write there would be answered 主目录只读);
- every repository method that writes, reached through a read unit, is refused and stores nothing;
- a read unit never waits for a writer that holds the rows it reads (WAL on SQLite, MVCC on PostgreSQL);
- PostgreSQL: a read unit whose backend is terminated half-way answers database_unavailable, and the
  pool's next write and read work;
- the write paths that share the converted repository methods (register amend/repeal/expire, the
  annual report, the public entry page, people added and disabled, a configuration edit recorded by
  the next read) still get rows they can change;
- a read-only home (a read-only bind mount): gate, status and the register list answer; a write is
  database_unavailable; the reads still answer after it.
"""
from __future__ import annotations

import datetime as dt
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, func, select, text, update

from documents.problems import Refused
from review.model import ConfigChanged
from storage import schema
from storage.db import DatabaseUnavailable
from storage.unit import Database, ReadOnlyUnit
from tests.storage.test_gazette_storage import in_force_dossier, signed_dossier
from tests.storage.conftest import db_svc, pg, pg_url  # noqa: F401  (fixtures)

IN_FORCE_AT_ONCE = "本通知自印发之日起施行。"


# ------------------------------------------------------------------ fixtures
# db_svc: an initialised home on SQLite and, as a second run, on the real PostgreSQL (tests/storage/conftest.py).


def _counter(svc, sequence: str) -> int | None:
    with svc.reading() as uow:
        return uow._session.execute(select(schema.counters.c.value)
                                    .where(schema.counters.c.sequence == sequence)).scalar()


def _events(svc) -> int:
    with svc.reading() as uow:
        return uow._session.execute(select(func.count()).select_from(schema.events)).scalar()


# ------------------------------------------------------------------ the pooled connection afterwards

def test_whatever_ends_a_read_unit_its_one_pooled_connection_writes_next(db_svc):
    """pool_size=1: the same connection serves the read unit and the write after it, every time."""
    svc = db_svc
    engine = create_engine(svc.home.database_url, pool_size=1, max_overflow=0)
    db = Database(engine)

    def refused(uow):
        uow.dossiers.require("D1999-0001")                  # not_found: a Refused inside the unit

    def wrote(uow):
        uow.counters.take("attack-stray", 0, lambda: 0)      # a write reaching the database

    def crashed(uow):
        uow.dossiers.get("D1999-0001")
        raise RuntimeError("a bug in a service")

    def failed_statement(uow):
        uow._session.exec_driver_sql("SELECT * FROM no_such_table")

    try:
        for attempt, (end, caught) in enumerate([(refused, Refused), (wrote, ReadOnlyUnit),
                                                 (crashed, RuntimeError), (failed_statement, Exception)] * 2):
            with pytest.raises(caught):
                with db.reading(store=lambda: None, now=svc.now) as uow:
                    end(uow)
            with db.unit(store=lambda: None, now=svc.now) as uow:
                assert uow.counters.take("attack-after", 0, lambda: 0) == attempt + 1, end.__name__
        with db.reading(store=lambda: None, now=svc.now) as uow:
            assert uow.dossiers.get("D1999-0001") is None
    finally:
        engine.dispose()
    assert _counter(svc, "attack-after") == 8 and _counter(svc, "attack-stray") is None


def test_a_desk_s_threads_reading_and_writing_in_turns_never_meet_a_read_only_connection(db_svc, tmp_path):
    """The desk shares one engine among its threads: gate and status (read units) and writes (units)
    in turns, on every pooled connection; a write never lands on a connection still in query_only."""
    from services.review.actions import gate_answer, status
    svc = db_svc
    d = signed_dossier(svc, tmp_path / "bundles", IN_FORCE_AT_ONCE)
    errors: list[BaseException] = []

    def turn(i: int) -> None:
        try:
            for _ in range(6):
                assert gate_answer(svc, d).dossier == d
                svc.retrying(lambda: _take(svc, "attack-turns"))
                assert status(svc, d).dossier == d
        except BaseException as e:            # noqa: BLE001 - reported below with its thread
            errors.append(e)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(turn, range(4)))
    assert not errors, errors[:3]
    assert _counter(svc, "attack-turns") == 24


def _take(svc, sequence: str) -> None:
    with svc.unit() as uow:
        uow.counters.take(sequence, 0, lambda: 0)


# ------------------------------------------------------------------ no write through a read unit

def test_every_repository_method_that_writes_is_refused_in_a_read_unit_and_stores_nothing(db_svc, tmp_path):
    svc = db_svc
    d = signed_dossier(svc, tmp_path / "bundles", IN_FORCE_AT_ONCE)
    now = svc.now()
    before_events, before_title = _events(svc), None
    with svc.reading() as uow:
        before_title = uow.dossiers.require(d).title
    event = ConfigChanged(dossier_id=None, actor="attack", at=now, change="edited", detail={})
    writes = {
        "audit.append": lambda uow: uow.audit.append(event),
        "audit.append_all": lambda uow: uow.audit.append_all([event, event]),
        "counters.take": lambda uow: uow.counters.take("attack-read", 2026, lambda: 0),
        "dossiers.next_id": lambda uow: uow.dossiers.next_id(2099),
        "review.lock_consultation": lambda uow: uow.review.lock_consultation(d),
        "accounts.lock_config": lambda uow: uow.accounts.lock_config(),
        "accounts.touch_session": lambda uow: uow.accounts.touch_session("x", 0.0, 0.0),
        "accounts.revoke_tokens": lambda uow: uow.accounts.revoke_tokens("drafter"),
        "accounts.forget_failures_before": lambda uow: uow.accounts.forget_failures_before(time.time()),
        "accounts.drop_expired_sessions": lambda uow: uow.accounts.drop_expired_sessions(time.time()),
        "derived.record": lambda uow: uow.derived.record("a" * 64, "html", "attack", "b" * 64, now),
        "derived.put": lambda uow: uow.derived.put("a" * 64, "html", "attack", "b" * 64, now),
        "raw update": lambda uow: uow._session.execute(update(schema.dossiers).where(schema.dossiers.c.id == d)
                                                       .values(title="改")),
    }
    # Those that reach the database are refused by it; a repository a read unit does not offer
    # (derived, gazette, …: storage/unit.py Reader) is refused before anything is sent.
    for name, write in writes.items():
        try:
            with svc.reading() as uow:
                write(uow)
        except ReadOnlyUnit:
            continue
        pytest.fail(f"{name} went through a read unit unrefused")
    assert _events(svc) == before_events and _counter(svc, "attack-read") is None
    with svc.reading() as uow:
        assert uow.dossiers.require(d).title == before_title
    with svc.unit() as uow:
        assert uow.derived.find({"a" * 64}, "html", "attack") == {}


# ------------------------------------------------------------------ readers and writers together

def test_a_read_unit_does_not_wait_for_a_writer_holding_the_rows_it_reads(db_svc, tmp_path):
    """A writer changes the dossier and holds its transaction open: gate and status answer at once,
    with what was committed; after the commit they answer the change."""
    from services.review.actions import gate_answer, status
    svc = db_svc
    d = signed_dossier(svc, tmp_path / "bundles", IN_FORCE_AT_ONCE)
    title = status(svc, d).title
    holding, release = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def writer() -> None:
        try:
            with svc.unit() as uow:
                uow._session.execute(update(schema.dossiers).where(schema.dossiers.c.id == d)
                                     .values(title="并发修改中的标题"))
                uow.counters.take("attack-held", 0, lambda: 0)
                holding.set()
                release.wait(20)
        except BaseException as e:             # noqa: BLE001
            failure.append(e)
            holding.set()

    t = threading.Thread(target=writer)
    t.start()
    try:
        assert holding.wait(20) and not failure, failure
        started = time.monotonic()
        assert status(svc, d).title == title and gate_answer(svc, d).dossier == d
        assert time.monotonic() - started < 3, "a read unit waited for the writer"
    finally:
        release.set()
        t.join(30)
    assert not failure, failure
    assert status(svc, d).title == "并发修改中的标题"


@pytest.mark.parametrize("db_svc", ["postgresql"], indirect=True)
def test_on_postgresql_a_read_unit_whose_backend_is_terminated_answers_database_unavailable(db_svc, tmp_path):
    svc = db_svc
    from services.register.life import list_entries
    from services.review.actions import gate_answer, load
    d = signed_dossier(svc, tmp_path / "bundles", IN_FORCE_AT_ONCE)
    killer = create_engine(svc.home.database_url, isolation_level="AUTOCOMMIT")
    try:
        with pytest.raises(DatabaseUnavailable) as caught:
            with svc.reading() as uow:
                pid = uow._session.execute(text("SELECT pg_backend_pid()")).scalar()
                uow.dossiers.require(d)
                with killer.connect() as k:
                    assert k.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
                load(uow, d)                       # the next query of the same read unit
        assert caught.value.problem.code == "database_unavailable"
        # The pool throws the dead connection away: the next write and the next reads work.
        _take(svc, "attack-after-kill")
        assert _counter(svc, "attack-after-kill") == 1
        assert gate_answer(svc, d).dossier == d and list_entries(svc)
        # Every pooled connection killed while idle: the next read unit gets a live one (pre-ping).
        with killer.connect() as k:
            k.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        assert gate_answer(svc, d).dossier == d and list_entries(svc)
    finally:
        killer.dispose()


def test_a_read_unit_reads_one_snapshot_while_a_writer_commits_between_its_queries(db_svc):
    """Storage/unit.py says a read unit is "one transaction": two reads of it answer alike, whatever
    commits in between (status must not show a state from before a decision and the decision itself)."""
    svc = db_svc
    _take(svc, "attack-snapshot")
    with svc.reading() as uow:
        first = _value(uow, "attack-snapshot")
        _take(svc, "attack-snapshot")                   # a writer commits between the two reads
        again = _value(uow, "attack-snapshot")
    assert (first, again, _counter(svc, "attack-snapshot")) == (1, 1, 2)


def _value(uow, sequence: str) -> int | None:
    return uow._session.execute(select(schema.counters.c.value).where(schema.counters.c.sequence == sequence)).scalar()


# ------------------------------------------------------------------ write paths on the converted methods

def _number(svc, d: str) -> str:
    with svc.reading() as uow:
        return uow.register.entry_for(d).registration_number


def test_write_paths_sharing_the_converted_methods_still_change_their_rows(home, svc, tmp_path):
    from services.home import accounts
    from services.home.config_record import effective_config
    from services.home.context import open_services
    from services.publication.site import policy_view, public_entry_page
    from services.register.life import amend, expire_due, list_entries, repeal, show
    from services.register.report import annual
    from services.review.actions import gate_answer
    a, b, c = (in_force_dossier(svc, tmp_path / "bundles") for _ in range(3))      # gazetted, valid today
    na, nb, nc = _number(svc, a), _number(svc, b), _number(svc, c)
    assert amend(svc, na, nb, "editor").status == "amended"
    assert repeal(svc, nb, "editor", by=nc, reason="已被新办法取代").repealed_by == nc
    assert show(svc, na).amended_by == [nb] and show(svc, nb).status == "repealed"
    year = dt.datetime.now(dt.timezone.utc).astimezone().year
    report = annual(svc, year)
    assert report.figures
    assert policy_view(svc, c) is not None and public_entry_page(svc, nc) is not None
    until = show(svc, nc).valid_until
    lapsed = expire_due(svc, until + dt.timedelta(days=1))
    assert nc in {e.registration_number for e in lapsed}
    assert {e.registration_number: e.status for e in list_entries(svc)}[nc] == "expired"
    # People added and disabled (write units on the accounts repository).
    accounts.add_person(svc, "attack_clerk", "根河市政务服务局", ["drafter"], None, actor="test")
    accounts.disable_person(svc, "attack_clerk", actor="test")
    assert "attack_clerk" not in {p.name for p in effective_config(svc).people}
    # An edit of lockstep.toml is recorded by the next command, whatever it is: here a read (gate).
    events = _events(svc)
    home.config_path.write_text(home.config_path.read_text(encoding="utf-8") + (
        '\n[[people]]\nname = "attack_editor"\ndisplay = "后加的编辑"\nunit = "根河市政务服务局"\nroles = ["drafter"]\n'),
        encoding="utf-8")
    later = open_services(home)
    assert gate_answer(later, a).dossier == a
    assert "attack_editor" in {p.name for p in later.config.people}
    assert _events(later) == events + 1


def test_a_register_of_more_than_a_page_reads_the_same_through_a_read_unit_as_the_orm(svc, tmp_path):
    """Past FEW (500) entries the register reads its links, placements, withheld and emergency
    dossiers as whole tables (the other statements of storage/repos/register.py, kept per kind of
    unit): the same entries repeated past FEW take those statements, and every kind of entry is
    among them (amended, repealed, withheld, signed off in an emergency)."""
    from services.dossiers.withhold import withhold
    from services.register.life import amend, repeal, views
    from storage.repos.register import FEW
    from tests.cli.test_register_pending import _policy_kind_dossier
    a, b, c, w = (signed_dossier(svc, tmp_path / "bundles", IN_FORCE_AT_ONCE) for _ in range(4))
    emergency, _ = _policy_kind_dossier(svc, tmp_path)
    amend(svc, _number(svc, a), _number(svc, b), "editor")
    repeal(svc, _number(svc, a), "editor", by=_number(svc, c), reason="已被新办法取代")
    withhold(svc, w, "经审查发现涉及不宜公开的内容，撤回公开", "editor")

    def read(open_unit, times: int):
        with open_unit() as uow:
            entries = uow.register.entries()
            assert len(entries) == 5
            return [v.model_dump() for v in views(uow, entries * times, svc.config, today=dt.date.today())]

    few = read(svc.reading, 1)
    assert {e["dossier"] for e in few if e["emergency"]} == {emergency}
    assert {e["dossier"] for e in few if e["withheld_at"]} == {w}
    assert any(e["repealed_by"] for e in few) and any(e["amended_by"] for e in few)
    assert few == read(svc.unit, 1)
    times = FEW // 5 + 1
    assert read(svc.reading, times) == read(svc.unit, times) == few * times


# ------------------------------------------------------------------ a read-only home

def _mount(*args: str) -> None:
    r = subprocess.run(["mount", *args], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount here ({r.stderr.strip()}): needs root with mount rights")


def _umount(path) -> None:
    if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def test_a_read_only_home_answers_reads_refuses_a_write_and_answers_reads_after_it(home, svc, tmp_path):
    from services.home.context import Services
    from services.register.life import list_entries
    from services.review.actions import gate_answer, status
    from storage.db import make_engine
    d = signed_dossier(svc, tmp_path / "bundles", IN_FORCE_AT_ONCE)
    want = (gate_answer(svc, d), status(svc, d), list_entries(svc))
    # An edit of lockstep.toml nobody has recorded yet: the read-only home cannot record it (a write),
    # so the reads go by the file as it reads now, and still answer.
    home.config_path.write_text(home.config_path.read_text(encoding="utf-8") + (
        '\n[[people]]\nname = "attack_late"\ndisplay = "只读时加的人"\nunit = "根河市政务服务局"\nroles = ["drafter"]\n'),
        encoding="utf-8")
    svc.engine.dispose()                            # the WAL checkpointed: the file alone holds it
    _mount("--bind", str(home.path), str(home.path))
    try:
        _mount("-o", "remount,ro,bind", str(home.path))
        engine = make_engine(home.database_url)     # what a process started on this mount opens
        ro = Services(home=home, db=Database(engine))
        try:
            assert "attack_late" in {p.name for p in ro.config.people}
            for _ in range(2):
                assert (gate_answer(ro, d), status(ro, d), list_entries(ro)) == want
                with pytest.raises(DatabaseUnavailable) as caught:
                    _take(ro, "attack-ro")
                assert caught.value.problem.code == "database_unavailable"
        finally:
            engine.dispose()
    finally:
        _umount(home.path)
    _take(svc, "attack-ro")                          # writable again: nothing was left half-done
    assert _counter(svc, "attack-ro") == 1


# ------------------------------------------------------------------ a real desk, reads and writes in turns

def test_a_running_desk_answers_reads_and_writes_in_turns_on_its_one_pool(tmp_path):
    """`lockstep serve` answers gate/status/register list (read units) for the command line, and the
    decisions in between (write units: on the desk when it takes them, as cli/fast.py hands them), in turns, on the pool of its one engine: every write lands, every read after it
    sees it (no connection handed back read-only, none holding a stale answer)."""
    import json
    import os
    import sys

    from samples.genhe import write_zip
    from services.dossiers.intake import intake_bundle
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    from tests.support.desk import ROOT, running_desk
    home = Home(tmp_path / "home")
    initialise(home)
    d = intake_bundle([write_zip(tmp_path / "b.zip", "complete")], "drafter", open_services(home)).dossier

    def lockstep(*args: str) -> dict:
        r = subprocess.run([sys.executable, "-m", "cli.main", "--home", str(home.path), *args, "--json"], cwd=ROOT,
                           env={**os.environ, "COLUMNS": "200"}, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, (args, r.stdout[-2000:], r.stderr[-2000:])
        return json.loads(r.stdout)

    with running_desk(home.path):
        for stage, who in (("unit_check", "director"), ("legality", "reviewer")):
            before = lockstep("gate", d)
            assert not next(s for s in before["stages"] if s["id"] == stage)["approved"], before
            lockstep("review", d, "--stage", stage, "--approve", "--comment", "同意", "--as", who)
            after = lockstep("gate", d)
            assert next(s for s in after["stages"] if s["id"] == stage)["approved"], after
            assert stage in [x["stage"] for x in lockstep("status", d)["decisions"]]
            lockstep("register", "list")
