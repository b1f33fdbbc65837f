"""The register's search index (规范性文件公开台帐): any Chinese substring of the title, document
number, organ or registration number, optionally of one status; newest entry first. Reached through
the unit of work as `uow.register.search_ids(...)` and `uow.register.index_entry(...)`.

The index (migration 0006; the approach of storage/search.py, whose helpers it uses):
- SQLite: the FTS5 trigram table `register_search`, rowid = register_entries.id. A query of 3+
  characters is a trigram phrase match; a 2-character query matches the `grams` column (each
  two-character unit closed by a marker, storage.search.bigram_text), so it is an index lookup
  too; a 1-character query scans register_entries with LIKE.
- PostgreSQL: a pg_trgm GIN index on register_entries itself; ILIKE over the four columns.

Only the text is indexed. Status and disclosure are read from register_entries and dossiers at
query time, so a repeal, an amendment or an expiry is seen by the next search with nothing to
update, and an entry whose dossier is not public now (storage/public.py: review.rules.is_public, so
不予公开, an unknown attribute or 撤回公开) never appears, even if it became so after publication
(the filter of RegisterRepo.entries(public=True)).
The text of an entry never changes after publication: index_entry is called once, when
services/publication/publish.py creates the entry, in the same transaction.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Date, bindparam
from sqlalchemy import text as sql

from storage.public import PUBLIC_PARAMS, public_sql
from storage.register_status import status_now_sql
from storage.search import (BIGRAM_END, REGISTER_TABLE, TRIGRAM, bigram_text, check_query, dialect, fts_phrase,
                            like_pattern)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.tables import RegisterEntryRow

COLUMNS = ("title", "document_number", "organ", "registration_number")
DEFAULT_LIMIT = 50


def index_row(entry_id: int, title: str, document_number: str | None, organ: str | None,
              registration_number: str) -> dict:
    """One row of the SQLite index (also what bench/register.py bulk-inserts)."""
    return {"id": entry_id, "title": title, "document_number": document_number, "organ": organ,
            "registration_number": registration_number,
            "grams": bigram_text(title, document_number, organ, registration_number)}


INSERT = sql(f"INSERT INTO {REGISTER_TABLE} (rowid, title, document_number, organ, registration_number, grams) "
             "VALUES (:id, :title, :document_number, :organ, :registration_number, :grams)")


def index_entry(s: Session, e: RegisterEntryRow) -> None:
    """(Re)write one entry's index row in the caller's transaction. PostgreSQL keeps its own index."""
    if dialect(s) != "sqlite":
        return
    s.execute(sql(f"DELETE FROM {REGISTER_TABLE} WHERE rowid = :id"), {"id": e.id})
    s.execute(INSERT, index_row(e.id, e.title, e.document_number, e.organ, e.registration_number))


def normalise(text: str) -> str:
    return "".join(text.split())


def search_ids(s: Session, text: str, status: str | None = None, limit: int = DEFAULT_LIMIT, *,
               today: dt.date) -> list[int]:
    """Ids of the public entries matching text (and status on `today`: storage/register_status.py), newest first."""
    check_query(text=text)
    text = normalise(text)
    if not text:
        return []
    params: dict = {**PUBLIC_PARAMS, "limit": limit}
    where = [public_sql("d")]
    if status:
        where.append(f"{status_now_sql('r')} = :status")
        params["status"], params["status_today"] = status, today
    if dialect(s) == "sqlite" and len(text) >= TRIGRAM - 1:
        # FTS5's MATCH wants the virtual table's own name on its left, and ORDER BY its rowid lets
        # FTS5 hand rows over newest first, so LIMIT stops the walk early.
        params["match"] = (f"{{{' '.join(COLUMNS)}}} : {fts_phrase(text)}" if len(text) >= TRIGRAM
                           else f"grams : {fts_phrase(text + BIGRAM_END)}")
        query = (f"SELECT r.id FROM {REGISTER_TABLE} JOIN register_entries r ON r.id = {REGISTER_TABLE}.rowid "
                 f"JOIN dossiers d ON d.id = r.dossier_id "
                 f"WHERE {REGISTER_TABLE} MATCH :match AND {' AND '.join(where)} "
                 f"ORDER BY {REGISTER_TABLE}.rowid DESC LIMIT :limit")
    else:
        like = "LIKE" if dialect(s) == "sqlite" else "ILIKE"
        params["pattern"] = like_pattern(text)
        where.append("(" + " OR ".join(f"r.{c} {like} :pattern ESCAPE '\\'" for c in COLUMNS) + ")")
        query = (f"SELECT r.id FROM register_entries r JOIN dossiers d ON d.id = r.dossier_id "
                 f"WHERE {' AND '.join(where)} ORDER BY r.id DESC LIMIT :limit")
    return [row[0] for row in s.execute(sql(query).bindparams(bindparam("status_today", type_=Date))
                                        if status else sql(query), params)]
