"""Brief H1 (session 12), item 1: a `lockstep withhold` killed at any point before its commit leaves the
disk failed closed (the document off the site, the released edition's folder revised, its print edition
private) while the record says public. `lockstep storage check` did not compare release folders with
the stored editions: nothing reported it and nothing brought it back. Now storage check reports the
folder (release_folder_mismatch, a coded problem) and the missing pages, and `--repair` writes them again
from the record; the same withhold command again completes it as well. The other way never happens: a
folder showing a withheld document is reported and repaired to its public revision, and a repair racing
a withhold never brings the withheld document back. Real subprocesses killed with SIGKILL (or stopped)
at services/home/crashpoints.py points."""
from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import time

import pytest

from tests.faults.test_orphans import (LOCKSTEP, ROOT, _clean_and_verified, _draft_issue, _env, fault_svc,  # noqa: F401
                                     lockstep, province_parts, release)  # noqa: F401  (fixtures)
from tests.faults.test_s11_q_kill import _stopped

REASON = "经审查发现涉及不宜公开的内容，撤回公开"
PRINT = "公报2019年第8期.docx"


def _released(svc, tmp_path):
    svc = _draft_issue(svc, tmp_path)
    home = svc.home.path
    code, done = release(home, home / "gazette")
    assert code == 0, done
    with svc.unit() as uow:
        d = uow.gazette.members("2019-8")[0].dossier_id
        title = uow.dossiers.require(d).title
    return home, d, title


def _shown(home, title) -> list[str]:
    """The released folder's pages that name the title."""
    html = home / "gazette" / "2019-8" / "html"
    return sorted(p.relative_to(html).as_posix() for p in html.rglob("*")
                  if p.is_file() and title in p.read_text(encoding="utf-8", errors="replace"))


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("point", ["withhold.site_removed", "edition_folder.rewriting", "withhold.before_commit"])
def test_a_withhold_killed_at_any_point_is_reported_by_storage_check_and_repaired_from_the_record(svc, tmp_path, point):
    from services.dossiers.withhold import withheld_of
    home, d, title = _released(svc, tmp_path)
    page = svc.home.site / "policies" / f"{d}.html"
    shown = _shown(home, title)
    assert shown and page.is_file() and _mode(home / "gazette" / "2019-8" / PRINT) == 0o644
    args = ("withhold", d, "--reason", REASON, "--as", "editor")

    code, _ = lockstep(home, *args, LOCKSTEP_TEST_CRASH_AT=point)
    assert code == -signal.SIGKILL
    assert withheld_of(svc, d) is None                      # the record: still public
    assert not page.exists()                                # the disk: failed closed
    code, report = lockstep(home, "storage", "check")
    assert code == 1 and not report["ok"], report
    assert f"policies/{d}.html" in [m["path"] for m in report["missing_pages"]], report
    if point != "withhold.site_removed":                    # the folder was (partly) revised
        assert _shown(home, title) != shown
        assert [f["issue"] for f in report["release_folders"]] == ["2019-8"], report
        assert [p["code"] for p in report["problems"]] == ["release_folder_mismatch"], report
        assert "公报 2019-8" in report["problems"][0]["message"], report
    if point == "withhold.before_commit":                   # the print edition was made private too
        assert report["release_folders"][0]["prints_hidden"] == [PRINT], report

    code, repaired = lockstep(home, "storage", "check", "--repair", "--grace", "0")
    assert code == 0 and repaired["ok"], repaired
    assert page.is_file() and _shown(home, title) == shown
    assert _mode(home / "gazette" / "2019-8" / PRINT) == 0o644
    _clean_and_verified(home)

    code, done = lockstep(home, *args)                      # and the withhold, asked again, is whole
    assert code == 0 and done["issues"] == ["2019-8"], done
    assert withheld_of(svc, d) is not None and not page.exists() and _shown(home, title) == []
    assert _mode(home / "gazette" / "2019-8" / PRINT) == 0o600
    _clean_and_verified(home)


