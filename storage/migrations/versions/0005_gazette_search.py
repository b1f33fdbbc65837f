"""gazette search and history import: the search index over released items, imported issues and their items

SQLite: an FTS5 virtual table with the trigram tokenizer (Chinese substrings of 3+ characters).
PostgreSQL: a plain table with a pg_trgm GIN index; where the extension cannot be created the
table stays unindexed and search still answers (ILIKE scans).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'gazette_imports',
        sa.Column('issue_id', sa.String(length=16), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('source_name', sa.Text(), nullable=False),
        sa.Column('source_sha256', sa.String(length=64), nullable=False),
        sa.Column('issue_date', sa.Date(), nullable=True),
        sa.Column('imported_by', sa.String(length=64), nullable=False),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['issue_id'], ['gazette_issues.id'], name='fk_gazette_imports_issue_id'),
        sa.PrimaryKeyConstraint('issue_id', name='pk_gazette_imports'),
    )
    op.create_table(
        'gazette_imported_items',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('issue_id', sa.String(length=16), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('doc_number', sa.String(length=64), nullable=True),
        sa.Column('organ', sa.String(length=128), nullable=True),
        sa.Column('signed_date', sa.Date(), nullable=True),
        sa.Column('source_name', sa.Text(), nullable=False),
        sa.Column('source_sha256', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['issue_id'], ['gazette_issues.id'], name='fk_gazette_imported_items_issue_id'),
        sa.PrimaryKeyConstraint('id', name='pk_gazette_imported_items'),
        sa.UniqueConstraint('issue_id', 'position', name='uq_gazette_imported_items_issue_position'),
    )
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        # Indexed: title, document_number, organ, body. The rest rides along for the answer.
        op.execute("CREATE VIRTUAL TABLE gazette_search USING fts5("
                   "title, document_number, organ, body, "
                   "item_key UNINDEXED, issue UNINDEXED, dossier UNINDEXED, signed_date UNINDEXED, "
                   "tokenize='trigram')")
        return
    op.create_table(
        'gazette_search',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('item_key', sa.String(length=32), nullable=False),
        sa.Column('issue', sa.String(length=16), nullable=False),
        sa.Column('dossier', sa.String(length=32), nullable=True),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('document_number', sa.Text(), nullable=True),
        sa.Column('organ', sa.Text(), nullable=True),
        sa.Column('signed_date', sa.Date(), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_gazette_search'),
        sa.UniqueConstraint('item_key', name='uq_gazette_search_item_key'),
    )
    op.create_index('ix_gazette_search_signed_date', 'gazette_search', ['signed_date'], unique=False)
    if bind.dialect.name != 'postgresql':
        return
    # CREATE EXTENSION needs a privilege the database owner may lack; a failure must not abort the
    # migration's transaction, hence the savepoint. Without the extension ILIKE still answers.
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError:
        return
    op.execute("CREATE INDEX ix_gazette_search_trgm ON gazette_search USING gin ("
               "title gin_trgm_ops, document_number gin_trgm_ops, organ gin_trgm_ops, body gin_trgm_ops)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        op.execute("DROP TABLE IF EXISTS gazette_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_gazette_search_trgm")
        op.drop_index('ix_gazette_search_signed_date', table_name='gazette_search')
        op.drop_table('gazette_search')
    op.drop_table('gazette_imported_items')
    op.drop_table('gazette_imports')
