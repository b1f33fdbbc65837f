"""the office, the register and the province: every column this round's work needs, in one step

- gazette_issue_items.position: the order of items in a draft issue (editors reorder them);
  existing rows take their id order.
- register_entries.reported_on / reported_to: 报备日期 and 报备机关 (备案), as the registrar enters them.
- dossiers.index_number / topic: 索引号 (given at publication) and 主题分类 of the 政府信息公开 catalogue.
- deliberations: the 集体审议 record (meeting, session number, date, minutes file), searchable.
- comments.source / moderation / contact / client / submitted_at: online public comments (网络征集)
  beside imported ones; an online comment waits in moderation until the drafting office accepts it.
- jobs.result / not_before: the answer of a job (an intake job's dossier or refusal), and the
  moment before which a scheduled job (a scheduled web release) must not run.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 03:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('gazette_issue_items', sa.Column('position', sa.Integer(), nullable=True))
    op.execute("UPDATE gazette_issue_items SET position = id")
    op.add_column('register_entries', sa.Column('reported_on', sa.Date(), nullable=True))
    op.add_column('register_entries', sa.Column('reported_to', sa.String(length=128), nullable=True))
    op.add_column('dossiers', sa.Column('index_number', sa.String(length=64), nullable=True))
    op.add_column('dossiers', sa.Column('topic', sa.String(length=64), nullable=True))
    op.create_index('uq_dossiers_index_number', 'dossiers', ['index_number'], unique=True)
    op.create_table(
        'deliberations',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('dossier_id', sa.String(length=32), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('meeting', sa.Text(), nullable=False),           # 市政府第12次常务会议 / 市政府常务会议
        sa.Column('session_number', sa.Integer(), nullable=True),  # 第12次
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('minutes_name', sa.Text(), nullable=True),       # the minutes file, in the object store
        sa.Column('minutes_sha256', sa.String(length=64), nullable=True),
        sa.Column('minutes_text', sa.Text(), nullable=True),       # for search
        sa.Column('recorded_by', sa.String(length=64), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_deliberations'),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name='fk_deliberations_dossier_id'),
        sa.UniqueConstraint('dossier_id', 'version', name='uq_deliberations_dossier_version'),
    )
    op.create_index('ix_deliberations_held_on', 'deliberations', ['held_on'])
    op.add_column('comments', sa.Column('source', sa.String(length=16), nullable=False,
                                        server_default='imported'))
    op.add_column('comments', sa.Column('moderation', sa.String(length=16), nullable=True))
    op.add_column('comments', sa.Column('contact', sa.Text(), nullable=True))
    op.add_column('comments', sa.Column('client', sa.String(length=64), nullable=True))
    op.add_column('comments', sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('jobs', sa.Column('result', sa.JSON(), nullable=True))
    op.add_column('jobs', sa.Column('not_before', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+), as 0015: a batch copy would drop tables others name.
    op.drop_column('jobs', 'not_before')
    op.drop_column('jobs', 'result')
    for name in ('submitted_at', 'client', 'contact', 'moderation', 'source'):
        op.drop_column('comments', name)
    op.drop_index('ix_deliberations_held_on', table_name='deliberations')
    op.drop_table('deliberations')
    op.drop_index('uq_dossiers_index_number', table_name='dossiers')
    op.drop_column('dossiers', 'topic')
    op.drop_column('dossiers', 'index_number')
    op.drop_column('register_entries', 'reported_to')
    op.drop_column('register_entries', 'reported_on')
    op.drop_column('gazette_issue_items', 'position')
