"""Brief Q (session 11): kill -9 and stop-at-a-point where no test did before, in real subprocesses on
SQLite homes (services/home/crashpoints.py: LOCKSTEP_TEST_CRASH_AT=<name> kills, stop:<name> stops the
process with SIGSTOP until the test sends SIGCONT, so the race's other side runs in between).

- `consultation open` / `consultation summary` killed before their commit: no public notice or
  summary without its record (was broken: the page was written before the commit); killed after it:
  `storage check` reports the missing page and `--repair` writes it (was broken: not reported);
- `withhold`, `backup`, `users disable` killed midway: the same command completes or cleanly refuses,
  restore never takes a half backup (held);
- a withhold between a release's (or a publication's) commit and its folder's (pages') move: the
  withheld document never appears on disk (was broken); a consultation page of a dossier that stopped
  being public meanwhile is taken down (was broken);
- storage check counts a withheld document's page left on the site as a stray (was broken).
"""
from __future__ import annotations

import datetime as dt
import signal

from tests.faults.test_orphans import _clean_and_verified, lockstep


def _major(svc, sample_zip, number: int) -> str:
    from services.dossiers.intake import intake_bundle
    r = intake_bundle([sample_zip(kind="重大行政决策", doc_number=f"根政发〔2019〕{number}号")], "drafter", svc)
    assert r.accepted, r.problems
    return r.dossier


def _public(svc) -> list[str]:
    """The site's consultation pages (not temporary files)."""
    folder = svc.home.site / "consultations"
    return sorted(p.name for p in folder.glob("*.html") if not p.name.startswith(".tmp-")) if folder.is_dir() else []


def test_a_consultation_opened_and_its_summary_published_killed_before_commit_leave_no_public_page(svc, sample_zip):
    from services.review import consultation as cons
    home = svc.home.path
    d = _major(svc, sample_zip, 201)
    opening = ("consultation", "open", d, "--from", "2019-07-01", "--to", "2019-07-31", "--as", "drafter")

    code, _ = lockstep(home, *opening, LOCKSTEP_TEST_CRASH_AT="consultation.before_commit")
    assert code == -signal.SIGKILL
    assert _public(svc) == [], "a notice is public for a consultation the record does not have"
    code, _ = lockstep(home, "storage", "check", "--repair", "--grace", "0")
    code, opened = lockstep(home, *opening)
    assert code == 0, opened
    assert _public(svc) == [f"{d}.html"]

    cons.record_comments(svc, d, [{"author": "张三", "text": "建议延长申报期限", "received_on": "2019-07-03",
                                   "adopted": "采纳", "response": "已延长"}], "drafter", "录入")
    summary = ("consultation", "summary", d, "--as", "drafter")
    code, _ = lockstep(home, *summary, LOCKSTEP_TEST_CRASH_AT="consultation.before_commit")
    assert code == -signal.SIGKILL
    assert cons.view(svc, d, "drafter").summary_published_at is None
    assert _public(svc) == [f"{d}.html"], "a summary is public that the record says is not published"
    code, _ = lockstep(home, "storage", "check", "--repair", "--grace", "0")
    code, done = lockstep(home, *summary)
    assert code == 0, done
    assert _public(svc) == [f"{d}-summary.html", f"{d}.html"]
    assert cons.view(svc, d, "drafter").summary_published_at is not None
    _clean_and_verified(home)


def test_a_consultation_opened_killed_after_its_commit_gets_its_notice_from_storage_check_repair(svc, sample_zip):
    from services.review import consultation as cons
    home = svc.home.path
    d = _major(svc, sample_zip, 202)
    opening = ("consultation", "open", d, "--from", "2019-07-01", "--to", "2019-07-31", "--as", "drafter")
    code, _ = lockstep(home, *opening, LOCKSTEP_TEST_CRASH_AT="site.pages_committed")
    assert code == -signal.SIGKILL
    assert cons.view(svc, d, "drafter").opens == dt.date(2019, 7, 1)       # committed
    code, report = lockstep(home, "storage", "check")
    assert code == 1 and [m["path"] for m in report["missing_pages"]] == [f"consultations/{d}.html"], report
    code, repaired = lockstep(home, "storage", "check", "--repair", "--grace", "0")
    assert _public(svc) == [f"{d}.html"], repaired
    code, again = lockstep(home, *opening)                  # the same command: refused, nothing doubled
    assert code == 1 and again["problems"][0]["code"] == "invalid_state", again
    _clean_and_verified(home)


