"""Searching the gazette database (DESIGN.md rule 7: every issue since the first), and indexing
a released issue's items into it (called inside the release's transaction)."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy.orm import Session

from review.model import Version
from services.context import Services
from storage import search as index
from storage.tables import GazetteItemRow


class SearchHit(BaseModel):
    issue: str
    dossier: str | None = None          # None for items of imported (historical) issues
    title: str
    document_number: str | None = None
    organ: str | None = None
    date: dt.date | None = None
    snippet: str = ""


def body_text(paragraphs: list[str]) -> str:
    return "\n".join(t.strip() for t in paragraphs if t and t.strip())


def index_released_items(s: Session, issue_id: str, items: list[GazetteItemRow], versions: dict[int, Version],
                         texts: dict[int, tuple[str, ...]], organs: dict[int, str | None] | None = None) -> None:
    """One row per item, with the full text of the policy it was published from (`versions` and
    `texts` by item id: services/gazette_items.versions_of and policy_texts)."""
    for item in items:
        policy = versions[item.id].policy
        index.index_item(s, index.SearchDoc(
            key=f"item:{item.id}", issue=issue_id, dossier=item.dossier_id, title=item.title,
            document_number=item.doc_number, organ=(organs or {}).get(item.id) or item.organ,
            date=item.signed_date or (policy.meta.date if policy and policy.meta else None),
            body=body_text(texts.get(item.id, ()))))


def search(svc: Services, text: str | None = None, *, number: str | None = None, organ: str | None = None,
           date_from: dt.date | None = None, date_to: dt.date | None = None, limit: int = 50) -> list[SearchHit]:
    with svc.session() as s:
        hits = index.search(s, text=text, number=number, organ=organ, date_from=date_from, date_to=date_to,
                            limit=limit)
    return [SearchHit(issue=h.issue, dossier=h.dossier, title=h.title, document_number=h.document_number,
                      organ=h.organ, date=h.date, snippet=h.snippet) for h in hits]
