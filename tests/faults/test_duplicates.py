"""Duplicates are a constraint, not a coincidence (issue 12, item 2).

The same 20 bundles are submitted by two processes at once, each calling
services.dossiers.intake.intake_bundle directly (no Prefect), on SQLite and on PostgreSQL. The unique
indexes of migration 0013 fail the later of two racing commits; the loser's transaction runs again
and finds the winner's version. So: exactly 20 dossiers, each bundle in one, and for every bundle
one process reports it stored (new) and the other reports the same dossier as a duplicate.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from samples.genhe import write_bundles
from storage import audit
from storage.tables import DossierRow, VersionRow

ROOT = Path(__file__).resolve().parents[2]
N = 20
WORKER = r"""
import json, sys, time
from pathlib import Path
from services.home.context import open_services
from services.home.folder import Home
from services.dossiers.intake import intake_bundle

home, go, bundles = Path(sys.argv[1]), Path(sys.argv[2]), [Path(p) for p in sys.argv[3:]]
svc = open_services(Home(home))
deadline = time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:      # both start together
    time.sleep(0.005)
for b in bundles:
    r = intake_bundle([b], "drafter", svc)
    print(json.dumps({"bundle": b.name, "dossier": r.dossier, "duplicate": r.duplicate,
                      "new": r.new_dossier, "accepted": r.accepted}), flush=True)
"""


@pytest.fixture(scope="module")
def pg():
    from tests.support.postgres import postgres_server
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="module")
def bundles(tmp_path_factory) -> list[Path]:
    return write_bundles(tmp_path_factory.mktemp("bundles"), N, seed=12)


@pytest.fixture(params=["sqlite", "postgresql"])
def home(request, tmp_path, monkeypatch):
    from services.home import context as context
    from services.home.context import initialise
    from services.home.folder import Home
    if request.param == "postgresql":
        pg = request.getfixturevalue("pg")
        monkeypatch.setenv("LOCKSTEP_DATABASE_URL", pg.create_database(f"dup_{uuid.uuid4().hex[:12]}"))
    _, svc = initialise(Home(tmp_path / "home"))
    assert svc.engine.dialect.name == request.param
    yield svc
    context._engines.pop(svc.home.database_url, None)
    svc.engine.dispose()


def _run_two(svc, bundles: list[Path]) -> list[list[dict]]:
    go = Path(tempfile.mkdtemp(prefix="dup-go-")) / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(svc.home.path), str(go), *map(str, bundles)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    try:
        time.sleep(0.3)
        go.touch()
        outs = [p.communicate(timeout=240) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        go.unlink(missing_ok=True)
        go.parent.rmdir()
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err[-4000:]
    return [[json.loads(line) for line in out.splitlines() if line.startswith("{")] for out, _ in outs]


def test_the_same_bundles_from_two_processes_at_once_end_in_one_dossier_each(home, bundles):
    first, second = _run_two(home, bundles)
    assert len(first) == len(second) == N
    for a, b in zip(first, second):
        assert a["bundle"] == b["bundle"] and a["accepted"] and b["accepted"]
        assert a["dossier"] == b["dossier"], (a, b)               # one dossier per bundle
        # Exactly one process stored it (new); the other was told it is a duplicate of that one.
        assert sorted([a["duplicate"], b["duplicate"]]) == [False, True], (a, b)
        stored = a if not a["duplicate"] else b
        assert stored["new"]
    with home.session() as s:
        assert s.scalar(select(func.count()).select_from(DossierRow)) == N
        assert s.scalar(select(func.count()).select_from(VersionRow)) == N
        assert len(set(s.scalars(select(VersionRow.fingerprint)))) == N
        assert audit.verify(s) == []


def test_the_migration_keeps_the_earliest_of_duplicates_made_before_it(tmp_path, bundles, capfd):
    """A home whose racing intakes made duplicates before 0013: the upgrade keeps the earliest,
    removes the untouched later copy, reports it, and does not fail."""
    from alembic import command
    from services.home.context import initialise
    from services.home.folder import Home
    from services.dossiers.intake import intake_bundle
    from storage.db import _alembic_config, current_revision, migrate
    _, svc = initialise(Home(tmp_path / "home"))
    first = intake_bundle([bundles[0]], "drafter", svc)
    with svc.engine.begin() as c:
        command.downgrade(_alembic_config(c), "0012")
    with svc.session() as s:          # what lost races left: the same files as further dossiers
        # the columns 0012 has (0018 adds to dossiers, so not the whole mapped row)
        d = s.execute(select(DossierRow.id, DossierRow.kind, DossierRow.title, DossierRow.doc_number,
                             DossierRow.drafting_unit, DossierRow.created_at, DossierRow.updated_at)
                      .filter_by(id=first.dossier)).one()
        # the columns 0012 has (later migrations add to versions, so not the whole mapped row)
        v = s.execute(select(VersionRow.fingerprint, VersionRow.kind, VersionRow.drafting_unit,
                             VersionRow.submitted_by, VersionRow.submitted_by_unit, VersionRow.submitted_at)
                      .filter_by(dossier_id=d.id)).one()
        for copy, state in (("D2019-9998", "submitted"), ("D2019-9999", "in_review")):
            s.execute(insert(DossierRow.__table__).values(
                id=copy, kind=d.kind, title=d.title, doc_number=d.doc_number, drafting_unit=d.drafting_unit,
                state=state, current_version=1, created_at=d.created_at, updated_at=d.updated_at))
            s.execute(insert(VersionRow.__table__).values(
                dossier_id=copy, number=1, fingerprint=v.fingerprint, kind=v.kind,
                drafting_unit=v.drafting_unit, submitted_by=v.submitted_by,
                submitted_by_unit=v.submitted_by_unit, submitted_at=v.submitted_at, problems=[]))
    migrate(svc.engine)
    assert current_revision(svc.engine) >= "0013"
    out = capfd.readouterr().err
    assert "D2019-9998" in out and "已删除" in out and "D2019-9999" in out and "予以保留" in out
    with svc.session() as s:
        assert s.get(DossierRow, "D2019-9998") is None                 # untouched copy: removed
        assert s.get(DossierRow, "D2019-9999").state == "in_review"    # acted on: kept as it was
        assert s.get(DossierRow, first.dossier) is not None
    again = intake_bundle([bundles[0]], "drafter", svc)
    assert again.duplicate and again.dossier == first.dossier
    # The kept copy is outside the indexes; every other row is inside them.
    with pytest.raises(IntegrityError), svc.session() as s:
        s.add(DossierRow(id="D2019-9997", kind=d.kind, title=d.title, doc_number=d.doc_number,
                         drafting_unit=d.drafting_unit, state="submitted", current_version=1,
                         created_at=d.created_at, updated_at=d.updated_at))
