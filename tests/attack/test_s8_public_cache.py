"""The public site's page cache (desk/public_cache.py) never shows what is no longer public.

Attacks: a document withheld by ANOTHER process (the real command line) while the desk holds its
pages; the same on a real PostgreSQL; random writes by a foreign connection (taking documents off and
putting them back, renaming the government) interleaved with requests, each cached answer compared
with the page made afresh; a crowd after a commit makes the page once; the cache's own bounds."""
from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desk.app import create_app
from desk.public_cache import PageCache, cache_of
from tests.storage.test_gazette_storage import in_force_dossier, lately, signed_dossier

ROOT = Path(__file__).resolve().parents[2]
REASON = "测试：该文件内容有误，撤回公开待更正"


def pages_of(svc, dossier: str) -> dict[str, str]:
    with svc.unit() as uow:
        number = uow.register.entry_for(dossier).registration_number
    return {"home": "/site/", "register": "/register", "entry": f"/register/{number}",
            "policy": f"/site/policies/{dossier}.html", "gazette": "/gazette"}


def client(home_path: Path) -> tuple[TestClient, object]:
    app = create_app(home_path, "test-token")
    return TestClient(app, base_url="http://testserver"), cache_of(app.state.kit)


def withhold_by_command_line(home_path: Path, dossier: str, env: dict | None = None) -> None:
    import os
    r = subprocess.run([sys.executable, "-m", "cli.main", "--home", str(home_path), "withhold", dossier,
                        "--reason", REASON, "--as", "editor", "--json"], cwd=ROOT, capture_output=True, text=True,
                       env={**os.environ, **(env or {})}, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def shows(c: TestClient, path: str, title: str) -> bool:
    r = c.get(path)
    assert r.status_code in (200, 404), (path, r.status_code)
    return r.status_code == 200 and title in r.text


def assert_withheld_everywhere(c, cache, paths, title) -> None:
    hits = cache.hits
    for name, path in paths.items():
        assert not shows(c, path, title), f"{name} ({path}) still shows the withheld document"
    # the policy page and the entry are the one 404; the lists still answer, without it
    assert c.get(paths["policy"]).status_code == 404 and c.get(paths["entry"]).status_code == 404
    assert cache.hits >= hits


def test_a_document_withheld_by_another_process_leaves_every_cached_page_at_once(home, svc, tmp_path):
    title = "根河市缓存攻击甲办法"
    d = in_force_dossier(svc, tmp_path / "b", title=title)
    c, cache = client(home.path)
    paths = pages_of(svc, d)
    for path in paths.values():
        c.get(path)
    before = cache.hits
    for name in ("home", "register", "entry", "policy"):
        assert shows(c, paths[name], title), name
    assert cache.hits - before == 4            # the pages came from the cache
    withhold_by_command_line(home.path, d)     # a real process, its own connection
    assert_withheld_everywhere(c, cache, paths, title)


def test_on_postgresql_a_foreign_commit_makes_the_kept_pages_stale(pg_url, tmp_path, monkeypatch):
    from services.home import context
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    from storage.stamp import data_stamp
    monkeypatch.setenv("LOCKSTEP_DATABASE_URL", pg_url)
    home = Home(tmp_path / "home")
    initialise(home)
    svc = open_services(home)
    assert svc.engine.dialect.name == "postgresql"
    try:
        title = "根河市缓存攻击乙办法"
        d = in_force_dossier(svc, tmp_path / "b", title=title)
        first = data_stamp(svc.engine)
        assert first and first == data_stamp(svc.engine)        # nothing committed: the same stamp
        c, cache = client(home.path)
        paths = pages_of(svc, d)
        for path in paths.values():
            c.get(path)
        before = cache.hits
        assert shows(c, paths["register"], title) and cache.hits == before + 1
        withhold_by_command_line(home.path, d, {"LOCKSTEP_DATABASE_URL": pg_url})
        assert data_stamp(svc.engine) != first
        assert_withheld_everywhere(c, cache, paths, title)
    finally:
        context._engines.pop(pg_url, None)
        svc.engine.dispose()


# ---------------------------------------------------------------- random foreign writes

@pytest.fixture(scope="module")
def world():
    """A home with three published documents in a released gazette issue, shared by the examples."""
    import datetime as dt

    from services.gazette.issues import add_items, create_issue
    from services.gazette.release import release_issue
    from services.home.context import open_services
    from tests.support.homes import scratch_home
    with scratch_home("lockstep-s8-cache-") as (home, base):
        svc = open_services(home)
        # in force today: their 施行日期 a month ago, the day the issue carrying them came out (rule 7)
        ds = [signed_dossier(svc, base / "b", f"本办法自{lately()}起施行。", title=f"根河市第{n}项缓存办法")
              for n in "一二三"]
        day = dt.date.today() - dt.timedelta(days=30)
        create_issue(svc, day.year, 8, "editor")
        add_items(svc, f"{day.year}-8", ds, "editor")
        release_issue(svc, f"{day.year}-8", base / "gazette", "editor", day)
        cached_app = create_app(home.path, "test-token")
        fresh_app = create_app(home.path, "test-token")
        yield {"home": home, "svc": svc, "dossiers": ds, "cached": TestClient(cached_app, base_url="http://testserver"),
               "fresh": TestClient(fresh_app, base_url="http://testserver"),
               "fresh_cache": cache_of(fresh_app.state.kit), "cache": cache_of(cached_app.state.kit),
               "paths": [p for d in ds for p in pages_of(svc, d).values()]}


def foreign_write(world, action: tuple) -> None:
    """A write through a connection of its own (as a command line's or a worker's): the desk's cache
    is told nothing."""
    import sqlite3
    what, n = action
    db = world["home"].path / "lockstep.db"
    d = world["dossiers"][n]
    with sqlite3.connect(db, timeout=30) as conn:
        if what == "withhold":
            conn.execute("UPDATE dossiers SET withheld_at='2026-12-01 00:00:00', withheld_by='editor', "
                         "withheld_reason=? WHERE id=?", (REASON, d))
        elif what == "restore":
            conn.execute("UPDATE dossiers SET withheld_at=NULL, withheld_by=NULL, withheld_reason=NULL, "
                         "disclosure='主动公开' WHERE id=?", (d,))
        elif what == "not_public":
            conn.execute("UPDATE dossiers SET disclosure='不予公开' WHERE id=?", (d,))
        elif what == "unknown_attribute":
            conn.execute("UPDATE dossiers SET disclosure='公开属性：待定' WHERE id=?", (d,))
    conn.close()
    if what == "rename":
        import re
        path = world["home"].config_path
        new = ("根河市人民政府", "牙克石市人民政府")[n % 2]
        text = re.sub(r'(?m)^site_name = "[^"]*"', f'site_name = "{new}"', path.read_text(encoding="utf-8"))
        assert f'site_name = "{new}"' in text
        path.write_text(text, encoding="utf-8")


ACTIONS = st.tuples(st.sampled_from(["withhold", "restore", "not_public", "unknown_attribute", "rename"]),
                    st.integers(0, 2))


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(st.tuples(ACTIONS, st.lists(st.integers(0, 14), min_size=1, max_size=4)),
                      min_size=1, max_size=5))
