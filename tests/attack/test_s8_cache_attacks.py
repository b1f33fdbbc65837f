"""Attacks on the public page cache (desk/public_cache.py, storage/stamp.py) as a stranger, a clerk and an
operator would make them: every cached answer must be what the desk, made afresh, answers now.

- a visitor cannot shape a kept page: Host, forwarded headers, a staff session, Accept-Language,
  percent-encoded paths, repeated query parameters, HEAD;
- a commit landing while a page is being made: the page is kept under the stamp taken before its reads,
  so the next request makes it again;
- a configuration recorded in the database by another home (two desks on one database): the desk opens
  its services again within pages_site.REOPEN_SECONDS, and the kept pages follow at that moment, never
  kept longer than the uncached pages would show the old words;
- a database that cannot give its stamp (a rollback-journal file held by a writer): no stamp at once,
  never a wait on the event loop, never a kept page;
- PostgreSQL: a writer idle in its transaction, then committing; the server stopped under a desk with
  kept pages (a coded public page, never a kept one), then started again.
"""
from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient

from desk.app import create_app
from desk.public_cache import cache_of
from tests.attack.test_s8_public_cache import REASON, pages_of
from tests.storage.test_gazette_storage import in_force_dossier

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse 1"


@pytest.fixture(scope="module")
def world():
    """A home with two published documents in force; a desk that keeps pages and one whose cache is
    cleared before every answer (the desk made afresh)."""
    from desk import auth
    from services.home.context import open_services
    from tests.support.homes import scratch_home
    with scratch_home("lockstep-s8-attack-") as (home, base):
        svc = open_services(home)
        ds = [in_force_dossier(svc, base / "b", title=f"根河市缓存攻击第{n}办法") for n in "一二"]
        auth.set_password(home.path, "editor", PASSWORD)
        cached_app, fresh_app = create_app(home.path, "test-token"), create_app(home.path, "test-token")
        yield {"home": home, "base": base, "svc": svc, "dossiers": ds, "cached_app": cached_app,
               "cached": TestClient(cached_app, base_url="http://testserver"),
               "fresh": TestClient(fresh_app, base_url="http://testserver"), "fresh_cache": cache_of(fresh_app.state.kit),
               "cache": cache_of(cached_app.state.kit), "pages": [pages_of(svc, d) for d in ds]}


def afresh(world, path: str, method: str = "GET") -> httpx.Response:
    world["fresh_cache"].clear()
    return world["fresh"].request(method, path)


def same(a: httpx.Response, b: httpx.Response) -> bool:
    return (a.status_code, a.content) == (b.status_code, b.content)


def foreign(world, sql: str, *args) -> None:
    """A write through a connection of its own (a command line's, a worker's): the desk is told nothing."""
    conn = sqlite3.connect(world["home"].path / "lockstep.db", timeout=30)
    with conn:
        conn.execute(sql, args)
    conn.close()


def withhold(world, d: str) -> None:
    foreign(world, "UPDATE dossiers SET withheld_at='2026-12-01 00:00:00', withheld_by='editor', withheld_reason=? "
                   "WHERE id=?", REASON, d)


def restore(world, d: str) -> None:
    foreign(world, "UPDATE dossiers SET withheld_at=NULL, withheld_by=NULL, withheld_reason=NULL WHERE id=?", d)


# ---------------------------------------------------------------- a visitor cannot shape a kept page

