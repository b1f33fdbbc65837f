"""register search: a substring index over the register's title, document number, organ and registration number

SQLite: the FTS5 virtual table `register_search` (tokenize='trigram', rowid = register_entries.id)
with the four columns and `grams`, their two-character units (storage.search.bigram_text), so
queries of 2 characters are index lookups too. Filled here from the existing entries; new entries
are indexed by services/register_search.index_entry in the publication's transaction. Status and
disclosure are not copied: a query reads them from register_entries and dossiers.
PostgreSQL: a pg_trgm GIN index on register_entries itself (maintained by PostgreSQL); where the
extension cannot be created there is no index and search still answers (ILIKE scans).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 10:00:00
"""
from alembic import op
import sqlalchemy as sa

from storage.search import bigram_text


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

COLUMNS = ("title", "document_number", "organ", "registration_number")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        op.execute("CREATE VIRTUAL TABLE register_search USING fts5("
                   "title, document_number, organ, registration_number, grams, tokenize='trigram')")
        rows = bind.execute(sa.text("SELECT id, title, document_number, organ, registration_number "
                                    "FROM register_entries")).all()
        if rows:
            bind.execute(sa.text("INSERT INTO register_search (rowid, title, document_number, organ, "
                                 "registration_number, grams) VALUES (:id, :title, :document_number, :organ, "
                                 ":registration_number, :grams)"),
                         [dict(r._mapping, grams=bigram_text(*(r._mapping[c] for c in COLUMNS))) for r in rows])
        return
    if bind.dialect.name != 'postgresql':
        return
    # As in 0005: CREATE EXTENSION may need a privilege the owner lacks; a savepoint keeps the
    # migration's transaction alive, and without the extension ILIKE still answers.
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError:
        return
    op.execute("CREATE INDEX ix_register_entries_trgm ON register_entries USING gin ("
               + ", ".join(f"{c} gin_trgm_ops" for c in COLUMNS) + ")")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        op.execute("DROP TABLE IF EXISTS register_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_register_entries_trgm")
