"""Files and objects in step with rows after a kill -9 (issue 12, item 4).

Real subprocesses die by SIGKILL at named points (services/home/crashpoints.py): an intake with some of
a bundle's objects stored and no row, and a gazette release before and after its commit. Then
`lockstep storage check` reports what they left, `--repair` removes it, the rerun completes the
work, `storage check` is clean and `lockstep audit verify` passes. The editions are deterministic:
a rerun without a repair names every object the killed run stored.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from samples.genhe import write_bundles
from services.gazette import issues as gazette
from tests.storage.test_gazette_storage import signed_dossier

ROOT = Path(__file__).resolve().parents[2]
LOCKSTEP = [sys.executable, "-c", "from cli.main import run; run()"]
INTAKE = r"""
import json, os, sys
from pathlib import Path
from services.home.context import open_services
from services.home.folder import Home
from services.dossiers.intake import intake_bundle

home, crash_from, point = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
svc = open_services(Home(home))
for n, b in enumerate(sys.argv[4:]):
    if n == crash_from:
        os.environ["LOCKSTEP_TEST_CRASH_AT"] = point      # this bundle dies at the named point
    r = intake_bundle([Path(b)], "drafter", svc)
    print(json.dumps({"dossier": r.dossier, "duplicate": r.duplicate, "accepted": r.accepted}), flush=True)
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "LOCKSTEP_TEST_CRASH_AT"}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def _run(args: list[str], timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=_env(**env), capture_output=True, text=True, timeout=timeout)


def lockstep(home: Path, *args: str, **env: str) -> tuple[int, dict]:
    """The command in a subprocess when it is to die at a crash point, else in-process (typer's
    runner, as the CLI tests do: a fresh interpreter per check would triple this file's time)."""
    if env:
        r = _run([*LOCKSTEP, "--home", str(home), *args, "--json"], **env)
        code, stdout, stderr = r.returncode, r.stdout, r.stderr
    else:
        from typer.testing import CliRunner
        from cli.main import app
        res = CliRunner().invoke(app, ["--home", str(home), *args, "--json"])
        code, stdout, stderr = res.exit_code, res.stdout, repr(res.exception)
    if code == -signal.SIGKILL:
        return code, {}
    try:
        return code, json.loads(stdout)
    except ValueError:
        raise AssertionError(f"exit {code}, no JSON:\n{stdout}\n{stderr[-3000:]}") from None


def intake(home: Path, bundles: list[Path], crash_from: int = -1, point: str = "") -> subprocess.CompletedProcess:
    return _run([sys.executable, "-c", INTAKE, str(home), str(crash_from), point, *map(str, bundles)])


def _clean_and_verified(home: Path) -> dict:
    code, report = lockstep(home, "storage", "check")
    assert code == 0 and report["ok"], report
    code, verified = lockstep(home, "audit", "verify")
    assert code == 0 and verified["ok"], verified
    return report


@pytest.fixture(scope="module")
def province_parts():
    """A real PostgreSQL and a real S3 server (SeaweedFS) on loopback, for this module."""
    from tests.support.postgres import postgres_server
    from tests.support.seaweed import seaweed_s3
    tmp = Path(tempfile.mkdtemp(prefix="orphans-s3-"))
    try:
        with postgres_server() as pg, seaweed_s3(tmp) as s3:
            yield pg, s3
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(params=["sqlite+folder", "postgresql+s3"])
def fault_svc(request, tmp_path, monkeypatch):
    """A home on SQLite and a folder store, and as a second run on PostgreSQL and S3: the killed
    subprocess and the checks after it inherit the same LOCKSTEP_DATABASE_URL and LOCKSTEP_OBJECTS."""
    from services.home import context as context
    from services.home.context import initialise
    from services.home.folder import Home
    if request.param == "postgresql+s3":
        pg, s3 = request.getfixturevalue("province_parts")
        tag = uuid.uuid4().hex[:12]
        monkeypatch.setenv("LOCKSTEP_DATABASE_URL", pg.create_database(f"orphans_{tag}"))
        monkeypatch.setenv("LOCKSTEP_OBJECTS", s3.url(f"orphans-{tag}"))
    _, svc = initialise(Home(tmp_path / "home"))
    yield svc
    context._engines.pop(svc.home.database_url, None)
    svc.engine.dispose()


def test_an_intake_killed_between_its_objects_and_its_rows_is_found_repaired_and_completed(fault_svc, tmp_path):
    svc = fault_svc
    home = svc.home
    bundles = write_bundles(tmp_path / "bundles", 4, seed=4)
    killed = intake(home.path, bundles, crash_from=2, point="intake.object_stored")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert len(killed.stdout.splitlines()) == 2                 # two bundles stored before the kill

    code, report = lockstep(home.path, "storage", "check")
    assert code == 1 and report["counts"]["orphan_objects"] == 1, report    # one member, no row
    assert report["counts"]["missing_objects"] == 0
    code, repaired = lockstep(home.path, "storage", "check", "--repair", "--grace", "0")
    assert code == 0 and repaired["counts"]["removed"] == 1, repaired

    from services.dossiers.intake import intake_bundle
    results = [intake_bundle([b], "drafter", svc) for b in bundles]        # the rerun
    assert [r.duplicate for r in results] == [True, True, False, False]
    assert len({r.dossier for r in results}) == 4
    _clean_and_verified(home.path)