def test_no_visitor_shapes_a_kept_page_and_equivalent_requests_answer_alike(world):
    from tests.desk.test_pages import sign_in
    world["cache"].clear()
    p = world["pages"][0]
    number = p["entry"].rsplit("/", 1)[1]
    staff = sign_in(world["cached_app"], "editor", PASSWORD)        # the same desk, a staff session's cookie
    paths = [p["home"], p["register"], p["entry"], p["policy"], "/gazette", "/site/consultations",
             "/register?q=%E7%BC%93%E5%AD%98&status=all", "/site/policies/D-none.html"]
    visitors = [({"host": "evil.example"}, world["cached"]),
                ({"x-forwarded-host": "evil.example", "x-forwarded-proto": "http", "x-forwarded-for": "203.0.113.9"},
                 world["cached"]),
                ({"accept-language": "en-US,en;q=0.9"}, world["cached"]), ({}, staff)]
    for path in paths:
        for headers, c in visitors:
            world["cache"].clear()                       # each visitor makes the page the next one is served
            made = c.get(path, headers=headers)
            hits = world["cache"].hits
            kept = world["cached"].get(path)
            assert world["cache"].hits == hits + 1, (path, headers)       # served what that visitor made
            fresh = afresh(world, path)
            assert same(made, fresh) and same(kept, fresh), (path, headers)
            assert b"evil.example" not in kept.content and "set-cookie" not in kept.headers
    # the same page by other spellings: answered alike (from the cache or not, never another page)
    for variant, plain in ((f"/register/{number.replace('-', '%2D')}", p["entry"]),
                           (p["policy"].replace(".html", "%2Ehtml"), p["policy"]),
                           ("/register?status=all&status=current", "/register?status=current"),
                           ("/register?q=&q=%E7%BC%93%E5%AD%98", "/register?q=%E7%BC%93%E5%AD%98")):
        assert same(world["cached"].get(variant), afresh(world, plain)), variant
    for path in (p["register"], p["entry"]):             # HEAD: whatever the desk says afresh, never a kept body
        head = world["cached"].head(path)
        assert head.status_code == afresh(world, path, "HEAD").status_code and not head.content


# ---------------------------------------------------------------- a commit while a page is made

def test_a_commit_landing_while_a_page_is_made_is_seen_by_the_next_request(world, monkeypatch):
    import services.publication.site as site
    import services.register.life as life
    d = world["dossiers"][1]
    p = world["pages"][1]
    title = "根河市缓存攻击第二办法"
    real_entries, real_policy = life.newest_entries, site.policy_view
    landing = {"on": True}

    def entries_then_commit(*args, **kw):              # the read done, then a withhold commits elsewhere
        found = real_entries(*args, **kw)
        if landing["on"]:
            withhold(world, d)
        return found

    def policy_then_commit(*args, **kw):
        found = real_policy(*args, **kw)
        if landing["on"]:
            withhold(world, d)
        return found

    monkeypatch.setattr(life, "newest_entries", entries_then_commit)
    monkeypatch.setattr(site, "policy_view", policy_then_commit)
    try:
        for path in (p["register"], p["policy"]):
            restore(world, d)
            world["cache"].clear()
            landing["on"] = True
            made = world["cached"].get(path)
            assert made.status_code == 200 and title in made.text      # read before the commit
            landing["on"] = False
            after = world["cached"].get(path)
            assert same(after, afresh(world, path)) and title not in after.text, path
    finally:
        restore(world, d)


# ---------------------------------------------------------------- a configuration recorded by another home

