"""Searching the gazette database (DESIGN.md rule 7: every issue since the first), and indexing
a released issue's items into it (called inside the release's transaction)."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pydantic import BaseModel

from publishing.corrections import CorrectedItem, IssueRef, Notice, notice_title
from review.model import Version
from services.home.context import Services
from storage.search import SearchDoc

if TYPE_CHECKING:
    from storage.tables import GazetteItemRow
    from storage.unit import Unit

CORRECTION_KEY = "correction:"


class SearchHit(BaseModel):
    issue: str
    dossier: str | None = None          # None for items of imported (historical) issues
    title: str
    document_number: str | None = None
    organ: str | None = None
    date: dt.date | None = None
    snippet: str = ""
    corrects: str | None = None         # a 更正启事: the issue it corrects
    corrected_by: list[str] = []        # an item: the later issues printing a 更正启事 for it


def body_text(paragraphs: list[str]) -> str:
    return "\n".join(t.strip() for t in paragraphs if t and t.strip())


def index_released_items(uow: Unit, issue_id: str, items: list[GazetteItemRow], versions: dict[int, Version],
                         texts: dict[int, tuple[str, ...]], organs: dict[int, str | None] | None = None) -> None:
    """One row per item, with the full text of the policy it was published from (`versions` and
    `texts` by item id: services/gazette_items.versions_of and policy_texts)."""
    for item in items:
        policy = versions[item.id].policy
        uow.gazette_reads.index(SearchDoc(
            key=f"item:{item.id}", issue=issue_id, dossier=item.dossier_id, title=item.title,
            document_number=item.doc_number, organ=(organs or {}).get(item.id) or item.organ,
            date=item.signed_date or (policy.meta.date if policy and policy.meta else None),
            body=body_text(texts.get(item.id, ()))))


def index_notices(uow: Unit, issue_id: str, notices: tuple[Notice, ...], day: dt.date, organ: str) -> None:
    """A 更正启事 is found like an item: by its words, by the corrected document's number (a search
    for the number answers the item and its correction together) and by the notice's date. Its
    dossier is the corrected one, so a document marked 不予公开 since takes its correction with it."""
    for notice in notices:
        uow.gazette_reads.index(SearchDoc(
            key=f"{CORRECTION_KEY}{notice.id}", issue=issue_id, dossier=notice.item.dossier if notice.item else None,
            title=notice.title, document_number=notice.item.document_number if notice.item else None,
            organ=organ, date=day, body=body_text([notice.subject, *notice.paragraphs])))


def _link_corrections(uow: Unit, hits: list[SearchHit]) -> None:
    """Mark each hit that is a notice with the issue it corrects, and each corrected item with the
    released issues whose notices correct it: one query; the corrected issue stays as printed."""
    if not hits:
        return
    rows = uow.gazette_reads.corrections_touching({h.issue for h in hits})
    titles = {}
    for row, year, number in rows:
        item = CorrectedItem(item=0, title=row.corrects_title) if row.corrects_title is not None else None
        ref = IssueRef(issue=row.corrects_issue_id, year=year, number=number, status="released")
        titles[(row.issue_id, notice_title(ref, item))] = row.corrects_issue_id
    for h in hits:
        h.corrects = titles.get((h.issue, h.title))
        if h.corrects is None and h.dossier:
            h.corrected_by = sorted({r.issue_id for r, _, _ in rows
                                     if r.corrects_issue_id == h.issue and r.corrects_dossier == h.dossier})


def search(svc: Services, text: str | None = None, *, number: str | None = None, organ: str | None = None,
           date_from: dt.date | None = None, date_to: dt.date | None = None, limit: int = 50) -> list[SearchHit]:
    with svc.unit() as uow:
        found = uow.gazette_reads.search(text, number=number, organ=organ, date_from=date_from, date_to=date_to,
                                         limit=limit)
        hits = [SearchHit(issue=h.issue, dossier=h.dossier, title=h.title, document_number=h.document_number,
                          organ=h.organ, date=h.date, snippet=h.snippet) for h in found]
        _link_corrections(uow, hits)
    return hits
