"""Session 12, brief H2 item 3: a refusal repeats a person's input cut short and with nothing invisible.

`lockstep status <5000-character id>` and `GET /api/v1/dossiers/<the same>` answered not_found with the
whole id in the message, and a direction control (U+202E) or an escape sequence in it went back raw.
Every refusal that echoes input now puts it through documents.shown.echoed: at most 40 characters (200
for a path) then “…”, each control or format character shown as an escape (\\x1b, \\u202e), as the command
line already showed control characters. Real SQLite home; the CLI through
typer's runner, the API through the desk's app.
"""
from __future__ import annotations

import json
import unicodedata

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from desk import auth
from desk.app import create_app
from documents.shown import ECHO_LIMIT, echoed
from tests.conftest import Cli

LONG = "D-" + "长" * 5000
HOSTILE = "D-1\u202e知\u2066废止\u2069\x1b[2J\x00\u200b\u2028x"
INVISIBLE = ("Cc", "Cf", "Cs", "Zl", "Zp")


def clean(message: str) -> bool:
    """No control, format or separator character: nothing that draws nothing or reorders the line."""
    return not any(unicodedata.category(c) in INVISIBLE for c in message)


@given(st.text(max_size=300), st.integers(min_value=1, max_value=80))
def test_echoed_is_short_and_shows_every_invisible_character(text, limit):
    shown = echoed(text, limit)
    assert clean(shown)
    assert len(shown) <= limit + 1
    seen = not any(unicodedata.category(c) in INVISIBLE for c in text)
    if seen and len(text) <= limit:
        assert shown == text                                  # short and plain: repeated as typed
    if len(text) > limit:
        assert shown.endswith("…")
    if seen:
        assert text.startswith(shown.removesuffix("…"))       # a cut keeps the beginning, never rewrites it


def test_an_invisible_character_is_shown_as_an_escape_and_never_cut_in_half():
    assert echoed("D\x1b[2J\u202e知通") == "D\\x1b[2J\\u202e知通"
    assert echoed("\u202e" * 10, 14) == "\\u202e\\u202e…"


@pytest.fixture(scope="module")
def world():
    from tests.support.homes import scratch_home
    with scratch_home("lockstep-s12-h2-echo-") as (home, _base):
        token = auth.issue_token(home.path, "drafter")
        api = TestClient(create_app(home.path, "test-token"), base_url="http://testserver",
                         headers={"Authorization": f"Bearer {token}"}, raise_server_exceptions=False)
        yield {"cli": Cli(home.path), "api": api}


def assert_cut(message: str, given: str) -> None:
    assert clean(message), message
    assert given not in message and given[:ECHO_LIMIT + 1] not in message
    assert len(message) < 120, len(message)


@pytest.mark.parametrize("args", [("status",), ("gate",), ("history",)])
def test_the_cli_repeats_an_unknown_dossier_id_cut_short(world, args):
    for given_id in (LONG, HOSTILE):
        r = world["cli"](*args, given_id, "--json")
        assert r.exit_code == 1
        p = json.loads(r.stdout)["problems"][0]
        assert p["code"] == "not_found"
        assert_cut(p["message"], given_id)
        r = world["cli"](*args, given_id)
        assert r.exit_code == 1 and "not_found" in r.output and len(r.output) < 200, r.output
        assert "\u202e" not in r.output and "\u2066" not in r.output and "\x1b" not in r.output
    assert "D-" + "长" * (ECHO_LIMIT - 2) + "…" in world["cli"](args[0], LONG).output


def test_the_cli_repeats_an_unknown_person_cut_short(world):
    r = world["cli"]("review", "D-1", "--stage", "unit_check", "--approve", "--as", "\u202e" + "x" * 3000, "--json")
    p = json.loads(r.stdout)["problems"][0]
    assert r.exit_code == 1 and p["code"] == "unknown_person"
    assert_cut(p["message"], "x" * 3000)


@pytest.mark.parametrize("path", ["/api/v1/dossiers/{}", "/api/v1/dossiers/{}/gate", "/api/v1/register/{}"])
def test_the_api_repeats_an_unknown_id_cut_short(world, path):
    from urllib.parse import quote
    for given_id in (LONG, HOSTILE):
        r = world["api"].get(path.format(quote(given_id, safe="")))
        assert r.status_code == 404, (path, r.status_code)
        body = r.json()
        assert body["ok"] is False and body["problems"][0]["code"] == "not_found"
        assert_cut(body["problems"][0]["message"], given_id)


def test_the_correction_notice_repeats_an_unknown_dossier_cut_short():
    from publishing.corrections import IssueRef, find_item
    released = IssueRef(issue="2019-8", year=2019, number=8, total=120, status="released")
    for given_id in (LONG, HOSTILE):
        found = find_item(released, [], dossier=given_id)
        assert found.code == "not_found"
        assert clean(found.message) and given_id[:ECHO_LIMIT + 1] not in found.message
        assert "…" in found.message or "\\u202e" in found.message
