"""The publication flow: gazette item, web release and register entry for signed-off dossiers."""
from __future__ import annotations

from pathlib import Path

from prefect import flow, task

from documents.problems import Refused
from services.home.context import open_services
from services.home.folder import Home
from services.publication.publish import publish


@task(retries=2, retry_delay_seconds=1)
def publish_batch(home: str, dossier_ids: list[str], actor: str) -> list[dict]:
    # Publication is idempotent per dossier version, so a retry after a partial batch is safe.
    svc = open_services(Home(Path(home)))
    out = []
    for d in dossier_ids:
        try:
            out.append(publish(svc, d, actor).model_dump(mode="json"))
        except Refused as r:
            out.append({"dossier": d, "published": False,
                        "problems": [p.model_dump(mode="json") for p in r.problems]})
    return out


@flow(name="lockstep-publication")
def publication_flow(home: str, dossier_ids: list[str], actor: str = "lockstep") -> list[dict]:
    return publish_batch(home, dossier_ids, actor)


@task(retries=1, retry_delay_seconds=2)
def sweep_publications(home: str, actor: str = "lockstep") -> dict:
    # The outbox's sweep: publish jobs left pending or held by a dead worker (idempotent per version).
    # Gazette releases too (services/gazette/release.py): jobs a killed release left, and scheduled
    # issues whose publication moment has come.
    from services.gazette.release import release_pending
    from services.publication.publish import publish_pending
    svc = open_services(Home(Path(home)))
    done = publish_pending(svc, actor).model_dump(mode="json")
    return {**done, "gazette": release_pending(svc, actor).results}


@flow(name="lockstep-publication-sweep")
def publication_sweep_flow(home: str, actor: str = "lockstep") -> dict:
    return sweep_publications(home, actor)
