"""Real Prefect runs: one flow run handles a batch, and a rerun adds nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.tables import DossierRow, GazetteItemRow, RegisterEntryRow

pytestmark = pytest.mark.usefixtures("prefect_harness")


def count(svc, table) -> int:
    with svc.session() as s:
        return s.scalar(select(func.count()).select_from(table))


def test_one_intake_run_takes_a_batch_and_a_rerun_adds_nothing(svc, tmp_path):
    from flows.intake import intake_flow
    from samples.genhe import write_bundles
    bundles = write_bundles(tmp_path / "in", 4)
    requests = [{"paths": [str(p)], "actor": "drafter"} for p in bundles]
    results = intake_flow(str(svc.home.path), requests, chunk_size=3)
    assert [r["accepted"] for r in results] == [True] * 4
    assert len({r["dossier"] for r in results}) == 4
    again = intake_flow(str(svc.home.path), requests)
    assert all(r["duplicate"] for r in again)
    assert count(svc, DossierRow) == 4


def test_publication_runs_twice_for_the_same_version_without_a_second_item(svc, sample_zip):
    from flows.publication import publication_flow
    from services.dossiers.intake import intake_bundle
    from services.review.actions import record_decision, record_sign_off
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        record_decision(svc, d, stage, "approve", "同意", who)
    record_sign_off(svc, d, "signer")
    first = publication_flow(str(svc.home.path), [d])
    second = publication_flow(str(svc.home.path), [d])
    assert first[0]["published"] and second[0]["already"]
    assert first[0]["registration_number"] == second[0]["registration_number"]
    assert (count(svc, GazetteItemRow), count(svc, RegisterEntryRow)) == (1, 1)


def test_publication_refuses_a_document_that_is_not_public(svc, sample_zip):
    from flows.publication import publication_flow
    from services.dossiers.intake import intake_bundle
    from services.review.actions import record_decision, record_sign_off
    d = intake_bundle([sample_zip(disclosure="（此件不予公开）")], "drafter", svc).dossier
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        record_decision(svc, d, stage, "approve", "同意", who)
    record_sign_off(svc, d, "signer")
    out = publication_flow(str(svc.home.path), [d])
    assert out[0]["published"] is False and out[0]["problems"][0]["code"] == "not_public"
    assert (count(svc, GazetteItemRow), count(svc, RegisterEntryRow)) == (0, 0)
    assert not (svc.home.site / "policies" / f"{d}.html").exists()
