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
# Releases make no print-edition PDF (LibreOffice, seconds each) except where a test checks it
# (tests/gazette/test_print_pdf.py turns it on).
os.environ.setdefault("LOCKSTEP_PRINT_PDF", "off")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    node.workerinput["lockstep_columns"] = os.environ.get("COLUMNS")


def pytest_configure(config):
    """An xdist worker starts with COLUMNS=80 in its environment whatever the controller had; the CLI's
    help wraps at COLUMNS (cli/zh.py), so a worker gets the controller's COLUMNS (or none) back."""
    if hasattr(config, "workerinput") and "lockstep_columns" in config.workerinput:
        if config.workerinput["lockstep_columns"] is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = config.workerinput["lockstep_columns"]


def pytest_xdist_auto_num_workers(config):
    """pyproject's addopts say `-n auto`: two xdist workers for the suite or a folder of it (CI), none
    (this process, prints shown with -s) when one test file or its tests are named: loadfile would give
    that file to one worker anyway. `-n N` on the command line wins."""
    named = set()
    for arg in config.args:
        path = config.invocation_params.dir / arg.split("::", 1)[0]
        if not path.is_file():
            return 2
        named.add(path.resolve())
    return 2 if len(named) > 1 else 0


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
    from services.home.context import initialise
    from services.home.folder import Home
    h = Home(tmp_path / "home")
    initialise(h)
    return h


@pytest.fixture
def svc(home):
    from services.home.context import open_services
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


# ---------------------------------------------------------------- nothing is left running

# Every process this session starts inherits this marker (servers a test starts, the CLI and desk
# subprocesses, the Prefect servers they start, their orphans after a kill -9), so that at the end
# the session can find whatever outlived its test, however it was started.
SESSION_MARK = f"{os.getpid()}-{os.urandom(6).hex()}"
os.environ["LOCKSTEP_TEST_SESSION"] = SESSION_MARK


def _marked_processes() -> dict[int, str]:
    found = {}
    needle = f"LOCKSTEP_TEST_SESSION={SESSION_MARK}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                state, ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
                if cmd and state != "Z" and int(ppid) not in _SPARED_PARENTS:
                    found[int(entry.name)] = cmd
        except OSError:
            continue
    return found


# Under pytest-xdist (two workers, pyproject's addopts) each worker is a process of its own that imports this
# file, so each has its own mark and checks its own processes; the workers themselves carry the
# controller's mark (inherited), so the controller spares its direct children and reports what the
# workers found (sent back in their workeroutput).
_SPARED_PARENTS: set[int] = set()
_STRAYS_FROM_WORKERS: list[str] = []


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    _STRAYS_FROM_WORKERS.extend(getattr(node, "workeroutput", {}).get("lockstep_strays", []))


def pytest_sessionfinish(session, exitstatus):
    """No test leaves a server behind: any process still carrying this session's mark after every
    fixture has stopped (20 s of grace for slow stops) fails the run, and is then killed."""
    import signal
    import time
    if not Path("/proc").is_dir():
        return
    if session.config.pluginmanager.has_plugin("dsession"):     # the xdist controller: its children are the workers
        _SPARED_PARENTS.add(os.getpid())
    deadline = time.monotonic() + 20
    left = _marked_processes()
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = _marked_processes()
    lines = [f"  {pid}: {cmd[:200]}" for pid, cmd in sorted(left.items())]
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and hasattr(session.config, "workeroutput"):
        session.config.workeroutput["lockstep_strays"] = [f"{line} (left by xdist worker {worker})" for line in lines]
        return
    lines += _STRAYS_FROM_WORKERS
    if lines:
        print("\nleft running after the tests (stray processes):\n" + "\n".join(lines))
        session.exitstatus = 1