def test_a_withhold_killed_before_its_commit_is_completed_by_the_same_command(svc, tmp_path):
    """`lockstep withhold` dies after taking the pages off the site and rewriting the released edition,
    before its commit: the dossier is still public on record (nothing withheld, no event), what it did
    to the disk fails closed; the same command again withholds it once, and everything is in step."""
    from services.dossiers.withhold import withheld_of
    from tests.faults.test_orphans import _draft_issue, release
    svc = _draft_issue(svc, tmp_path)
    home = svc.home.path
    code, done = release(home, home / "gazette")
    assert code == 0, done
    with svc.unit() as uow:
        d = uow.gazette.members("2019-8")[0].dossier_id
    page = svc.home.site / "policies" / f"{d}.html"
    assert page.is_file()
    args = ("withhold", d, "--reason", "经审查发现涉及不宜公开的内容，撤回公开", "--as", "editor")

    code, _ = lockstep(home, *args, LOCKSTEP_TEST_CRASH_AT="withhold.before_commit")
    assert code == -signal.SIGKILL
    assert withheld_of(svc, d) is None
    assert not page.exists()                        # off the site already: fails closed
    code, again = lockstep(home, *args)
    assert code == 0 and again["issues"] == ["2019-8"], again
    assert withheld_of(svc, d) is not None
    index = (home / "gazette" / "2019-8" / "html" / "index.html").read_text(encoding="utf-8")
    with svc.unit() as uow:
        title = uow.dossiers.require(d).title
        events = uow.audit.count()
    assert title not in index
    _clean_and_verified(home)
    code, twice = lockstep(home, *args)             # once: the third run is refused, nothing recorded
    assert code == 1 and twice["problems"][0]["code"] == "invalid_state", twice
    with svc.unit() as uow:
        assert uow.audit.count() == events


def test_a_backup_killed_halfway_is_never_restored_and_one_killed_at_the_end_restores_whole(svc, sample_zip, tmp_path):
    """`lockstep backup` dies by SIGKILL after copying the database and the files, before the copy's
    lockstep.toml: restore refuses it (not a backup) and the home stays; the same backup command again
    refuses the half-filled folder (it never overwrites). Killed after lockstep.toml, before bringing the
    copy in step with its database: restore checks and tidies it, and the restored home is clean."""
    from services.dossiers.intake import intake_bundle
    home = svc.home.path
    r = intake_bundle([sample_zip(doc_number="根政办发〔2019〕211号")], "drafter", svc)
    assert r.accepted
    half, whole = tmp_path / "half", tmp_path / "whole"

    code, _ = lockstep(home, "backup", str(half), LOCKSTEP_TEST_CRASH_AT="backup.copied")
    assert code == -signal.SIGKILL
    assert (half / "lockstep.db").is_file() and not (half / "lockstep.toml").exists()
    code, refused = lockstep(home, "restore", str(half))
    assert code == 1 and refused["problems"][0]["code"] == "request_invalid", refused
    assert not list(tmp_path.glob("home.before-restore-*"))          # the home was not touched
    code, again = lockstep(home, "backup", str(half))
    assert code == 1 and again["problems"][0]["code"] == "request_invalid", again

    code, _ = lockstep(home, "backup", str(whole), LOCKSTEP_TEST_CRASH_AT="backup.config_written")
    assert code == -signal.SIGKILL
    code, restored = lockstep(home, "restore", str(whole))
    assert code == 0, restored
    code, shown = lockstep(home, "status", r.dossier)
    assert code == 0, shown
    _clean_and_verified(home)


