"""Reads the desk needs besides services/gazette*.py and services/register/life.py: a released
issue's two editions as stored at release, the print edition's 目录, and what is public now.

The desk serves the editions from the object store, never from the folder the release wrote:
the stored bytes are the ones fingerprinted on the issue row, and nothing a request names
reaches the filesystem (a requested path is only a key looked up in the stored manifest).
"""
from __future__ import annotations

import io
import json
import mimetypes

from pydantic import BaseModel

from services.home.context import Services
from services.register.life import EntryView, views
from storage.public import dossier_public

TOC_STYLES = {"公报-目录栏目": "section", "公报-目录条目": "item"}


class StoredEditions(BaseModel):
    issue: str
    print_name: str
    print_sha256: str
    web_sha256: str
    pages: dict[str, str]            # electronic edition: path → sha256 (the stored manifest)


def editions(svc: Services, issue_id: str) -> StoredEditions | None:
    """None unless the issue was released by Lockstep (imported history has no stored editions).
    The pages are the public revision of the electronic edition when a document it carried was
    withheld since (services/dossiers/withhold.py); web_sha256 stays the released one."""
    from services.dossiers.withhold import public_manifest
    with svc.unit() as uow:
        row = uow.gazette_reads.issue(issue_id)
        if row is None or row.status != "released" or not (row.web_sha256 and row.print_sha256):
            return None
        facts = (row.id, row.print_name or f"公报{row.year}年第{row.number}期.docx", row.print_sha256, row.web_sha256)
        served = public_manifest(uow, row.web_sha256)
    if not svc.store.exists(served):
        return None
    pages = json.loads(svc.store.get(served).decode("utf-8"))
    return StoredEditions(issue=facts[0], print_name=facts[1], print_sha256=facts[2], web_sha256=facts[3],
                          pages=pages)


class PrintPdf(BaseModel):
    """The print edition's PDF as the desk shows it: made (name, sha256), or why not yet (a problem)."""
    name: str | None = None
    sha256: str | None = None
    note: dict | None = None         # the PDF job's problem (print_pdf_unavailable), while it waits


def pdf_state(svc: Services, stored: StoredEditions) -> PrintPdf:
    made = print_pdf(svc, stored)
    if made:
        return PrintPdf(name=made[0], sha256=made[1])
    from services.gazette.release import PDF_KIND
    with svc.unit() as uow:
        jobs = uow.jobs.of(PDF_KIND, stored.issue)
    return PrintPdf(note=next((j.last_error for j in jobs if j.fingerprint == stored.print_sha256), None))


def print_pdf(svc: Services, stored: StoredEditions) -> tuple[str, str] | None:
    """(file name, sha256) of the print edition's PDF, once made (services/gazette/release.py)."""
    from publishing import editions_pdf
    with svc.unit() as uow:
        made = uow.derived.find({stored.print_sha256}, editions_pdf.KIND, editions_pdf.MAKER)
    sha = made.get(stored.print_sha256)
    return (editions_pdf.pdf_name(stored.print_name), sha) if sha else None


def web_file(svc: Services, stored: StoredEditions, path: str) -> tuple[bytes, str] | None:
    """(bytes, content type) of one file of the electronic edition, or None if it has no such file."""
    sha = stored.pages.get(path)
    if sha is None:
        return None
    kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind == "application/json":
        kind += "; charset=utf-8"
    return svc.store.get(sha), kind


def print_toc(svc: Services, stored: StoredEditions) -> list[tuple[str, str]]:
    """The print edition's 目录 as (section|item, text), read back from the stored docx: what the
    editor sees is what was printed. Page numbers are fields Word lays out when it opens the file."""
    from docx import Document
    doc = Document(io.BytesIO(svc.store.get(stored.print_sha256)))
    out = []
    for p in doc.paragraphs:
        kind = TOC_STYLES.get(p.style.name if p.style is not None else "")
        if kind and p.text.strip():
            out.append((kind, p.text.split("\t")[0].strip()))
    return out


def not_public_in(svc: Services, issue_id: str) -> set[str]:
    """Dossiers of the issue that are not public now (review.rules.is_public): 不予公开 or an unknown
    attribute since, or withheld. The released print edition still prints them: it is the record,
    not a public page, so the public is not served it while any of these is in it."""
    with svc.unit() as uow:
        return {d.id for d in uow.gazette_reads.dossiers_in(issue_id) if not dossier_public(d)}


def withheld(svc: Services, issue_id: str) -> set[str]:
    """Dossiers of the issue not public now whose pages the served electronic edition still shows:
    withheld ones are already withdrawal notices in its public revision (services/dossiers/withhold.py); any
    other (an attribute changed under an old release) keeps the edition's pages off public view."""
    with svc.unit() as uow:
        return {d.id for d in uow.gazette_reads.dossiers_in(issue_id)
                if not dossier_public(d) and d.withheld_at is None}


def public_entry_in(uow, number: str, today) -> EntryView | None:
    """One register entry as the public may see it, in a unit the caller holds
    (services/publication/site.public_entry_page): None when absent or its dossier is not public."""
    row = uow.register.by_number(number)
    if row is None or not dossier_public(uow.dossiers.get(row.dossier_id)):
        return None
    return views(uow, [row], today=today)[0]