def test_every_cached_page_equals_the_page_made_afresh_after_random_foreign_writes(world, steps):
    paths = world["paths"]
    for action, reads in steps:
        foreign_write(world, action)
        for i in reads:
            path = paths[i % len(paths)]
            kept = world["cached"].get(path)
            world["fresh_cache"].clear()
            fresh = world["fresh"].get(path)
            assert (kept.status_code, kept.text) == (fresh.status_code, fresh.text), (action, path)
            kept_again = world["cached"].get(path)           # the second answer: from the cache
            assert (kept_again.status_code, kept_again.text) == (fresh.status_code, fresh.text), (action, path)
    for n in range(3):
        foreign_write(world, ("restore", n))


def test_a_crowd_after_a_commit_makes_the_page_once(world):
    app = create_app(world["home"].path, "test-token")
    cache = cache_of(app.state.kit)

    async def crowd() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            await c.get("/register")
            foreign_write(world, ("withhold", 0))          # a commit: every kept page is stale
            made = cache.made
            answers = await asyncio.gather(*(c.get("/register") for _ in range(8)))
            assert cache.made == made + 1, "each visitor made the page again"
            return answers
    try:
        answers = asyncio.run(crowd())
    finally:
        foreign_write(world, ("restore", 0))
    assert {r.status_code for r in answers} == {200} and len({r.text for r in answers}) == 1


