"""unique fingerprint: duplicate detection as a constraint, not a coincidence

Two unique indexes make two simultaneous submissions of the same bundle end in one dossier:
- versions (drafting_unit, fingerprint): one version with these exact files per unit;
- dossiers (drafting_unit, doc_number) among open dossiers (not published, not registered): one
  dossier under way per unit and document number (a partial index, on PostgreSQL and SQLite alike).

A database that already holds duplicates (made by racing intakes before this revision) keeps the
earliest of each. A later duplicate nobody has acted on (still 已提交, one version, no decision,
nothing published) is removed with its version; one that went on is kept as it is and left out of
the index by its id, so nothing recorded is lost. Each is reported on stderr; the upgrade never
fails on them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 22:45:00
"""
import sys

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

OPEN = "doc_number IS NOT NULL AND state NOT IN ('published', 'registered')"
# Tables whose rows name a dossier: a duplicate with any of them has been acted on and is kept.
_ACTED = ("decisions", "pages", "gazette_items", "register_entries", "consultations", "reminders", "jobs")


def _say(text: str) -> None:
    sys.stderr.write(f"迁移 0013：{text}\n")


def _quote(values) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def _untouched(conn, dossier_id: str, tables: set[str]) -> bool:
    row = conn.execute(sa.text("SELECT state, current_version FROM dossiers WHERE id = :d"),
                       {"d": dossier_id}).first()
    if row is None or row[0] != "submitted" or row[1] != 1:
        return False
    for table in _ACTED:
        if table in tables and conn.execute(sa.text(f"SELECT 1 FROM {table} WHERE dossier_id = :d"),
                                            {"d": dossier_id}).first():
            return False
    return True


def _remove(conn, dossier_id: str) -> None:
    versions = [r[0] for r in conn.execute(sa.text("SELECT id FROM versions WHERE dossier_id = :d"),
                                            {"d": dossier_id})]
    for v in versions:
        conn.execute(sa.text("DELETE FROM version_files WHERE version_id = :v"), {"v": v})
    conn.execute(sa.text("DELETE FROM versions WHERE dossier_id = :d"), {"d": dossier_id})
    conn.execute(sa.text("DELETE FROM dossiers WHERE id = :d"), {"d": dossier_id})


def _later_fingerprint_duplicates(conn) -> list[tuple[int, str, str]]:
    """(version id, its dossier, the earliest dossier) for every version after the first of its
    (drafting_unit, fingerprint)."""
    rows = conn.execute(sa.text(
        "SELECT v.id, v.dossier_id, v.drafting_unit, v.fingerprint FROM versions v "
        "WHERE EXISTS (SELECT 1 FROM versions w WHERE w.drafting_unit = v.drafting_unit "
        "AND w.fingerprint = v.fingerprint AND w.id <> v.id) ORDER BY v.id")).all()
    first: dict[tuple[str, str], str] = {}
    out = []
    for vid, dossier, unit, fp in rows:
        key = (unit, fp)
        if key in first:
            out.append((vid, dossier, first[key]))
        else:
            first[key] = dossier
    return out


def _later_open_number_duplicates(conn) -> list[tuple[str, str, str]]:
    rows = conn.execute(sa.text(
        f"SELECT id, drafting_unit, doc_number FROM dossiers WHERE {OPEN} ORDER BY created_at, id")).all()
    first: dict[tuple[str, str], str] = {}
    out = []
    for dossier, unit, number in rows:
        if (unit, number) in first:
            out.append((dossier, number, first[(unit, number)]))
        else:
            first[(unit, number)] = dossier
    return out


def upgrade() -> None:
    conn = op.get_bind()
    tables = set(sa.inspect(conn).get_table_names())
    kept_versions: list[int] = []
    for vid, dossier, earliest in _later_fingerprint_duplicates(conn):
        if dossier != earliest and _untouched(conn, dossier, tables):
            _remove(conn, dossier)
            _say(f"卷宗 {dossier} 与 {earliest} 是同一份材料的重复提交，且尚未办理，已删除（保留 {earliest}）")
        else:
            kept_versions.append(vid)
            _say(f"卷宗 {dossier} 与 {earliest} 是同一份材料的重复提交，已有办理记录，予以保留（不参与唯一性约束）")
    kept_dossiers: list[str] = []
    for dossier, number, earliest in _later_open_number_duplicates(conn):
        kept_dossiers.append(dossier)
        _say(f"卷宗 {dossier} 与 {earliest} 同为本单位办理中的 {number}，予以保留（不参与唯一性约束），请核对后处理")

    where_versions = sa.text(f"id NOT IN ({', '.join(str(v) for v in kept_versions)})") if kept_versions else None
    op.create_index("uq_versions_unit_fingerprint", "versions", ["drafting_unit", "fingerprint"], unique=True,
                    sqlite_where=where_versions, postgresql_where=where_versions)
    where_open = OPEN + (f" AND id NOT IN ({_quote(kept_dossiers)})" if kept_dossiers else "")
    op.create_index("uq_dossiers_open_doc_number", "dossiers", ["drafting_unit", "doc_number"], unique=True,
                    sqlite_where=sa.text(where_open), postgresql_where=sa.text(where_open))


def downgrade() -> None:
    op.drop_index("uq_dossiers_open_doc_number", table_name="dossiers")
    op.drop_index("uq_versions_unit_fingerprint", table_name="versions")
