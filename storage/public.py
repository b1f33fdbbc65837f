"""What is public, as the database asks it: review.rules.is_public in SQL (DESIGN.md, "One rulebook").

One clause for the SQLAlchemy queries and one fragment for the text queries (the FTS searches);
both are built from review.rules.PUBLIC_DISCLOSURES and the dossier's withheld_at, so the database
answers exactly as the Python predicate does: only 主动公开 and 依申请公开 are public, NULL or any
other attribute is not (fail closed), and a withheld document is not. tests/security/test_is_public.py
checks the three agree on every combination.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import and_
from sqlalchemy.sql.elements import ColumnElement

from review.rules import PUBLIC_DISCLOSURES, is_public
from storage import schema

if TYPE_CHECKING:
    from storage.tables import DossierRow

__all__ = ["is_public", "dossier_public", "public_dossier", "public_sql", "PUBLIC_PARAMS"]

# The bind parameters public_sql's fragment names, to merge into a text query's parameters.
PUBLIC_PARAMS: dict[str, str] = {f"public_disclosure_{n}": value for n, value in enumerate(PUBLIC_DISCLOSURES)}


def dossier_public(row: DossierRow | None) -> bool:
    """is_public for a dossiers row read already; no row is not public."""
    return row is not None and is_public(row.disclosure, row.withheld_at is not None)


def public_dossier(dossier=schema.dossiers) -> ColumnElement[bool]:
    """The SQLAlchemy clause: the dossier (the table, an alias of it, or its mapped class) is public now."""
    columns = getattr(dossier, "c", dossier)
    return and_(columns.disclosure.in_(PUBLIC_DISCLOSURES), columns.withheld_at.is_(None))


def public_sql(alias: str) -> str:
    """The same as a text fragment over the dossiers row named `alias` in a text query; pass
    PUBLIC_PARAMS with the query's own parameters. A missing row (a LEFT JOIN's NULLs) is not public."""
    names = ", ".join(f":{name}" for name in PUBLIC_PARAMS)
    return f"({alias}.disclosure IN ({names}) AND {alias}.withheld_at IS NULL)"