# ---------------------------------------------------------------- the cache's own rules

def test_the_cache_keeps_pages_and_the_one_404_only_under_their_own_stamp_and_age():
    from fastapi.responses import HTMLResponse
    cache = PageCache(most=2, max_age=60)
    key, stamp = ("/register", b""), ("s1", 1, 2, "day")
    cache.put(key, stamp, HTMLResponse("<p>甲</p>"))
    assert cache.get(key, stamp).body == "<p>甲</p>".encode()
    assert cache.get(key, ("s2", 1, 2, "day")) is None                # another commit
    for status in (400, 403, 500, 503):                               # a refusal or an error: never kept
        cache.put(("/x", b""), stamp, HTMLResponse("错误", status_code=status))
        assert cache.get(("/x", b""), stamp) is None
    cache.put(("/nope", b""), stamp, HTMLResponse("404", status_code=404))
    assert cache.get(("/nope", b""), stamp).status_code == 404
    cache.put(("/c", b""), stamp, HTMLResponse("c"))                  # bounded: the oldest goes
    assert cache.get(key, stamp) is None and cache.get(("/c", b""), stamp) is not None
    small = PageCache(most=10, max_age=60, most_bytes=40)            # bounded by bytes too
    for n in range(4):
        small.put((f"/{n}", b""), stamp, HTMLResponse("x" * 10))
    small.put(("/big", b""), stamp, HTMLResponse("x" * 11))          # over a quarter of the budget: not kept
    assert small.get(("/big", b""), stamp) is None and small.bytes == 40
    small.put(("/4", b""), stamp, HTMLResponse("y" * 10))
    assert small.get(("/0", b""), stamp) is None and small.bytes == 40 and small.get(("/4", b""), stamp)
    old = PageCache(max_age=0)
    old.put(key, stamp, HTMLResponse("x"))
    assert old.get(key, stamp) is None                                # too old, whatever the stamp


def test_a_database_without_a_stamp_keeps_nothing(tmp_path):
    from sqlalchemy import create_engine

    from storage.stamp import data_stamp
    assert data_stamp(create_engine("sqlite://")) is None             # in memory: nothing to watch
    missing = create_engine(f"sqlite:///{tmp_path / 'gone' / 'x.db'}")
    assert data_stamp(missing) is None                                # cannot be read: no stamp, no cache


@pytest.fixture(scope="module")
def pg():
    from tests.support.postgres import postgres_server
    with postgres_server() as server:
        yield server


@pytest.fixture
def pg_url(pg) -> str:
    import uuid
    return pg.create_database(f"t_{uuid.uuid4().hex[:16]}")


def test_unread_query_parameters_neither_miss_nor_push_out_the_kept_pages(world):
    """A stranger's `/site/?x=random` is the page /site/ is: the key holds only what the page reads."""
    c, cache = world["cached"], world["cache"]
    home, register = c.get("/site/"), c.get("/register?q=缓存")
    made = cache.made
    for n in range(300):                                # more than the cache keeps (128)
        assert c.get(f"/site/?x={n}").text == home.text
        assert c.get(f"/register?q=缓存&junk={n}").text == register.text
    assert cache.made == made                            # every one of them was a kept page
    assert "根河市第一项缓存办法" in c.get("/register?q=第一项").text and cache.made == made + 1
