"""Two cancels at once (session 8, helper J; issue 15 item 1): 取消定时出版 of a gazette issue and
取消定时发布 of a web release, clicked by several people (two desk clicks, the CLI and the desk) at the
same moment, on SQLite and on a real PostgreSQL.

Found: cancel_release read the issue and wrote `issue.status` through the ORM; the row's version kept
a second ReleaseCancelled out, but every loser died with a raw StaleDataError (a 500 on the desk, a
traceback on the command line) on both databases. The web release's loser was told "正在发布" when
the winner was another cancel (PostgreSQL), or the rulebook's bare "当前状态为待发布" (SQLite).
Now each is one conditional write: exactly one cancellation is recorded, every other caller is
refused with invalid_state and told what did happen (已被取消, by whom; 已出版; 正在发布).

Each caller is a thread with its own Services (its own connections from the home's engine), all
released at once by a barrier, or (SQLite, the laptop's CLI and desk) a process of its own. A cancel
also races the release at its moment (the desk's clock: release_due, publish_due): one outcome, and
the losers are told which."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from documents.problems import Refused

ROOT = Path(__file__).resolve().parents[2]
N = 6
REASON = "稿件需要重新核对，暂缓出版本期"
WEB_REASON = "需要与新闻发布会同步发布，暂缓公开"
_numbers = iter(range(700, 999))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request):
    """(home, services, base folder): an embedded SQLite home, or a home on a fresh PostgreSQL 15."""
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    from storage.unit import _engines
    base = Path(tempfile.mkdtemp(prefix="lockstep-s8-cancel-"))
    try:
        if request.param == "sqlite":
            home = Home(base / "home")
            initialise(home)
            yield home, open_services(home), base
        else:
            from tests.support.homes import shared_home
            from tests.support.postgres import postgres_server
            with postgres_server() as pg:
                url = pg.create_database("s8_cancels")
                home = shared_home(base / "home", url, base / "objects")
                initialise(home)
                try:
                    yield home, open_services(home), base
                finally:
                    if (engine := _engines.pop(url, None)) is not None:
                        engine.dispose()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _at_once(calls) -> list:
    """Run the calls in threads released together; each answer is the call's value, the refusal's
    (code, message), or ("RAW", exception) for anything else."""
    start, answers, lock = threading.Barrier(len(calls)), [None] * len(calls), threading.Lock()

    def run(i, call):
        start.wait(timeout=30)
        try:
            out = call()
        except Refused as r:
            out = (r.problem.code, r.problem.message)
        except Exception as e:              # noqa: BLE001 - what the test is about: never a raw error
            out = ("RAW", repr(e))
        with lock:
            answers[i] = out
    threads = [threading.Thread(target=run, args=(i, c), daemon=True) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a caller never returned"
    return answers


def _services(home, now=None):
    from services.home.context import open_services
    svc = open_services(home)
    if now is not None:
        svc.now = lambda: now
    return svc


def _events(svc, name: str, issue: str) -> list:
    from storage.tables import EventRow
    with svc.session() as s:
        return [e for e in s.query(EventRow).filter_by(name=name) if (e.payload or {}).get("issue") == issue]


def _scheduled_issue(svc, base: Path, at: dt.datetime) -> str:
    """A new issue holding one published dossier, scheduled for `at` (editions prepared)."""
    from services.gazette import issues as gazette
    from services.gazette.release import release_issue
    from tests.storage.test_gazette_storage import signed_dossier
    d = signed_dossier(svc, base / "bundles")
    issue = gazette.create_issue(svc, 2026, next(_numbers), "editor").issue
    gazette.add_items(svc, issue, [d], "editor")
    release_issue(svc, issue, base / "out", "editor", at=at)
    assert gazette.show_issue(svc, issue).status == "scheduled"
    return issue



def _signed(svc, base: Path, at: dt.datetime) -> str:
    """A dossier signed off with its web release scheduled for `at` (pages prepared)."""
    from samples.genhe import write_zip
    from services.dossiers.intake import intake_bundle
    from services.publication import schedule as sched
    from services.review.actions import record_decision, record_sign_off
    n = next(_numbers)
    d = intake_bundle([write_zip(base / f"web-{n}.zip", doc_number=f"根政办发〔2019〕{n}号")], "drafter", svc).dossier
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        record_decision(svc, d, stage, "approve", "同意", who)
    record_sign_off(svc, d, "signer", None, at)
    assert sched.state_of(svc, d).state == "scheduled"
    return d

def test_six_cancels_of_one_scheduled_issue_record_one_and_tell_the_others_it_was_cancelled(world):
    from services.gazette import issues as gazette
    from services.gazette.release import cancel_release, release_issue
    home, svc, base = world
    issue = _scheduled_issue(svc, base, dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2))
    number = gazette.show_issue(svc, issue).number
    for round_ in range(2):             # cancelled, scheduled again, cancelled again at once
        callers = [_services(home) for _ in range(N)]
        answers = _at_once([lambda s=s: cancel_release(s, issue, REASON, "editor").status for s in callers])
        assert [a for a in answers if a == "draft"] == ["draft"], answers
        losers = [a for a in answers if a != "draft"]
        assert len(losers) == N - 1 and all(a[0] == "invalid_state" for a in losers), answers
        assert all(f"公报2026年第{number}期的定时出版已被取消" in a[1] and "editor" in a[1] for a in losers), losers
        assert len(_events(svc, "gazette.issue.release_cancelled", issue)) == round_ + 1
        shown = gazette.show_issue(svc, issue)
        assert shown.status == "draft" and shown.web_sha256 is None and shown.released_at is None
        if round_ == 0:
            release_issue(svc, issue, base / "out", "editor",
                          at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=3))


def test_cancels_racing_the_release_at_its_moment_leave_one_outcome(world):
    """Three editors cancel a minute before the moment by their clocks while the desk's clock (a
    minute after) makes the issue public: either the release or one cancel is recorded, never both,
    and nobody gets a raw error."""
    from services.gazette import issues as gazette
    from services.gazette.release import cancel_release, release_due, release_issue
    home, svc, base = world
    moment = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).replace(microsecond=0)
    issue = _scheduled_issue(svc, base, moment)
    number = gazette.show_issue(svc, issue).number
    before, after = moment - dt.timedelta(minutes=1), moment + dt.timedelta(minutes=1)
    cancels = [lambda s=_services(home, before): cancel_release(s, issue, REASON, "editor").status
               for _ in range(3)]
    clock = _services(home, after)
    answers = _at_once(cancels + [lambda: [r for r in release_due(clock) if r["issue"] == issue]])
    assert not [a for a in answers if isinstance(a, tuple) and a[0] == "RAW"], answers
    cancelled = _events(svc, "gazette.issue.release_cancelled", issue)
    released = _events(svc, "gazette.issue.released", issue)
    assert len(cancelled) + len(released) == 1, (answers, len(cancelled), len(released))
    refusals = [a for a in answers[:3] if a != "draft"]
    assert all(a[0] == "invalid_state" for a in refusals), answers
    status = gazette.show_issue(svc, issue).status
    if released:
        assert status == "released" and refusals and len(refusals) == 3, answers
        assert all(f"公报2026年第{number}期已出版" in a[1] or "已到" in a[1] for a in refusals), refusals
        assert answers[3] and answers[3][0]["released"] is True, answers
    else:
        assert status == "draft" and answers[:3].count("draft") == 1, answers
        assert all("的定时出版已被取消" in a[1] for a in refusals), refusals
        assert not answers[3] or answers[3][0]["released"] is False, answers
        release_issue(svc, issue, base / "out", "editor", at=moment)       # again, and out at its moment
        assert [r["released"] for r in release_due(clock) if r["issue"] == issue] == [True]
    # Out now: a cancel by a clock still before the moment is told it is out, in those words.
    with pytest.raises(Refused) as late:
        cancel_release(_services(home, before), issue, REASON, "editor")
    assert late.value.problem.code == "invalid_state"
    assert late.value.problem.message.startswith(f"公报2026年第{number}期已出版"), late.value.problem.message


def test_six_cancels_of_one_scheduled_web_release_hold_it_once_and_tell_the_others_it_was_cancelled(world):
    from services.publication import schedule as sched
    home, svc, base = world
    d = _signed(svc, base, dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2))
    callers = [_services(home) for _ in range(N)]
    answers = _at_once([lambda s=s: sched.cancel(s, d, WEB_REASON, "signer").state for s in callers])
    assert [a for a in answers if a == "held"] == ["held"], answers
    losers = [a for a in answers if a != "held"]
    assert len(losers) == N - 1 and all(a[0] == "invalid_state" for a in losers), answers
    assert all(f"卷宗 {d} 的定时发布已被取消" in a[1] and "signer" in a[1] and "正在发布" not in a[1]
               for a in losers), losers
    from storage.tables import EventRow
    with svc.session() as s:
        assert s.query(EventRow).filter_by(dossier_id=d, name="publication.schedule_cancelled").count() == 1
    assert sched.state_of(svc, d).state == "held"
    # Published since: a late cancel is told so, in those words.
    from services.publication.publish import publish
    assert publish(svc, d, "signer").published
    with pytest.raises(Refused) as late:
        sched.cancel(svc, d, WEB_REASON, "signer")
    assert late.value.problem.code == "invalid_state" and f"卷宗 {d} 已发布" in late.value.problem.message



def test_web_release_cancels_racing_its_moment_leave_one_outcome(world):
    """Three signers cancel a minute before the moment by their clocks while the desk's clock (a minute
    after) publishes: the job is either held once (nothing published) or published (no cancellation),
    and each loser is told which."""
    from services.publication import schedule as sched
    from services.publication.schedule import publish_due
    from storage.tables import EventRow
    home, svc, base = world
    moment = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).replace(microsecond=0)
    d = _signed(svc, base, moment)
    before, after = moment - dt.timedelta(minutes=1), moment + dt.timedelta(minutes=1)
    cancels = [lambda s=_services(home, before): sched.cancel(s, d, WEB_REASON, "signer").state for _ in range(3)]
    clock = _services(home, after)
    answers = _at_once(cancels + [lambda: [r for r in publish_due(clock) if r.get("dossier") == d]])
    assert not [a for a in answers if isinstance(a, tuple) and a[0] == "RAW"], answers
    with svc.session() as s:
        cancelled = s.query(EventRow).filter_by(dossier_id=d, name="publication.schedule_cancelled").count()
    state = sched.state_of(svc, d).state
    refusals = [a for a in answers[:3] if a != "held"]
    assert all(a[0] == "invalid_state" for a in refusals), answers
    if state == "released":
        assert cancelled == 0 and len(refusals) == 3, answers
        assert all(f"卷宗 {d} 已发布" in a[1] or f"卷宗 {d} 正在发布" in a[1] for a in refusals), refusals
        assert answers[3] and answers[3][0].get("published") is True, answers
    else:
        assert state == "held" and cancelled == 1 and answers[:3].count("held") == 1, (state, answers)
        assert all(f"卷宗 {d} 的定时发布已被取消" in a[1] for a in refusals), refusals
        assert answers[3] == [], answers


PROCS = 3
# One process's cancel: loads everything, says it is ready, waits for the go file, cancels, prints the answer.
CANCEL_IN_A_PROCESS = """
import json, sys, time
from pathlib import Path
from documents.problems import Refused
from services.gazette.release import cancel_release
from services.home.context import open_services
from services.home.folder import Home
home, issue, reason, ready, go = Path(sys.argv[1]), sys.argv[2], sys.argv[3], Path(sys.argv[4]), Path(sys.argv[5])
svc = open_services(Home(home))
svc.config
ready.write_text("ready")
deadline = time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.005)
try:
    print(json.dumps({"status": cancel_release(svc, issue, reason, "editor").status}))
