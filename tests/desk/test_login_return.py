"""Sign-in returns to the page that was asked for, a local path only; the sign-in page speaks to
clerks; generated passwords are easy to read aloud (issue 14)."""
from __future__ import annotations

from urllib.parse import quote

import pytest

from desk import auth
from tests.desk.test_pages import PASSWORD, _login_csrf, client

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _sign_in(c, name: str, next_path: str | None):
    data = {"name": name, "password": PASSWORD, "csrf": _login_csrf(c)}
    if next_path is not None:
        data["next"] = next_path
    return c.post("/login", data=data, follow_redirects=False)


def test_a_person_sent_to_sign_in_from_a_dossier_page_lands_back_on_it(desk):
    c = client(desk)
    r = c.get("/desk/dossiers/D2026-001?tab=files", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=" + quote("/desk/dossiers/D2026-001?tab=files", safe="")
    page = c.get(r.headers["location"])
    assert 'name="next" value="/desk/dossiers/D2026-001?tab=files"' in page.text
    r = _sign_in(c, "drafter", "/desk/dossiers/D2026-001?tab=files")
    assert r.status_code == 303 and r.headers["location"] == "/desk/dossiers/D2026-001?tab=files"
    assert c.cookies.get(auth.SESSION_COOKIE)


def test_a_wrong_password_keeps_the_return_target_for_the_next_try(desk):
    c = client(desk)
    r = c.post("/login", data={"name": "drafter", "password": "wrong password", "csrf": _login_csrf(c),
                               "next": "/desk/register"})
    assert r.status_code == 401 and 'name="next" value="/desk/register"' in r.text


def test_without_a_target_sign_in_goes_to_the_desk(desk):
    r = _sign_in(client(desk), "drafter", None)
    assert r.status_code == 303 and r.headers["location"] == "/desk"


@pytest.mark.parametrize("target", [
    "https://evil.example/desk", "http:/evil.example", "//evil.example/desk", "///evil.example",
    "/\\evil.example", "\\\\evil.example", "/%2F/evil.example", "/%5Cevil.example", "javascript:alert(1)",
    "/\t/evil.example", "/\n/evil.example", " /desk", "desk", "/login", "/logout", "",
])
def test_sign_in_never_sends_a_person_off_the_desk(desk, target):
    c = client(desk)
    page = c.get("/login", params={"next": target})
    assert 'name="next"' not in page.text                  # not even offered back in the form
    r = _sign_in(c, "drafter", target)
    assert r.status_code == 303 and r.headers["location"] == "/desk", target


def test_a_post_without_a_session_is_sent_to_sign_in_without_a_target(desk):
    r = client(desk).post("/logout", data={}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_the_sign_in_page_speaks_to_clerks_not_about_files_or_commands(desk):
    text = client(desk).get("/login").text
    assert "desk-users.json" not in text and ".json" not in text and "lockstep users" not in text
    assert "忘记密码请联系管理员" in text


# ---------------------------------------------------------------- generated passwords

def test_generated_passwords_never_use_signs_that_look_alike():
    from services.home.accounts import PASSWORD_ALPHABET, generate_password
    assert not set("lI10Oo") & set(PASSWORD_ALPHABET)
    drawn = [generate_password() for _ in range(3000)]
    signs = set("".join(drawn))
    assert not signs & set("lI10Oo")
    assert signs <= set(PASSWORD_ALPHABET) | {"-"}
    assert signs >= set(PASSWORD_ALPHABET)               # every sign is used: the draw is not narrowed
    assert len(set(drawn)) == len(drawn)
    assert all(len(p) == 19 and p.count("-") == 3 and len(p) >= auth.MIN_PASSWORD for p in drawn)


def test_a_generated_password_opens_the_desk(desk, home):
    password = auth.issue_password(home.path, "reviewer")
    assert not set("lI10Oo") & set(password)
    c = client(desk)
    r = c.post("/login", data={"name": "reviewer", "password": password, "csrf": _login_csrf(c)})
    assert r.status_code == 200 and "您好" in r.text
