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
    database = prefect_home / "prefect.db"
    if os.environ["PREFECT_HOME"] == str(prefect_home) and not database.exists() and TEMPLATE.is_file():
        prefect_home.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TEMPLATE, database)


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
    """The flow heartbeat costs ~1 s per sync run here; an env value cannot switch it off."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


if __name__ == "__main__":
    if TEMPLATE.is_file():
        print(f"setup: Prefect database template present ({TEMPLATE})")
    else:
        print("setup: migrating a Prefect database template (once) …")
        prepare_template()
