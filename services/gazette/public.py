"""The gazette as the public finds it (政府公报栏目): released issues by year, each linking to its
electronic edition, and the gazette database searched with the hits marked. Only released issues are
listed; an issue whose edition the desk would not serve now (it carries a document that is no longer
public and was not withheld: services/gazette/views.withheld) is listed without a link. The search
answers only public documents (storage/search.py filters with review.rules.is_public)."""
from __future__ import annotations

import datetime as dt
import re

from markupsafe import Markup, escape
from pydantic import BaseModel

from publishing import editions_pdf
from services.gazette.search import SearchHit, search
from services.home.context import Services


class PublicIssue(BaseModel):
    id: str
    year: int
    number: int
    total: int
    name: str                          # 2026年第1期
    date: dt.date | None = None        # 出版日期 printed on the cover
    items: int = 0
    href: str | None = None            # the electronic edition's 目录; None for imported history
    print_href: str | None = None      # the print edition: its PDF once made, else the docx
    print_label: str | None = None     # 印刷版（PDF） or 印刷版（docx）


def issue_name(year: int, number: int) -> str:
    return f"{year}年第{number}期"


def issues_by_year(svc: Services) -> list[tuple[int, list[PublicIssue]]]:
    """Released issues, newest year first and newest issue first within it."""
    with svc.unit() as uow:
        rows = uow.public_site.released_issues()
        counts = uow.public_site.item_counts()
        off = uow.public_site.issues_kept_off()
        unprinted = uow.public_site.issues_printing_not_public()    # its print edition is not offered
        pdfs = uow.derived.find({r.print_sha256 for r in rows if r.web_sha256 and r.print_sha256},
                                editions_pdf.KIND, editions_pdf.MAKER)
    years: dict[int, list[PublicIssue]] = {}
    for r in rows:
        served = bool(r.web_sha256) and r.id not in off
        printed = r.print_name if served and r.print_sha256 and r.print_name and r.id not in unprinted else None
        if printed and r.print_sha256 in pdfs:
            printed = editions_pdf.pdf_name(printed)
        years.setdefault(r.year, []).append(PublicIssue(
            id=r.id, year=r.year, number=r.number, total=r.total, name=issue_name(r.year, r.number),
            date=r.release_date, items=counts.get(r.id, 0), href=f"/gazette/{r.id}/web/index.html" if served else None,
            print_href=f"/gazette/{r.id}/{printed}" if printed else None,
            print_label=("印刷版（PDF）" if printed.endswith(".pdf") else "印刷版（docx）") if printed else None))
    return sorted(years.items(), reverse=True)


class PublicHit(SearchHit):
    issue_name: str = ""
    href: str | None = None


def public_search(svc: Services, text: str | None = None, *, number: str | None = None, organ: str | None = None,
                  date_from: dt.date | None = None, date_to: dt.date | None = None,
                  limit: int = 200) -> list[PublicHit]:
    """The gazette database, as the public searches it: each hit with its issue named 2026年第1期 and a
    link to its page in the electronic edition (items of imported history have none)."""
    hits = search(svc, text, number=number, organ=organ, date_from=date_from, date_to=date_to, limit=limit)
    names = {i.id: i for _, issues in issues_by_year(svc) for i in issues} if hits else {}
    out = []
    for h in hits:
        issue = names.get(h.issue)
        href = None
        if issue is not None and issue.href:          # a 更正启事 is found in its issue's 目录
            href = issue.href if h.corrects or not h.dossier else f"/gazette/{h.issue}/web/items/{h.dossier}.html"
        out.append(PublicHit(**h.model_dump(), issue_name=issue.name if issue else h.issue, href=href))
    return out


def highlight(text: str | None, *words: str | None) -> Markup:
    """The text escaped, each occurrence of any word (case-insensitive) in <mark>; without direction
    controls, which no output prints (documents/shown.py): Markup is not filtered by the templates."""
    from documents.shown import without_direction
    text = without_direction(text or "")
    wanted = [w for w in {" ".join((w or "").split()) for w in words} if w]
    if not wanted:
        return escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in sorted(wanted, key=len, reverse=True)), re.I)
    out, at = [], 0
    for m in pattern.finditer(text):
        out.append(escape(text[at:m.start()]))
        out.append(Markup("<mark>") + escape(m.group(0)) + Markup("</mark>"))
        at = m.end()
    out.append(escape(text[at:]))
    return Markup("").join(out)
