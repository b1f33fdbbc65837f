"""Stateless desks (issue 13, item 2): people, passwords, tokens, sessions, the sign-in throttle and
the configuration live in the database, so any desk process answers any request.

Two real `lockstep serve` processes on loopback, each with its own home; both homes name the same
PostgreSQL database and the same object folder. A session opened on desk A opens desk B; failed
sign-ins alternating between A and B are counted together; a password reset or a disable on A's
home ends the person's sessions on B (and a disabled person's API token); a config edit read by
both desks at once is one audited event. Both desks and PostgreSQL stop in finalizers.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from tests.support.homes import shared_home
from tests.support.desk import stop

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SESSION_COOKIE = "lockstep_session"
pytestmark = pytest.mark.usefixtures("prefect_harness")


_home = shared_home


def _desk_url(home: Path) -> str | None:
    try:
        return json.loads((home / "desk.json").read_text())["url"]
    except (OSError, ValueError, KeyError):
        return None


@pytest.fixture
def two_desks(pg, tmp_path):
    """(home A, home B, [url A, url B], services of A) on one PostgreSQL database."""
    from prefect.settings import PREFECT_API_URL

    from desk import auth
    from services.home import context as context
    from services.home.context import initialise

    url = pg.create_database(f"desks_{uuid.uuid4().hex[:12]}")
    objects = tmp_path / "objects"
    a = _home(tmp_path / "a", url, objects)
    _, svc = initialise(a)
    b = _home(tmp_path / "b", url, objects)
    for name in ("drafter", "director", "reviewer", "secretary", "signer"):
        auth.set_password(a.path, name, PASSWORD)          # in the database: desk B knows them too
    with ExitStack() as stack:
        stack.callback(lambda: (context._engines.pop(url, None), svc.engine.dispose()))
        procs = []
        for home in (a, b):
            env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(),
                   "PREFECT_HOME": str(home.path / "prefect")}
            for key in ("LOCKSTEP_DATABASE_URL", "LOCKSTEP_OBJECTS", "LOCKSTEP_TEST_CRASH_AT"):
                env.pop(key, None)
            with open(home.path.parent / f"{home.path.name}-desk.log", "w") as log:
                proc = subprocess.Popen([sys.executable, "-m", "cli.main", "--home", str(home.path), "serve",
                                         "--port", "0"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            procs.append(proc)
            stack.callback(stop, proc)
        urls = []
        deadline = time.monotonic() + 180
        for home, proc in zip((a, b), procs):
            while (desk_url := _desk_url(home.path)) is None:
                log = home.path.parent / f"{home.path.name}-desk.log"
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "a desk did not start in 180 s\n" + log.read_text()
                time.sleep(0.2)
            urls.append(desk_url)
        yield a, b, urls, svc


def _client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=60, follow_redirects=False)


def _log_in(url: str, name: str, password: str = PASSWORD) -> tuple[int, str | None]:
    """(status of the sign-in, the session token it set)."""
    with _client(url) as c:
        token = CSRF.search(c.get("/login").text).group(1)
        r = c.post("/login", data={"name": name, "password": password, "csrf": token})
        return r.status_code, r.cookies.get(SESSION_COOKIE)


def _signed_in(url: str, session: str) -> bool:
    with _client(url) as c:
        c.cookies.set(SESSION_COOKIE, session)
        r = c.get("/desk")
        return r.status_code == 200


def _cli(home, *args):
    from typer.testing import CliRunner

    from cli.main import app
    r = CliRunner().invoke(app, ["--home", str(home.path), *map(str, args), "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_two_desks_on_one_database_share_sessions_throttle_people_and_config(two_desks):
    from sqlalchemy import select

    from storage.tables import EventRow
    a, b, (url_a, url_b), svc = two_desks

    # A session opened on desk A opens desk B (and A), and signing out on B ends it on A.
    status, session = _log_in(url_a, "drafter")
    assert status == 303 and session
    assert _signed_in(url_b, session) and _signed_in(url_a, session)
    with _client(url_b) as c:
        c.cookies.set(SESSION_COOKIE, session)
        csrf = CSRF.search(c.get("/desk").text).group(1)
        assert c.post("/logout", data={"csrf": csrf}).status_code == 303
    assert not _signed_in(url_a, session)

    # Failed sign-ins alternate between the desks and are counted together: five for one name from
    # this client, and the sixth is refused (429) on either desk, even with the right password.
    for i in range(5):
        assert _log_in((url_a, url_b)[i % 2], "secretary", "wrong password")[0] == 401
    assert _log_in(url_b, "secretary")[0] == 429
    assert _log_in(url_a, "secretary")[0] == 429

    # A password reset on A's home ends the person's sessions on desk B at once.
    _, on_b = _log_in(url_b, "director")
    assert _signed_in(url_b, on_b)
    new = _cli(a, "users", "password", "director")["password"]
    assert not _signed_in(url_b, on_b)
    assert _log_in(url_b, "director")[0] == 401                  # the old password is gone everywhere
    assert _log_in(url_a, "director", new)[0] == 303

    # A disable on A's home: signed out on B, the API token refused on B, no sign-in anywhere.
    token = _cli(a, "users", "token", "reviewer")["token"]
    with _client(url_b) as c:
        assert c.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    _, on_b = _log_in(url_b, "reviewer")
    assert _signed_in(url_b, on_b)
    assert _cli(a, "users", "disable", "reviewer")["user"]["disabled"] is True
    assert not _signed_in(url_b, on_b)
    with _client(url_b) as c:
        assert c.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert _log_in(url_a, "reviewer")[0] == 401
    assert "reviewer" not in [u["name"] for u in _cli(b, "users", "list")["users"]]

    # A person added on A's home signs in on B (the record, not B's file, names them).
    _cli(a, "users", "add", "li", "--unit", "根河市政务服务局", "--role", "drafter")
    li = _cli(b, "users", "password", "li")["password"]     # B's command line knows li too
    assert _log_in(url_b, "li", li)[0] == 303

    # The same config edit on both homes, read by both desks at once: one audited event.
    _, session = _log_in(url_a, "signer")
    with svc.unit() as uow:
        before = uow.accounts.config_events()
    for home in (a, b):
        text = home.config_path.read_text(encoding="utf-8").replace('legality_review = "15个工作日"',
                                                                     'legality_review = "10个工作日"')
        home.config_path.write_text(text, encoding="utf-8")
        st = home.config_path.stat()
        os.utime(home.config_path, (st.st_atime, st.st_mtime + 5))
    with ThreadPoolExecutor(8) as pool:
        seen = list(pool.map(lambda i: _signed_in((url_a, url_b)[i % 2], session), range(8)))
    assert all(seen)
    with svc.unit() as uow:
        assert uow.accounts.config_events() == before + 1
        assert uow.accounts.latest_config().content["clocks"]["legality_review"] == "10个工作日"
    with svc.session() as s:
        edits = [e.payload for e in s.scalars(select(EventRow).where(EventRow.name == "config.changed"))
                 if e.payload.get("change") == "edited"]
    assert len(edits) == 1
    assert _cli(a, "audit", "verify")["ok"] is True
