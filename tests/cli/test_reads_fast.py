"""Reads are fast (issue 14): with a desk serving the home, `gate`, `status` and `register list` are
answered by it (cli/fast.py, desk /api/flows/gate|status|register-list) and print byte for byte what
the command prints when it runs here, with the same exit code, without importing SQLAlchemy; a
desk.json naming a dead or silent desk leaves the command to run here. Real `lockstep serve`, real
CLI subprocesses; no timings (bench/reads.py measures)."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.desk import running_desk

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "pydantic", "typer")

READS = (("gate", "{d}"), ("gate", "{d}", "--json"), ("status", "{d}"), ("status", "{d}", "--json"),
         ("register", "list"), ("register", "list", "--json"), ("gate", "D2099-9999", "--json"))


def lockstep(home: Path, *args: str) -> tuple[int, str, set[str]]:
    """Exit code, stdout and the top-level packages imported, of `lockstep --home H args` in its own process."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1", "COLUMNS": "200"}
    r = subprocess.run([sys.executable, "-m", "cli.main", "--home", str(home), *args], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)
    imported = {line.split("|")[-1].strip().split(".")[0] for line in r.stderr.splitlines()
                if line.startswith("import time:")}
    return r.returncode, r.stdout, imported


def here(home: Path, *args: str) -> tuple[int, str]:
    """Exit code and stdout of the command run in this process (CliRunner): the local read."""
    from typer.testing import CliRunner

    from cli.main import app
    r = CliRunner().invoke(app, ["--home", str(home), *args], catch_exceptions=False, env={"COLUMNS": "200"})
    return r.exit_code, r.stdout


@pytest.fixture(scope="module")
def answered(tmp_path_factory):
    """A home with a dossier returned with reasons, each read's local answer, then its desk answer."""
    from samples.genhe import write_zip
    from services.dossiers.intake import intake_bundle
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    work = tmp_path_factory.mktemp("reads-fast")
    home = Home(work / "home")
    initialise(home)
    svc = open_services(home)
    d = intake_bundle([write_zip(work / "b.zip", "complete")], "drafter", svc).dossier
    local = here(home.path, "review", d, "--stage", "unit_check", "--return", "--comment", "请修改",
                 "--reason", "一、（二）：回应时限表述不清", "--as", "director", "--json")
    assert local[0] == 0, local[1]
    reads = [tuple(a.format(d=d) for a in args) for args in READS]
    local = {args: here(home.path, *args) for args in reads}
    with running_desk(home.path) as info:
        desk = {args: lockstep(home.path, *args) for args in reads}
        import httpx
        stranger = httpx.post(info["url"] + "/api/flows/gate", json={"args": [d]}, timeout=60).status_code
    return {"home": home.path, "dossier": d, "local": local, "desk": desk, "stranger": stranger}


def test_the_desk_answers_gate_status_and_register_list_exactly_as_the_command_line_does(answered):
    for args, (code, text) in answered["local"].items():
        desk_code, desk_text, _ = answered["desk"][args]
        assert (desk_code, desk_text) == (code, text), args
    gate = answered["local"][("gate", answered["dossier"])]
    assert gate[0] == 0 and "已退回（退回）" in gate[1] and "回应时限表述不清" in gate[1]
    assert json.loads(answered["local"][("gate", "D2099-9999", "--json")][1])["ok"] is False
    assert answered["local"][("gate", "D2099-9999", "--json")][0] == 1


def test_on_the_desk_path_the_command_line_imports_no_sqlalchemy_pydantic_or_typer(answered):
    for args, (_, _, imported) in answered["desk"].items():
        assert not imported & set(HEAVY), (args, sorted(imported & set(HEAVY)))
    assert answered["stranger"] == 401            # the hand-off's token, as for the flows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_desk_json_naming_a_dead_or_silent_desk_leaves_the_read_to_the_command_line(answered):
    home, d = answered["home"], answered["dossier"]
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    named = home / "desk.json"
    try:
        for pid in (dead.pid, os.getpid()):        # a desk that died; a live process that is no desk
            named.write_text(json.dumps({"url": f"http://127.0.0.1:{_free_port()}", "pid": pid, "token": "x"}))
            code, text, imported = lockstep(home, "gate", d)
            assert (code, text) == answered["local"][("gate", d)]
            assert "sqlalchemy" in imported
    finally:
        named.unlink(missing_ok=True)


def test_a_command_run_as_lockstep_imports_only_the_module_that_registers_it():
    """cli/main.py COMMANDS: each entry names the module whose commands (or group) it is; a word not
    in it (a typo, --help) imports every module."""
    import cli.main

    def modules(typer_app) -> set[str]:
        found = {c.callback.__module__ for c in typer_app.registered_commands}
        for g in typer_app.registered_groups:
            found |= modules(g.typer_instance)
        return found

    registered = {c.name or c.callback.__name__: {c.callback.__module__} for c in cli.main.app.registered_commands}
    registered |= {g.name: modules(g.typer_instance) for g in cli.main.app.registered_groups}
    for word, module in cli.main.COMMANDS.items():
        assert registered.get(word) == {module}, word
    assert set(cli.main.COMMANDS.values()) <= set(cli.main.MODULES)
    assert cli.main.command_of(["--home", "H", "register", "list"]) == "register"
    assert cli.main.command_of(["--home=H", "gate", "D"]) == "gate"
    assert cli.main.command_of(["--help"]) is None and cli.main.command_of([]) is None
