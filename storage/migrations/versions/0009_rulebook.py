"""rulebook: a dossier's drafting unit is its submitter's; withholding; who set the disclosure

- dossiers.drafting_unit becomes the unit of the person who submitted the first version (identity
  from the person, never from what a bundle said about itself: a blank or foreign unit written in
  bundle.json by an earlier release is replaced);
- dossiers.withheld_at / withheld_by / withheld_reason: 撤回公开, a published document taken off
  every public output with a recorded reason;
- dossiers.disclosure_by: who set the 公开属性 when the document's own marking could not be placed
  (NULL: read from the document).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 22:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: nullable columns need no table copy on SQLite.
    op.add_column('dossiers', sa.Column('withheld_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('dossiers', sa.Column('withheld_by', sa.String(length=64), nullable=True))
    op.add_column('dossiers', sa.Column('withheld_reason', sa.Text(), nullable=True))
    op.add_column('dossiers', sa.Column('disclosure_by', sa.String(length=64), nullable=True))
    op.execute("""
        UPDATE dossiers SET drafting_unit = (
            SELECT v.submitted_by_unit FROM versions v
            WHERE v.dossier_id = dossiers.id AND v.number = 1)
        WHERE EXISTS (SELECT 1 FROM versions v WHERE v.dossier_id = dossiers.id AND v.number = 1)
    """)
    op.execute("""
        UPDATE versions SET drafting_unit = (
            SELECT d.drafting_unit FROM dossiers d WHERE d.id = versions.dossier_id)
    """)


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch copy of dossiers would drop the table
    # that versions, decisions and pages still reference.
    for column in ('disclosure_by', 'withheld_reason', 'withheld_by', 'withheld_at'):
        op.execute(f"ALTER TABLE dossiers DROP COLUMN {column}")
