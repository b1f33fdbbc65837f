"""Run Lockstep's flows in this process (the command line) or a warm one (the desk)."""
from __future__ import annotations

from pathlib import Path

from flows.engine import configure, warm_settings


def run_intake(home: Path, requests: list[dict]) -> list[dict]:
    configure(home)
    from flows.intake import intake_flow
    with warm_settings():
        return intake_flow(str(home.resolve()), requests)


def run_publication(home: Path, dossier_ids: list[str], actor: str) -> list[dict]:
    configure(home)
    from flows.publication import publication_flow
    with warm_settings():
        return publication_flow(str(home.resolve()), dossier_ids, actor)
