"""定时出版 (issue 15 item 1) and the gazette release outbox (issue 12 item 3), through the services.

The decision commits with a gazette_release job; a scheduled issue's editions are built, stored and
fingerprinted at once, but no public read shows the issue before its moment; the sweep
(release_pending: `lockstep publish --pending`, the desk's start, the scheduled check) makes it
public then, exactly once. The services' clock (svc.now) stands in for time: nothing sleeps.
"""
from __future__ import annotations

import datetime as dt

import pytest

from documents.problems import Refused
from services.gazette import issues as gazette
from services.gazette.release import KIND, cancel_release, release_issue, release_pending
from services.gazette.search import search
from services.gazette.views import editions
from services.home.storage_check import check as storage_check
from tests.storage.test_gazette_storage import signed_dossier

AT = dt.datetime(2019, 8, 30, 9, 0)                          # local time, as --at is read
MOMENT = AT.astimezone(dt.timezone.utc)


def clock(svc, t: dt.datetime) -> None:
    svc.now = lambda: t


@pytest.fixture
def draft(svc, tmp_path):
    """2019-8 with two published dossiers, the clock a day before the moment."""
    dossiers = [signed_dossier(svc, tmp_path / "bundles"), signed_dossier(svc, tmp_path / "bundles", government=True)]
    gazette.create_issue(svc, 2019, 8, "editor", total=120)
    gazette.add_items(svc, "2019-8", dossiers, "editor")
    clock(svc, MOMENT - dt.timedelta(days=1))
    return svc


def _events(svc, name: str) -> list:
    from storage.tables import EventRow
    with svc.session() as s:
        return [e for e in s.query(EventRow).filter_by(name=name) if e.payload.get("issue") == "2019-8"]


def _jobs(svc) -> list:
    with svc.unit() as uow:
        return uow.jobs.of(KIND, "2019-8")


def _public_hits(svc, issue="2019-8") -> list:
    return [h for h in search(svc, "政务公开") if h.issue == issue]


def test_a_scheduled_issue_is_built_at_once_and_public_only_at_its_moment(draft, tmp_path):
    svc, out = draft, tmp_path / "editions"
    done = release_issue(svc, "2019-8", out, "editor", at=AT)
    assert done.status == "scheduled" and done.release_date == dt.date(2019, 8, 30)
    assert done.released_at == MOMENT                        # the publication moment, not the build time
    # Built, stored and fingerprinted now...
    assert svc.store.exists(done.print_sha256) and svc.store.exists(done.web_sha256)
    assert [j.status for j in _jobs(svc)] == ["done"]
    # ...but nothing public before the moment: no edition served, no folder, no search hit.
    assert editions(svc, "2019-8") is None
    assert not (out / "2019-8").exists()
    assert _public_hits(svc) == []
    assert gazette.show_issue(svc, "2019-8").status == "scheduled"
    assert storage_check(svc).clean                          # the stored editions are named by the issue row

    clock(svc, MOMENT - dt.timedelta(minutes=1))             # the sweep before the moment: nothing yet
    assert release_pending(svc).results == []
    assert editions(svc, "2019-8") is None and _public_hits(svc) == []

    clock(svc, MOMENT + dt.timedelta(minutes=1))             # the scheduled check just after it
    swept = release_pending(svc).results
    assert [(r["issue"], r["released"]) for r in swept] == [("2019-8", True)]
    view = gazette.show_issue(svc, "2019-8")
    assert view.status == "released" and view.released_at == MOMENT
    assert (view.print_sha256, view.web_sha256) == (done.print_sha256, done.web_sha256)   # as checked at build
    stored = editions(svc, "2019-8")
    assert stored is not None and len(_public_hits(svc)) == 2
    index = svc.store.get(stored.pages["index.html"]).decode("utf-8")
    assert "2019年8月30日" in index                          # the footer's date is the moment's
    assert (out / "2019-8" / "公报2019年第8期.docx").is_file()

    assert release_pending(svc).results == []               # exactly once
    assert len(_events(svc, "gazette.issue.released")) == 1
    assert storage_check(svc).clean


def test_an_immediate_release_still_answers_released_through_its_job(draft, tmp_path):
    svc = draft
    done = release_issue(svc, "2019-8", tmp_path / "out", "editor", dt.date(2019, 8, 30))
    assert done.status == "released" and (tmp_path / "out" / "2019-8" / "公报2019年第8期.docx").is_file()
    assert [j.status for j in _jobs(svc)] == ["done"]
    assert len(_events(svc, "gazette.issue.release_decided")) == 1
    assert editions(svc, "2019-8") is not None
    assert release_pending(svc).results == []


