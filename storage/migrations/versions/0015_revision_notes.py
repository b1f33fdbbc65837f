"""revision notes: a resubmission's 修改说明 (for each reason of the return it answers, how)

versions.revision_note (JSON, NULL when the version answers no return): {"stage", "returned_at",
"returned_version", "answers": [{"number", "key", "text"}]} (review/revision.py).

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-07 01:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('versions', sa.Column('revision_note', sa.JSON(), nullable=True))   # no table copy


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy of `versions` would drop the table that
    # version_files, decisions and jobs name, which SQLite's foreign keys refuse.
    op.drop_column('versions', 'revision_note')
