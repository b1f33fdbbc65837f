"""Accounts in the database (issue 13, stateless desks), on the embedded SQLite home: lockstep.toml
seeds the people once per change, a desk-users.json an older Lockstep left is imported once, a
disable is audited and ends everything the person held."""
from __future__ import annotations

import json
import threading

import tomlkit


def _events(svc, change: str | None = None) -> list[dict]:
    from storage.tables import EventRow
    with svc.session() as s:
        rows = [e.payload for e in s.query(EventRow).order_by(EventRow.seq) if e.name == "config.changed"]
    return [r for r in rows if change is None or r["change"] == change]


def _touch(path) -> None:
    import os
    st = path.stat()
    os.utime(path, (st.st_atime, st.st_mtime + 5))


def test_a_fresh_home_seeds_its_people_from_the_file_in_one_initialised_event(home):
    from services.home.context import open_services
    svc = open_services(home)
    assert [e["change"] for e in _events(svc)] == ["initialised"]
    names = [p.name for p in svc.config.people]
    assert names == [p.name for p in home.config.people]          # the file's order
    with svc.unit() as uow:
        assert {r.name for r in uow.accounts.people()} == set(names)


def test_after_seeding_the_database_is_the_record_and_the_file_only_its_changes(home, cli):
    from services.home.context import open_services
    from services.home.folder import Home
    cli.json("users", "add", "li", "--unit", "根河市政务服务局", "--role", "drafter")
    assert 'name = "li"' not in home.config_path.read_text(encoding="utf-8")    # not written to the file
    doc = tomlkit.parse(home.config_path.read_text(encoding="utf-8"))
    people = doc["people"]
    kept = [p for p in people if p["name"] != "publicity"]                     # taken out of the file
    for p in kept:
        if p["name"] == "editor":
            p["display"] = "公报编辑部"
    doc["people"] = kept
    home.config_path.write_text(tomlkit.dumps(doc), encoding="utf-8")
    _touch(home.config_path)
    svc = open_services(Home(home.path))
    people = {p.name: p for p in svc.config.people}
    assert "li" in people and "publicity" not in people and people["editor"].display == "公报编辑部"
    edited = _events(svc, "edited")
    assert len(edited) == 1 and edited[0]["detail"]["disabled"] == ["publicity"]
    assert edited[0]["detail"]["changed"] == ["editor"]
    assert cli.json("audit", "verify")["ok"] is True


