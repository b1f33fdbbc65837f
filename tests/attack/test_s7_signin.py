"""The sign-in throttle against a client rotating IPv6 addresses (session 7, helper F).

Failed sign-ins are counted per (client, name) and per client (desk/auth.py throttle_keys), a client
being its address. Every IPv6 subscriber holds a whole /64 and may take a new address per request, so
a guesser rotating addresses within one /64 was never slowed down: twenty wrong passwords for one
person, each from a fresh address, all answered 401. A client is now counted by its /64 (as the
online-comment throttle does, review.consultation.throttled_client)."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient

from services.home.context import initialise
from services.home.folder import Home

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def test_wrong_passwords_from_fresh_addresses_of_one_ipv6_64_are_throttled(tmp_path):
    from desk import auth
    from desk.app import create_app
    home = Home(tmp_path / "home")
    initialise(home)
    auth.set_password(home.path, "signer", "correct horse battery staple 7")
    app = create_app(home.path, "test-token")
    answers = []
    for i in range(20):
        c = TestClient(app, base_url="http://testserver", follow_redirects=False, client=(f"2001:db8:9:9::{i + 1:x}", 50000))
        token = CSRF.search(c.get("/login").text).group(1)
        r = c.post("/login", data={"name": "signer", "password": f"guess-{i}", "csrf": token})
        answers.append(r.status_code)
    assert 429 in answers, answers
    # another network is another client: not locked out by the guesser
    c = TestClient(app, base_url="http://testserver", follow_redirects=False, client=("2001:db8:9:a::1", 50000))
    token = CSRF.search(c.get("/login").text).group(1)
    r = c.post("/login", data={"name": "signer", "password": "correct horse battery staple 7", "csrf": token})
    assert r.status_code == 303, r.text[:300]
