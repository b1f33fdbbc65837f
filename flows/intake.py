"""The intake flow: many bundles per run, plain Python per bundle inside a few tasks."""
from __future__ import annotations

import json
from pathlib import Path

from prefect import flow, task

from flows.engine import retry_unless_refused
from services.home.context import open_services
from services.home.folder import Home
from services.dossiers.intake import intake_bundle


@task(retries=2, retry_delay_seconds=1, retry_condition_fn=retry_unless_refused)
def intake_chunk(home: str, requests: list[dict]) -> str:
    """The chunk's results (SubmitResult each) as one JSON array text."""
    # A retry re-runs the chunk: bundles already stored are recognised by fingerprint, not duplicated.
    svc = open_services(Home(Path(home)))
    return "[" + ",".join(intake_bundle([Path(p) for p in r["paths"]], r["actor"], svc, r.get("dossier"),
                                        r.get("answers") or ()).model_dump_json() for r in requests) + "]"


@flow(name="lockstep-intake")
def intake_flow(home: str, requests: list[dict], chunk_size: int = 50,
                as_json: bool = False) -> list[dict] | str:
    """One result per request, in order. With as_json, the results come back as one JSON array
    text: Prefect walks a flow's return value looking for futures, which for a list of result
    dicts (files, metadata, outlines) costs a few milliseconds per bundle; a string it does not walk."""
    chunks = [intake_chunk(home, requests[i:i + chunk_size]) for i in range(0, len(requests), chunk_size)]
    text = "[" + ",".join(c[1:-1] for c in chunks if c != "[]") + "]"
    return text if as_json else json.loads(text)
