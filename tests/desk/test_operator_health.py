"""The operator's view of a running desk (issue 14): the workflow server's port is chosen and shown,
/healthz answers for the database and the object store, and every request leaves an access-log line."""
from __future__ import annotations

import json
import socket
import time

import httpx
import pytest

from tests.support.desk import running_desk


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    from desk import auth
    from services.home.context import initialise
    from services.home.folder import Home
    home = Home(tmp_path_factory.mktemp("operator") / "home")
    initialise(home)
    auth.set_password(home.path, "drafter", "correct horse 1")
    port = _free_port()
    with running_desk(home.path, extra=("--prefect-port", str(port))) as info:
        yield {**info, "home": home.path, "prefect_port": port}


def test_the_desk_shows_the_workflow_server_on_the_port_chosen(desk):
    url = f"http://127.0.0.1:{desk['prefect_port']}/api"
    assert desk["prefect"] == url
    printed = open(desk["log"], encoding="utf-8").read()
    assert f"工作流引擎：{url}（内置临时服务，仅本机可访问）" in printed
    assert "访问日志：" in printed
    # the machine's zone is said when it is not Beijing time (this machine's, whichever it is)
    import datetime as dt
    from review.clock import zone_warning
    warning = zone_warning(dt.datetime.now().astimezone().utcoffset())
    assert (warning in printed) if warning else ("不是北京时间" not in printed)
    assert httpx.get(url + "/health", timeout=10).status_code == 200      # it really listens there


def test_healthz_answers_for_the_database_the_store_and_the_workflow_server(desk):
    r = httpx.get(desk["url"] + "/healthz", timeout=30)
    assert r.status_code == 200, r.text
    assert r.json() == {"ok": True, "database": {"ok": True}, "storage": {"ok": True},
                        "prefect": {"ok": True, "url": desk["prefect"]}}
    assert r.headers["cache-control"] == "no-store"


def test_every_request_is_logged_with_who_and_without_the_query(desk):
    from desk import auth
    token = auth.issue_token(desk["home"], "drafter")
    httpx.get(desk["url"] + "/site/?q=secret-words", timeout=30)
    httpx.get(desk["url"] + "/no-such-page", timeout=30)
    httpx.get(desk["url"] + "/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    log = (desk["home"] / "logs" / "access.log")
    # A request's line is written once its response has been sent: the client may read the log a
    # moment before the last line lands (bounded: 10 s).
    deadline = time.monotonic() + 10
    lines = log.read_text(encoding="utf-8").splitlines()
    while not any(" /api/v1/me " in line for line in lines) and time.monotonic() < deadline:
        time.sleep(0.05)
        lines = log.read_text(encoding="utf-8").splitlines()
    assert any(" GET /site/ " in line for line in lines), lines
    assert not any("secret-words" in line for line in lines)
    missing = [line for line in lines if " /no-such-page " in line]
    assert missing and missing[-1].split()[5] == "404"
    assert any(" drafter GET /api/v1/me 200 " in line for line in lines), lines
    assert oct(log.stat().st_mode & 0o777) == "0o640"


def test_healthz_says_503_and_which_part_when_the_database_does_not_answer(tmp_path):
    """In process: the answer the desk gives, for a home whose PostgreSQL is not listening (a real
    refused connection on a loopback port nothing holds)."""
    from services.home.context import open_services
    from services.home.folder import Home
    from services.home.health import health
    from tests.support.homes import shared_home
    port = _free_port()
    home = shared_home(tmp_path / "home", f"postgresql+psycopg://lockstep@127.0.0.1:{port}/lockstep",
                       tmp_path / "objects")
    answer = health(lambda: open_services(Home(home.path)))
    assert answer == {"ok": False, "database": {"ok": False, "code": "database_unavailable"}}, answer
    assert str(port) not in json.dumps(answer)             # no address leaks to whoever asks


def test_healthz_never_shows_credentials_in_the_workflow_servers_address(tmp_path):
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    from services.home.health import health
    home = Home(tmp_path / "home")
    initialise(home)
    port = _free_port()                 # nothing listens: shown as not answering, the desk stays ok
    answer = health(lambda: open_services(Home(home.path)), f"http://admin:s3cret@127.0.0.1:{port}/api?token=x")
    assert answer["ok"] is True
    assert answer["prefect"] == {"ok": False, "url": f"http://127.0.0.1:{port}/api"}
