"""jobs: the publication outbox (sign-off writes a publish job in its own transaction)

A dossier an older Lockstep left signed off and unpublished (a kill between the sign-off and its
publication) gets a pending publish job here, so the sweep finishes it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 22:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('dossier_id', sa.String(length=32), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('claimed_by', sa.String(length=200), nullable=True),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.JSON(), nullable=True),
        sa.Column('actor', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name='pk_jobs'),
        sa.UniqueConstraint('kind', 'dossier_id', 'fingerprint', name='uq_jobs_kind_dossier_fingerprint'),
    )
    op.create_index('ix_jobs_status_kind', 'jobs', ['status', 'kind'])
    # Signed off and never published: the job its sign-off would have written.
    op.execute(sa.text(
        "INSERT INTO jobs (kind, dossier_id, fingerprint, status, attempts, created_at) "
        "SELECT 'publish', d.id, v.fingerprint, 'pending', 0, d.updated_at FROM dossiers d "
        "JOIN versions v ON v.dossier_id = d.id AND v.number = d.current_version "
        "WHERE d.state = 'signed_off'"))


def downgrade() -> None:
    op.drop_index('ix_jobs_status_kind', table_name='jobs')
    op.drop_table('jobs')
