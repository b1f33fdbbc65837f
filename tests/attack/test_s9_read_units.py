"""Read units attacked (issue 14, "Reads are fast"): gate, status and the register list now read on a
Core connection (storage/unit.py Reader), never the ORM. Two ways that could go wrong, tried here:

- A read unit's rows are not the ORM's: a query written for one could answer differently in the
  other (a join, a filter, a column of the same name). Random people do random things (the rulebook
  walk of tests/security/test_rulebook_properties.py); after every step every read answers the same
  through a read unit as through a write unit: gate, status, the consistency findings, the register
  list (public and whole), the configuration.
- A cold command still paying for the ORM. Real `lockstep` processes: gate, status and register
  list import neither `sqlalchemy.orm` nor storage/tables.py, and print byte for byte what the
  same command prints when every read unit is an ORM unit.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from documents.problems import Refused
from services.dossiers.explained import findings
from services.home.context import initialise, open_services
from services.home.folder import Home
from services.home.people import add_person
from services.register.life import list_entries
from services.review.actions import gate_answer, status
from tests.security.test_rulebook_properties import _do, actions, bundles  # noqa: F401  (a fixture)
from tests.support.units import through_the_orm

ROOT = Path(__file__).resolve().parents[2]


def answer(read, *args):
    """What a read gives: its value, or the refusal's problem."""
    try:
        value = read(*args)
    except Refused as e:
        return ("refused", e.problem)
    return [v.model_dump() for v in value] if isinstance(value, list) else value.model_dump()


def same_reads(svc, ids: list[str]) -> None:
    orm = through_the_orm(svc)
    for d in [*ids, "D1999-0001"]:
        for read in (gate_answer, status, findings):
            assert answer(read, svc, d) == answer(read, orm, d), (read.__name__, d)
        assert answer(findings, svc, d, "reviewer") == answer(findings, orm, d, "reviewer"), d
    for public in (False, True):
        assert answer(lambda: list_entries(svc, public=public)) == answer(lambda: list_entries(orm, public=public))
    from services.home.config_record import effective_config
    assert effective_config(svc) == effective_config(orm)


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(st.lists(actions, min_size=5, max_size=12))
def test_after_random_steps_every_read_answers_the_same_through_a_read_unit_and_the_orm(bundles, steps):  # noqa: F811
    base = Path(tempfile.mkdtemp(prefix="lockstep-s9-reads-"))
    try:
        home = Home(base / "home")
        initialise(home)
        add_person(home, "sfj_drafter", "根河市司法局", ["drafter"], None, actor="test")
        svc = open_services(home)
        ids: list[str] = []
        for first in (("submit", "drafter", 0), ("submit", "drafter", 1), ("advance", "-", 1), ("sign", "signer", 1, None)):
            _do(svc, first, bundles, ids)
        for step in steps:
            _do(svc, step, bundles, ids)
            same_reads(svc, ids)
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def published(tmp_path_factory, bundles):  # noqa: F811
    """A home with a published policy document (a register entry) and a normative one under way."""
    home = Home(tmp_path_factory.mktemp("s9-cold") / "home")
    initialise(home)
    svc = open_services(home)
    ids: list[str] = []
    for step in (("submit", "drafter", 1), ("advance", "-", 0), ("sign", "signer", 0, None), ("submit", "drafter", 0)):
        _do(svc, step, bundles, ids)
    assert list_entries(svc) and len(ids) == 2
    return home.path, ids


def _cold(home: Path, *args: str) -> tuple[int, str, set[str]]:
    """Exit code, stdout and every module imported, of `lockstep --home H args` in its own process."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1", "COLUMNS": "200"}
    env.pop("LOCKSTEP_DATABASE_URL", None)
    r = subprocess.run([sys.executable, "-m", "cli.main", "--home", str(home), *args], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)
    imported = {line.split("|")[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")}
    return r.returncode, r.stdout, imported


def test_cold_reads_never_load_the_orm_and_print_what_the_orm_prints(published, monkeypatch):
    from typer.testing import CliRunner

    from cli.main import app
    from services.home.context import Services
    home, (registered, under_way) = published
    monkeypatch.setattr(Services, "reading", Services.unit)      # in this process: the ORM's path
    for args in (("gate", under_way), ("gate", registered, "--json"), ("status", under_way), ("status", registered, "--json"),
                 ("register", "list"), ("register", "list", "--json"), ("gate", "D1999-0001", "--json")):
        code, text, imported = _cold(home, *args)
        assert "sqlalchemy.orm" not in imported and "storage.tables" not in imported, args
        assert "sqlalchemy" in imported, args        # it did read the database here, not ask a desk
        orm = CliRunner().invoke(app, ["--home", str(home), *args], catch_exceptions=False, env={"COLUMNS": "200"})
        assert (code, text) == (orm.exit_code, orm.stdout), args