def test_a_withhold_killed_while_rewriting_the_folder_is_completed_by_the_same_command(svc, tmp_path):
    from services.dossiers.withhold import withheld_of
    home, d, title = _released(svc, tmp_path)
    args = ("withhold", d, "--reason", REASON, "--as", "editor")
    code, _ = lockstep(home, *args, LOCKSTEP_TEST_CRASH_AT="edition_folder.rewriting")
    assert code == -signal.SIGKILL
    code, done = lockstep(home, *args)
    assert code == 0 and done["issues"] == ["2019-8"], done
    assert withheld_of(svc, d) is not None and _shown(home, title) == []
    _clean_and_verified(home)


def test_a_folder_showing_a_withheld_document_again_is_reported_and_repaired_to_its_public_revision(svc, tmp_path):
    """Whatever put it back (an old copy of the folder, a sync from elsewhere): the withheld document's
    pages in a released folder are a release_folder_mismatch, and --repair takes them down."""
    from services.dossiers.withhold import withhold
    home, d, title = _released(svc, tmp_path)
    folder = home / "gazette" / "2019-8"
    old = tmp_path / "old-copy"
    shutil.copytree(folder, old)
    withhold(svc, d, REASON, "editor")
    assert _shown(home, title) == []
    shutil.rmtree(folder)
    shutil.copytree(old, folder)                            # the old edition, print edition 0644 included
    assert _shown(home, title) != []
    code, report = lockstep(home, "storage", "check")
    assert code == 1 and [p["code"] for p in report["problems"]] == ["release_folder_mismatch"], report
    found = report["release_folders"][0]
    assert found["missing"] and found["prints_public"] == [PRINT], found
    code, repaired = lockstep(home, "storage", "check", "--repair", "--grace", "0")
    assert code == 0, repaired
    assert _shown(home, title) == [] and _mode(folder / PRINT) == 0o600
    _clean_and_verified(home)


