"""Brief H3 (session 12): the versions a warm process keeps built (storage/repos/dossiers.py `_BUILT`)
never stand in for a version the database does not hold now.

- PostgreSQL restored from an older dump while a desk process runs (its pool reconnects: pool_pre_ping):
  the version row id, dossier, number and fingerprint come back for a DIFFERENT submission (same files,
  another clerk) — was broken: the queue kept showing the old submission's version (its submitter).
- Two homes in one process, each with lockstep.toml's relative `sqlite:///lockstep.db`, the same
  dossier, version row id and files submitted by different clerks: each home shows its own.
- `lockstep restore` run by another process while this process keeps versions built from the home:
  refused (the process has the database open), so no cache outlives the file it was built from.
- A dossier resubmitted with identical files is the same version (a duplicate), shown as stored.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCKSTEP = [sys.executable, "-c", "from cli.main import run; run()"]


@pytest.fixture(scope="module")
def pg_module():
    from tests.support.postgres import postgres_server
    with postgres_server() as server:
        yield server


def _shown(svc, d: str):
    """The dossier's current version as a queue builds it (views_of, through the kept versions)."""
    with svc.reading() as uow:
        row = uow.dossiers.require(d)
        return uow.dossiers.views_of([row])[d].current


def _stored(svc, d: str):
    """The dossier's current version read afresh (no kept versions)."""
    from storage.repos.dossiers import _BUILT, _BUILT_LOCK
    with svc.reading() as uow:
        row = uow.dossiers.require(d)
        fresh = uow.dossiers.version(d, row.current_version)
    with _BUILT_LOCK:
        assert not any(v is fresh for v in _BUILT.values())
    return fresh


def _second_drafter(svc, name: str) -> None:
    from services.home.accounts import add_person
    unit = svc.config.person("drafter").unit
    add_person(svc, name, unit, ["drafter"], None, "admin")


