"""`lockstep users enable NAME` (issue 13): the inverse of `users disable`, audited; the password from
before the disable does not come back (a new one is issued)."""
from __future__ import annotations

import json


def _events(svc, change: str) -> list[dict]:
    from storage.tables import EventRow
    with svc.session() as s:
        rows = [e.payload for e in s.query(EventRow).order_by(EventRow.seq) if e.name == "config.changed"]
    return [r for r in rows if r["change"] == change]


def test_users_enable_puts_a_disabled_person_back_audited_without_the_old_password(home, cli):
    from desk import auth
    from services.home.context import open_services
    auth.set_password(home.path, "reviewer", "a password 123")
    assert cli.json("users", "disable", "reviewer")["user"]["disabled"] is True
    assert "reviewer" not in [u["name"] for u in cli.json("users", "list")["users"]]

    assert cli.json("users", "enable", "reviewer") == {"user": {"name": "reviewer", "disabled": False,
                                                                 "already": False}}
    assert "reviewer" in [u["name"] for u in cli.json("users", "list")["users"]]
    assert not auth.verify_password(home.path, "reviewer", "a password 123")
    auth.set_password(home.path, "reviewer", "a new password 456")
    assert auth.verify_password(home.path, "reviewer", "a new password 456")
    assert cli.json("users", "enable", "reviewer")["user"]["already"] is True
    r = cli("users", "enable", "nobody", "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["problems"][0]["code"] == "unknown_person"
    r = cli("users", "enable", "reviewer")
    assert r.exit_code == 0 and "未停用" in r.stdout
    assert [e["detail"]["name"] for e in _events(open_services(home), "users.enable")] == ["reviewer"]
    assert cli.json("audit", "verify")["ok"] is True
