"""Shared fixtures: an initialised home, sample bundles built in code, the CLI, Prefect's harness."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    """One Prefect test server per session (15–22 s to start here), heartbeat off."""
    os.environ.setdefault("PREFECT_HOME", str(tmp_path_factory.mktemp("prefect-home")))
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        with prefect_test_harness(server_startup_timeout=120):
            yield


@pytest.fixture
def home(tmp_path):
    from services.context import initialise
    from services.home import Home
    h = Home(tmp_path / "home")
    initialise(h)
    return h


@pytest.fixture
def svc(home):
    from services.context import open_services
    return open_services(home)


@pytest.fixture
def sample_zip(tmp_path):
    """Factory: the built-in Genhe sample (a real office's bundle, regenerated in code)."""
    from samples.genhe import write_zip

    def make(variant: str = "complete", name: str | None = None, **kw) -> Path:
        return write_zip(tmp_path / (name or f"{variant}-{len(kw)}-{abs(hash(tuple(sorted(kw.items()))))}.zip"),
                         variant, **kw)
    return make


class Cli:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.runner = CliRunner()

    def __call__(self, *args: str):
        from cli.main import app
        return self.runner.invoke(app, ["--home", str(self.home), *map(str, args)], catch_exceptions=False)

    def json(self, *args: str, code: int | None = 0) -> dict:
        r = self(*args, "--json")
        if code is not None:
            assert r.exit_code == code, r.output
        return json.loads(r.stdout)


@pytest.fixture
def cli(home):
    return Cli(home.path)
