"""gazette before effect (DESIGN.md rule 7): register_entries.awaits_gazette, and every 有效期至 written

- register_entries.awaits_gazette: a normative document's entry is not in force before a released
  gazette issue carries it, whatever 施行日期 its text names (公布前不得施行). Publication sets it for a
  normative document; the release of the issue carrying it clears it. Existing entries: set for a
  待施行 entry no released issue carries yet, unless its kind is the default config's one non-normative
  kind (政策性文件) — an unknown kind waits (fail closed); an editor's issue releases it.
- register_entries.valid_until: entries from before migration 0004 got a 施行日期 from 0010 but no
  有效期至; it is written now (five years, two for a 暂行/试行 title, the day before the anniversary:
  publishing/register_rules.valid_until as of this migration), so that a status filter read in SQL
  (storage/register_status.py) finds the same lapsed entries the pages show.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 23:50:00
"""
import datetime as dt

from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

LIGHT_KINDS = ('政策性文件',)


def _valid_until(effective: dt.date, title: str) -> dt.date:
    years = 2 if any(w in title for w in ('暂行', '试行')) else 5
    try:
        anniversary = effective.replace(year=effective.year + years)
    except ValueError:                      # 29 February
        anniversary = dt.date(effective.year + years, 3, 1)
    return anniversary - dt.timedelta(days=1)


def upgrade() -> None:
    op.add_column('register_entries', sa.Column('awaits_gazette', sa.Boolean(), nullable=False,
                                                server_default=sa.false()))
    bind = op.get_bind()
    entries = sa.table('register_entries', sa.column('id', sa.Integer()), sa.column('status', sa.String()),
                       sa.column('dossier_id', sa.String()), sa.column('title', sa.Text()),
                       sa.column('effective_date', sa.Date()), sa.column('valid_until', sa.Date()),
                       sa.column('awaits_gazette', sa.Boolean()))
    dossiers = sa.table('dossiers', sa.column('id', sa.String()), sa.column('kind', sa.String()))
    items = sa.table('gazette_items', sa.column('id', sa.Integer()), sa.column('dossier_id', sa.String()))
    placed = sa.table('gazette_issue_items', sa.column('item_id', sa.Integer()), sa.column('issue_id', sa.String()))
    issues = sa.table('gazette_issues', sa.column('id', sa.String()), sa.column('status', sa.String()))
    released = (sa.select(items.c.dossier_id).join(placed, placed.c.item_id == items.c.id)
                .join(issues, issues.c.id == placed.c.issue_id).where(issues.c.status == 'released'))
    light = sa.select(dossiers.c.id).where(dossiers.c.kind.in_(LIGHT_KINDS))
    bind.execute(entries.update()
                 .where(entries.c.status == 'pending', entries.c.dossier_id.not_in(released),
                        entries.c.dossier_id.not_in(light))
                 .values(awaits_gazette=True))
    rows = bind.execute(sa.select(entries.c.id, entries.c.effective_date, entries.c.title)
                        .where(entries.c.effective_date.is_not(None), entries.c.valid_until.is_(None))).all()
    for entry_id, effective, title in rows:
        bind.execute(entries.update().where(entries.c.id == entry_id)
                     .values(valid_until=_valid_until(effective, title)))


def downgrade() -> None:
    with op.batch_alter_table('register_entries') as batch:
        batch.drop_column('awaits_gazette')
