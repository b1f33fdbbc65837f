"""A gazette release killed after its decision's commit and before any of its work (issue 12 item 3).

`lockstep gazette issue release` dies by SIGKILL at the named point gazette.release.decided: the
issue is 出版中 with a pending gazette_release job and nothing built. The sweep — `lockstep publish
--pending`, which runs every job kind — completes it exactly once into the folder the decision named;
a second sweep does nothing; `storage check` finds nothing and `audit verify` passes. The same
command run again instead of the sweep completes it too.
"""
from __future__ import annotations

import json
import signal

import pytest

from services.gazette import issues as gazette
from tests.faults.test_orphans import _clean_and_verified, _draft_issue, release
from tests.faults.test_signoff_kill import lockstep as lockstep_process

pytestmark = pytest.mark.usefixtures("prefect_harness")     # the sweep's flow runs on the harness's server


def sweep(svc) -> tuple[int, dict]:
    """`lockstep publish --pending --json` in a subprocess (its Prefect client goes with it)."""
    r = lockstep_process(svc, "publish", "--pending", "--json")
    assert r.stdout.strip(), r.stderr[-3000:]
    return r.returncode, json.loads(r.stdout)


def _released_events(svc) -> int:
    from storage.tables import EventRow
    with svc.session() as s:
        return s.query(EventRow).filter_by(name="gazette.issue.released").count()


def test_a_release_killed_after_its_decision_is_completed_once_by_the_sweep(svc, tmp_path):
    svc = _draft_issue(svc, tmp_path)
    home, out = svc.home.path, tmp_path / "editions"
    code, _ = release(home, out, LOCKSTEP_TEST_CRASH_AT="gazette.release.decided")
    assert code == -signal.SIGKILL
    assert gazette.show_issue(svc, "2019-8").status == "releasing"
    assert not out.exists() or not any(out.iterdir())            # nothing built, nothing written
    with svc.unit() as uow:
        assert [(j.kind, j.status) for j in uow.jobs.pending("gazette_release")] == [("gazette_release", "pending")]

    code, swept = sweep(svc)
    assert code == 0, swept
    assert [(g["issue"], g["released"]) for g in swept["gazette"]] == [("2019-8", True)]
    assert (out / "2019-8" / "公报2019年第8期.docx").is_file()   # the folder the decision named
    assert gazette.show_issue(svc, "2019-8").status == "released"
    assert _released_events(svc) == 1

    code, again = sweep(svc)                                      # exactly once
    assert code == 0 and again["gazette"] == [], again
    assert _released_events(svc) == 1
    with svc.unit() as uow:
        assert uow.jobs.pending("gazette_release") == []
    _clean_and_verified(home)


def test_the_same_command_again_completes_a_release_killed_after_its_decision(svc, tmp_path):
    svc = _draft_issue(svc, tmp_path)
    home, out = svc.home.path, tmp_path / "editions"
    assert release(home, out, LOCKSTEP_TEST_CRASH_AT="gazette.release.decided")[0] == -signal.SIGKILL
    code, done = release(home, out)
    assert code == 0 and done["issue"]["status"] == "released", done
    assert done["issue"]["folder"] == str(out / "2019-8") and (out / "2019-8" / "html" / "index.html").is_file()
    assert _released_events(svc) == 1
    _clean_and_verified(home)
