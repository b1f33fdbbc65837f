"""pending (待施行): a register entry's NULL effective_date now means "to be fixed by its gazette issue"

Entries from before migration 0004 carry no dates and were read as effective on their publication
day. From here on a NULL 施行日期 means 待定 (a normative document naming none takes effect on the
date of the gazette issue that carries it), so those older entries get their publication day
written in. No column changes: effective_date is already nullable and status (String(16)) takes
the new value "pending".

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    entries = sa.table('register_entries', sa.column('id', sa.Integer()), sa.column('status', sa.String()),
                       sa.column('published_at', sa.DateTime(timezone=True)),
                       sa.column('effective_date', sa.Date()))
    bind = op.get_bind()
    rows = bind.execute(sa.select(entries.c.id, entries.c.published_at)
                        .where(entries.c.effective_date.is_(None), entries.c.status != 'pending')).all()
    for entry_id, published_at in rows:
        # the office's calendar day, as services/register_life.local_date reads it
        day = published_at.astimezone().date() if published_at.tzinfo else published_at.date()
        bind.execute(entries.update().where(entries.c.id == entry_id).values(effective_date=day))


def downgrade() -> None:
    # Nothing to undo: the dates written are the ones older code read for a NULL anyway.
    pass
