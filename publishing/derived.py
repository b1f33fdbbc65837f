"""Converted once, reused: a docx's HTML and text, kept as derived objects in the object store.

Publication converts each policy and interpretation docx (the web release shows it) and keeps the
HTML (mammoth's, before a page drops the head it prints itself and cleans it) and the text and
blocks (publishing/docx_text.py) under the docx's SHA-256; a gazette release reads them back
instead of converting every document of the issue again. A document without them (published by an
older Lockstep, or the object was lost) is converted on the spot and kept then. What is read back
is what converting would give: the same bytes, made by the same maker (table derived_objects).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

from publishing import docx_text, mammoth_lean
from publishing.docx_text import DocxText, read_text
from storage.repos.dossiers import DerivedObjects

HTML, TEXT = "html", "text"


class Derived:
    """One per transaction: rows it records are flushed with that transaction's other writes."""

    def __init__(self, rows: DerivedObjects | Session, store, now: Callable[[], dt.datetime],
                 originals: dict[str, bytes] | None = None) -> None:
        # rows: the unit's `uow.derived`; a bare session is still taken while callers move to units.
        rows = rows if isinstance(rows, DerivedObjects) else DerivedObjects(rows)
        self.rows, self.store, self.now = rows, store, now
        self.originals = dict(originals or {})           # docx bytes the caller has read already
        self.made = 0                                    # conversions done here (not read back)
        self._memo: dict[str, dict[str, object]] = {HTML: {}, TEXT: {}}

    def html(self, sources: Iterable[str]) -> dict[str, str]:
        """docx sha256 → mammoth's HTML for it."""
        return self._get(list(sources), HTML, mammoth_lean.MAKER,
                         make=lambda data: mammoth_lean.convert(data).encode("utf-8"),
                         load=lambda data: data.decode("utf-8"), content_type="text/html; charset=utf-8")

    def text(self, sources: Iterable[str]) -> dict[str, DocxText]:
        """docx sha256 → its paragraph texts and body blocks."""
        return self._get(list(sources), TEXT, docx_text.MAKER, make=lambda data: read_text(data).to_json(),
                         load=DocxText.from_json, content_type="application/json")

    def _get(self, sources: list[str], kind: str, maker: str, *, make, load, content_type: str) -> dict:
        memo = self._memo[kind]
        wanted = {s for s in sources if s not in memo}
        found = self.rows.find(wanted, kind, maker)
        for source in sorted(wanted):
            if source in found:
                try:
                    memo[source] = load(self.store.get(found[source]))
                    continue
                except KeyError:        # ObjectMissing: the row outlived its object; make it again
                    pass
            data = make(self._original(source))
            key = self.store.put(data, content_type=content_type)
            if source not in found:
                self.rows.record(source, kind, maker, key, self.now())
            memo[source] = load(data)
            self.made += 1
        return {s: memo[s] for s in sources}

    def _original(self, source: str) -> bytes:
        if source not in self.originals:
            self.originals[source] = self.store.get(source)
        return self.originals[source]


def docx_sources(version) -> list[str]:
    """The documents a web release and a gazette issue show converted: the policy and each
    interpretation material that is a docx (a picture, read without metadata, is shown as is)."""
    policy = version.policy
    return ([policy.sha256] if policy else []) + [
        f.sha256 for f in version.of_role("interpretation_material", "graphic_interpretation") if f.meta is not None]
