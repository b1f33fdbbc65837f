"""register life: effective and validity dates on entries, amend and repeal links between entries

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 20:49:40.283434
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'register_links',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('by_entry_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['by_entry_id'], ['register_entries.id'], name='fk_register_links_by_entry_id'),
        sa.ForeignKeyConstraint(['entry_id'], ['register_entries.id'], name='fk_register_links_entry_id'),
        sa.PrimaryKeyConstraint('id', name='pk_register_links'),
        sa.UniqueConstraint('kind', 'entry_id', 'by_entry_id', name='uq_register_links_kind_entry_by'),
    )
    op.create_index('ix_register_links_entry_id', 'register_links', ['entry_id'], unique=False)
    op.create_index('ix_register_links_by_entry_id', 'register_links', ['by_entry_id'], unique=False)
    # Batch mode: SQLite cannot drop columns in place on downgrade; PostgreSQL alters directly.
    with op.batch_alter_table('register_entries') as batch_op:
        batch_op.add_column(sa.Column('effective_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('valid_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('register_entries') as batch_op:
        batch_op.drop_column('status_changed_at')
        batch_op.drop_column('valid_until')
        batch_op.drop_column('effective_date')
    op.drop_index('ix_register_links_by_entry_id', table_name='register_links')
    op.drop_index('ix_register_links_entry_id', table_name='register_links')
    op.drop_table('register_links')
