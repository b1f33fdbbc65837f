"""gazette corrections: 更正启事 printed in a later issue for a released one

A released issue never changes (issue 4); a correction is a notice in a later issue, naming the
issue and, where it can, the item it corrects (kept as that issue printed it).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'gazette_corrections',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('issue_id', sa.String(length=16), nullable=False),
        sa.Column('corrects_issue_id', sa.String(length=16), nullable=False),
        sa.Column('corrects_item', sa.Integer(), nullable=True),
        sa.Column('corrects_dossier', sa.String(length=32), nullable=True),
        sa.Column('corrects_title', sa.Text(), nullable=True),
        sa.Column('corrects_number', sa.String(length=64), nullable=True),
        sa.Column('corrects_position', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('added_by', sa.String(length=64), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['issue_id'], ['gazette_issues.id'], name='fk_gazette_corrections_issue_id'),
        sa.ForeignKeyConstraint(['corrects_issue_id'], ['gazette_issues.id'],
                                name='fk_gazette_corrections_corrects_issue_id'),
        sa.PrimaryKeyConstraint('id', name='pk_gazette_corrections'),
    )
    op.create_index('ix_gazette_corrections_issue_id', 'gazette_corrections', ['issue_id'], unique=False)
    op.create_index('ix_gazette_corrections_corrects_issue_id', 'gazette_corrections', ['corrects_issue_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_gazette_corrections_corrects_issue_id', table_name='gazette_corrections')
    op.drop_index('ix_gazette_corrections_issue_id', table_name='gazette_corrections')
    op.drop_table('gazette_corrections')