def test_a_repair_racing_a_withhold_never_brings_the_withheld_document_back(svc, tmp_path):
    """`storage check --repair` has read the record (public) and the folder; it is stopped there (SIGSTOP)
    when a withhold runs. The repair writes the folder holding the issue's dossiers, so the withhold waits
    for it (or, had it committed first, the repair reads its revision): once both are done the folder is
    the public revision, never the withheld document's pages."""
    from services.dossiers.withhold import withheld_of
    home, d, title = _released(svc, tmp_path)
    folder = home / "gazette" / "2019-8"
    (folder / "html" / "index.html").unlink()               # something for the repair to write
    repairing = subprocess.Popen([*LOCKSTEP, "--home", str(home), "storage", "check", "--repair", "--grace", "0",
                                  "--json"], cwd=ROOT, env=_env(LOCKSTEP_TEST_CRASH_AT="stop:storage.release_folder.held"),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    withholding = None
    try:
        assert _stopped(repairing, time.monotonic() + 90), repairing.communicate(timeout=5)
        withholding = subprocess.Popen([*LOCKSTEP, "--home", str(home), "withhold", d, "--reason", REASON, "--as",
                                        "editor", "--json"], cwd=ROOT, env=_env(),
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:            # it waits for the repair's hold (or, without one, would be done meanwhile): either way on
            withholding.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        os.kill(repairing.pid, signal.SIGCONT)
        out, err = repairing.communicate(timeout=120)
        assert repairing.returncode in (0, 1), err[-3000:]
        wout, werr = withholding.communicate(timeout=120)
        assert withholding.returncode == 0, wout + werr[-3000:]
    finally:
        for proc in (repairing, withholding):
            if proc is not None and proc.poll() is None:
                os.kill(proc.pid, signal.SIGCONT)
                proc.kill()
                proc.wait()
    assert withheld_of(svc, d) is not None
    assert _shown(home, title) == [], "the withheld document is back in the released folder"
    assert _mode(folder / PRINT) == 0o600
    _clean_and_verified(home)


def test_a_picture_of_a_public_page_missing_from_the_site_is_reported_and_written_again(svc, tmp_path):
    """A withhold killed after taking a dossier's own pictures off the site leaves its pages (written again
    by --repair) showing pictures that are not there: storage check did not count pictures as public files
    (only pages), so nothing reported or restored them."""
    home, _d, _title = _released(svc, tmp_path)
    pictures = sorted((svc.home.site / "assets").glob("*.png"))
    assert pictures
    kept = pictures[0].read_bytes()
    pictures[0].unlink()
    code, report = lockstep(home, "storage", "check")
    assert code == 1 and [m["path"] for m in report["missing_pages"]] == [f"assets/{pictures[0].name}"], report
    code, repaired = lockstep(home, "storage", "check", "--repair", "--grace", "0")
    assert code == 0 and repaired["counts"]["restored"] == 1, repaired
    assert pictures[0].read_bytes() == kept and _mode(pictures[0]) == 0o644
    _clean_and_verified(home)


def test_on_postgresql_and_s3_a_withhold_killed_before_its_commit_is_reported_and_repaired(fault_svc, tmp_path):
    """The same on both embedded and province parts (a real PostgreSQL and a real S3 server for the second)."""
    from services.dossiers.withhold import withheld_of
    svc = fault_svc
    home, d, title = _released(svc, tmp_path)
    shown = _shown(home, title)
    args = ("withhold", d, "--reason", REASON, "--as", "editor")
    code, _ = lockstep(home, *args, LOCKSTEP_TEST_CRASH_AT="withhold.before_commit")
    assert code == -signal.SIGKILL
    assert withheld_of(svc, d) is None and _shown(home, title) != shown
    code, report = lockstep(home, "storage", "check")
    assert code == 1 and [p["code"] for p in report["problems"]] == ["release_folder_mismatch"], report
    code, repaired = lockstep(home, "storage", "check", "--repair", "--grace", "0")
    assert code == 0 and _shown(home, title) == shown, repaired
    _clean_and_verified(home)
    code, done = lockstep(home, *args)
    assert code == 0 and _shown(home, title) == [], done
    _clean_and_verified(home)


def test_a_repair_writing_a_missing_page_while_a_withhold_runs_never_leaves_the_withheld_page(svc, tmp_path):
    """A public page is missing (a withhold killed earlier, say); `storage check --repair` has read that it
    is public and is stopped before writing it when a withhold of that dossier runs. The page is written
    holding the dossier, so the withhold waits and takes it down after, or the repair reads it withheld:
    never the withheld document's page left on the site."""
    from services.dossiers.withhold import withheld_of
    home, d, _title = _released(svc, tmp_path)
    page = svc.home.site / "policies" / f"{d}.html"
    page.unlink()
    repairing = subprocess.Popen([*LOCKSTEP, "--home", str(home), "storage", "check", "--repair", "--grace", "0",
                                  "--json"], cwd=ROOT, env=_env(LOCKSTEP_TEST_CRASH_AT="stop:storage.pages.held"),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    withholding = None
    try:
        assert _stopped(repairing, time.monotonic() + 90), repairing.communicate(timeout=5)
        withholding = subprocess.Popen([*LOCKSTEP, "--home", str(home), "withhold", d, "--reason", REASON, "--as",
                                        "editor", "--json"], cwd=ROOT, env=_env(),
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:            # it waits for the repair's hold (or, without one, would be done meanwhile): either way on
            withholding.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        os.kill(repairing.pid, signal.SIGCONT)
        out, err = repairing.communicate(timeout=120)
        assert repairing.returncode in (0, 1), err[-3000:]
        wout, werr = withholding.communicate(timeout=120)
        assert withholding.returncode == 0, wout + werr[-3000:]
    finally:
        for proc in (repairing, withholding):
            if proc is not None and proc.poll() is None:
                os.kill(proc.pid, signal.SIGCONT)
                proc.kill()
                proc.wait()
    assert withheld_of(svc, d) is not None
    assert not page.exists(), "the withheld document's page is on the site"
    _clean_and_verified(home)
