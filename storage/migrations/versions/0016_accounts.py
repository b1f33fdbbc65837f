"""accounts: people, passwords, API tokens, desk sessions, the sign-in throttle and the recorded
configuration in the database, so any desk process answers any request (issue 13, stateless desks)

Empty tables: the first command after the upgrade imports lockstep.toml's people (and a home's
desk-users.json, once) into them (services/home/accounts.py).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 01:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'people',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('unit', sa.String(length=128), nullable=False),
        sa.Column('roles', sa.JSON(), nullable=False),
        sa.Column('display', sa.String(length=128), nullable=True),
        sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('disabled_by', sa.String(length=64), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name='pk_people'),
    )
    op.create_table(
        'credentials',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('scrypt', sa.JSON(), nullable=False),
        sa.Column('salt', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=128), nullable=False),
        sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name='pk_credentials'),
    )
    op.create_table(
        'api_tokens',
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('digest', name='pk_api_tokens'),
    )
    op.create_index('ix_api_tokens_name', 'api_tokens', ['name'])
    op.create_table(
        'desk_sessions',
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('csrf', sa.String(length=64), nullable=False),
        sa.Column('created', sa.Float(), nullable=False),
        sa.Column('seen', sa.Float(), nullable=False),
        sa.Column('expires', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('digest', name='pk_desk_sessions'),
    )
    op.create_index('ix_desk_sessions_name', 'desk_sessions', ['name'])
    op.create_index('ix_desk_sessions_expires', 'desk_sessions', ['expires'])
    op.create_table(
        'login_failures',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('key', sa.String(length=400), nullable=False),
        sa.Column('at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_login_failures'),
    )
    op.create_index('ix_login_failures_key_at', 'login_failures', ['key', 'at'])
    op.create_table(
        'config_versions',
        sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.Column('source', sa.String(length=600), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('seq', name='pk_config_versions'),
    )
    op.create_index('ix_config_versions_sha256', 'config_versions', ['sha256'])
    op.create_table(
        'config_sources',
        sa.Column('source', sa.String(length=600), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('source', name='pk_config_sources'),
    )


def downgrade() -> None:
    op.drop_table('config_sources')
    op.drop_index('ix_config_versions_sha256', table_name='config_versions')
    op.drop_table('config_versions')
    op.drop_index('ix_login_failures_key_at', table_name='login_failures')
    op.drop_table('login_failures')
    op.drop_index('ix_desk_sessions_expires', table_name='desk_sessions')
    op.drop_index('ix_desk_sessions_name', table_name='desk_sessions')
    op.drop_table('desk_sessions')
    op.drop_index('ix_api_tokens_name', table_name='api_tokens')
    op.drop_table('api_tokens')
    op.drop_table('credentials')
    op.drop_table('people')
