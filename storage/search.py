"""The gazette search index: one small interface, two engines (DESIGN.md, "Real parts").

- SQLite (the embedded default): the FTS5 virtual table `gazette_search`, tokenize='trigram'.
  A query of 3+ characters is a trigram phrase match (any Chinese substring); shorter queries
  cannot be trigram-matched and fall back to LIKE over the same table.
- PostgreSQL: the plain table `gazette_search` with a pg_trgm GIN index over the text columns;
  ILIKE uses the index when the extension is there and scans when it is not.

Both are created by migration 0005. The index holds what the public gazette printed: rows are
written when an issue is released (in the release's transaction) or imported. A query only
answers rows of released issues, and never a dossier that is not public now (storage/public.py:
review.rules.is_public, so 不予公开, an unknown attribute and a withheld document alike), even if
it became so after the release. Rows of imported history have no dossier and stay public.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from typing import TYPE_CHECKING

from sqlalchemy import text as sql

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

from documents.problems import Refused, problem
from storage.public import PUBLIC_PARAMS, public_sql

TABLE = "gazette_search"
REGISTER_TABLE = "register_search"                  # migration 0006, SQLite only (services/register/search.py)
REGISTER_TRGM_INDEX = "ix_register_entries_trgm"    # migration 0006, PostgreSQL only
FTS_SHADOWS = ("data", "idx", "content", "docsize", "config")
TRIGRAM = 3
SNIPPET_AROUND = 30
BIGRAM_END = "\x1f"     # closes each two-character unit in an FTS5 `grams` column (see bigram_text)


def is_search_table(name: str) -> bool:
    """The indexes and, on SQLite, FTS5's own shadow tables: kept out of schema comparisons
    (they are created by migrations 0005 and 0006, not by storage/tables.py)."""
    return name in (TABLE, REGISTER_TABLE) or name in {f"{t}_{s}" for t in (TABLE, REGISTER_TABLE)
                                                       for s in FTS_SHADOWS}


def include_in_schema(name, type_, parent_names) -> bool:
    """Alembic's include_name hook: schema comparisons (autogenerate, tests) leave the indexes out."""
    if type_ == "index":
        return name != REGISTER_TRGM_INDEX
    return not (type_ == "table" and is_search_table(name))


@dataclass(frozen=True)
class SearchDoc:
    """One gazette item as printed. key: 'item:<gazette_items.id>' or 'imported:<id>'."""
    key: str
    issue: str
    title: str
    body: str
    dossier: str | None = None
    document_number: str | None = None
    organ: str | None = None
    date: dt.date | None = None


@dataclass(frozen=True)
class Hit:
    issue: str
    dossier: str | None
    title: str
    document_number: str | None
    organ: str | None
    date: dt.date | None
    snippet: str


def dialect(session: Session) -> str:
    """The database's dialect name, from a write unit's session or a read unit's connection."""
    bind = getattr(session, "get_bind", None)
    return (bind() if bind is not None else session).dialect.name


def index_item(session: Session, doc: SearchDoc) -> None:
    """Write (or rewrite) one item's row, in the caller's transaction."""
    params = {"key": doc.key, "issue": doc.issue, "dossier": doc.dossier, "title": doc.title,
              "number": doc.document_number, "organ": doc.organ, "body": doc.body}
    if dialect(session) == "sqlite":
        # FTS5 cannot index item_key, so finding the old row by it scans the whole gazette; the
        # key's own rowid makes the rewrite a lookup.
        params.update(date=doc.date.isoformat() if doc.date else None, rowid=key_rowid(doc.key))
        session.execute(sql(f"DELETE FROM {TABLE} WHERE rowid = :rowid"), params)
        session.execute(sql(f"INSERT INTO {TABLE} (rowid, item_key, issue, dossier, title, document_number, "
                            "organ, signed_date, body) VALUES (:rowid, :key, :issue, :dossier, :title, :number, "
                            ":organ, :date, :body)"), params)
        return
    params["date"] = doc.date
    session.execute(sql(f"DELETE FROM {TABLE} WHERE item_key = :key"), params)     # unique index
    session.execute(sql(f"INSERT INTO {TABLE} (item_key, issue, dossier, title, document_number, organ, "
                        "signed_date, body) VALUES (:key, :issue, :dossier, :title, :number, :organ, :date, :body)"),
                    params)


_SPACES = frozenset("\t\n\r")     # whitespace a pasted title may carry: collapsed, not refused
FIELD_NAMES = {"text": "检索文字", "number": "发文字号", "organ": "发文机关"}