def test_a_cancelled_release_is_a_draft_again_audited_and_the_sweep_leaves_it(draft, tmp_path):
    svc = draft
    release_issue(svc, "2019-8", tmp_path / "out", "editor", at=AT)
    with pytest.raises(Refused) as short:
        cancel_release(svc, "2019-8", "改期", "editor")
    assert short.value.problem.code == "request_invalid"
    with pytest.raises(Refused) as stranger:
        cancel_release(svc, "2019-8", "稿件需要重新核对，暂缓出版本期", "drafter")
    assert stranger.value.problem.code == "not_permitted"

    view = cancel_release(svc, "2019-8", "稿件需要重新核对，暂缓出版本期", "editor")
    assert view.status == "draft" and view.web_sha256 is None and view.released_at is None
    (event,) = _events(svc, "gazette.issue.release_cancelled")
    assert event.actor == "editor" and "重新核对" in event.payload["reason"]

    clock(svc, MOMENT + dt.timedelta(hours=1))              # the moment passes: the sweep does not release it
    release_pending(svc)
    assert gazette.show_issue(svc, "2019-8").status == "draft"
    assert editions(svc, "2019-8") is None and _public_hits(svc) == []
    assert not (tmp_path / "out" / "2019-8").exists()
    # A draft again: it can be edited and released as usual.
    done = release_issue(svc, "2019-8", tmp_path / "out", "editor", dt.date(2019, 8, 30))
    assert done.status == "released"


def test_a_pending_job_of_a_cancelled_release_is_not_carried_out_by_the_sweep(draft, tmp_path):
    """The process died after the decision (job pending), then the release was cancelled: the sweep
    finishes the job with nothing to do."""
    svc = draft
    import services.gazette.release as rel                  # the decision alone, as a killed run leaves it
    rel._decide(svc, "2019-8", tmp_path / "out" / "2019-8", "editor", None, AT)
    assert [j.status for j in _jobs(svc)] == ["pending"]
    cancel_release(svc, "2019-8", "出版日期调整，本期暂不出版", "editor")
    clock(svc, MOMENT + dt.timedelta(hours=1))
    assert [r.get("obsolete") for r in release_pending(svc).results] == [True]
    assert gazette.show_issue(svc, "2019-8").status == "draft"
    assert [j.status for j in _jobs(svc)] == ["done"] and editions(svc, "2019-8") is None


def test_only_an_editor_schedules_and_only_before_the_moment(draft, tmp_path):
    svc = draft
    with pytest.raises(Refused) as stranger:
        release_issue(svc, "2019-8", tmp_path / "out", "drafter", at=AT)
    assert stranger.value.problem.code == "not_permitted"
    with pytest.raises(Refused) as past:
        release_issue(svc, "2019-8", tmp_path / "out", "editor", at=AT - dt.timedelta(days=2))
    assert past.value.problem.code == "request_invalid" and "已过" in past.value.problem.message
    with pytest.raises(Refused) as other_day:
        release_issue(svc, "2019-8", tmp_path / "out", "editor", dt.date(2019, 8, 31), at=AT)
    assert other_day.value.problem.code == "request_invalid"
    assert gazette.show_issue(svc, "2019-8").status == "draft" and _jobs(svc) == []

    release_issue(svc, "2019-8", tmp_path / "out", "editor", at=AT)
    with pytest.raises(Refused) as edit:                    # a scheduled issue is not edited
        gazette.add_items(svc, "2019-8", [], "editor")
    assert edit.value.problem.code in ("invalid_state", "request_invalid")
    clock(svc, MOMENT + dt.timedelta(minutes=5))
    with pytest.raises(Refused) as late:                     # the moment has come: no cancelling
        cancel_release(svc, "2019-8", "稿件需要重新核对，暂缓出版本期", "editor")
    assert late.value.problem.code == "invalid_state"


def test_a_refused_release_is_abandoned_back_to_draft(draft, tmp_path):
    """The work refuses (the folder holds something else): the job fails, the issue is a draft again."""
    svc = draft
    (tmp_path / "out" / "2019-8").mkdir(parents=True)
    (tmp_path / "out" / "2019-8" / "别的.txt").write_text("x", encoding="utf-8")
    with pytest.raises(Refused):
        release_issue(svc, "2019-8", tmp_path / "out", "editor", dt.date(2019, 8, 30))
    assert gazette.show_issue(svc, "2019-8").status == "draft"
    assert [j.status for j in _jobs(svc)] == ["failed"]
    assert len(_events(svc, "gazette.issue.release_abandoned")) == 1


def test_due_lists_a_scheduled_issue_until_its_moment_and_a_release_left_undone(draft, tmp_path):
    from services.review.deadlines import compute
    svc = draft
    clock(svc, MOMENT - dt.timedelta(days=1))
    release_issue(svc, "2019-8", tmp_path / "editions", "editor", at=AT)
    [due] = [d for d in compute(svc) if d.kind.startswith("gazette")]
    assert (due.kind, due.dossier, due.kind_name) == ("gazette_scheduled", "2019-8", "定时出版")
    assert f"{AT:%Y-%m-%d %H:%M}" in due.note and "可取消" in due.note
    clock(svc, MOMENT + dt.timedelta(minutes=1))
    release_pending(svc)
    assert not [d for d in compute(svc) if d.kind.startswith("gazette")]     # public now: nothing waits
    with svc.unit() as uow:                     # a release decided and never carried out (a crash)
        uow.jobs.add(KIND, "2019-9", "decision-hash", svc.now(), "editor")
    [left] = [d for d in compute(svc) if d.kind.startswith("gazette")]
    assert (left.kind, left.dossier, left.kind_name) == ("gazette_release", "2019-9", "待出版公报")
    assert "待出版：公报 2019-9" in left.note
