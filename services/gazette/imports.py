"""Importing past gazette issues (DESIGN.md rule 7: the gazette keeps every issue since the first).

The files are read by services/gazette/import_files.py (one docx per issue, split by its own
headings; or one docx per item with a CSV index). An imported issue is a released issue marked
imported (gazette_imports), its items are rows of gazette_imported_items (no dossier behind them)
and are indexed for search in the same transaction. Every original file is kept in the object
store and its fingerprint recorded. Nothing is written unless every file and row is good.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel

from documents.problems import Refused, problem
from documents.shown import echoed
from publishing import gazette_rules as rules
from review.model import Event
from services.gazette.import_files import ParsedIssue, parse_index, parse_issue_docx
from services.gazette.members import editor as _editor
from services.home.context import Services
from storage.search import SearchDoc
from storage.tables import GazetteImportedItemRow, GazetteImportRow, GazetteIssueRow

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class IssueImported(Event):
    name: ClassVar[str] = "gazette.issue.imported"
    issue: str
    source: str
    source_name: str
    source_sha256: str
    items: int


class ImportedIssue(BaseModel):
    issue: str
    year: int
    number: int
    total: int
    status: str
    imported: bool = True
    source: str
    source_name: str
    source_sha256: str
    issue_date: dt.date | None = None
    items: list[dict]


def import_history(svc: Services, paths: list[Path], actor: str, index_csv: Path | None = None) -> list[ImportedIssue]:
    _editor(svc, actor)
    paths = [Path(p) for p in paths]
    missing = [p for p in paths + ([index_csv] if index_csv else []) if not Path(p).is_file()]
    if missing:
        raise Refused(*(problem("not_found", f"没有文件 {echoed(p, 200)}") for p in missing))
    if index_csv is not None:
        parsed = parse_index(Path(index_csv), {p.name: p for p in paths})
    else:
        parsed, problems = [], []
        for p in paths:
            try:
                parsed.append(parse_issue_docx(p.name, p.read_bytes()))
            except Refused as r:
                problems += r.problems
        if problems:
            raise Refused(*problems)
    seen: dict[str, str] = {}
    for issue in parsed:
        if issue.id in seen:
            raise Refused(problem("invalid_state", f"公报{issue.year}年第{issue.number}期出现了两次"
                                                   f"（{seen[issue.id]}、{issue.source_name}）"))
        seen[issue.id] = issue.source_name
    # Originals first (content-addressed: a refusal below leaves only unreferenced objects).
    shas = {id(i): svc.store.put(i.data, content_type="text/csv" if i.source == "item_docx" else DOCX)
            for i in parsed}
    item_shas = {id(it): svc.store.put(it.data, content_type=DOCX) for i in parsed for it in i.items}
    return svc.retrying(lambda: _store(svc, parsed, shas, item_shas, actor))


def _store(svc: Services, parsed: list[ParsedIssue], shas: dict, item_shas: dict, actor: str) -> list[ImportedIssue]:
    done = []
    with svc.unit() as uow:
        reads, now = uow.gazette_reads, uow.now()
        for issue in sorted(parsed, key=lambda i: (i.year, i.number)):
            if reads.issue(issue.id) or reads.issue_numbered(issue.year, issue.number):
                raise Refused(problem("invalid_state", f"公报{issue.year}年第{issue.number}期已存在，不能再导入"))
            total = issue.total
            if total is None:
                previous = reads.issue_before(issue.year, issue.number)
                total = rules.next_total(previous.total if previous else None)
            if reads.total_taken(total):
                raise Refused(problem("invalid_state", f"总第{total}期已被使用（导入公报{issue.year}年第{issue.number}期）"))
            sha = shas[id(issue)]
            row = uow.add(GazetteIssueRow(id=issue.id, year=issue.year, number=issue.number, total=total,
                                          status="released", released_at=now, released_by=actor, created_by=actor,
                                          created_at=now, updated_at=now,
                                          print_name=issue.source_name if issue.source == "issue_docx" else None,
                                          print_sha256=sha if issue.source == "issue_docx" else None))
            uow.flush()
            uow.add(GazetteImportRow(issue_id=row.id, source=issue.source, source_name=issue.source_name,
                                     source_sha256=sha, issue_date=issue.date, imported_by=actor, imported_at=now))
            items = []
            for position, it in enumerate(issue.items, 1):
                item = uow.add(GazetteImportedItemRow(issue_id=row.id, position=position, title=it.title,
                                                      doc_number=it.document_number, organ=it.organ,
                                                      signed_date=it.date, source_name=it.source_name,
                                                      source_sha256=item_shas[id(it)]))
                uow.flush()
                reads.index(SearchDoc(key=f"imported:{item.id}", issue=row.id, title=it.title,
                                      document_number=it.document_number, organ=it.organ, date=it.date,
                                      body=it.body))
                items.append({"position": position, "title": it.title, "document_number": it.document_number,
                              "organ": it.organ, "date": it.date, "source_name": it.source_name,
                              "source_sha256": item.source_sha256})
            uow.audit.append(IssueImported(dossier_id=None, actor=actor, at=now, issue=row.id, source=issue.source,
                                           source_name=issue.source_name, source_sha256=sha, items=len(items)))
            done.append(ImportedIssue(issue=row.id, year=row.year, number=row.number, total=total, status=row.status,
                                      source=issue.source, source_name=issue.source_name, source_sha256=sha,
                                      issue_date=issue.date, items=items))
    return done
