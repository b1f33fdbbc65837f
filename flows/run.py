"""Run Lockstep's flows in this process (the command line) or a warm one (the desk)."""
from __future__ import annotations

import json
from pathlib import Path

from flows.engine import configure, warm_settings
from flows.handoff import hand_off


def run_intake(home: Path, requests: list[dict], here: bool = False) -> list[dict]:
    if not here and (done := hand_off(home, "/api/flows/intake", {"requests": requests})) is not None:
        return done
    configure(home)
    from flows.intake import intake_flow
    with warm_settings():
        text = intake_flow(str(home.resolve()), requests, as_json=True)  # a string Prefect need not walk
    return json.loads(text)


def run_publication(home: Path, dossier_ids: list[str], actor: str, here: bool = False) -> list[dict]:
    if not here and (done := hand_off(home, "/api/flows/publication",
                                      {"dossier_ids": dossier_ids, "actor": actor})) is not None:
        return done
    configure(home)
    from flows.publication import publication_flow
    with warm_settings():
        return publication_flow(str(home.resolve()), dossier_ids, actor)


def run_publication_sweep(home: Path, here: bool = False) -> dict:
    """Publish every job left pending or held by a dead worker (services.publication.publish.publish_pending)."""
    if not here and (done := hand_off(home, "/api/flows/publication-sweep", {})) is not None:
        return done
    configure(home)
    from flows.publication import publication_sweep_flow
    with warm_settings():
        return publication_sweep_flow(str(home.resolve()))


def run_deadlines(home: Path, here: bool = False) -> list[dict]:
    if not here and (done := hand_off(home, "/api/flows/deadlines", {})) is not None:
        return done
    configure(home)
    from flows.deadlines import deadlines_flow
    with warm_settings():
        return deadlines_flow(str(home.resolve()))


def serve_schedules(home: Path, cron: str) -> None:
    """Serve the deadline check on a schedule. Schedules need a Prefect server (PREFECT_API_URL);
    ephemeral mode has no scheduler. Blocks until interrupted."""
    configure(home)
    from flows.deadlines import deadlines_flow
    deadlines_flow.serve(name=f"deadlines-{home.resolve().name}", cron=cron,
                         parameters={"home": str(home.resolve())})
