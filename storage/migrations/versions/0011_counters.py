"""counters: numbers from one locking row per (sequence, year), never max + 1

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 22:15:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'counters',
        sa.Column('sequence', sa.String(length=64), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('sequence', 'year', name='pk_counters'),
    )


def downgrade() -> None:
    op.drop_table('counters')
