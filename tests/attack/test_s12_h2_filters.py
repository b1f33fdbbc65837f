"""Session 12, brief H2 item 1: a register or gazette query the desk cannot read fails closed.

`/register?status=typo` answered the 现行有效 list under the typo's label, and a search longer than the
form's 100 characters was cut to its first 100 (a wider search than asked). Now every query value of the
public register (/register), the registrars' list and exports (/desk/register, /desk/register/export.*)
and the public gazette search (/gazette/search) is either used as given or refused with 400 and the
API's code for a bad query value (request_invalid), the refusal naming what is accepted; the API's own
register filter answers 422 request_invalid in its problem shape. Real SQLite home, the desk's app.
"""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from desk import auth
from desk.app import create_app
from desk.pages_register import FILTERS
from tests.storage.test_gazette_storage import signed_dossier

PASSWORD = "correct horse 1"
TITLE = "根河市台帐筛选攻击办法"


@pytest.fixture(scope="module")
def world():
    from services.home.context import open_services
    from tests.desk.test_pages import sign_in
    from tests.support.homes import scratch_home
    with scratch_home("lockstep-s12-h2-filters-") as (home, base):
        svc = open_services(home)
        signed_dossier(svc, base / "b", "本办法自2019年9月1日起施行。", title=TITLE)
        auth.set_password(home.path, "editor", PASSWORD)
        app = create_app(home.path, "test-token")
        token = auth.issue_token(home.path, "editor")
        yield {"public": TestClient(app, base_url="http://testserver", raise_server_exceptions=False),
               "registrar": sign_in(app, "editor", PASSWORD),
               "api": TestClient(app, base_url="http://testserver", headers={"Authorization": f"Bearer {token}"})}


def refused_publicly(r) -> None:
    assert r.status_code == 400, r.status_code
    assert "请求有误" in r.text and "request_invalid" in r.text
    assert TITLE not in r.text, "a list was shown for a query the desk could not read"


def test_every_listed_status_still_answers_its_list(world):
    for key in FILTERS:
        r = world["public"].get("/register", params={"status": key})
        assert r.status_code == 200, key
    assert TITLE in world["public"].get("/register?status=all").text
    assert "有效性：现行有效" in world["public"].get("/register").text     # no status: 现行有效, as before


@pytest.mark.parametrize("status", ["typo", "Current", "in_force", "现行有效", "current ", "all\x00", "repealed;",
                                    "\u202ecurrent"])
def test_an_unknown_status_on_the_public_register_is_refused_naming_the_accepted_ones(world, status):
    r = world["public"].get("/register", params={"status": status})
    refused_publicly(r)
    for key, name in FILTERS.items():
        assert f"{key}（{name}）" in r.text, key
    assert "\x00" not in r.text and "\u202e" not in r.text


def test_a_long_status_is_echoed_cut_short(world):
    r = world["public"].get("/register", params={"status": "x" * 5000})
    refused_publicly(r)
    assert "x" * 41 not in r.text and "x" * 40 + "…" in r.text


def test_a_search_longer_than_the_form_takes_is_refused_not_cut_to_a_wider_one(world):
    assert world["public"].get("/register", params={"q": "长" * 100, "status": "all"}).status_code == 200
    refused_publicly(world["public"].get("/register", params={"q": TITLE[:2] + "长" * 99, "status": "all"}))


def test_the_registrars_list_refuses_an_unknown_status_too(world):
    r = world["registrar"].get("/desk/register", params={"status": "typo"})
    assert r.status_code == 400 and "request_invalid" in r.text and TITLE not in r.text
    assert TITLE in world["registrar"].get("/desk/register", params={"status": "all"}).text


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_the_export_refuses_a_filter_it_would_not_apply(world, fmt):
    """The export is the whole public register: ?status=repealed used to give every entry."""
    assert world["registrar"].get(f"/desk/register/export.{fmt}").status_code == 200
    for query in ({"status": "repealed"}, {"status": "typo"}, {"q": "无此文件"}):
        r = world["registrar"].get(f"/desk/register/export.{fmt}", params=query)
        assert r.status_code == 400 and "request_invalid" in r.text, (fmt, query)


def test_the_gazette_search_refuses_a_condition_longer_than_its_field(world):
    for field in ("text", "number", "organ"):
        assert world["public"].get("/gazette/search", params={field: "根" * 100}).status_code == 200
        r = world["public"].get("/gazette/search", params={field: "根河市" + "根" * 98})
        assert r.status_code == 400 and "不能超过 100 个字" in r.text, field
        assert "根" * 101 not in r.text


@pytest.mark.parametrize("status", ["typo", "current", "", "全部"])
def test_the_api_register_filter_answers_a_bad_value_in_its_problem_shape(world, status):
    r = world["api"].get("/api/v1/register", params={"status": status})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["ok"] is False and body["problems"][0]["code"] == "request_invalid"
    assert world["api"].get("/api/v1/register", params={"status": "in_force"}).status_code == 200
