"""Concurrent writers on real databases: nothing lost, nothing signed on a voided version."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from documents.problems import Refused
from services.dossiers.intake import intake_bundle
from services.review.actions import gate_answer, record_decision, record_sign_off
from storage.tables import DecisionRow, DossierRow, EventRow



def run_together(*jobs):
    """Start every job at the same moment; collect results or exceptions."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        barrier.wait()
        try:
            results[i] = job()
        except Exception as e:     # noqa: BLE001 - the test inspects what each writer got
            results[i] = e
    threads = [threading.Thread(target=run, args=(i, j)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def count(svc, table) -> int:
    with svc.session() as s:
        return s.scalar(select(func.count()).select_from(table))


def test_parallel_intakes_all_land_with_distinct_numbers(db_svc, tmp_path):
    from samples.genhe import write_bundles
    bundles = write_bundles(tmp_path / "in", 6)
    results = run_together(*[lambda p=p: intake_bundle([p], "drafter", db_svc) for p in bundles])
    assert all(not isinstance(r, Exception) and r.accepted for r in results), results
    assert len({r.dossier for r in results}) == 6
    with db_svc.session() as s:
        events = s.scalar(select(func.count()).select_from(EventRow).where(EventRow.dossier_id.is_not(None)))
    assert (count(db_svc, DossierRow), events) == (6, 6)


def test_two_reviewers_at_once_lose_no_decision(db_svc, sample_zip):
    d = intake_bundle([sample_zip()], "drafter", db_svc).dossier
    record_decision(db_svc, d, "unit_check", "approve", "同意", "director")
    db_svc.home.add_person("reviewer2", "根河市司法局", ["legal_reviewer"])
    db_svc.home.__dict__.pop("config", None)
    results = run_together(lambda: record_decision(db_svc, d, "legality", "approve", "同意", "reviewer"),
                           lambda: record_decision(db_svc, d, "legality", "return", "", "reviewer2",
                                                           ["需修改"]))
    assert not any(isinstance(r, Exception) and not isinstance(r, Refused) for r in results), results
    recorded = count(db_svc, DecisionRow)
    landed = [r for r in results if not isinstance(r, Exception)]
    assert recorded == 1 + len(landed)


def test_a_sign_off_racing_a_resubmission_never_signs_a_voided_version(db_svc, sample_zip):
    d = intake_bundle([sample_zip()], "drafter", db_svc).dossier
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        record_decision(db_svc, d, stage, "approve", "同意", who)
    changed = sample_zip(body_variant=4)
    results = run_together(lambda: record_sign_off(db_svc, d, "signer"),
                           lambda: intake_bundle([changed], "drafter", db_svc))
    signed, resubmitted = results
    with db_svc.session() as s:
        row = s.get(DossierRow, d)
        state, version = row.state, row.current_version
    if isinstance(signed, Exception):
        # The resubmission won: version 2 stands unapproved and the sign-off was refused.
        assert isinstance(signed, Refused) and version == 2 and state == "submitted"
        assert not gate_answer(db_svc, d).ready
    else:
        # The sign-off won: it signed version 1, and the resubmission was refused (no new version).
        assert signed.version == 1 and state == "signed_off" and version == 1
        assert isinstance(resubmitted, Refused) and resubmitted.problem.code == "invalid_state"
