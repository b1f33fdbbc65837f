"""Searching the register (规范性文件公开台帐): any Chinese substring of the title, document number,
organ or registration number, optionally of one status; newest entry first.

The index and its queries are storage's (storage/register_search.py, reached as
`uow.register.search_ids` / `uow.register.index_entry`); this module turns the ids into entries as
`register list` shows them. An entry whose dossier is not public now (review.rules.is_public) never
appears.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from services.home.context import Services
from services.register.life import EntryView, local_date, views
from storage.register_search import DEFAULT_LIMIT

if TYPE_CHECKING:
    from storage.unit import Unit


def search_in(uow: Unit, text: str, today: dt.date, status: str | None = None,
              limit: int = DEFAULT_LIMIT) -> list[EntryView]:
    """Entries found, their status (and the status filter) as of `today` (register_rules.status_on)."""
    ids = uow.register.search_ids(text, status, limit, today=today)
    return views(uow, uow.register.by_ids(ids), today=today) if ids else []


def search(svc: Services, text: str, status: str | None = None, limit: int = DEFAULT_LIMIT) -> list[EntryView]:
    """What `lockstep register search` answers: entries as `register list` shows them."""
    with svc.unit() as uow:
        return search_in(uow, text, local_date(svc.now()), status, limit)
