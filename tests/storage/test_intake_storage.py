"""Intake against real storage: SQLite rows, objects on a folder and on S3 (SeaweedFS)."""
from __future__ import annotations


import pytest
from sqlalchemy import func, select

from documents.problems import Refused
from services.dossiers.intake import intake_bundle
from storage.tables import DossierRow, EventRow, FileRow, VersionRow


def count(svc, table) -> int:
    with svc.session() as s:
        return s.scalar(select(func.count()).select_from(table))


def dossier_events(svc) -> int:
    """Events about dossiers (the home also records its config as the chain's first event)."""
    with svc.session() as s:
        return s.scalar(select(func.count()).select_from(EventRow).where(EventRow.dossier_id.is_not(None)))


def test_intake_stores_every_file_content_addressed(any_svc, sample_zip):
    r = intake_bundle([sample_zip()], "drafter", any_svc)
    assert r.accepted and r.new_dossier
    keys = set(any_svc.store.keys())
    assert {f.sha256 for f in r.files} == keys
    for f in r.files:
        import hashlib
        assert hashlib.sha256(any_svc.store.get(f.sha256)).hexdigest() == f.sha256
    assert (count(any_svc, DossierRow), count(any_svc, VersionRow), count(any_svc, FileRow)) == (1, 1, 5)


def test_the_same_bytes_twice_store_nothing_new(any_svc, sample_zip):
    first = intake_bundle([sample_zip()], "drafter", any_svc)
    second = intake_bundle([sample_zip()], "drafter", any_svc)
    assert second.duplicate and second.dossier == first.dossier
    assert (count(any_svc, VersionRow), dossier_events(any_svc)) == (1, 1)


def test_a_failed_intake_leaves_no_rows_and_removes_the_objects_it_wrote(any_svc, sample_zip):
    with pytest.raises(Refused) as e:
        intake_bundle([sample_zip()], "drafter", any_svc, dossier_hint="D1999-0001")
    assert e.value.problem.code == "not_found"
    assert list(any_svc.store.keys()) == []
    assert (count(any_svc, DossierRow), dossier_events(any_svc)) == (0, 0)


def test_a_failed_intake_keeps_objects_an_earlier_version_points_to(any_svc, sample_zip):
    first = intake_bundle([sample_zip()], "drafter", any_svc)
    before = set(any_svc.store.keys())
    with pytest.raises(Refused):
        intake_bundle([sample_zip(body_variant=3)], "drafter", any_svc, dossier_hint="D1999-0001")
    assert set(any_svc.store.keys()) == before
    assert count(any_svc, VersionRow) == 1 and first.accepted


def test_the_audit_chain_links_each_event_to_the_one_before(any_svc, sample_zip):
    intake_bundle([sample_zip()], "drafter", any_svc)
    intake_bundle([sample_zip(body_variant=1)], "drafter", any_svc)
    with any_svc.session() as s:
        rows = list(s.scalars(select(EventRow).order_by(EventRow.seq)))
    assert [r.seq for r in rows] == [1, 2, 3]
    assert [r.name for r in rows] == ["config.changed", "dossier.submitted", "dossier.submitted"]
    assert rows[0].prev_hash == "0" * 64
    assert rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash
