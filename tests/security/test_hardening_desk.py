"""The desk's sessions and sign-in throttle hold against a hostile user (issue 11, item 8).

Through the surfaces they came by: the sign-in page of the desk app (FastAPI's TestClient, with the
connection's address set), the command line (`lockstep users password`), and one real
`lockstep serve` on loopback for X-Forwarded-For."""
from __future__ import annotations

import re

import httpx
import pytest
import tomlkit
from fastapi import FastAPI
from fastapi.testclient import TestClient

from desk import auth
from desk.flowwork import FlowWork
from desk.pages import router_for
from tests.desk.test_pages import PASSWORD, PEOPLE

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def set_desk(home, **values) -> None:
    doc = tomlkit.parse(home.config_path.read_text(encoding="utf-8"))
    for k, v in values.items():
        doc["desk"][k] = v
    home.config_path.write_text(tomlkit.dumps(doc), encoding="utf-8")


@pytest.fixture
def desk(home):
    """The desk's pages on a real home; the router, for its sessions' clock."""
    for name in PEOPLE:
        auth.set_password(home.path, name, PASSWORD)
    router = router_for(home.path, FlowWork(home.path))
    app = FastAPI()
    app.include_router(router)
    app.router_for_tests = router
    return app


def browser(app, address: str = "203.0.113.7", **headers) -> TestClient:
    return TestClient(app, base_url="http://testserver", client=(address, 50000), headers=headers)


def log_in(c: TestClient, name: str, password: str = PASSWORD):
    token = CSRF.search(c.get("/login").text).group(1)
    return c.post("/login", data={"name": name, "password": password, "csrf": token})


def signed_in(c: TestClient) -> bool:
    r = c.get("/desk")
    return r.status_code == 200 and r.url.path == "/desk"


# ---------------------------------------------------------------- sessions

def test_a_password_reset_on_the_command_line_ends_every_session_of_that_person(desk, cli):
    laptop, phone, other = browser(desk), browser(desk, "198.51.100.2"), browser(desk)
    for c, name in ((laptop, "drafter"), (phone, "drafter"), (other, "director")):
        assert log_in(c, name).status_code == 200 and signed_in(c)
    new = cli.json("users", "password", "drafter")["password"]
    assert not signed_in(laptop) and not signed_in(phone)           # both ended, at their next request
    assert signed_in(other)                                         # nobody else's
    assert log_in(laptop, "drafter").status_code == 401             # the old password is gone
    assert log_in(laptop, "drafter", new).status_code == 200 and signed_in(laptop)


def test_a_removed_password_ends_the_persons_sessions(desk, home):
    c = browser(desk)
    assert log_in(c, "drafter").status_code == 200 and signed_in(c)
    assert auth.remove_password(home.path, "drafter")
    assert not signed_in(c)


def test_a_session_ends_after_its_absolute_lifetime_however_busy_it_is(home):
    set_desk(home, session_hours=2, idle_hours=1)
    for name in PEOPLE:
        auth.set_password(home.path, name, PASSWORD)
    router = router_for(home.path, FlowWork(home.path))
    assert (router.sessions.absolute_seconds, router.sessions.idle_seconds) == (7200, 3600)
    clock = router.sessions.clock = Clock()
    app = FastAPI()
    app.include_router(router)
    c = browser(app)
    assert log_in(c, "drafter").status_code == 200
    for _ in range(7):                        # busy every 17 minutes: never idle for an hour
        clock.now += 17 * 60
        assert signed_in(c)
    clock.now += 17 * 60                      # 2 h 16 min after sign-in
    assert not signed_in(c)


def test_the_default_absolute_lifetime_is_twelve_hours(desk):
    sessions = desk.router_for_tests.sessions
    assert sessions.absolute_seconds == 12 * 3600 and sessions.idle_seconds == 8 * 3600


# ---------------------------------------------------------------- the sign-in throttle

