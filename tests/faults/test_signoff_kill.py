"""Sign-off killed with SIGKILL at named points, then `lockstep publish --pending` (issue 12, items 3-4).

A real `lockstep sign-off D --as signer --json` process dies (services/home/crashpoints.py) right after
the sign-off's commit, with the pages staged but nothing committed, or after the publication's commit
with its pages still under temporary names. Then a real `lockstep publish --pending --json` finishes the
work: the dossier is published exactly once (one gazette item, one register entry, one publication
event, pages on disk with the bytes of their rows), the audit chain verifies, no page file is on
disk without its row and no temporary file is left.

Both processes talk to the session's Prefect test server (PREFECT_API_URL), so each starts in a few
seconds instead of starting a server of its own; nothing they start outlives them.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.home.context import initialise
from services.home.folder import Home
from services.dossiers.intake import intake_bundle
from services.review.actions import record_decision
from storage.tables import DossierRow, EventRow, GazetteItemRow, JobRow, PageRow, RegisterEntryRow
from tests.support.desk import stop

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def ready(tmp_path, sample_zip):
    """A home whose sample dossier the default people approved: ready to sign."""
    _, svc = initialise(Home(tmp_path / "home"))
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        record_decision(svc, d, stage, "approve", "同意", who)
    return svc, d


def lockstep(svc, *args: str, crash_at: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    from prefect.settings import PREFECT_API_URL
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(),
           "PREFECT_HOME": str(svc.home.path.parent / "prefect-client")}
    env.pop("LOCKSTEP_TEST_CRASH_AT", None)
    if crash_at:
        env["LOCKSTEP_TEST_CRASH_AT"] = crash_at
    return subprocess.run([sys.executable, "-m", "cli.main", "--home", str(svc.home.path), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def count(s, table, **where) -> int:
    return s.scalar(select(func.count()).select_from(table).filter_by(**where))


def site_files(svc) -> list[Path]:
    return sorted(p for p in svc.home.site.rglob("*") if p.is_file())


@pytest.mark.parametrize("point", ["sign_off.after_commit", "publish.before_commit", "publish.after_commit"])
def test_a_sign_off_killed_at_a_named_point_is_published_once_by_the_sweep(ready, point):
    svc, d = ready
    killed = lockstep(svc, "sign-off", d, "--as", "signer", "--json", crash_at=point)
    assert killed.returncode == -9, killed.stdout + killed.stderr

    with svc.session() as s:
        state = s.get(DossierRow, d).state
        [job] = s.scalars(select(JobRow)).all()
        pages = {p.path for p in s.scalars(select(PageRow))}
    # What the kill left: signed off always (the job with it); published only past the commit.
    assert state == ("registered" if point == "publish.after_commit" else "signed_off")
    assert job.status == ("done" if point == "publish.after_commit" else
                          "claimed" if point == "publish.before_commit" else "pending")
    on_disk = [p.relative_to(svc.home.site).as_posix() for p in site_files(svc)]
    assert [p for p in on_disk if not p.split("/")[-1].startswith(".tmp-") and p.endswith(".html")
            and p not in pages] == []                       # no page without its row, whatever the point
    if point != "sign_off.after_commit":
        assert any(p.split("/")[-1].startswith(".tmp-") for p in on_disk)     # staged, not in place

    swept = lockstep(svc, "publish", "--pending", "--json")
    assert swept.returncode == 0, swept.stdout + swept.stderr
    report = json.loads(swept.stdout)
    if point == "publish.after_commit":        # the work was committed: its pages are moved into place
        assert report["results"] == [] and report["removed"] == []
        assert {p for p in report["placed"] if not p.startswith("assets/")} == {
            f"policies/{d}.html", f"interpretations/{d}.html"}
    else:
        assert [(r["dossier"], r["published"]) for r in report["results"]] == [(d, True)]

    with svc.session() as s:
        assert s.get(DossierRow, d).state == "registered"
        assert (count(s, GazetteItemRow, dossier_id=d), count(s, RegisterEntryRow, dossier_id=d),
                count(s, EventRow, dossier_id=d, name="dossier.published")) == (1, 1, 1)
        assert [j.status for j in s.scalars(select(JobRow))] == ["done"]
        rows = {p.path: p.sha256 for p in s.scalars(select(PageRow))}
    assert sorted(rows) == sorted([f"interpretations/{d}.html", f"policies/{d}.html"])
    for path, sha in rows.items():
        assert hashlib.sha256((svc.home.site / path).read_bytes()).hexdigest() == sha
    names = [p.relative_to(svc.home.site).as_posix() for p in site_files(svc)]
    assert not [n for n in names if n.split("/")[-1].startswith(".tmp-")]
    assert sorted(n for n in names if n.endswith(".html") and n.split("/")[0] in ("policies", "interpretations")) \
        == sorted(rows)
    assert all(n in rows or n.startswith("assets/") for n in names), names

    # Reads run in-process (no workflow engine to start): the chain verifies, and a second sweep finds nothing.
    from typer.testing import CliRunner
    from cli.main import app
    from services.publication.publish import publish_pending
    verified = CliRunner().invoke(app, ["--home", str(svc.home.path), "audit", "verify", "--json"])
    assert verified.exit_code == 0, verified.output
    assert publish_pending(svc).model_dump() == {"results": [], "placed": [], "removed": []}


def test_a_desk_started_after_the_kill_publishes_what_waits(ready):
    import signal
    import time
    from prefect.settings import PREFECT_API_URL
    svc, d = ready
    assert lockstep(svc, "sign-off", d, "--as", "signer", "--json", crash_at="sign_off.after_commit").returncode == -9
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(),
           "PREFECT_HOME": str(svc.home.path.parent / "prefect-desk")}
    env.pop("LOCKSTEP_TEST_CRASH_AT", None)
    log = svc.home.path.parent / "desk.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "cli.main", "--home", str(svc.home.path), "serve", "--port", "0"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            with svc.session() as s:
                rows = {p.path: p.sha256 for p in s.scalars(select(PageRow))}
            if rows and all((svc.home.site / p).exists() for p in rows) and "已补发布 1 份卷宗" in log.read_text():
                break                               # committed, in place, and the desk says so
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the desk did not publish the waiting job in 120 s\n" + log.read_text()
            time.sleep(0.3)
        handed = lockstep(svc, "publish", "--pending", "--json")     # handed to the running desk
        assert handed.returncode == 0 and json.loads(handed.stdout)["results"] == [], handed.stdout + handed.stderr
    finally:
        stop(proc)
    with svc.session() as s:
        assert s.get(DossierRow, d).state == "registered"
        assert (count(s, GazetteItemRow, dossier_id=d), count(s, EventRow, dossier_id=d, name="dossier.published")) \
            == (1, 1)
        assert [j.status for j in s.scalars(select(JobRow))] == ["done"]
    for path, sha in rows.items():
        assert hashlib.sha256((svc.home.site / path).read_bytes()).hexdigest() == sha


def test_the_scheduled_check_publishes_what_waits(ready):
    from flows.run import run_deadlines
    svc, d = ready
    from services.review.actions import record_sign_off
    record_sign_off(svc, d, "signer")                 # and nothing ran its publication
    run_deadlines(svc.home.path, here=True)
    with svc.session() as s:
        assert s.get(DossierRow, d).state == "registered"
        assert [j.status for j in s.scalars(select(JobRow))] == ["done"]
