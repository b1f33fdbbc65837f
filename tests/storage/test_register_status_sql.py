"""The register's status as of a day has one rule (publishing/register_rules.status_on) and two spellings
in queries (storage/register_status.py: a SQLAlchemy clause for the list pages, a text fragment for the
register search). Random entries on real SQLite and PostgreSQL: both spellings give what status_on gives,
for every day."""
from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Date, bindparam, delete, insert, select
from sqlalchemy import text as sql

from publishing.register_rules import status_on
from storage import schema
from storage.register_status import status_now, status_now_sql
from tests.storage.conftest import db_svc, pg, pg_url  # noqa: F401  (fixtures)

E, L, D = schema.register_entries, schema.register_links, schema.dossiers
AT = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
DAY = dt.date(2026, 6, 1)
days = st.integers(-40, 40).map(lambda n: DAY + dt.timedelta(days=n))
entry = st.fixed_dictionaries({
    "status": st.sampled_from(["pending", "in_force", "amended", "repealed", "expired"]),
    "effective": st.none() | days, "until": st.none() | days,
    "awaits": st.booleans(), "amended": st.booleans()})


def _put(s, entries: list[dict]) -> None:
    s.execute(delete(L))
    s.execute(delete(E))
    s.execute(delete(D).where(D.c.id.like("T%")))
    for n, e in enumerate(entries, 1):
        s.execute(insert(D).values(id=f"T{n}", kind="行政规范性文件", title="t", drafting_unit="u", state="published",
                                   current_version=1, created_at=AT, updated_at=AT))
        s.execute(insert(E).values(id=n, registration_number=f"R-{n}", year=2026, serial=n, dossier_id=f"T{n}",
                                   title="根河市办法", drafting_unit="u", published_at=AT, status=e["status"],
                                   effective_date=e["effective"], valid_until=e["until"],
                                   awaits_gazette=e["awaits"]))
    # an amendment by the next entry (or the first) where the example says it was amended
    for n, e in enumerate(entries, 1):
        if e["amended"]:
            s.execute(insert(L).values(kind="amend", entry_id=n, by_entry_id=n % len(entries) + 1,
                                       actor="editor", at=AT))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(entry, min_size=1, max_size=6), today=days)
def test_both_spellings_in_sql_are_status_on(db_svc, entries, today):
    with db_svc.engine.connect() as s:          # never committed: closed, it rolls back
        _put(s, entries)
        core = dict(s.execute(select(E.c.id, status_now(today)).order_by(E.c.id)).all())
        text = dict(s.execute(sql(f"SELECT r.id, {status_now_sql('r')} FROM register_entries r ORDER BY r.id")
                              .bindparams(bindparam("status_today", type_=Date)), {"status_today": today}).all())
    wanted = {n: status_on(e["status"], e["effective"], e["until"], today, awaits_gazette=e["awaits"],
                           amended=e["amended"]) for n, e in enumerate(entries, 1)}
    assert core == wanted and text == wanted


def test_a_normative_document_waiting_for_its_gazette_is_pending_whatever_its_date():
    assert status_on("pending", DAY, DAY + dt.timedelta(days=9), DAY, awaits_gazette=True, amended=False) == "pending"
    assert status_on("pending", DAY, DAY + dt.timedelta(days=9), DAY, awaits_gazette=False, amended=False) == "in_force"
    assert status_on("pending", DAY, DAY + dt.timedelta(days=9), DAY, awaits_gazette=False, amended=True) == "amended"
    assert status_on("in_force", DAY, DAY - dt.timedelta(days=1), DAY, awaits_gazette=False, amended=False) == "expired"
    assert status_on("repealed", DAY, DAY - dt.timedelta(days=1), DAY, awaits_gazette=False, amended=False) == "repealed"
