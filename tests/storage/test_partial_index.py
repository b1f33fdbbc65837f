"""The partial unique index on open dossiers (migration 0013) holds on SQLite and PostgreSQL, and
naming it does not load the PostgreSQL dialect: an SQLite home's commands never import it
(issue 14: "Reads are fast"). storage/tables.py PartialIndex."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WHERE = "WHERE doc_number IS NOT NULL AND state NOT IN ('published', 'registered')"


def _index(table):
    return next(i for i in table.indexes if i.name == "uq_dossiers_open_doc_number")


def test_the_open_dossier_index_is_partial_on_both_databases_and_in_a_copy_of_the_table():
    from sqlalchemy import MetaData
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.schema import CreateIndex

    from storage.tables import DossierRow
    index = _index(DossierRow.__table__)
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        ddl = str(CreateIndex(index).compile(dialect=dialect))
        assert ddl.startswith("CREATE UNIQUE INDEX uq_dossiers_open_doc_number ON dossiers (drafting_unit, doc_number)")
        assert ddl.endswith(WHERE), (dialect.name, ddl)
    assert set(index.kwargs) == {"sqlite_where", "postgresql_where"}
    copy = _index(DossierRow.__table__.to_metadata(MetaData()))
    assert str(CreateIndex(copy).compile(dialect=postgresql.dialect())).endswith(WHERE)


def test_importing_the_tables_loads_no_postgresql_dialect():
    code = ("import sys, storage.tables, storage.unit, storage.db\n"
            "print('sqlalchemy.dialects.postgresql' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.stdout.strip() == "False", r.stderr
