"""Reads the desk's JSON API needs beyond the pages' own: one register entry as its reader may see it."""
from __future__ import annotations

from documents.problems import Refused, problem
from documents.shown import echoed
from services.home.context import Services
from services.register.life import EntryView, local_date, public_links, views
from storage.public import dossier_public


def register_entry(svc: Services, number: str, *, public: bool) -> EntryView:
    """One entry. For a public reader an entry whose dossier is not public (review.rules.is_public:
    不予公开, an unknown attribute, 撤回公开) does not exist
    (DESIGN.md rule 9): the answer is not_found, the same as for a number never given out, so
    that the refusal says nothing about the document."""
    with svc.unit() as uow:
        row = uow.register.by_number(number)
        if row is not None and public and not dossier_public(uow.dossiers.get(row.dossier_id)):
            row = None
        if row is None:
            raise Refused(problem("not_found", f"台帐中没有登记号 {echoed(number)}"))
        found = views(uow, [row], today=local_date(svc.now()))[0]
    return public_links(svc, [found])[0] if public else found     # naming only documents public now
