"""notifications: the person who acts next is told, in the desk inbox and by e-mail (issue 14)

One row per notice (unique `key`: a rerun of the decision's follow-up or of the scheduled check adds
nothing), written in the transaction that makes the person the next actor; a sender claims the
pending ones and mails them afterwards (services/home/notifications.py).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 01:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('key', sa.String(length=300), nullable=False),
        sa.Column('person', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('dossier_id', sa.String(length=32), nullable=True),
        sa.Column('stage', sa.String(length=64), nullable=True),
        sa.Column('subject', sa.Text(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('link', sa.String(length=300), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('address', sa.String(length=320), nullable=True),
        sa.Column('mail_status', sa.String(length=16), nullable=False),
        sa.Column('claimed_by', sa.String(length=200), nullable=True),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name='pk_notifications'),
        sa.UniqueConstraint('key', name='uq_notifications_key'),
    )
    op.create_index('ix_notifications_person_read', 'notifications', ['person', 'read_at'])
    op.create_index('ix_notifications_mail_status', 'notifications', ['mail_status'])


def downgrade() -> None:
    op.drop_index('ix_notifications_mail_status', table_name='notifications')
    op.drop_index('ix_notifications_person_read', table_name='notifications')
    op.drop_table('notifications')
