"""The intake flow: many bundles per run, plain Python per bundle inside a few tasks."""
from __future__ import annotations

from pathlib import Path

from prefect import flow, task

from services.context import open_services
from services.home import Home
from services.intake import intake_bundle


@task(retries=2, retry_delay_seconds=1)
def intake_chunk(home: str, requests: list[dict]) -> list[dict]:
    # A retry re-runs the chunk: bundles already stored are recognised by fingerprint, not duplicated.
    svc = open_services(Home(Path(home)))
    return [intake_bundle([Path(p) for p in r["paths"]], r["actor"], svc, r.get("dossier")).model_dump(mode="json")
            for r in requests]


@flow(name="lockstep-intake")
def intake_flow(home: str, requests: list[dict], chunk_size: int = 50) -> list[dict]:
    results: list[dict] = []
    for i in range(0, len(requests), chunk_size):
        results += intake_chunk(home, requests[i:i + chunk_size])
    return results
