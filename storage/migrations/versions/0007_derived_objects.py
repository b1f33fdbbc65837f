"""derived objects: what was made once from a stored original (a docx's HTML and text), by whom

Publication converts each policy and interpretation docx (mammoth → HTML, python-docx → text and
blocks) and keeps the results in the object store; this table maps (original, kind, maker) to the
result so a gazette release reuses them instead of converting every document again. Rows are only
a shortcut: a missing row means "make it again".

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 16:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'derived_objects',
        sa.Column('source_sha256', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('maker', sa.String(length=64), nullable=False),
        sa.Column('object_sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('source_sha256', 'kind', 'maker', name='pk_derived_objects'),
    )


def downgrade() -> None:
    op.drop_table('derived_objects')
