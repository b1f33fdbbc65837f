"""Brief H3 (session 12): acts RACING `lockstep users disable`, checked through the audit log's own
check alone (storage/audit.py AuditLog._actors_enabled): the acts here have no per-service
`still_enabled` check — 主题分类 (catalogue), moving a gazette issue's item, 公开属性.

Invariant, on SQLite and on a real PostgreSQL: once the disable's config.changed event is on record, no
event by that person comes after it (events are numbered in commit order by the chain's locking counter,
storage/counters.py), and no state change of theirs is left without its event. A person enabled again
acts again. Every loop is bounded: each thread stops at its first refusal or after ROUNDS acts.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from documents.problems import Refused

ROOT = Path(__file__).resolve().parents[2]
LOCKSTEP = [sys.executable, "-c", "from cli.main import run; run()"]
TOPICS = ("综合政务", "其他")
ROUNDS = 30           # acts per thread at most
THREADS = 3           # per person


@pytest.fixture(scope="module")
def pg_module():
    from tests.support.postgres import postgres_server
    with postgres_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def any_svc(request, tmp_path, monkeypatch):
    """A home on SQLite, or on its own PostgreSQL database (subprocesses inherit it)."""
    from services.home import context
    from services.home.context import initialise
    from services.home.folder import Home
    monkeypatch.delenv("LOCKSTEP_OBJECTS", raising=False)
    monkeypatch.delenv("LOCKSTEP_TEST_CRASH_AT", raising=False)
    url = None
    if request.param == "postgresql":
        pg = request.getfixturevalue("pg_module")
        url = pg.create_database(f"s12h3_{uuid.uuid4().hex[:12]}")
        monkeypatch.setenv("LOCKSTEP_DATABASE_URL", url)
    else:
        monkeypatch.delenv("LOCKSTEP_DATABASE_URL", raising=False)
    _, svc = initialise(Home(tmp_path / "home"))
    svc.backend = request.param
    if url:
        svc.pg, svc.db_name = pg, url.rsplit("/", 1)[1]
    yield svc
    context._engines.pop(svc.home.database_url, None)
    svc.engine.dispose()


def _setup(svc, tmp_path) -> tuple[str, str, str]:
    """A dossier open for its drafter (topic), and a draft gazette issue with two items (editor)."""
    from services.dossiers.intake import intake_bundle
    from services.gazette import issues as gazette
    from tests.storage.test_gazette_storage import signed_dossier
    a = signed_dossier(svc, tmp_path / "bundles")
    b = signed_dossier(svc, tmp_path / "bundles")
    gazette.create_issue(svc, 2019, 8, "editor", total=120)
    gazette.add_items(svc, "2019-8", [a, b], "editor")
    from samples.genhe import write_zip
    open_ = intake_bundle([write_zip(tmp_path / "open.zip", "complete", doc_number="根政办发〔2019〕301号",
                                     disclosure="")],        # 公开属性 left to a person
                          "drafter", svc)
    assert open_.accepted, open_.problems
    return open_.dossier, "2019-8", b


def _act(warm, who: str, dossier: str, issue: str, item: str, i: int) -> None:
    from services.gazette.issues import move_item
    from services.publication.catalogue import set_topic
    if who == "drafter":
        set_topic(warm, dossier, TOPICS[i % 2], "drafter")
    else:
        move_item(warm, issue, item, "editor", to=1 + i % 2)


def _events(svc, name: str | None = None) -> list[tuple[int, str, str, dict]]:
    from sqlalchemy import select
    from storage.schema import events as E
    with svc.unit() as uow:
        q = select(E.c.seq, E.c.name, E.c.actor, E.c.payload).order_by(E.c.seq)
        return [tuple(r) for r in uow._session.execute(q)]


def _disabled_at_seq(events, name: str) -> int:
    """The seq of the newest `users disable NAME` event."""
    return max(seq for seq, ev, _a, p in events
               if ev == "config.changed" and p.get("change") == "users.disable" and p.get("detail", {}).get("name") == name)


def _nothing_after_disable(svc, name: str) -> int:
    events = _events(svc)
    cut = _disabled_at_seq(events, name)
    after = [(seq, ev) for seq, ev, actor, _p in events if actor == name and seq > cut]
    assert after == [], f"{name}'s acts recorded after `users disable {name}` (seq {cut}): {after}"
    return sum(1 for seq, ev, actor, _p in events if actor == name and seq < cut and ev != "config.changed")


def _refused_as_disabled(e: BaseException, name: str) -> bool:
    return isinstance(e, Refused) and e.problem.code == "unknown_person" and f"人员 {name} 已停用" in e.problem.message


def _wait_for(predicate, seconds: float = 120) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_acts_racing_users_disable_are_recorded_before_it_or_refused(any_svc, tmp_path):
    """Three threads per person (a warm process that read its people before) act in a loop while
    `users disable` runs for both people on another connection: every act either commits before the
    disable's event or is refused as 已停用; the dossier's topic and the issue's order are what the last
    recorded event says. Then `users enable` and the same process acts again."""
    from services.gazette.issues import show_issue
    from services.home.accounts import disable_person, enable_person
    from services.home.context import open_services
    svc = any_svc
    dossier, issue, item = _setup(svc, tmp_path)
    warm = open_services(svc.home)
    assert warm.config.person("drafter") and warm.config.person("editor")
    before = len(_events(svc))

    outcome: dict[str, list] = {"drafter": [], "editor": []}
    done: dict[str, int] = {"drafter": 0, "editor": 0}
    lock = threading.Lock()

    def run(who: str, k: int) -> None:
        for i in range(k, k + ROUNDS):
            try:
                _act(warm, who, dossier, issue, item, i)
            except BaseException as e:  # noqa: BLE001 - judged below
                with lock:
                    outcome[who].append(e)
                return
            with lock:
                done[who] += 1

    threads = [threading.Thread(target=run, args=(who, k), daemon=True)
               for who in ("drafter", "editor") for k in range(THREADS)]
    for t in threads:
        t.start()
    # Disable each once both have acted a little (the loops are bounded: if they finished first, the
    # disable still comes after, and the test says nothing raced).
    assert _wait_for(lambda: done["drafter"] >= 2 and done["editor"] >= 2 or not any(t.is_alive() for t in threads))
    other = open_services(svc.home)
    disable_person(other, "drafter", "admin")
    disable_person(other, "editor", "admin")
    for t in threads:
        t.join(240)
    assert not any(t.is_alive() for t in threads), "an act never finished"

    for who in ("drafter", "editor"):
        unexpected = [e for e in outcome[who] if not _refused_as_disabled(e, who)]
        assert unexpected == [], f"{who}: {unexpected!r}"
        recorded = _nothing_after_disable(svc, who)
        assert recorded >= 1
    assert sum(len(v) for v in outcome.values()) >= 1, "no act was refused: nothing raced the disable"

    events = _events(svc)[before:]
    topics = [p["topic"] for _s, ev, actor, p in events if ev == "dossier.topic_set" and actor == "drafter"]
    with svc.unit() as uow:
        assert uow.dossiers.require(dossier).topic == topics[-1]       # no change of theirs without its event
        assert uow.audit.verify() == []
    moves = [p for _s, ev, _a, p in events if ev == "gazette.issue.item_moved"]
    shown = [i.dossier for i in show_issue(svc, issue).items]
    assert shown.index(item) + 1 == moves[-1]["moved_to"]

    # Enabled again: the same warm process acts, and it is recorded.
    enable_person(other, "drafter", "admin")
    enable_person(other, "editor", "admin")
    _act(warm, "drafter", dossier, issue, item, TOPICS.index(topics[-1]) + 1)      # the other topic
    _act(warm, "editor", dossier, issue, item, moves[-1]["moved_to"])               # the other place
    last = _events(svc)[-2:]
    assert [(ev, actor) for _s, ev, actor, _p in last] == [("dossier.topic_set", "drafter"),
                                                          ("gazette.issue.item_moved", "editor")]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "LOCKSTEP_TEST_CRASH_AT"}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def _spawn(home: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([*LOCKSTEP, "--home", str(home), *args, "--json"], cwd=ROOT, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen, timeout: float = 180) -> tuple[int, dict, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    try:
        return proc.returncode, json.loads(out) if out.strip() else {}, err
    except ValueError:
        raise AssertionError(f"exit {proc.returncode}, no JSON:\n{out}\n{err[-3000:]}") from None


def test_command_line_acts_racing_users_disable_in_another_process(any_svc, tmp_path):
    """Processes, not threads: `lockstep disclosure set` and `gazette issue move` as the person, started
    together with `lockstep users disable` for them. Each command succeeds (its event before the
    disable's) or is refused (exit non-zero, nothing recorded after the disable)."""
    svc = any_svc
    dossier, issue, item = _setup(svc, tmp_path)
    home = svc.home.path
    movers = [_spawn(home, "gazette", "issue", "move", issue, item, "--to", str(1 + i % 2),
                     "--as", "editor") for i in range(4)]
    setters = [_spawn(home, "disclosure", "set", dossier, value, "--as", "director")
               for value in ("主动公开", "依申请公开")]
    disablers = [_spawn(home, "users", "disable", "editor"), _spawn(home, "users", "disable", "director")]
    for p in disablers:
        code, answer, err = _finish(p)
        assert code == 0, err[-2000:]
    codes = []
    for p in movers + setters:
        code, answer, err = _finish(p)
        codes.append(code)
        if code != 0:
            assert "已停用" in json.dumps(answer, ensure_ascii=False) + err, (answer, err[-2000:])
    for who in ("editor", "director"):
        _nothing_after_disable(svc, who)
    with svc.unit() as uow:
        assert uow.audit.verify() == []
        row = uow.dossiers.require(dossier)
    setters_events = [p for _s, ev, actor, p in _events(svc) if actor == "director" and ev == "dossier.disclosure_set"]
    if row.disclosure_by == "director":
        assert setters_events, "公开属性 set by the director without its event"
    else:
        assert not setters_events


def _waiting(svc, n: int, seconds: float = 90) -> bool:
    """Whether at least n other backends of this database wait on a lock (bounded)."""
    with svc.pg.connect(autocommit=True) as conn:
        def enough() -> bool:
            return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                                (svc.db_name,)).fetchone()[0] >= n
        return _wait_for(enough, seconds)