def _stopped(proc, deadline: float) -> bool:
    """Whether the process has stopped itself (state T in /proc), bounded by deadline."""
    import time
    from pathlib import Path
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "T":
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def test_a_withhold_between_a_release_commit_and_its_folder_still_revises_the_folder(svc, tmp_path):
    """The release has committed and not yet moved its folder into place (stopped there, SIGSTOP) when a
    withhold of one of its documents commits: the withhold finds no folder to revise. Once the release
    goes on, the folder it shows must be the public revision, never the withheld document's pages."""
    import json
    import os
    import subprocess
    import time
    from services.dossiers.withhold import withhold
    from tests.faults.test_orphans import LOCKSTEP, ROOT, _draft_issue, _env
    svc = _draft_issue(svc, tmp_path)
    home = svc.home.path
    with svc.unit() as uow:
        d = uow.gazette.members("2019-8")[0].dossier_id
        title = uow.dossiers.require(d).title
    proc = subprocess.Popen([*LOCKSTEP, "--home", str(home), "gazette", "issue", "release", "2019-8", "--out",
                             str(home / "gazette"), "--as", "editor", "--date", "2019-08-30", "--json"], cwd=ROOT,
                            env=_env(LOCKSTEP_TEST_CRASH_AT="stop:gazette.release.after_commit"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _stopped(proc, time.monotonic() + 90), proc.communicate(timeout=5)
        w = withhold(svc, d, "经审查发现涉及不宜公开的内容，撤回公开", "editor")
        assert w.issues == ["2019-8"] and w.folders == []          # nothing on disk to revise yet
        os.kill(proc.pid, signal.SIGCONT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err[-3000:]
    assert json.loads(out)["issue"]["status"] == "released"
    html = home / "gazette" / "2019-8" / "html"
    shown = sorted(str(p.relative_to(html)) for p in html.rglob("*.html") if title in p.read_text(encoding="utf-8"))
    assert shown == [], f"the withheld {d} is in the released folder: {shown}"
    _clean_and_verified(home)


PUBLISH = r"""
import sys
from pathlib import Path
from services.home.context import open_services
from services.home.folder import Home
from services.publication.publish import publish
print(publish(open_services(Home(Path(sys.argv[1]))), sys.argv[2]).published, flush=True)
"""


def test_a_withhold_between_a_publication_commit_and_its_pages_leaves_no_page_on_the_site(svc, sample_zip):
    """The publication has committed (published, in the register) and not yet moved its staged pages
    into place (stopped there) when the dossier is withheld: the withhold finds no page to take down.
    Once the publication goes on, the withheld document's pages must not appear on the site."""
    import os
    import subprocess
    import sys
    import time
    from services.dossiers.intake import intake_bundle
    from services.dossiers.withhold import withhold
    from services.review.actions import record_decision, record_sign_off
    from tests.faults.test_orphans import ROOT, _env
    r = intake_bundle([sample_zip(doc_number="根政办发〔2019〕221号")], "drafter", svc)
    d = r.dossier
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        record_decision(svc, d, stage, "approve", "同意", who)
    record_sign_off(svc, d, "signer")
    proc = subprocess.Popen([sys.executable, "-c", PUBLISH, str(svc.home.path), d], cwd=ROOT,
                            env=_env(LOCKSTEP_TEST_CRASH_AT="stop:publish.after_commit"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _stopped(proc, time.monotonic() + 90), proc.communicate(timeout=5)
        w = withhold(svc, d, "经审查发现涉及不宜公开的内容，撤回公开", "editor")
        assert w.site_removed == []                     # its pages are still under temporary names
        os.kill(proc.pid, signal.SIGCONT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
            proc.kill()
            proc.wait()
    assert proc.returncode == 0 and out.strip() == "True", err[-3000:]
    site = svc.home.site
    shown = sorted(p.relative_to(site).as_posix() for p in site.rglob("*")
                   if p.is_file() and not p.name.startswith(".tmp-") and d in p.name)
    assert shown == [], f"the withheld {d} is on the site: {shown}"
    _clean_and_verified(svc.home.path)


def test_storage_check_finds_a_withheld_documents_page_left_on_the_site_and_repair_takes_it_down(svc, sample_zip):
    """Whatever put it back (a race, a copied folder, an old process), a page of a document that is not
    public now is a stray to `storage check` (not clean, exit 1), and `--repair` removes it."""
    from services.dossiers.withhold import withhold
    from tests.storage.test_gazette_storage import signed_dossier
    d = signed_dossier(svc, svc.home.path.parent / "bundles")
    page = svc.home.site / "policies" / f"{d}.html"
    kept = page.read_bytes()
    withhold(svc, d, "经审查发现涉及不宜公开的内容，撤回公开", "editor")
    assert not page.exists()
    page.write_bytes(kept)
    os_time = page.stat().st_mtime - 3600
    import os
    os.utime(page, (os_time, os_time))
    code, report = lockstep(svc.home.path, "storage", "check")
    assert code == 1 and [s["what"] for s in report["stray_pages"]] == [f"policies/{d}.html"], report
    code, repaired = lockstep(svc.home.path, "storage", "check", "--repair")
    assert code == 0 and not page.exists(), repaired
    _clean_and_verified(svc.home.path)


def test_users_disable_killed_before_its_commit_changes_nothing_and_runs_again_whole(svc):
    """`lockstep users disable` dies before its commit: the person is still enabled, their API token
    still answers (nothing half-done: not disabled with a token left, nor the reverse), no event; the
    same command again disables, revokes and records it once."""
    from services.home.accounts import issue_token, token_user
    from services.home.context import open_services
    home = svc.home.path
    token = issue_token(svc, "signer")
    with svc.unit() as uow:
        events = uow.audit.count()
    code, _ = lockstep(home, "users", "disable", "signer", LOCKSTEP_TEST_CRASH_AT="users.disable.before_commit")
    assert code == -signal.SIGKILL
    assert token_user(svc, token) == "signer"
    assert open_services(svc.home).config.person("signer") is not None
    with svc.unit() as uow:
        assert uow.audit.count() == events
    code, done = lockstep(home, "users", "disable", "signer")
    assert code == 0, done
    assert token_user(svc, token) is None
    assert open_services(svc.home).config.person("signer") is None
    with svc.unit() as uow:
        assert uow.audit.count() == events + 1
    _clean_and_verified(home)


def test_a_consultation_notice_is_not_shown_when_its_dossier_stopped_being_public_meanwhile(svc, sample_zip):
    """`lockstep consultation open` has committed and not yet moved its notice into place (stopped there)
    when a new version marked 不予公开 arrives (its take-down finds no notice on the site): once the
    command goes on, the notice of a dossier that is not public must not appear."""
    import os
    import subprocess
    import time
    from services.dossiers.intake import intake_bundle
    from tests.faults.test_orphans import LOCKSTEP, ROOT, _env
    home = svc.home.path
    d = _major(svc, sample_zip, 231)
    proc = subprocess.Popen([*LOCKSTEP, "--home", str(home), "consultation", "open", d, "--from", "2019-07-01",
                             "--to", "2019-07-31", "--as", "drafter", "--json"], cwd=ROOT,
                            env=_env(LOCKSTEP_TEST_CRASH_AT="stop:site.pages_committed"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _stopped(proc, time.monotonic() + 90), proc.communicate(timeout=5)
        r = intake_bundle([sample_zip(kind="重大行政决策", doc_number="根政发〔2019〕231号", disclosure="不予公开",
                                      title="根河市政务公开办法（不予公开稿）")], "drafter", svc, dossier_hint=d)
        assert r.accepted and r.version == 2, r.problems
        os.kill(proc.pid, signal.SIGCONT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err[-3000:]
    assert _public(svc) == [], "a notice of a dossier that is not public is on the site"
    _clean_and_verified(home)
