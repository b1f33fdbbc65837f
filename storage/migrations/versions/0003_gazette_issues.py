"""gazette issues: the issues of the government gazette and the items placed in them

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 20:24:59.539516
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'gazette_issues',
        sa.Column('id', sa.String(length=16), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('planned_date', sa.Date(), nullable=True),
        sa.Column('release_date', sa.Date(), nullable=True),
        sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('released_by', sa.String(length=64), nullable=True),
        sa.Column('print_name', sa.Text(), nullable=True),
        sa.Column('print_sha256', sa.String(length=64), nullable=True),
        sa.Column('web_sha256', sa.String(length=64), nullable=True),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_gazette_issues'),
        sa.UniqueConstraint('total', name='uq_gazette_issues_total'),
        sa.UniqueConstraint('year', 'number', name='uq_gazette_issues_year_number'),
    )
    op.create_table(
        'gazette_issue_items',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('issue_id', sa.String(length=16), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('section', sa.String(length=32), nullable=False),
        sa.Column('added_by', sa.String(length=64), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['issue_id'], ['gazette_issues.id'], name='fk_gazette_issue_items_issue_id'),
        sa.ForeignKeyConstraint(['item_id'], ['gazette_items.id'], name='fk_gazette_issue_items_item_id'),
        sa.PrimaryKeyConstraint('id', name='pk_gazette_issue_items'),
        sa.UniqueConstraint('item_id', name='uq_gazette_issue_items_item_id'),
    )
    op.create_index('ix_gazette_issue_items_issue_id', 'gazette_issue_items', ['issue_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_gazette_issue_items_issue_id', table_name='gazette_issue_items')
    op.drop_table('gazette_issue_items')
    op.drop_table('gazette_issues')