@pytest.mark.parametrize("any_svc", ["postgresql"], indirect=True)
@pytest.mark.parametrize("first", ["acts", "disable"])
def test_postgresql_interleavings_pinned_by_the_chain_counter(any_svc, tmp_path, first):
    """PostgreSQL, both orders pinned: a side connection holds the audit chain's counter row, which every
    act and the disable take last. `acts` first: three acts have read the person (FOR SHARE) and wait on
    the counter; the disable then waits on them; released, the acts are recorded before the disable.
    `disable` first: the disable has changed the row and waits on the counter; the acts then wait on the
    row; released, the disable commits first and every act is refused as 已停用."""
    from services.home.accounts import disable_person
    from services.home.context import open_services
    svc = any_svc
    dossier, issue, item = _setup(svc, tmp_path)
    warm = open_services(svc.home)
    results: dict[str, object] = {}
    from services.gazette.issues import show_issue
    place = [i.dossier for i in show_issue(svc, issue).items].index(item) + 1     # the act moves it elsewhere

    def act(k: int) -> None:
        try:
            _act(warm, "editor" if k % 2 else "drafter", dossier, issue, item, place)   # each a real change
            results[f"act{k}"] = "ok"
        except BaseException as e:  # noqa: BLE001
            results[f"act{k}"] = e

    def disable(who: str) -> None:
        try:
            disable_person(open_services(svc.home), who, "admin")
            results[f"disable {who}"] = "ok"
        except BaseException as e:  # noqa: BLE001
            results[f"disable {who}"] = e

    acts = [threading.Thread(target=act, args=(k,), daemon=True) for k in range(2)]
    dis = [threading.Thread(target=disable, args=(who,), daemon=True) for who in ("drafter", "editor")]
    side = svc.pg.connect(svc.db_name)
    try:
        side.execute("SELECT value FROM counters WHERE sequence = 'audit' AND year = 0 FOR UPDATE")
        if first == "acts":
            for t in acts:
                t.start()
            assert _waiting(svc, len(acts)), f"the acts never reached the counter: {results}"
            for t in dis:
                t.start()
            assert _waiting(svc, len(acts) + len(dis)), "the disables never waited"
        else:
            for t in dis:
                t.start()
            assert _waiting(svc, len(dis)), "the disables never reached the counter"
            for t in acts:
                t.start()
            assert _waiting(svc, len(acts) + len(dis)), "the acts never waited on the person's row"
    finally:
        side.rollback()
        side.close()
    for t in [*acts, *dis]:
        t.join(120)
        assert not t.is_alive()
    assert results["disable drafter"] == results["disable editor"] == "ok", results
    if first == "acts":
        assert all(results[f"act{k}"] == "ok" for k in range(2)), results
    else:
        for k in range(2):
            assert _refused_as_disabled(results[f"act{k}"], "editor" if k % 2 else "drafter"), results
    for who in ("drafter", "editor"):
        _nothing_after_disable(svc, who)


