"""Read units (issue 14, "Reads are fast"): what only reads — gate, status, the register list, the
configuration — runs on a Core connection (storage/unit.py Reader, storage/rows.py), never the ORM.

Attacked here, on SQLite and on a real PostgreSQL:
- a read unit answers exactly what a write unit (the ORM) answers, for a dossier under way, a
  returned one and a registered one;
- a write that reaches a read unit is refused by the database itself (ReadOnlyUnit), never rolled
  back as if it had been stored; a row it hands out cannot be changed; `add` and the like refuse;
- the pooled connection a read unit used writes again afterwards (its read-only switch is undone).
"""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, update

from services.dossiers.intake import intake_bundle
from services.publication.publish import publish
from services.register.life import list_entries
from services.review.actions import gate_answer, record_decision, record_sign_off, status
from storage import rows, schema
from storage.unit import Database, ReadOnlyUnit
from tests.support.units import through_the_orm

STAGES = (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary"))


@pytest.fixture
def dossiers(db_svc, sample_zip):
    """A registered dossier, one returned with an anchored reason, one just submitted."""
    svc = db_svc
    done = intake_bundle([sample_zip()], "drafter", svc).dossier
    for stage, who in STAGES:
        record_decision(svc, done, stage, "approve", "同意", who)
    record_sign_off(svc, done, "signer")
    assert publish(svc, done, "signer").published
    returned = intake_bundle([sample_zip(doc_number="根政办发〔2019〕51号", title="关于做好防汛工作的通知")],
                             "drafter", svc).dossier
    record_decision(svc, returned, "unit_check", "return", "请修改", "director", ["一、：表述不清"])
    fresh = intake_bundle([sample_zip(doc_number="根政办发〔2019〕52号", title="关于做好防火工作的通知")],
                          "drafter", svc).dossier
    return svc, (done, returned, fresh)


def test_a_read_unit_answers_what_the_orm_answers(dossiers):
    svc, ids = dossiers
    orm = through_the_orm(svc)
    for d in ids:
        assert gate_answer(svc, d) == gate_answer(orm, d), d
        assert status(svc, d) == status(orm, d), d
    assert [e.model_dump() for e in list_entries(svc)] == [e.model_dump() for e in list_entries(orm)]
    assert list_entries(svc) and list_entries(svc, public=True) == list_entries(orm, public=True)
    returned = status(svc, ids[1]).gate
    assert returned.returned is not None and returned.next_move    # the reasons came through the read unit


def test_a_read_unit_loads_read_only_rows_and_refuses_to_write(dossiers):
    svc, (done, _, _) = dossiers
    with svc.reading() as uow:
        row = uow.dossiers.require(done)
        with pytest.raises(AttributeError):
            row.state = "draft"
        for write in (lambda: uow.add(object()), lambda: uow.delete(row), uow.flush, uow.savepoint):
            with pytest.raises(ReadOnlyUnit):
                write()
    with pytest.raises(ReadOnlyUnit):
        with svc.reading() as uow:           # a write that reaches the database is refused there
            uow.accounts.touch_session("none", 0.0, 0.0)
            uow._session.execute(update(schema.dossiers).where(schema.dossiers.c.id == done).values(title="改"))
    with svc.unit() as uow:
        assert uow.dossiers.require(done).title != "改"


def test_the_connection_a_read_unit_used_writes_again(db_svc):
    """One pooled connection: the read unit's read-only switch must not outlive it."""
    url = db_svc.home.database_url
    engine = create_engine(url, pool_size=1, max_overflow=0)
    db = Database(engine)
    try:
        for _ in range(3):
            with db.reading(store=lambda: None, now=db_svc.now) as uow:
                assert uow.dossiers.get("D1999-0001") is None
            with db.unit(store=lambda: None, now=db_svc.now) as uow:
                uow.counters.take("read-unit-test", 0, lambda: 0)
        with engine.connect() as c:
            counters = schema.counters
            taken = c.execute(select(counters.c.value).where(counters.c.sequence == "read-unit-test")).scalar()
        assert taken == 3
    finally:
        engine.dispose()


def test_rows_get_takes_a_composite_key_in_both_kinds_of_unit(db_svc):
    with db_svc.unit() as uow:
        uow.counters.take("composite", 2026, lambda: 41)
    for open_unit in (db_svc.reading, db_svc.unit):
        with open_unit() as uow:
            row = rows.get(uow._session, schema.counters, ("composite", 2026))
            assert row is not None and row.value == 42
            assert rows.get(uow._session, schema.counters, ("composite", 2025)) is None
            with pytest.raises(ValueError):
                rows.get(uow._session, schema.counters, "composite")


def test_a_read_unit_offers_only_the_repositories_written_for_it(db_svc):
    """A repository whose queries select mapped classes would answer a Core connection in another shape
    (a string for a row): a read unit refuses it outright instead of answering wrong."""
    with db_svc.reading() as uow:
        for name in ("derived", "jobs", "gazette", "gazette_reads", "site", "people", "withholding",
                     "deliberations", "public_site", "notifications", "references"):
            with pytest.raises(ReadOnlyUnit):
                getattr(uow, name)
        assert uow.dossiers.get("D1999-0001") is None and uow.register.entries() == []