def test_failures_from_a_strangers_client_never_lock_the_person_out_of_their_own(desk):
    stranger, owner = browser(desk, "203.0.113.66"), browser(desk, "198.51.100.5")
    for _ in range(30):
        assert log_in(stranger, "drafter", "wrong password").status_code in (401, 429)
    assert log_in(stranger, "drafter").status_code == 429               # the stranger is held back
    assert log_in(owner, "drafter").status_code == 200 and signed_in(owner)


def test_x_forwarded_for_is_ignored_unless_the_connection_comes_from_a_trusted_proxy(desk):
    """Default: no proxy trusted; a loopback client sending a new X-Forwarded-For each time is still one client."""
    c = browser(desk, "127.0.0.1")
    for i in range(20):
        c.headers["X-Forwarded-For"] = f"10.9.{i}.1"
        assert log_in(c, f"guess{i}", "wrong password").status_code == 401
    c.headers["X-Forwarded-For"] = "10.9.99.1"
    assert log_in(c, "drafter").status_code == 429


def test_a_trusted_proxy_names_the_client_and_a_forged_hop_does_not_help(home):
    set_desk(home, trusted_proxies=["127.0.0.1"])
    for name in PEOPLE:
        auth.set_password(home.path, name, PASSWORD)
    app = FastAPI()
    app.include_router(router_for(home.path, FlowWork(home.path)))
    proxy = browser(app, "127.0.0.1")
    for i in range(20):                       # the proxy appends the address it saw: the same client
        proxy.headers["X-Forwarded-For"] = f"10.9.{i}.1, 203.0.113.9"
        assert log_in(proxy, f"guess{i}", "wrong password").status_code == 401
    proxy.headers["X-Forwarded-For"] = "203.0.113.9"
    assert log_in(proxy, "drafter").status_code == 429
    proxy.headers["X-Forwarded-For"] = "198.51.100.5"             # another client behind the proxy
    assert log_in(proxy, "drafter").status_code == 200
    direct = browser(app, "203.0.113.50", **{"X-Forwarded-For": "198.51.100.77"})
    assert auth.client_address("203.0.113.50", "198.51.100.77", ("127.0.0.1",)) == "203.0.113.50"
    assert log_in(direct, "drafter").status_code == 200


def test_the_running_desk_does_not_take_x_forwarded_for_from_a_loopback_connection(home):
    """`lockstep serve` itself (uvicorn trusts loopback's X-Forwarded-For by default)."""
    from tests.support.desk import running_desk
    for name in PEOPLE:
        auth.set_password(home.path, name, PASSWORD)
    with running_desk(home.path) as info:
        with httpx.Client(base_url=info["url"], timeout=30) as c:
            def attempt(name: str, password: str, forwarded: str) -> int:
                token = CSRF.search(c.get("/login").text).group(1)
                return c.post("/login", data={"name": name, "password": password, "csrf": token},
                              headers={"X-Forwarded-For": forwarded}).status_code
            for i in range(20):
                assert attempt(f"guess{i}", "wrong password", f"10.8.{i}.1") == 401
            assert attempt("drafter", PASSWORD, "10.8.99.1") == 429


# ---------------------------------------------------------------- what the desk serves

def test_no_swagger_or_redoc_page_loads_a_cdn_script_on_the_desks_origin(home):
    from desk.app import create_app
    c = TestClient(create_app(home.path, "test-token"))
    for path in ("/docs/swagger", "/redoc", "/docs/oauth2-redirect"):
        assert c.get(path).status_code == 404, path
    page = c.get("/docs")
    assert page.status_code == 200 and "<script" not in page.text and "swagger" not in page.text.lower()
    assert "cdn" not in page.text.lower() and c.get("/openapi.json").json()["paths"]


def test_the_health_answer_names_no_path(home):
    from desk.app import create_app
    r = TestClient(create_app(home.path, "test-token")).get("/api/health")
    assert r.status_code == 200 and r.json() == {"ok": True}
    assert str(home.path) not in r.text and "/" not in "".join(map(str, r.json().values()))


