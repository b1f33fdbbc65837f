"""Prefect settings for Lockstep's processes, applied before Prefect is imported."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

# A migrated, empty Prefect database made once by scripts/setup. Ephemeral Prefect migrates a new
# database at start (~5 s here); a home's first flow run copies this one instead.
TEMPLATE = Path(sys.prefix) / "share" / "lockstep" / "prefect-template.db"


def configure(home: Path) -> None:
    """Per-home Prefect state, quiet logs, and timeouts that fit these shared machines.

    Values already in the environment win, so an operator's PREFECT_API_URL (a Prefect server
    with its UI) is used as is.
    """
    prefect_home = (home / "prefect").resolve()
    if not os.environ.get("PREFECT_API_URL"):
        # A home whose lockstep.toml names a Prefect server ([prefect] api_url, issue 13) sends its run
        # records there instead of starting a temporary server in this process.
        import tomllib
        try:
            named = tomllib.loads((home / "lockstep.toml").read_text(encoding="utf-8")).get("prefect", {}).get("api_url")
        except (OSError, ValueError):
            named = None
        if named:
            os.environ["PREFECT_API_URL"] = str(named).strip().rstrip("/")
    defaults = {
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_LOGGING_TO_API_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_UI_ENABLED": "false",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    ephemeral = not os.environ.get("PREFECT_API_URL")
    records = Path(os.environ["PREFECT_HOME"])
    if ephemeral and not os.access(records if records.exists() else records.parent, os.W_OK):
        # The temporary Prefect server keeps its records there; on a read-only home it fails
        # deep inside (a 500 from its API). Say what is wrong before starting anything.
        from documents.problems import Refused, problem
        raise Refused(problem("storage_unavailable", "主目录只读，工作流引擎无法记录运行"))
    database = prefect_home / "prefect.db"
    if os.environ["PREFECT_HOME"] == str(prefect_home) and not database.exists() and TEMPLATE.is_file():
        prefect_home.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TEMPLATE, database)
    if ephemeral:
        ephemeral_dies_with_us()


# Run in the ephemeral server's process before uvicorn: a thread that ends the server as soon as
# the process that started it is gone (its parent pid changes when the parent dies, however it
# dies, kill -9 included). A parent-death signal (prctl) would not do: it fires when the *thread*
# that started the child ends, and Prefect may start its server from a short-lived thread.
_WATCHDOG = """
import os, runpy, sys, threading, time
parent = int(sys.argv[1])
def watch():
    while os.getppid() == parent:
        time.sleep(0.25)
    os._exit(0)
threading.Thread(target=watch, name="lockstep-parent-watch", daemon=True).start()
if os.getppid() != parent:
    os._exit(0)
sys.argv = [sys.argv[3], *sys.argv[4:]]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


def _server_log() -> int:
    """An append-only 0600 log for the ephemeral server in PREFECT_HOME, or DEVNULL."""
    import subprocess
    try:
        return os.open(Path(os.environ["PREFECT_HOME"]) / "server.log",
                       os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except (OSError, KeyError):
        return subprocess.DEVNULL


def ephemeral_dies_with_us() -> None:
    """Prefect's ephemeral API server (prefect.server.api.server.SubprocessASGIServer, a uvicorn
    child started as `python -m uvicorn …`) outlives a command killed with SIGKILL: Prefect stops it
    only at exit (atexit). Start it under _WATCHDOG instead, so it never outlives its parent.
    Prefect offers no hook for this; its module's `subprocess` is replaced by one whose Popen
    rewrites `python -m uvicorn ARGS` to `python -c WATCHDOG PID -m uvicorn ARGS`."""
    import subprocess
    import types

    from prefect.settings import PREFECT_API_URL
    if PREFECT_API_URL.value():              # a real server named in a profile: nothing to start
        return
    import prefect.server.api.server as server
    if getattr(server.subprocess, "lockstep_watched", False):
        return

    class Popen(subprocess.Popen):
        def __init__(self, args, *more, **kw):
            args = list(args)
            log = None
            if args[1:3] == ["-m", "uvicorn"]:
                args = [args[0], "-c", _WATCHDOG, str(os.getpid()), "-m", *args[2:]]
                if "stdout" not in kw and "stderr" not in kw:
                    # The server's own errors (tracebacks) go to a log in the Prefect folder,
                    # not to the terminal of the command that started it.
                    log = _server_log()
                    kw.update(stdout=log, stderr=subprocess.STDOUT)
            try:
                super().__init__(args, *more, **kw)
            finally:
                if log not in (None, subprocess.DEVNULL):
                    os.close(log)

    watched = types.ModuleType("subprocess")
    watched.__dict__.update(subprocess.__dict__)
    watched.Popen, watched.lockstep_watched = Popen, True
    server.subprocess = watched


def prepare_template() -> Path:
    """Migrate an empty Prefect database into TEMPLATE (run by scripts/setup; ~10–18 s)."""
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    partial = TEMPLATE.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_HOME": str(TEMPLATE.parent / "prefect-home"),
           "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{partial}"}
    subprocess.run([sys.executable, "-m", "prefect", "server", "database", "upgrade", "-y"],
                   env=env, check=True, capture_output=True, timeout=300)
    os.replace(partial, TEMPLATE)
    return TEMPLATE


@contextmanager
def warm_settings() -> Iterator[None]:
    """The flow heartbeat costs ~1 s per sync run here; an env value cannot switch it off.
    A failed run's exception reaches the caller (the command answers it in the one problem shape,
    the desk with its status), so Prefect's own failure logs, tracebacks included, are kept
    quiet; LOCKSTEP_DEBUG=1 shows them."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    if not os.environ.get("LOCKSTEP_DEBUG"):
        import logging
        for name in ("prefect.task_runs", "prefect.flow_runs"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


def retry_unless_refused(task, task_run, state) -> bool:
    """A task's retry_condition_fn: a coded refusal is an answer, not a hiccup. The store and the
    database retry briefly inside; a store or database still down after that (storage_unavailable,
    database_unavailable) is answered at once rather than after the task's retries."""
    from documents.problems import Refused
    return not isinstance(state.data, Refused)


if __name__ == "__main__":
    if TEMPLATE.is_file():
        print(f"setup: Prefect database template present ({TEMPLATE})")
    else:
        print("setup: migrating a Prefect database template (once) …")
        prepare_template()