def _draft_issue(svc, tmp_path):
    dossiers = [signed_dossier(svc, tmp_path / "bundles"), signed_dossier(svc, tmp_path / "bundles", government=True)]
    gazette.create_issue(svc, 2019, 8, "editor", total=120)
    gazette.add_items(svc, "2019-8", dossiers, "editor")
    return svc


@pytest.fixture
def draft_issue(svc, tmp_path):
    """Two published dossiers in a draft issue, ready for release."""
    return _draft_issue(svc, tmp_path)


@pytest.fixture
def any_draft_issue(fault_svc, tmp_path):
    """The same on SQLite and a folder store, and on PostgreSQL and S3."""
    return _draft_issue(fault_svc, tmp_path)


def release(home: Path, out: Path, **env: str) -> tuple[int, dict]:
    return lockstep(home, "gazette", "issue", "release", "2019-8", "--out", str(out), "--as", "editor",
                    "--date", "2019-08-30", **env)


def test_a_release_killed_before_its_commit_leaves_a_draft_and_strays_that_repair_removes(any_draft_issue):
    svc = any_draft_issue
    home, out = svc.home.path, svc.home.path / "gazette"
    code, _ = release(home, out, LOCKSTEP_TEST_CRASH_AT="gazette.release.before_commit")
    assert code == -signal.SIGKILL
    # The decision committed with its job (the outbox): 出版中, not out; the job's work died uncommitted.
    assert gazette.show_issue(svc, "2019-8").status == "releasing"
    assert not (out / "2019-8").exists()                # no complete-looking edition of an issue not out

    code, report = lockstep(home, "storage", "check")
    assert code == 1, report
    assert report["counts"]["orphan_objects"] >= 3      # the print edition, the manifest, its pages
    assert any(Path(t["what"]).name.startswith(".tmp-2019-8-") for t in report["temp_files"])
    code, repaired = lockstep(home, "storage", "check", "--repair", "--grace", "0")
    assert code == 0 and repaired["counts"]["removed"] == report["counts"]["orphan_objects"] + 1, repaired

    code, done = release(home, out)
    assert code == 0, done
    assert (out / "2019-8" / "公报2019年第8期.docx").is_file()
    assert gazette.show_issue(svc, "2019-8").status == "released"
    _clean_and_verified(home)


def test_a_release_rerun_reuses_every_object_the_killed_one_stored(draft_issue):
    """Deterministic editions: no timestamp in them, so the rerun stores exactly the same objects."""
    svc = draft_issue
    home, out = svc.home.path, svc.home.path / "gazette"
    assert release(home, out, LOCKSTEP_TEST_CRASH_AT="gazette.release.before_commit")[0] == -signal.SIGKILL
    left = {o["what"] for o in lockstep(home, "storage", "check")[1]["orphan_objects"]}
    assert left
    code, done = release(home, out)
    assert code == 0, done
    assert done["issue"]["print_sha256"] in left and done["issue"]["web_sha256"] in left
    code, report = lockstep(home, "storage", "check")
    assert report["counts"]["orphan_objects"] == 0 and report["counts"]["temp_files"] == 0, report
    _clean_and_verified(home)


def test_a_release_killed_after_its_commit_is_completed_into_the_same_folder(draft_issue, tmp_path):
    svc = draft_issue
    out = tmp_path / "editions"                         # any --out, as the command allows
    code, _ = release(svc.home.path, out, LOCKSTEP_TEST_CRASH_AT="gazette.release.after_commit")
    assert code == -signal.SIGKILL
    assert gazette.show_issue(svc, "2019-8").status == "released"
    assert not (out / "2019-8").exists() and list(out.glob(".tmp-2019-8-*"))

    code, done = release(svc.home.path, out)             # the same command again completes it
    assert code == 0, done
    folder = out / "2019-8"
    assert done["issue"]["folder"] == str(folder) and not list(out.glob(".tmp-*"))
    import hashlib
    assert hashlib.sha256((folder / "公报2019年第8期.docx").read_bytes()).hexdigest() == done["issue"]["print_sha256"]
    # Once complete, running it again is not an error either; another folder still is refused.
    assert release(svc.home.path, out)[0] == 0
    code, refused = release(svc.home.path, tmp_path / "elsewhere")
    assert code == 1 and refused["problems"][0]["code"] == "invalid_state"
    _clean_and_verified(svc.home.path)


def test_a_folder_from_a_different_release_is_still_refused(draft_issue, tmp_path):
    svc = draft_issue
    out = tmp_path / "editions"
    (out / "2019-8").mkdir(parents=True)
    (out / "2019-8" / "别的东西.txt").write_text("不是本期", encoding="utf-8")
    with pytest.raises(Exception) as e:
        gazette.release_issue(svc, "2019-8", out, "editor", dt.date(2019, 8, 30))
    assert e.value.problem.code == "invalid_state" and "已存在" in e.value.problem.message
    assert gazette.show_issue(svc, "2019-8").status == "draft"
    assert (out / "2019-8" / "别的东西.txt").is_file() and not list(out.glob(".tmp-*"))
