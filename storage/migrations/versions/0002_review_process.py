"""review process: reasons, opinions, consultations, reminders

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 20:05:03.205590
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('consultations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('dossier_id', sa.String(length=32), nullable=False),
    sa.Column('opens', sa.Date(), nullable=False),
    sa.Column('closes', sa.Date(), nullable=False),
    sa.Column('shortened_reason', sa.Text(), nullable=True),
    sa.Column('notice_path', sa.Text(), nullable=True),
    sa.Column('notice_sha256', sa.String(length=64), nullable=True),
    sa.Column('summary_sha256', sa.String(length=64), nullable=True),
    sa.Column('summary_path', sa.Text(), nullable=True),
    sa.Column('summary_published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opened_by', sa.String(length=64), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dossier_id')
    )
    op.create_table('reminders',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('dossier_id', sa.String(length=32), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('estimated', sa.Boolean(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'dossier_id', 'due', 'status')
    )
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminders_dossier_id'), ['dossier_id'], unique=False)

    op.create_table('comments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('author', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('adopted', sa.String(length=16), nullable=True),
    sa.Column('response', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comments_consultation_id'), ['consultation_id'], unique=False)

    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('reasons', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('opinion_number', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('opinion_sha256', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_decisions_opinion_number', ['opinion_number'])

    with op.batch_alter_table('versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pipeline', sa.JSON(), nullable=True))

    with op.batch_alter_table('register_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opinion_number', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('filed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('filing_number', sa.String(length=64), nullable=True))

    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('emergency_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('row_version', sa.Integer(), server_default='1', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('versions', schema=None) as batch_op:
        batch_op.drop_column('pipeline')

    with op.batch_alter_table('register_entries', schema=None) as batch_op:
        batch_op.drop_column('filing_number')
        batch_op.drop_column('filed_at')
        batch_op.drop_column('opinion_number')

    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_column('row_version')
        batch_op.drop_column('emergency_reason')

    with op.batch_alter_table('decisions', schema=None) as batch_op:
        # WARNING: constraint name is None; this directive will fail as
        # rendered.  Add a name, or use a naming convention; see
        # https://alembic.sqlalchemy.org/en/latest/naming.html
        batch_op.drop_constraint('uq_decisions_opinion_number', type_='unique')
        batch_op.drop_column('opinion_sha256')
        batch_op.drop_column('opinion_number')
        batch_op.drop_column('reasons')
        batch_op.drop_column('role')

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_consultation_id'))

    op.drop_table('comments')
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminders_dossier_id'))

    op.drop_table('reminders')
    op.drop_table('consultations')
