"""Nothing SQLite-only in the schema: migrations, the service path and JSON columns on a real PostgreSQL 15."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, inspect, select, text

from documents.models import DocumentMeta
from services.home import context as context
from services.home.context import initialise, open_services
from services.home.folder import Home
from services.dossiers.intake import intake_bundle
from services.publication.publish import publish
from services.review.actions import gate_answer, record_decision, record_sign_off
from storage.audit import GENESIS, event_hash
from storage.db import make_engine, migrate
from storage.repos.dossiers import Dossiers
from storage.tables import Base, DossierRow, EventRow, FileRow, RegisterEntryRow, VersionRow
from tests.support.registration import registered

STAGES = (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary"))


@pytest.fixture
def engine(pg_url):
    e = make_engine(pg_url)
    yield e
    e.dispose()


@pytest.fixture
def pg_svc(pg_url, tmp_path, monkeypatch):
    """Services on a fresh PostgreSQL database (the URL comes from LOCKSTEP_DATABASE_URL)."""
    monkeypatch.setenv("LOCKSTEP_DATABASE_URL", pg_url)
    home = Home(tmp_path / "home")
    initialise(home)
    svc = open_services(home)
    assert svc.engine.dialect.name == "postgresql"
    yield svc
    context._engines.pop(pg_url, None)      # one pool per test database; close it with the test
    svc.engine.dispose()


def head_revision() -> str:
    from alembic.script import ScriptDirectory
    from storage.db import MIGRATIONS
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def test_the_alembic_migrations_create_every_table_on_postgresql(engine):
    migrate(engine)
    names = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= names
    assert "alembic_version" in names
    with engine.connect() as c:
        assert c.scalar(text("select version_num from alembic_version")) == head_revision()


def test_the_migrated_postgresql_columns_match_the_table_definitions(engine):
    migrate(engine)
    insp = inspect(engine)
    for name, table in Base.metadata.tables.items():
        columns = {c["name"]: c for c in insp.get_columns(name)}
        assert set(columns) == {c.name for c in table.columns}, name
        for col in table.columns:
            assert columns[col.name]["nullable"] == col.nullable, (name, col.name)
    # JSON stays JSON (not text), and times keep their zone.
    assert str(insp.get_columns("version_files")[-1]["type"]) == "JSON"
    at = {c["name"]: c for c in insp.get_columns("events")}["at"]
    assert getattr(at["type"], "timezone", False)


def test_migrating_twice_on_postgresql_is_a_no_op(engine):
    migrate(engine)
    before = inspect(engine).get_table_names()
    migrate(engine)
    assert sorted(inspect(engine).get_table_names()) == sorted(before)
    with engine.connect() as c:
        assert c.scalar(text("select count(*) from alembic_version")) == 1


def test_a_dossier_goes_from_intake_to_the_register_on_postgresql(pg_svc, sample_zip):
    svc = pg_svc
    r = intake_bundle([sample_zip()], "drafter", svc)
    assert r.accepted and r.new_dossier
    d = r.dossier
    for stage, who in STAGES:
        record_decision(svc, d, stage, "approve", "同意", who)
    assert gate_answer(svc, d).ready
    record_sign_off(svc, d, "signer")

    first = publish(svc, d, "signer")
    assert first.published and not first.already
    assert first.registration_number == registered(1)
    second = publish(svc, d, "signer")
    assert second.already and second.registration_number == first.registration_number

    with svc.session() as s:
        entries = list(s.scalars(select(RegisterEntryRow)))
        row = s.get(DossierRow, d)
    assert [e.registration_number for e in entries] == [registered(1)]
    assert entries[0].dossier_id == d and entries[0].signed_date.year == 2019
    assert row.state == "registered"


def test_the_audit_chain_links_each_event_to_the_one_before_on_postgresql(pg_svc, sample_zip):
    svc = pg_svc
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    for stage, who in STAGES:
        record_decision(svc, d, stage, "approve", "同意", who)
    record_sign_off(svc, d, "signer")
    publish(svc, d, "signer")
    with svc.session() as s:
        rows = list(s.scalars(select(EventRow).order_by(EventRow.seq)))
    # the home's config, then submitted, 3 decisions, signed off, published
    assert [r.seq for r in rows] == list(range(1, 8))
    assert [r.name for r in rows][:2] == ["config.changed", "dossier.submitted"]
    assert rows[0].prev_hash == GENESIS
    for before, after in zip(rows, rows[1:]):
        assert after.prev_hash == before.hash
    # The payload read back from PostgreSQL's JSON still hashes to the stored hash.
    for r in rows:
        assert event_hash(r.prev_hash, r.seq, r.name, r.actor, r.payload["at"], r.payload) == r.hash
    assert rows[0].at.tzinfo is not None


def test_json_columns_round_trip_chinese_text_and_document_meta_on_postgresql(pg_svc, sample_zip):
    svc = pg_svc
    r = intake_bundle([sample_zip()], "drafter", svc)
    sent = {m.name: m.metadata for m in r.files}
    with svc.session() as s:
        version = Dossiers(s).version(r.dossier, 1)
        raw = {f.name: f.meta for f in s.scalars(select(FileRow))}
    assert {f.name: f.meta for f in version.files} == sent
    meta = version.policy.meta
    assert isinstance(meta, DocumentMeta)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in meta.title)
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in f.name) for f in version.files)
    # Stored as JSON text with the characters themselves, queryable by PostgreSQL's JSON operators.
    with svc.engine.connect() as c:
        titles = set(c.scalars(text("select meta->>'title' from version_files where meta is not null")))
    assert meta.title in titles
    assert {n: DocumentMeta.model_validate(m) if m else None for n, m in raw.items()} == sent


def test_json_columns_keep_chinese_keys_values_and_nesting_on_postgresql(pg_svc):
    svc = pg_svc
    now = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    problems = [{"code": "缺少材料", "message": "未附起草说明「根河市」", "where": {"文件": ["附件一.docx"]},
                 "n": 3, "ok": False, "none": None}]
    with svc.session() as s:
        s.add(DossierRow(id="D2026-0001", kind="normative", title="关于印发《根河市测试办法》的通知",
                         doc_number=None, drafting_unit="根河市司法局", state="submitted", current_version=1,
                         disclosure=None, created_at=now, updated_at=now))
        s.flush()
        s.add(VersionRow(dossier_id="D2026-0001", number=1, fingerprint="f" * 64, kind="normative",
                         drafting_unit="根河市司法局", submitted_by="drafter", submitted_by_unit="根河市司法局",
                         submitted_at=now, problems=problems))
    with svc.session() as s:
        v = s.scalars(select(VersionRow).filter_by(dossier_id="D2026-0001")).one()
        d = s.get(DossierRow, "D2026-0001")
    assert v.problems == problems
    assert d.title == "关于印发《根河市测试办法》的通知"
    assert v.submitted_at == now
    with svc.engine.connect() as c:
        assert c.scalar(text("select problems->0->'where'->'文件'->>0 from versions")) == "附件一.docx"
        assert c.scalar(select(func.count()).select_from(VersionRow)) == 1