def test_two_processes_reading_one_edit_record_one_event(tmp_path):
    """Two homes on one database (here one SQLite file), each with the same edited file, read at
    once by several threads as separate processes would: exactly one event."""
    from services.home import context
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    a = Home(tmp_path / "a")
    _, svc = initialise(a)
    b = Home(tmp_path / "b")
    b.create()
    b.config_path.write_text(a.config_path.read_text(encoding="utf-8"), encoding="utf-8")   # same database
    open_services(b)
    text = a.config_path.read_text(encoding="utf-8").replace('filing = "30日"', 'filing = "20日"')
    for h in (a, b):
        h.config_path.write_text(text, encoding="utf-8")
        _touch(h.config_path)
    errors = []

    def read(h):
        try:
            context._config_seen.clear()
            open_services(Home(h.path)).config
        except Exception as e:          # noqa: BLE001 - reported below
            errors.append(e)
    threads = [threading.Thread(target=read, args=((a, b)[i % 2],)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [e["change"] for e in _events(svc)] == ["initialised", "edited"]
    assert open_services(Home(b.path)).config.clocks.filing == "20日"


def test_a_home_with_desk_users_json_keeps_working_and_it_is_imported_once(home):
    """An older Lockstep's HOME/desk-users.json: its passwords and tokens work after the upgrade,
    the file is renamed desk-users.json.imported and the database is used from then on."""
    import hashlib
    import secrets

    from desk import auth
    from services.home import context
    from services.home.accounts import SCRYPT, _scrypt
    salt = secrets.token_bytes(16)
    token = "lst_" + secrets.token_urlsafe(32)
    legacy = {"users": {"drafter": {"scrypt": SCRYPT, "salt": salt.hex(),
                                    "hash": _scrypt("old password 1", salt, **SCRYPT).hex(),
                                    "set_at": "2026-11-01T00:00:00+00:00"}},
              "tokens": {hashlib.sha256(token.encode()).hexdigest(): {"user": "signer", "created_at": "x"}}}
    (home.path / "desk-users.json").write_text(json.dumps(legacy), encoding="utf-8")
    context._config_seen.clear()                    # a new process after the upgrade
    assert auth.verify_password(home.path, "drafter", "old password 1")
    assert auth.token_user(home.path, token) == "signer"
    assert not (home.path / "desk-users.json").exists()
    assert (home.path / "desk-users.json.imported").is_file()
    auth.set_password(home.path, "drafter", "new password 2")
    context._config_seen.clear()
    assert auth.verify_password(home.path, "drafter", "new password 2")
    assert not auth.verify_password(home.path, "drafter", "old password 1")


def test_users_disable_is_audited_and_ends_sessions_tokens_and_listing(home, cli):
    from desk import auth
    auth.set_password(home.path, "reviewer", "a password 123")
    token = auth.issue_token(home.path, "reviewer")
    sessions = auth.Sessions.for_home(home.path)
    cookie = sessions.create("reviewer")
    assert sessions.get(cookie).name == "reviewer"
    assert cli.json("users", "disable", "reviewer") == {"user": {"name": "reviewer", "disabled": True,
                                                                  "already": False}}
    assert sessions.get(cookie) is None and auth.token_user(home.path, token) is None
    assert not auth.verify_password(home.path, "reviewer", "a password 123")
    assert "reviewer" not in [u["name"] for u in cli.json("users", "list")["users"]]
    assert cli.json("users", "disable", "reviewer")["user"]["already"] is True
    r = cli("users", "disable", "nobody", "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["problems"][0]["code"] == "unknown_person"
    from services.home.context import open_services
    disabled = _events(open_services(home), "users.disable")
    assert [e["detail"]["name"] for e in disabled] == ["reviewer"]
    assert cli.json("audit", "verify")["ok"] is True


def test_sessions_and_failures_are_kept_as_digests_only(home):
    import hashlib

    from desk import auth
    from services.home.context import open_services
    from storage.tables import LoginFailureRow
    sessions = auth.Sessions.for_home(home.path)
    cookie = sessions.create("drafter")
    assert sessions.digests() == {hashlib.sha256(cookie.encode()).hexdigest()}
    limit = auth.RateLimit(home.path, limit=2)
    keys = auth.throttle_keys("198.51.100.7", "drafter")
    limit.failed(*keys)
    assert not limit.blocked(*keys)
    limit.failed(*keys)
    assert limit.blocked(keys[0]) and not auth.RateLimit(home.path, limit=3).blocked(*keys)
    with open_services(home).session() as s:
        stored = [r.key for r in s.query(LoginFailureRow)]
    assert stored and not any("198.51.100.7" in k or "drafter" in k for k in stored)


def test_a_home_made_before_0016_is_seeded_on_its_next_command_without_a_new_event(home):
    from alembic import command

    from services.home import context
    from services.home.context import open_services
    from services.home.folder import Home
    from storage.db import _alembic_config, current_revision, head_revision
    svc = open_services(home)
    with svc.engine.begin() as c:
        command.downgrade(_alembic_config(c), "0015")
    context._engines.pop(home.database_url)          # a new process: nothing cached
    context._config_seen.clear()
    svc = open_services(Home(home.path))
    assert current_revision(svc.engine) == head_revision()
    assert [e["change"] for e in _events(svc)] == ["initialised"]
    assert {p.name for p in svc.config.people} == {p.name for p in home.config.people}


def test_an_edit_on_one_home_is_the_configuration_of_every_home_on_the_database(tmp_path):
    """The database is the record: B's edit is what A works by, although A's file still says
    otherwise; A's file counts again only when A's file changes."""
    from services.home import context
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    a = Home(tmp_path / "a")
    _, svc = initialise(a)
    b = Home(tmp_path / "b")
    b.create()
    original = a.config_path.read_text(encoding="utf-8")
    # B names A's database (a new home's file names its own, relative to itself)
    b.config_path.write_text(original.replace('filing = "30日"', 'filing = "25日"').replace(
        'database = "sqlite:///lockstep.db"', f'database = "{a.database_url}"'), encoding="utf-8")
    assert b.database_url == a.database_url
    assert open_services(b).config.clocks.filing == "25日"
    context._config_seen.clear()
    assert open_services(Home(a.path)).config.clocks.filing == "25日"        # A's file unchanged: the record
    a.config_path.write_text(original.replace('filing = "30日"', 'filing = "15日"'), encoding="utf-8")
    _touch(a.config_path)
    assert open_services(Home(a.path)).config.clocks.filing == "15日"
    context._config_seen.clear()
    assert open_services(Home(b.path)).config.clocks.filing == "15日"
    assert [e["change"] for e in _events(svc)] == ["initialised", "edited", "edited"]