# ---------------------------------------------------------------- control characters in a search

HOSTILE_QUERIES = ("\x00", "根河\x00市", "政务公开\x01", "根河\x1f市", "\x7f要点", "工作\x9b要点")


def test_a_control_character_in_a_register_search_is_a_coded_400_on_the_pages(desk):
    public, registrar = browser(desk), browser(desk)
    assert log_in(registrar, "editor").status_code == 200
    for q in HOSTILE_QUERIES:
        for c, path in ((public, "/register"), (registrar, "/desk/register")):
            r = c.get(path, params={"q": q})
            assert r.status_code == 400 and "request_invalid" in r.text and "控制字符" in r.text, (path, q)
    assert public.get("/register", params={"q": "根河\t市"}).status_code == 200     # whitespace is collapsed


def test_a_control_character_in_a_gazette_search_is_a_coded_400_on_the_editors_page(desk):
    editor = browser(desk)
    assert log_in(editor, "editor").status_code == 200
    for field in ("text", "number", "organ"):
        for q in HOSTILE_QUERIES:
            r = editor.get("/desk/gazette/search", params={field: q})
            assert r.status_code == 400 and "request_invalid" in r.text, (field, q)
    assert editor.get("/desk/gazette/search", params={"text": "政务公开"}).status_code == 200


def test_a_control_character_in_a_search_on_the_command_line_is_request_invalid_exit_1(cli):
    for q in HOSTILE_QUERIES:
        for args in (("register", "search", q), ("gazette", "search", q), ("gazette", "search", "--organ", q)):
            answer = cli.json(*args, code=1)
            assert [p["code"] for p in answer["problems"]] == ["request_invalid"], args
    assert cli.json("register", "search", "根河市")["entries"] == []


# ---------------------------------------------------------------- the review page converts once per file

def test_the_review_page_converts_each_docx_once_per_sha256_and_reuses_the_html(desk, home, tmp_path):
    from sqlalchemy import select, update

    from publishing.derived import HTML
    from samples.genhe import write_zip
    from services.home.context import open_services
    from services.dossiers.intake import intake_bundle
    from storage.tables import DerivedObjectRow
    svc = open_services(home)
    result = intake_bundle([write_zip(tmp_path / "sample.zip")], "drafter", svc)
    docx = sorted({f.sha256 for f in result.files if f.metadata is not None})
    reviewer = browser(desk)
    assert log_in(reviewer, "reviewer").status_code == 200

    def html_rows() -> dict[str, tuple]:
        with svc.session() as s:
            return {r.source_sha256: (r.object_sha256, r.created_at)
                    for r in s.scalars(select(DerivedObjectRow).filter_by(kind=HTML))}
    assert html_rows() == {}
    first = reviewer.get(f"/desk/dossiers/{result.dossier}/review")
    assert first.status_code == 200 and "深入解读重要政策措施" in first.text
    made = html_rows()
    assert sorted(made) == docx                        # each docx converted once, kept under its SHA-256

    # What the second view shows comes from the derived store: swap the policy's kept HTML for a marker.
    policy = next(f.sha256 for f in result.files if f.role == "policy")
    marker = svc.store.put("<p>从派生对象读取的政策HTML</p>".encode(), content_type="text/html; charset=utf-8")
    with svc.session() as s:
        s.execute(update(DerivedObjectRow).filter_by(source_sha256=policy, kind=HTML).values(object_sha256=marker))
    second = reviewer.get(f"/desk/dossiers/{result.dossier}/review")
    assert second.status_code == 200
    assert "从派生对象读取的政策HTML" in second.text and "深入解读重要政策措施" not in second.text.split(
        '<div class="sxs">', 1)[1].split("</section>", 1)[0]
    after = html_rows()
    assert {k: v for k, v in after.items() if k != policy} == {k: v for k, v in made.items() if k != policy}
    assert after[policy] == (marker, made[policy][1])   # no conversion recorded again
