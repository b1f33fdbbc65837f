"""Run Lockstep's flows in this process (the command line) or a warm one (the desk)."""
from __future__ import annotations

import json
from pathlib import Path

from flows.engine import configure, warm_settings
from flows import on_pool
from flows.handoff import hand_off
from flows.on_pool import pool_of


def run_intake(home: Path, requests: list[dict], here: bool = False) -> list[dict]:
    """One result per request. A pool home (flows/on_pool.py) hands them to its work pool: a result
    may then be the `queued` notice ("queued": true), the bundle staged and recorded."""
    if requests and (s := pool_of(home)) is not None and (done := on_pool.intake(home, s, requests)) is not None:
        return done
    if not here and (done := hand_off(home, "/api/flows/intake", {"requests": requests})) is not None:
        return done
    configure(home)
    from flows.intake import intake_flow
    with warm_settings():
        text = intake_flow(str(home.resolve()), requests, as_json=True)  # a string Prefect need not walk
    return json.loads(text)


def run_publication(home: Path, dossier_ids: list[str], actor: str, here: bool = False) -> list[dict]:
    """One answer per dossier. A pool home hands each publish job (by its id) to its work pool: an
    answer may then be the `queued` notice ("queued": true), the job recorded and waiting."""
    if (s := pool_of(home)) is not None and (done := on_pool.publish(home, s, dossier_ids, actor)) is not None:
        return done
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
