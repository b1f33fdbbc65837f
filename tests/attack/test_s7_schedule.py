"""Scheduled release (定时发布, 定时出版) as a stranger would try it (session 7, helper F): the moment's
edges through the API's sign-off (publish_at) and the gazette's release (`at`), on a machine whose
clock is Beijing time (TZ=Asia/Shanghai, as a county's server is).

A moment at the end of the calendar (9999-12-31T23:59:59Z) is 10000-01-01 in Beijing: the API's sign-off
answered 500 with the dossier signed and a publication that could never be prepared, and the gazette's
scheduled release raised OverflowError. A moment that cannot be placed on this clock, or that is more
than rules.RELEASE_HORIZON_YEARS ahead (a typo: 2062 for 2026), is refused before anything is written."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from documents.problems import Refused
from samples.genhe import write_zip
from services.dossiers.intake import intake_bundle
from services.home.context import initialise, open_services
from services.home.folder import Home
from services.review.actions import record_decision

NUMBERS = iter(range(500, 999))


@pytest.fixture(scope="module")
def beijing():
    """This process's local time is Beijing time for the module (restored after)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Shanghai"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.fixture(scope="module")
def world(beijing):
    from desk import auth
    from desk.app import create_app
    base = Path(tempfile.mkdtemp(prefix="lockstep-s7-sched-"))
    try:
        home = Home(base / "home")
        initialise(home)
        svc = open_services(home)
        app = create_app(home.path, "test-token")
        signer = TestClient(app, base_url="http://testserver", raise_server_exceptions=False,
                            headers={"Authorization": f"Bearer {auth.issue_token(home.path, 'signer')}"})
        yield svc, signer, base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _ready(svc, base: Path) -> str:
    n = next(NUMBERS)
    d = intake_bundle([write_zip(base / f"{n}.zip", doc_number=f"根政办发〔2019〕{n}号")], "drafter", svc).dossier
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        record_decision(svc, d, stage, "approve", "同意", who)
    return d


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59Z", "9999-12-31T20:00:00+00:00", "9999-12-31 23:00",
                                    "2062-01-01T09:00:00+08:00", "0001-01-01T00:00:00+08:00", "0001-01-01"])
def test_a_moment_off_the_local_clock_or_decades_ahead_is_refused_and_nothing_is_signed(world, moment):
    svc, signer, base = world
    d = _ready(svc, base)
    r = signer.post(f"/api/v1/dossiers/{d}/sign-off", json={"publish_at": moment})
    assert r.status_code == 422 and r.json()["problems"][0]["code"] == "request_invalid", (moment, r.status_code, r.text)
    assert "超出可用范围" in r.text or "已过" in r.text or "年之内" in r.text, r.text
    assert signer.get(f"/api/v1/dossiers/{d}").json()["state"] == "in_review"


def test_the_bound_leaves_every_real_embargo_alone():
    """A moment a few years ahead (or a minute) is placed and allowed; ten years and a week is not.
    (A scheduled sign-off that succeeds: tests/security/test_round5_attacks.py.)"""
    from review import rules
    now = dt.datetime.now(dt.timezone.utc)
    for ahead in (dt.timedelta(minutes=1), dt.timedelta(days=3 * 365), dt.timedelta(days=3650)):
        moment = rules.release_moment(now + ahead)
        assert moment == now + ahead and rules.release_moment_problem(moment, now) is None
    assert rules.release_moment_problem(now + dt.timedelta(days=3660), now).code == "request_invalid"
    assert rules.release_moment(dt.datetime(2026, 12, 10, 9, 0)) is not None      # naive: local time


@pytest.mark.parametrize("at", [dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.timezone.utc),
                                dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.timezone(-dt.timedelta(hours=1))),
                                dt.datetime(1, 1, 1, 0, 0)])
def test_the_gazettes_scheduled_release_refuses_a_moment_off_the_clock_with_a_code(world, at):
    """release_issue(at=…) for the same moments raised OverflowError (a 500 on the desk, a traceback
    on the command line); now request_invalid, and the issue stays a draft."""
    from services.gazette.issues import create_issue
    from services.gazette.release import release_issue
    svc, _, base = world
    issue_id = create_issue(svc, 2026, next(NUMBERS), "editor").issue
    with pytest.raises(Refused) as caught:
        release_issue(svc, issue_id, base / "out", "editor", None, at=at)
    assert caught.value.problem.code in ("request_invalid", "invalid_state"), caught.value.problems


def test_two_cancels_at_once_hold_the_release_once_and_record_one_cancellation(world):
    """Four signers' clicks on 取消定时发布 at once, on SQLite: each read the job pending (a SELECT … FOR
    UPDATE locks nothing there), so two or more of them held it and two publication.schedule_cancelled
    events were written. Now the job is held by one conditional write: one cancellation, the others
    refused with a code."""
    import threading

    from sqlalchemy import select

    from services.publication import schedule as sched
    from services.review.actions import record_sign_off
    from storage.tables import EventRow
    svc, _, base = world
    d = _ready(svc, base)
    record_sign_off(svc, d, "signer", None, dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2))
    answers, start = [], threading.Barrier(4)

    def cancel():
        start.wait()
        try:
            answers.append(sched.cancel(svc, d, "需要与新闻发布会同步发布，暂缓公开", "signer").state)
        except Refused as r:
            answers.append(r.problem.code)
    threads = [threading.Thread(target=cancel) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    with svc.session() as s:
        cancelled = s.scalars(select(EventRow).where(EventRow.dossier_id == d,
                                                     EventRow.name == "publication.schedule_cancelled")).all()
    assert sorted(answers) == ["held", "invalid_state", "invalid_state", "invalid_state"], answers
    assert len(cancelled) == 1
    assert sched.state_of(svc, d).state == "held"
