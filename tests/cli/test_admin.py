"""Operators' commands: init, users, batch intake; human output is Chinese."""
from __future__ import annotations

import json

import pytest


def test_init_creates_the_embedded_home_and_is_idempotent(tmp_path):
    from tests.conftest import Cli
    cli = Cli(tmp_path / "h")
    first = cli.json("init")
    assert first["created"] is True and first["database"].startswith("sqlite:///")
    assert (tmp_path / "h" / "lockstep.toml").is_file() and (tmp_path / "h" / "objects").is_dir()
    assert cli.json("init")["created"] is False


def test_init_takes_home_after_the_command_as_well(tmp_path):
    from typer.testing import CliRunner
    from cli.main import app
    r = CliRunner().invoke(app, ["init", "--home", str(tmp_path / "x"), "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["home"] == str((tmp_path / "x").resolve())


def test_default_people_cover_every_stage_with_someone_other_than_the_drafter(cli):
    users = cli.json("users", "list")["users"]
    assert {u["name"] for u in users} >= {"drafter", "reviewer", "signer", "editor", "publicity"}
    from review.config import DEFAULT_CONFIG_TOML, parse_config
    config = parse_config(DEFAULT_CONFIG_TOML)
    for pipeline in config.pipelines:
        for stage in pipeline.stages:
            assert any(set(u["roles"]) & set(stage.roles) and u["name"] != "drafter" for u in users), stage.id


def test_users_add_writes_the_config_and_keeps_its_comments(cli, home):
    added = cli.json("users", "add", "wang", "--unit", "司法局", "--role", "legal_reviewer", "--role", "registrar")
    assert added["user"] == {"name": "wang", "unit": "根河市司法局", "roles": ["legal_reviewer", "registrar"]}
    listed = {u["name"]: u for u in cli.json("users", "list")["users"]}
    assert listed["wang"]["roles"] == ["legal_reviewer", "registrar"]
    assert "# Lockstep 配置" in home.config_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("args, code", [
    (["wang", "--unit", "不存在的局", "--role", "legal_reviewer"], "not_found"),
    (["reviewer", "--unit", "司法局", "--role", "legal_reviewer"], "not_permitted"),
])
def test_users_add_refuses_unknown_units_roles_and_existing_names(cli, args, code):
    r = cli("users", "add", *args, "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["problems"][0]["code"] == code


def test_human_output_is_chinese(cli, tmp_path):
    from samples.genhe import policy_docx
    f = tmp_path / "通知.docx"
    f.write_bytes(policy_docx())
    r = cli("inspect", f)
    assert "发文字号：根政办发〔2019〕36号" in r.stdout and "成文日期：2019年8月5日" in r.stdout
    legacy = tmp_path / "旧格式.doc"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    r = cli("inspect", legacy)
    assert r.exit_code == 1 and "not_docx" in r.stdout and "另存为" in r.stdout
    assert "起草人员" in cli("users", "list").stdout


@pytest.mark.usefixtures("prefect_harness")
def test_batch_intake_takes_many_bundles_in_few_flow_runs(cli, tmp_path):
    from samples.genhe import write_bundles
    folder = tmp_path / "incoming"
    write_bundles(folder, 5)
    (folder / "坏包.zip").write_bytes(b"not a zip at all")
    r = cli("batch", folder, "--as", "drafter", "--chunk", "2", "--json")
    doc = json.loads(r.stdout)
    assert r.exit_code == 1      # one bundle was refused
    assert doc["summary"] == {"accepted": 5, "rejected": 1}
    refused = next(x for x in doc["results"] if not x["accepted"])
    assert refused["source"].endswith("坏包.zip") and refused["problems"][0]["code"] == "bundle_unreadable"
    again = json.loads(cli("batch", folder, "--as", "drafter", "--json").stdout)
    assert again["summary"] == {"duplicate": 5, "rejected": 1}


def test_a_config_change_is_an_audited_event(cli, svc):
    cli.json("users", "add", "li", "--unit", "宣传部", "--role", "publicity")
    from storage.tables import EventRow
    with svc.session() as s:
        first, added = s.query(EventRow).order_by(EventRow.seq).all()
        assert (first.name, first.payload["change"]) == ("config.changed", "initialised")
        assert (added.name, added.dossier_id, added.payload["detail"]["name"]) == ("config.changed", None, "li")
    assert cli.json("audit", "verify")["ok"] is True


def test_a_hand_edit_of_the_config_is_recorded_by_the_next_command(cli, home):
    import os
    text = home.config_path.read_text(encoding="utf-8").replace('legality_review = "15个工作日"',
                                                                 'legality_review = "10个工作日"')
    home.config_path.write_text(text, encoding="utf-8")
    st = home.config_path.stat()
    os.utime(home.config_path, (st.st_atime, st.st_mtime + 5))    # a new stamp even on coarse clocks
    cli.json("users", "list")      # reads the config only: no database, nothing recorded
    cli.json("register", "list")
    from services.home.context import open_services
    from services.home.folder import Home
    from storage.tables import EventRow
    with open_services(Home(home.path)).session() as s:
        changes = [e.payload["change"] for e in s.query(EventRow).order_by(EventRow.seq)]
    assert changes == ["initialised", "edited"]


def test_users_password_issues_a_desk_password_stored_only_as_a_hash(cli, home):
    issued = cli.json("users", "password", "reviewer")
    from tests.support.accounts import stored_secrets
    stored = stored_secrets(home.path)                  # in the database (issue 13), not desk-users.json
    assert len(issued["password"]) >= 8 and issued["password"] not in stored and "scrypt" in stored
    r = cli("users", "password", "nobody", "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["problems"][0]["code"] == "unknown_person"


def test_users_token_issues_an_api_token_once_stored_only_as_its_sha256(cli, home):
    import hashlib
    from desk.auth import token_user
    from tests.support.accounts import stored_secrets
    issued = cli.json("users", "token", "reviewer")
    token = issued["token"]
    stored = stored_secrets(home.path)                  # in the database (issue 13), not desk-users.json
    assert issued["user"] == "reviewer" and len(token) >= 40
    assert token not in stored and hashlib.sha256(token.encode()).hexdigest() in stored
    assert token_user(home.path, token) == "reviewer"
    again = cli.json("users", "token", "reviewer")["token"]          # a new token replaces the old one
    assert token_user(home.path, token) is None and token_user(home.path, again) == "reviewer"
    assert cli.json("users", "token", "reviewer", "--revoke") == {"user": "reviewer", "revoked": True}
    assert token_user(home.path, again) is None
    r = cli("users", "token", "nobody", "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["problems"][0]["code"] == "unknown_person"
    assert "只显示这一次" in cli("users", "token", "signer").stdout


def test_a_copied_home_keeps_to_its_own_database(tmp_path, monkeypatch):
    """lockstep.toml names the SQLite file relative to the home (sqlite:///lockstep.db), so a home copied or
    restored elsewhere reads and writes its own database, never the one of the home it came from, whatever
    the working folder; an absolute file, :memory: and other databases are taken as written."""
    import shutil
    from pathlib import Path

    from services.home.folder import Home, home_relative
    from tests.conftest import Cli
    monkeypatch.delenv("LOCKSTEP_DATABASE_URL", raising=False)
    cli = Cli(tmp_path / "h")
    cli.json("init")
    assert 'database = "sqlite:///lockstep.db"' in (tmp_path / "h" / "lockstep.toml").read_text(encoding="utf-8")
    shutil.copytree(tmp_path / "h", tmp_path / "copy")
    monkeypatch.chdir(tmp_path)
    assert Home(tmp_path / "copy").database_url == f"sqlite:///{(tmp_path / 'copy' / 'lockstep.db').resolve()}"
    Cli(tmp_path / "copy").json("users", "disable", "drafter")
    assert [u["name"] for u in Cli(tmp_path / "copy").json("users", "list")["users"]].count("drafter") == \
        [u["name"] for u in cli.json("users", "list")["users"]].count("drafter") - 1     # the original untouched
    assert not (tmp_path / "lockstep.db").exists()
    home = Path("/srv/h")
    assert home_relative("sqlite:////abs/x.db", home) == "sqlite:////abs/x.db"
    assert home_relative("sqlite:///:memory:", home) == "sqlite:///:memory:"
    assert home_relative("postgresql+psycopg://u@h/db", home) == "postgresql+psycopg://u@h/db"
    assert home_relative("sqlite:///sub/x.db?timeout=5", home) == f"sqlite:///{home.resolve()}/sub/x.db?timeout=5"