@pytest.mark.parametrize("any_svc", ["postgresql"], indirect=True)
def test_desk_posts_caught_behind_a_disable_are_refused_though_the_session_was_good(any_svc, tmp_path):
    """The desk (the app, warm, its own pool) and the drafter's signed-in tabs. `users disable drafter` has
    changed the row and waits to commit (the chain's counter held by a side connection); the tabs then post
    主题分类: the session check reads the last committed row (still enabled) and lets them in; the act's
    own read of the person waits for the disable, sees it, and refuses (已停用). Nothing is recorded after
    the disable (without the audit log's check the posts were recorded after it)."""
    from fastapi.testclient import TestClient

    from desk import auth
    from desk.app import create_app
    from services.home.accounts import disable_person
    from services.home.context import open_services
    from tests.desk.test_pages import PASSWORD, _login_csrf
    svc = any_svc
    dossier, _issue, _item = _setup(svc, tmp_path)
    auth.set_password(svc.home.path, "drafter", PASSWORD)
    app = create_app(svc.home.path, "test-token")
    tabs = []
    for _ in range(2):
        c = TestClient(app, base_url="http://testserver")
        r = c.post("/login", data={"name": "drafter", "password": PASSWORD, "csrf": _login_csrf(c)})
        assert r.status_code == 200 and "您好" in r.text
        tabs.append((c, auth.Sessions.for_home(svc.home.path).get(c.cookies[auth.SESSION_COOKIE]).csrf))
    answers: dict[int, object] = {}

    def post(k: int) -> None:
        c, csrf = tabs[k]
        try:
            answers[k] = c.post(f"/desk/dossiers/{dossier}/topic", data={"csrf": csrf, "topic": TOPICS[k]},
                                follow_redirects=False)
        except BaseException as e:  # noqa: BLE001
            answers[k] = e

    def disable() -> None:
        disable_person(open_services(svc.home), "drafter", "admin")

    dis = threading.Thread(target=disable, daemon=True)
    posts = [threading.Thread(target=post, args=(k,), daemon=True) for k in range(len(tabs))]
    side = svc.pg.connect(svc.db_name)
    try:
        side.execute("SELECT value FROM counters WHERE sequence = 'audit' AND year = 0 FOR UPDATE")
        dis.start()
        assert _waiting(svc, 1), "the disable never reached the counter"
        for t in posts:
            t.start()
        assert _waiting(svc, 1 + len(posts)), "the posts never reached the person's row"
    finally:
        side.rollback()
        side.close()
    for t in [dis, *posts]:
        t.join(120)
        assert not t.is_alive()
    for k, r in answers.items():
        assert not isinstance(r, BaseException), r
        assert r.status_code != 303 and "已停用" in r.text, (r.status_code, r.text[:300])
    _nothing_after_disable(svc, "drafter")
    with svc.unit() as uow:
        assert uow.dossiers.require(dossier).topic is None
        assert uow.audit.verify() == []