def test_a_postgresql_restored_under_a_running_desk_never_shows_the_version_it_had_built(pg_module, tmp_path,
                                                                                      monkeypatch, sample_zip):
    from services.dossiers.intake import intake_bundle
    from services.home import context
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    name = f"s12h3v_{uuid.uuid4().hex[:12]}"
    url = pg_module.create_database(name)
    monkeypatch.setenv("LOCKSTEP_DATABASE_URL", url)
    monkeypatch.delenv("LOCKSTEP_OBJECTS", raising=False)
    _, svc = initialise(Home(tmp_path / "home"))
    try:
        first = intake_bundle([sample_zip(doc_number="根政办发〔2019〕401号")], "drafter", svc)
        assert first.accepted, first.problems
        d = first.dossier
        # The operator's dump (a template copy: the same rows and sequences a pg_dump/pg_restore brings back).
        svc.engine.dispose()
        with pg_module.connect(autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}_dump" TEMPLATE "{name}"')

        second = sample_zip(doc_number="根政办发〔2019〕401号", title="根河市政务公开办法（修改稿）")
        v2 = intake_bundle([second], "drafter", svc, dossier_hint=d)
        assert v2.accepted and v2.version == 2, v2.problems
        desk = open_services(svc.home)                  # the running desk: the same process's engine and kept versions
        assert _shown(desk, d).submitted_by == "drafter"

        # Restored from the dump while the desk runs: its connections are cut, its pool reconnects.
        with pg_module.connect(autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            admin.execute(f'DROP DATABASE "{name}"')
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{name}_dump"')
        # After the restore another clerk of the unit sends the same files as version 2: the same row id.
        _second_drafter(svc, "drafter9")
        again = intake_bundle([second], "drafter9", open_services(svc.home), dossier_hint=d)
        assert again.accepted and again.version == 2, again.problems
        stored = _stored(desk, d)
        assert stored.submitted_by == "drafter9"
        shown = _shown(desk, d)
        assert shown == stored, f"the desk shows {shown.submitted_by}'s version 2, the database holds {stored.submitted_by}'s"
    finally:
        context._engines.pop(url, None)
        svc.engine.dispose()


def _home(path: Path):
    from services.home.context import initialise
    from services.home.folder import Home
    _, svc = initialise(Home(path))
    return svc


def test_two_homes_in_one_process_with_the_same_relative_database_show_their_own_versions(tmp_path, monkeypatch,
                                                                                            sample_zip):
    from services.dossiers.intake import intake_bundle
    monkeypatch.delenv("LOCKSTEP_DATABASE_URL", raising=False)
    monkeypatch.delenv("LOCKSTEP_OBJECTS", raising=False)
    monkeypatch.chdir(tmp_path)
    a, b = _home(tmp_path / "a"), _home(tmp_path / "b")
    assert a.home.raw.get("storage", {}).get("database", "sqlite:///lockstep.db") == "sqlite:///lockstep.db"
    _second_drafter(b, "drafter9")
    bundle = sample_zip(doc_number="根政办发〔2019〕402号")
    da = intake_bundle([bundle], "drafter", a).dossier
    from services.home.context import open_services
    db = intake_bundle([bundle], "drafter9", open_services(b.home)).dossier
    with a.reading() as ua, b.reading() as ub:
        va, vb = ua.dossiers.version_row(da, 1), ub.dossiers.version_row(db, 1)
        assert (da, va.id, va.fingerprint) == (db, vb.id, vb.fingerprint)     # the same key but for the home
    assert _shown(a, da).submitted_by == "drafter" and _shown(b, db).submitted_by == "drafter9"
    assert _shown(a, da) == _stored(a, da) and _shown(b, db) == _stored(b, db)


def test_lockstep_restore_by_another_process_is_refused_while_this_one_keeps_versions_of_the_home(svc, tmp_path,
                                                                                                     sample_zip):
    from services.dossiers.intake import intake_bundle
    d = intake_bundle([sample_zip(doc_number="根政办发〔2019〕403号")], "drafter", svc).dossier
    backup = tmp_path / "backup"
    env = {k: v for k, v in os.environ.items() if k not in ("LOCKSTEP_DATABASE_URL", "LOCKSTEP_OBJECTS")}
    env["PYTHONPATH"] = str(ROOT)

    def lockstep(*args: str) -> tuple[int, dict, str]:
        p = subprocess.run([*LOCKSTEP, "--home", str(svc.home.path), *args, "--json"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=180)
        return p.returncode, json.loads(p.stdout) if p.stdout.strip() else {}, p.stderr

    code, _answer, err = lockstep("backup", str(backup))
    assert code == 0, err[-2000:]
    v2 = intake_bundle([sample_zip(doc_number="根政办发〔2019〕403号", title="根河市政务公开办法（修改稿）")],
                       "drafter", svc, dossier_hint=d)
    assert v2.version == 2
    assert _shown(svc, d).number == 2                   # kept, and this process has the database open
    code, answer, err = lockstep("restore", str(backup))
    assert code != 0, answer
    assert str(os.getpid()) in json.dumps(answer, ensure_ascii=False) + err, (answer, err[-2000:])
    assert _shown(svc, d) == _stored(svc, d) and _shown(svc, d).number == 2


def test_a_dossier_resubmitted_with_identical_files_is_shown_as_stored(svc, sample_zip):
    from services.dossiers.intake import intake_bundle
    bundle = sample_zip(doc_number="根政办发〔2019〕404号")
    d = intake_bundle([bundle], "drafter", svc).dossier
    before = _shown(svc, d)
    changed = sample_zip(doc_number="根政办发〔2019〕404号", title="根河市政务公开办法（修改稿）")
    assert intake_bundle([changed], "drafter", svc, dossier_hint=d).version == 2
    assert _shown(svc, d).number == 2
    again = intake_bundle([bundle], "drafter", svc, dossier_hint=d)     # the first files once more
    with svc.reading() as uow:
        row = uow.dossiers.require(d)
    assert _shown(svc, d) == _stored(svc, d), (again, row.current_version)
    assert _shown(svc, d).number == row.current_version
    assert before.number == 1


def test_two_homes_in_one_process_under_one_relative_database_url_each_use_the_file_of_their_working_folder(
        tmp_path, monkeypatch, sample_zip):
    """LOCKSTEP_DATABASE_URL=sqlite:///lockstep.db is taken as given: a file of the working folder. One
    process opens a home from folder A, then (another working folder, B) another home: the second must
    get B's file, never A's pooled connections nor the versions built from A (was broken: the engine and
    the kept versions were found by the relative URL, so home B read and wrote home A's database)."""
    from services.dossiers.intake import intake_bundle
    from services.home import context
    from services.home.context import initialise
    from services.home.folder import Home
    monkeypatch.setenv("LOCKSTEP_DATABASE_URL", "sqlite:///lockstep.db")
    monkeypatch.delenv("LOCKSTEP_OBJECTS", raising=False)
    (tmp_path / "A").mkdir()
    (tmp_path / "B").mkdir()
    monkeypatch.chdir(tmp_path / "A")
    _, a = initialise(Home(tmp_path / "A" / "home"))
    da = intake_bundle([sample_zip(doc_number="根政办发〔2019〕405号")], "drafter", a).dossier
    shown_a = _shown(a, da)
    monkeypatch.chdir(tmp_path / "B")
    try:
        _, b = initialise(Home(tmp_path / "B" / "home"))
        with b.reading() as uow:
            assert uow.dossiers.get(da) is None, "home B reads home A's database"
        assert (tmp_path / "B" / "lockstep.db").is_file()
        _second_drafter(b, "drafter9")
        from services.home.context import open_services
        db_ = intake_bundle([sample_zip(doc_number="根政办发〔2019〕405号")], "drafter9", open_services(b.home)).dossier
        assert _shown(b, db_).submitted_by == "drafter9" and _shown(b, db_) == _stored(b, db_)
        monkeypatch.chdir(tmp_path / "A")
        assert _shown(a, da) == shown_a == _stored(a, da)
    finally:
        for url in list(context._engines):
            if "lockstep.db" in url and str(tmp_path) in url or url == "sqlite:///lockstep.db":
                context._engines.pop(url).dispose()