def check_query(**values: str | None) -> None:
    """Refuse search text holding a NUL or another control character (or a lone surrogate), which no
    title, number or organ contains, with request_invalid: never a database error (the index itself
    uses \x1f as a marker). Every surface's search comes through here (pages, API, CLI)."""
    for field, value in values.items():
        if not value:
            continue
        bad = next((c for c in value if c not in _SPACES and unicodedata.category(c) in ("Cc", "Cs")), None)
        if bad is not None:
            raise Refused(problem("request_invalid", f"{FIELD_NAMES.get(field, field)}中含有控制字符 "
                                                     f"U+{ord(bad):04X}，请删去后重新检索"))


def key_rowid(key: str) -> int:
    """A stable 62-bit rowid for an item key (SQLite rowids are signed 64-bit)."""
    import hashlib
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") >> 2


def like_pattern(value: str) -> str:
    """'%value%' for LIKE/ILIKE … ESCAPE '\\': the value's own % _ and \\ match themselves."""
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def fts_phrase(value: str) -> str:
    """An FTS5 phrase: with the trigram tokenizer, any substring of 3+ characters."""
    return '"' + value.replace('"', '""') + '"'


def bigram_text(*values: str | None) -> str:
    """Every two-character unit of the values, each closed by BIGRAM_END: '根河市' → '根河␟河市␟'.

    FTS5's trigram tokenizer cannot match a two-character query; indexed this way, the phrase
    'ab␟' is a trigram that occurs exactly when 'ab' occurs in one of the values, so a
    two-character query is an index lookup too (instead of a LIKE scan of every row)."""
    out = []
    for v in values:
        v = v or ""
        out.extend(v[i:i + 2] + BIGRAM_END for i in range(len(v) - 1))
    return "".join(out)


def search(session: Session, text: str | None = None, number: str | None = None, organ: str | None = None,
           date_from: dt.date | None = None, date_to: dt.date | None = None, limit: int = 50) -> list[Hit]:
    """Items of released issues matching every criterion given; newest first."""
    check_query(text=text, number=number, organ=organ)
    sqlite = dialect(session) == "sqlite"
    like = "LIKE" if sqlite else "ILIKE"
    # FTS5's MATCH wants the virtual table's own name on its left: no alias on SQLite.
    t = TABLE if sqlite else "s"
    text = " ".join(text.split()) if text else None
    params: dict = {**PUBLIC_PARAMS, "limit": limit}
    where = ["i.status = 'released'", f"({t}.dossier IS NULL OR {public_sql('d')})"]
    if text:
        if sqlite and len(text) >= TRIGRAM:
            where.append(f"{TABLE} MATCH :phrase")
            params["phrase"] = fts_phrase(text)
        else:       # under three characters (or PostgreSQL): substring match, any indexed column
            params["text_like"] = like_pattern(text)
            where.append("(" + " OR ".join(f"{t}.{c} {like} :text_like ESCAPE '\\'"
                                           for c in ("title", "document_number", "organ", "body")) + ")")
    for column, value in (("document_number", number), ("organ", organ)):
        if value and value.strip():
            params[column] = like_pattern("".join(value.split()))
            where.append(f"{t}.{column} {like} :{column} ESCAPE '\\'")
    for op, name, value in ((">=", "date_from", date_from), ("<=", "date_to", date_to)):
        if value:
            params[name] = value.isoformat() if sqlite else value
            where.append(f"{t}.signed_date {op} :{name}")
    source = TABLE if sqlite else f"{TABLE} AS s"
    query = (f"SELECT {t}.issue, {t}.dossier, {t}.title, {t}.document_number, {t}.organ, {t}.signed_date, "
             f"{t}.body FROM {source} JOIN gazette_issues i ON i.id = {t}.issue "
             f"LEFT JOIN dossiers d ON d.id = {t}.dossier "
             f"WHERE {' AND '.join(where)} "
             f"ORDER BY {t}.signed_date DESC, {t}.issue DESC, {t}.title LIMIT :limit")
    rows = session.execute(sql(query), params).all()
    return [Hit(issue=r[0], dossier=r[1], title=r[2], document_number=r[3], organ=r[4],
                date=_date(r[5]), snippet=snippet(r[6] or "", text)) for r in rows]


def _date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def snippet(body: str, text: str | None) -> str:
    """The words around the first occurrence of text (case-insensitively), else the opening."""
    flat = " ".join(body.split())
    at = flat.lower().find(text.lower()) if text else -1
    if at < 0:
        return flat[:2 * SNIPPET_AROUND] + ("…" if len(flat) > 2 * SNIPPET_AROUND else "")
    start, end = max(0, at - SNIPPET_AROUND), min(len(flat), at + len(text) + SNIPPET_AROUND)
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")
