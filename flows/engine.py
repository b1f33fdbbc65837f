"""Prefect settings for Lockstep's processes, applied before Prefect is imported."""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def configure(home: Path) -> None:
    """Per-home Prefect state, quiet logs, and timeouts that fit these shared machines.

    Values already in the environment win, so an operator's PREFECT_API_URL (a Prefect server
    with its UI) is used as is.
    """
    defaults = {
        "PREFECT_HOME": str((home / "prefect").resolve()),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_LOGGING_TO_API_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_UI_ENABLED": "false",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)


@contextmanager
def warm_settings() -> Iterator[None]:
    """The flow heartbeat costs ~1 s per sync run here; an env value cannot switch it off."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