except Refused as r:
    print(json.dumps({"code": r.problem.code, "message": r.problem.message}))
"""


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)
def test_cancels_from_three_processes_record_one(world):
    """The CLI and the desk on one laptop are processes of their own, each with its own connection to the
    SQLite file: three processes cancel the same issue at once. (On PostgreSQL every thread above has a
    connection of its own already: the server sees the same as from processes.)"""
    from services.gazette import issues as gazette
    home, svc, base = world
    issue = _scheduled_issue(svc, base, dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2))
    number = gazette.show_issue(svc, issue).number
    gate = Path(tempfile.mkdtemp(prefix="gate-", dir=base))
    go = gate / "go"
    env = {k: v for k, v in os.environ.items() if k not in ("LOCKSTEP_DATABASE_URL", "LOCKSTEP_OBJECTS")}
    procs = [subprocess.Popen([sys.executable, "-c", CANCEL_IN_A_PROCESS, str(home.path), issue, REASON,
                               str(gate / f"ready-{i}"), str(go)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(PROCS)]
    try:
        deadline = time.monotonic() + 60
        while len(list(gate.glob("ready-*"))) < PROCS and time.monotonic() < deadline \
                and all(p.poll() is None for p in procs):
            time.sleep(0.02)
        go.write_text("go")
        outs = [p.communicate(timeout=60) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert all(p.returncode == 0 for p in procs), [err[-2000:] for _, err in outs]
    answers = [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]
    assert [a for a in answers if a.get("status") == "draft"] == [{"status": "draft"}], answers
    losers = [a for a in answers if "status" not in a]
    assert len(losers) == PROCS - 1 and all(a["code"] == "invalid_state" for a in losers), answers
    assert all(f"公报2026年第{number}期的定时出版已被取消" in a["message"] for a in losers), losers
    assert len(_events(svc, "gazette.issue.release_cancelled", issue)) == 1
    assert gazette.show_issue(svc, issue).status == "draft"