def test_a_configuration_another_home_records_reaches_kept_pages_when_the_desk_reopens(world, monkeypatch):
    """Two desks on one database: the other home's lockstep.toml names another government and its command
    line records it. This desk reads the record when it opens its services again (every REOPEN_SECONDS):
    a page made in between, under the new database stamp but with the services opened before, must not
    outlive that moment."""
    import desk.pages_site as pages_site
    from tests.support.homes import shared_home
    home = world["home"]
    other = shared_home(world["base"] / "other-home", f"sqlite:///{home.path / 'lockstep.db'}", home.path / "objects")
    text = other.config_path.read_text(encoding="utf-8")
    assert 'site_name = "根河市人民政府"' in text
    monkeypatch.setattr(pages_site, "REOPEN_SECONDS", 3600)       # the desk's services stay as opened
    world["cache"].clear()
    before = world["cached"].get("/site/")
    assert "根河市人民政府" in before.text
    try:
        other.config_path.write_text(text.replace('site_name = "根河市人民政府"', 'site_name = "牙克石市人民政府"'),
                                     encoding="utf-8")
        r = subprocess.run([sys.executable, "-m", "cli.main", "--home", str(other.path), "users", "list", "--json"],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        made = world["cached"].get("/site/")                       # a new stamp, the services opened before
        assert "根河市人民政府" in made.text
        monkeypatch.setattr(pages_site, "REOPEN_SECONDS", 1e-9)    # the moment the desk opens them again
        fresh = afresh(world, "/site/")
        assert "牙克石市人民政府" in fresh.text
        assert same(world["cached"].get("/site/"), fresh), "a page kept past the desk's reopening of its services"
        hits = world["cache"].hits
        assert same(world["cached"].get("/site/"), fresh) and world["cache"].hits == hits + 1, \
            "services opened again on the same configuration keep the pages"
    finally:
        other.config_path.write_text(text, encoding="utf-8")
        r = subprocess.run([sys.executable, "-m", "cli.main", "--home", str(other.path), "users", "list", "--json"],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        monkeypatch.setattr(pages_site, "REOPEN_SECONDS", 1e-9)
        assert "根河市人民政府" in afresh(world, "/site/").text


# ---------------------------------------------------------------- a database that cannot give its stamp

def test_a_rollback_journal_database_held_by_a_writer_gives_no_stamp_at_once(tmp_path):
    """A file in rollback-journal mode (not WAL: a read-only home's file, a file switched for copying):
    other processes' commits move the stamp; while a writer holds it, the stamp is None AT ONCE (the
    desk takes it on its event loop: a wait there holds every request of every visitor and clerk), and
    a stamp taken after the writer commits differs."""
    from sqlalchemy import create_engine

    from storage.stamp import data_stamp
    db = tmp_path / "rollback.db"
    writer = sqlite3.connect(db, isolation_level=None)
    assert writer.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "delete"
    writer.execute("CREATE TABLE t (x)")
    engine = create_engine(f"sqlite:///{db}")
    first = data_stamp(engine)
    writer.execute("INSERT INTO t VALUES (1)")
    second = data_stamp(engine)
    assert first and second and first != second
    writer.execute("BEGIN EXCLUSIVE")
    writer.execute("INSERT INTO t VALUES (2)")
    started = time.monotonic()
    held = data_stamp(engine)
    waited = time.monotonic() - started
    assert held is None, "a stamp while a writer holds the file"
    assert waited < 0.5, f"the stamp waited {waited:.1f} s for the writer"
    writer.execute("COMMIT")
    after = data_stamp(engine)
    assert after and after not in (first, second)
    writer.close()
    engine.dispose()


def test_a_database_file_put_in_place_is_watched_for_its_own_commits(tmp_path):
    """A restore that puts another file in the database's place (a rename, as `mv` or a restore tool
    does): the stamp changes then, AND every commit to the new file changes it again (a watcher left on
    the old file would count the old file's commits, none, for the life of the desk)."""
    from sqlalchemy import create_engine

    from storage.stamp import data_stamp
    db, copy = tmp_path / "lockstep.db", tmp_path / "copy.db"
    for path in (db, copy):
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (x)")
        conn.close()
    engine = create_engine(f"sqlite:///{db}")
    first = data_stamp(engine)
    os.replace(copy, db)
    for side in ("-wal", "-shm"):
        Path(f"{db}{side}").unlink(missing_ok=True)
    restored = data_stamp(engine)
    assert first and restored and restored != first
    conn = sqlite3.connect(db, isolation_level=None)
    stamps = [restored]
    for n in range(3):
        conn.execute("INSERT INTO t VALUES (?)", (n,))
        stamps.append(data_stamp(engine))
    conn.close()
    assert None not in stamps and len(set(stamps)) == len(stamps), stamps
    engine.dispose()


def test_a_desk_on_a_read_only_mount_of_a_home_others_write(world):
    """The desk serves a read-only mount of the home (storage/db.py read_only(): its engine opens the file
    read-only) while the office writes through the home itself: the kept pages leave with the commit, as the
    desk's own reads do."""
    def mount(*args: str) -> None:
        r = subprocess.run(["mount", *args], capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount here ({r.stderr.strip()}): needs root with mount rights")

    from services.home.context import _engines
    d, title = world["dossiers"][0], "根河市缓存攻击第一办法"
    ro = world["base"] / "read-only-home"
    ro.mkdir(exist_ok=True)
    mount("--bind", str(world["home"].path), str(ro))
    try:
        mount("-o", "remount,ro,bind", str(ro))
        with pytest.raises(OSError):
            (ro / "probe").write_text("x")
        app, fresh_app = create_app(ro, "test-token"), create_app(ro, "test-token")
        c, fresh, fresh_cache = TestClient(app), TestClient(fresh_app), cache_of(fresh_app.state.kit)
        paths = list(world["pages"][0].values())
        for path in paths:
            c.get(path)
        assert title in c.get(world["pages"][0]["register"]).text
        withhold(world, d)
        for path in paths:
            kept = c.get(path)
            fresh_cache.clear()
            assert same(kept, fresh.get(path)) and title not in kept.text, path
    finally:
        restore(world, d)
        from storage import stamp
        for url in [u for u in list(_engines) if str(ro) in u]:
            _engines.pop(url).dispose()
            if (watcher := stamp._watchers.pop(url, None)) is not None:
                watcher[1].close()
        if subprocess.run(["umount", str(ro)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(ro)], capture_output=True)


# ---------------------------------------------------------------- PostgreSQL

@pytest.fixture(scope="module")
def pg_world(tmp_path_factory):
    """A PostgreSQL server of this module's own (it is stopped and started again here) and a home on it
    with one published document."""
    from services.home import context
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    from tests.support.postgres import postgres_server
    base = tmp_path_factory.mktemp("s8-attack-pg")
    with postgres_server() as server:
        url = server.create_database("s8_cache_attack")
        with pytest.MonkeyPatch.context() as mp:                   # the tests set it again: see on_pg
            mp.setenv("LOCKSTEP_DATABASE_URL", url)
            home = Home(base / "home")
            initialise(home)
            svc = open_services(home)
            d = in_force_dossier(svc, base / "b", title="根河市缓存攻击丙办法")
            app = create_app(home.path, "test-token")
            fresh = create_app(home.path, "test-token")
        try:
            yield {"server": server, "url": url, "home": home, "svc": svc, "dossier": d, "app": app,
                   "pages": pages_of(svc, d), "cache": cache_of(app.state.kit), "fresh": fresh,
                   "fresh_cache": cache_of(fresh.state.kit), "title": "根河市缓存攻击丙办法"}
        finally:
            context._engines.pop(url, None)
            svc.engine.dispose()


@pytest.fixture
def on_pg(pg_world, monkeypatch):
    """The PostgreSQL home's database for this test only (the desk opens its services again while it runs)."""
    monkeypatch.setenv("LOCKSTEP_DATABASE_URL", pg_world["url"])
    return pg_world


def test_on_postgresql_a_writer_idle_in_its_transaction_then_committing(on_pg):
    import psycopg
    w = on_pg
    c = TestClient(w["app"], base_url="http://testserver")
    fresh = TestClient(w["fresh"], base_url="http://testserver")
    paths = list(w["pages"].values())

    def agree() -> None:
        for path in paths:
            kept = c.get(path)
            w["fresh_cache"].clear()
            assert same(kept, fresh.get(path)), path

    agree()
    server = w["server"]
    with psycopg.connect(host=server.host, port=server.port, user="postgres", dbname="s8_cache_attack") as idle, \
            psycopg.connect(host=server.host, port=server.port, user="postgres", dbname="s8_cache_attack",
                            autocommit=True) as other:
        idle.execute("UPDATE dossiers SET withheld_at=now(), withheld_by='editor', withheld_reason=%s WHERE id=%s",
                     (REASON, w["dossier"]))                       # written, not committed: idle in transaction
        agree()
        assert w["title"] in c.get(w["pages"]["register"]).text
        other.execute("UPDATE dossiers SET topic=topic WHERE id='nobody'")     # others commit meanwhile
        other.execute("CREATE TEMP TABLE scratch (x int); INSERT INTO scratch VALUES (1)")
        agree()
        idle.commit()
        agree()
        assert w["title"] not in c.get(w["pages"]["register"]).text
        idle.execute("UPDATE dossiers SET withheld_at=NULL, withheld_by=NULL, withheld_reason=NULL WHERE id=%s",
                     (w["dossier"],))
        idle.commit()
        agree()
        assert w["title"] in c.get(w["pages"]["register"]).text


def _server_processes(server) -> list[int]:
    """The fixture's PostgreSQL: its postmaster and the postmaster's children (backends, writers)."""
    pid = int((server.socket_dir / "data" / "postmaster.pid").read_text().split()[0])
    family = [pid]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                family.append(int(entry))
    return family


def test_postgresql_hanging_answers_a_coded_public_page_in_time_and_holds_nothing_else(on_pg, monkeypatch):
    """Every process of the server stopped (SIGSTOP: a hung host, a frozen VM, a network cut that drops
    packets): nothing answers and no connection fails. A public page's stamp, and the services the desk
    opens again meanwhile, wait in a worker thread, never on the event loop: the desk answers other
    requests. After STAMP_WAIT the visitor has the coded public page (database_unavailable), never a kept
    one; while a stamp is still unanswered, the next visitors have it at once (no thread each). When the
    server goes on, the pages come. A watchdog resumes the server after a few seconds whatever happens."""
    import signal
    import threading

    import desk.pages_site as pages_site
    import desk.public_cache as public_cache
    w = on_pg
    monkeypatch.setattr(public_cache, "STAMP_WAIT", 1.0)
    monkeypatch.setattr(public_cache, "ASK_AGAIN", 2.0)

    def send(sig) -> None:
        for pid in family:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:          # a backend that ended meanwhile
                pass

    def resume() -> None:
        send(signal.SIGCONT)

    family: list[int] = []

    async def visit() -> dict:
        seen: dict = {}
        transport = httpx.ASGITransport(app=w["app"])
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            assert (await c.get(w["pages"]["register"])).status_code == 200
            assert (await c.get(w["pages"]["policy"])).status_code == 200        # kept, both
            monkeypatch.setattr(pages_site, "REOPEN_SECONDS", 1e-9)      # the desk opens its services again
            family.extend(_server_processes(w["server"]))
            watchdog = threading.Timer(6.0, resume)
            watchdog.start()
            try:
                send(signal.SIGSTOP)
                started = time.monotonic()
                page = asyncio.create_task(c.get(w["pages"]["register"]))
                await asyncio.sleep(0.3)                                  # the page is under way
                assert (await c.get("/api/health")).status_code == 200
                seen["health"] = time.monotonic() - started - 0.3
                seen["first"] = await asyncio.wait_for(page, 4.0)
                seen["first_took"] = time.monotonic() - started
                started = time.monotonic()
                seen["next"] = await asyncio.wait_for(c.get(w["pages"]["policy"]), 4.0)
                seen["next_took"] = time.monotonic() - started
                await asyncio.sleep(1.2)                 # the first ask unanswered for ASK_AGAIN: ask again
                started = time.monotonic()
                seen["again"] = await asyncio.wait_for(c.get(w["pages"]["policy"]), 4.0)
                seen["again_took"] = time.monotonic() - started
            finally:
                watchdog.cancel()
                resume()
                monkeypatch.setattr(pages_site, "REOPEN_SECONDS", 5)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:               # the unanswered stamp ends when the server goes on
                seen["after"] = await c.get(w["pages"]["policy"])
                if seen["after"].status_code == 200:
                    break
                await asyncio.sleep(0.1)
        return seen

    seen = asyncio.run(visit())
    assert seen["health"] < 1.0, f"the desk answered nothing for {seen['health']:.1f} s while the database hung"
    for name in ("first", "next", "again"):
        r = seen[name]
        assert r.status_code == 503 and "database_unavailable" in r.text and "返回政府信息公开首页" in r.text, name
        assert w["title"] not in r.text, name                    # never the kept page
    assert seen["first_took"] < 3.0 and seen["next_took"] < 0.5 and seen["again_took"] > 0.9, seen
    assert seen["after"].status_code == 200 and w["title"] in seen["after"].text


def test_a_stamp_waiting_for_a_worker_thread_is_not_the_database_s_silence(world, monkeypatch):
    """Every worker thread busy (a crowd on slow pages) for longer than STAMP_WAIT: a stamp asked in a
    thread (as on PostgreSQL) waits for one like any page does, then has its own STAMP_WAIT: the visitor
    has the page, not database_unavailable, and no verdict is left behind for the next ones."""
    import threading

    import desk.public_cache as public_cache
    monkeypatch.setattr(public_cache, "STAMP_WAIT", 0.5)
    monkeypatch.setattr(world["cache"], "threaded", True)
    path = world["pages"][0]["register"]

    async def visit() -> tuple[httpx.Response, float, httpx.Response]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 1
        release = threading.Event()
        transport = httpx.ASGITransport(app=world["cached_app"])
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            holder = asyncio.ensure_future(anyio.to_thread.run_sync(release.wait, 5.0))
            await asyncio.sleep(0.05)                                       # the one worker thread, busy
            threading.Timer(1.0, release.set).start()
            started = time.monotonic()
            busy = await asyncio.wait_for(c.get(path), 10)
            took = time.monotonic() - started
            await holder
            after = await c.get(path)
        return busy, took, after

    world["cache"].clear()
    busy, took, after = asyncio.run(visit())
    assert busy.status_code == 200 and took > 0.9, (busy.status_code, took)
    assert after.status_code == 200


def test_postgresql_stopped_under_kept_pages_answers_a_coded_public_page_then_the_pages(on_pg, monkeypatch):
    import desk.pages_site as pages_site
    from tests.support import postgres as support
    w = on_pg
    server = w["server"]

    async def visit(paths) -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=w["app"])
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return [await c.get(path) for path in paths]

    paths = list(w["pages"].values())
    kept = asyncio.run(visit(paths))
    assert all(r.status_code == 200 for r in kept)
    pidfile = server.socket_dir / "data" / "postmaster.pid"
    os.kill(int(pidfile.read_text().split()[0]), 2)                 # fast shutdown, as an operator stops it
    deadline = time.monotonic() + 15
    while pidfile.exists() and time.monotonic() < deadline:          # removed when it has stopped (the process
        time.sleep(0.05)                                             # itself stays a zombie of the fixture's)
    assert not pidfile.exists()
    restarted = None
    try:
        down = asyncio.run(visit(paths))
        monkeypatch.setattr(pages_site, "REOPEN_SECONDS", 1e-9)     # and the desk opening its services again
        down += asyncio.run(visit(paths))
        monkeypatch.setattr(pages_site, "REOPEN_SECONDS", 5)
        for path, r in zip(paths * 2, down):
            assert r.status_code == 503, (path, r.status_code, r.text[:300])
            assert "database_unavailable" in r.text and w["title"] not in r.text, path
            assert "返回政府信息公开首页" in r.text, path                  # the public template, not the staff one
        restarted, log = support._start(server.socket_dir, server.socket_dir / "data", server.port)
        support._wait_ready(restarted, server, log)
        again = asyncio.run(visit(paths))
        assert [r.status_code for r in again] == [200] * len(paths)
        assert [r.content for r in again] == [r.content for r in kept]
    finally:
        if restarted is not None:
            support._stop(restarted)
