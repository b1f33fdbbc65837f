"""The web release as the desk serves it to the public: a published dossier's policy and
interpretation pages, and the pictures they show. Only what review.rules.is_public allows is served:
nothing 不予公开, with an unknown attribute, or withheld (撤回公开)."""
from __future__ import annotations

import re

from services.home.context import Services
from storage.public import dossier_public

PICTURE_ROLES = ("graphic_interpretation", "interpretation_material")
_ASSET = re.compile(r"^assets/([0-9a-f]{64})\.(png|jpe?g|gif|bmp|webp)$")


def page(svc: Services, path: str) -> bytes | None:
    """A released page by its site path (policies/D….html, interpretations/D….html)."""
    with svc.unit() as uow:
        row = uow.site.page_at(path)
        if row is None or not dossier_public(uow.dossiers.get(row.dossier_id)):
            return None
        sha = row.sha256
    return svc.store.get(sha)


def asset(svc: Services, path: str) -> tuple[bytes, str] | None:
    """A picture a released page shows: its sha256 must be a picture file of a dossier with pages."""
    m = _ASSET.match(path)
    if m is None:
        return None
    with svc.unit() as uow:
        # Only a picture of the version that was published (the dossier's current one after sign-off):
        # an earlier draft's picture was never released, whoever learned its hash.
        released = {d for d in uow.site.showing_picture(m.group(1), PICTURE_ROLES)
                    if uow.site.has_pages(d) and dossier_public(uow.dossiers.get(d))}
    if not released:
        return None
    kind = "jpeg" if m.group(2) in ("jpg", "jpeg") else m.group(2)
    return svc.store.get(m.group(1)), f"image/{kind}"


# ---------------------------------------------------------------- the public site (政府信息公开)
# The index of published policies and each policy's own page as a resident reads it: the released page's
# text (the record, as stored at publication) under the document's facts as they stand now — 施行日期,
# 有效期 and 有效性 from its register entry, and the documents that amended or repealed it. Every read goes
# through uow.public_site, whose queries ask storage/public.py (review.rules.is_public): a document that is
# not public now is None here, exactly like one that never existed.

import datetime as _dt
from collections import OrderedDict
from html import unescape

from markupsafe import Markup
from pydantic import BaseModel

from publishing.register_rules import STATUS_NAMES

NOT_REGISTERED = "—"                 # a document the register does not keep (e.g. a 政策性文件): no 有效性 is kept
_MAIN = re.compile(r"<main>(.*)</main>", re.S)
_TITLE = re.compile(r"<title>(.*?)(?: - [^<]*)?</title>", re.S)
_DOC = re.compile(r'<div class="doc">(.*)</div>', re.S)
_NOTE = re.compile(r'<p class="notice emergency">.*?</p>', re.S)
_CACHE: OrderedDict[str, tuple[str, str, str, str]] = OrderedDict()
_CACHE_SIZE = 256


class PolicyListing(BaseModel):
    dossier: str
    title: str
    href: str
    kind: str
    document_number: str | None = None
    organ: str | None = None
    published: _dt.date
    effective_date: _dt.date | None = None
    valid_until: _dt.date | None = None
    status: str | None = None            # the register's status key; None when the register does not keep it
    status_name: str = NOT_REGISTERED
    registration_number: str | None = None
    index_number: str | None = None       # 索引号 (issue 15)
    topic: str | None = None              # 主题分类


class Link(BaseModel):
    text: str
    href: str | None = None


class PolicyView(PolicyListing):
    drafting_unit: str
    signed_date: _dt.date | None = None
    disclosure: str | None = None
    interpretation_href: str | None = None
    gazette: Link | None = None
    amends: list[Link] = []
    amended_by: list[Link] = []
    repealed_by: Link | None = None
    repeal_reason: str | None = None
    repealed_on: _dt.date | None = None   # 废止日期 (services/register/life.py repeal_date)
    repeal_pending: bool = False          # recorded, its day still to come: in force until then (将于…废止)
    body_html: str = ""                  # the released page's text (cleaned at publication)
    notice_html: str = ""                # 紧急签发，待事后补审 … as the released page says it


def _local(at: _dt.datetime) -> _dt.date:
    return at.astimezone().date()


def _listing(uow, page, dossier, entry, today: _dt.date) -> dict:
    """A policy's facts as listed; its 有效性 as of `today` (register_rules.status_on, as the register shows it)."""
    from publishing.register_rules import status_on
    from services.register.life import dates_of
    effective, until = dates_of(entry) if entry is not None else (None, None)
    status = status_on(entry.status, effective, until, today, awaits_gazette=entry.awaits_gazette,
                       amended=entry.status == "pending" and uow.register.is_amended(entry.id)) if entry else None
    return dict(dossier=dossier.id, title=entry.title if entry else dossier.title, href=f"/site/{page.path}",
                kind=dossier.kind, document_number=(entry.document_number if entry else None) or dossier.doc_number,
                organ=entry.organ if entry else None, published=_local(page.released_at),
                effective_date=effective, valid_until=until, status=status,
                status_name=STATUS_NAMES.get(status, status) if entry else NOT_REGISTERED,
                registration_number=entry.registration_number if entry else None,
                index_number=dossier.index_number, topic=dossier.topic)


def policy_index(svc: Services, limit: int = 500) -> list[PolicyListing]:
    """Published policies public now, newest first, with 文号, 发布日期, 施行日期 and 有效性."""
    with svc.unit() as uow:
        today = _local(svc.now())
        return [PolicyListing(**_listing(uow, *row, today)) for row in uow.public_site.policies(limit)]


def _parts(svc: Services, sha256: str) -> tuple[str, str, str, str]:
    """(title, <main> inner HTML, the document's text, the emergency note) of a stored page; the bytes
    under a sha256 never change, so the split is kept (a few hundred pages at most)."""
    if sha256 in _CACHE:
        _CACHE.move_to_end(sha256)
        return _CACHE[sha256]
    html = svc.store.get(sha256).decode("utf-8")
    main = _MAIN.search(html)
    inner = main.group(1) if main else html
    title = _TITLE.search(html)
    doc = _DOC.search(inner)
    note = _NOTE.search(inner)
    parts = (unescape(title.group(1).strip()) if title else "", inner, doc.group(1) if doc else inner,
             note.group(0) if note else "")
    _CACHE[sha256] = parts
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return parts


def _entry_link(number: str, entries: dict, pages: set[str]) -> Link | None:
    """A public link to the document registered as `number`: its policy page, else its register entry;
    None when it is not public (its number is not shown either)."""
    e = entries.get(number)
    if e is None:
        return None
    href = f"/site/policies/{e.dossier_id}.html" if e.dossier_id in pages else f"/register/{number}"
    return Link(text=f"《{e.title}》" + (f"（{e.document_number}）" if e.document_number else ""), href=href)


def policy_view(svc: Services, dossier_id: str) -> PolicyView | None:
    """One published policy as its public page shows it, or None (absent, unpublished or not public now)."""
    with svc.unit() as uow:
        found = uow.public_site.policy(dossier_id)
        if found is None:
            return None
        page, dossier, entry = found
        facts = _listing(uow, page, dossier, entry, _local(svc.now()))
        pages = uow.site.pages_of(dossier_id)
        item = uow.site.gazette_item(dossier_id)
        issue = uow.register.placements([dossier_id]).get(dossier_id)
        amends, amended_by, repealed_by, reason = [], [], None, None
        repealed_on, repeal_pending = None, False
        if entry is not None:
            links = uow.register.links([entry.id])
            me = entry.registration_number
            named = [t for _, t, _ in links] + [b for _, _, b in links if b]
            public = uow.public_site.public_entries(sorted(set(named) - {me}))
            with_pages = uow.public_site.has_policy_page([e.dossier_id for e in public.values()])
            for link, target, by in links:
                if link.kind == "amend" and by == me and (x := _entry_link(target, public, with_pages)):
                    amends.append(x)
                elif link.kind == "amend" and target == me and by and (x := _entry_link(by, public, with_pages)):
                    amended_by.append(x)
                elif link.kind == "repeal" and target == me:       # the newest repeal counts (life.views)
                    from services.register.life import repeal_date
                    repealed_by = _entry_link(by, public, with_pages) if by else None
                    reason = link.reason
                    acting = uow.register.by_ids([link.by_entry_id]) if link.by_entry_id else []
                    repealed_on, repeal_pending = repeal_date(entry, link, acting[0] if acting else None)
        sha = page.sha256
    _, _, body, note = _parts(svc, sha)
    return PolicyView(
        **{**facts, "organ": facts["organ"] or (item.organ if item else None)},
        drafting_unit=dossier.drafting_unit, signed_date=(entry.signed_date if entry else None)
        or (item.signed_date if item else None), disclosure=dossier.disclosure,
        interpretation_href=f"/site/{pages['interpretation'].path}" if "interpretation" in pages else None,
        gazette=Link(text=f"{issue.year}年第{issue.number}期（总第{issue.total}期）",
                     href=f"/gazette/{issue.id}/web/items/{dossier_id}.html") if issue else None,
        amends=amends, amended_by=amended_by, repealed_by=repealed_by, repeal_reason=reason,
        repealed_on=repealed_on, repeal_pending=repeal_pending,
        body_html=body, notice_html=note)


def framed_page(svc: Services, path: str) -> tuple[str, Markup] | None:
    """(title, the page's own content) of a released interpretation page or a consultation notice or
    adoption summary, for the public template; None when there is no such page public now."""
    with svc.unit() as uow:
        if path.startswith("consultations/"):
            found = uow.public_site.consultation_at(path)
            sha = None if found is None else (found[0].notice_sha256 if found[2] == "notice"
                                              else found[0].summary_sha256)
        else:
            row = uow.site.page_at(path)
            sha = row.sha256 if row is not None and dossier_public(uow.dossiers.get(row.dossier_id)) else None
    if sha is None:
        return None
    title, inner, _, _ = _parts(svc, sha)
    return title, Markup(inner)


class ConsultationListing(BaseModel):
    dossier: str
    title: str
    drafting_unit: str
    opens: _dt.date
    closes: _dt.date
    href: str
    summary_href: str | None = None


def consultation_index(svc: Services) -> list[ConsultationListing]:
    """Consultations (意见征集) of documents public now, newest first, with their notice and summary."""
    with svc.unit() as uow:
        return [ConsultationListing(dossier=d.id, title=d.title, drafting_unit=d.drafting_unit, opens=c.opens,
                                    closes=c.closes, href=f"/site/{c.notice_path}",
                                    summary_href=f"/site/{c.summary_path}" if c.summary_path else None)
                for c, d in uow.public_site.consultations()]


def _extras(uow, dossier_id: str, numbers: list[str]) -> tuple[str | None, set[str]]:
    """The href of the policy's full text on the site (None before a page was released), and which of the
    registration numbers the entry links to are public now (a withheld document's number is not shown)."""
    page = uow.public_site.has_policy_page([dossier_id])
    public = set(uow.public_site.public_entries(sorted(set(numbers)))) if numbers else set()
    return (f"/site/policies/{dossier_id}.html" if page else None), public


def public_entry_page(svc: Services, number: str):
    """A public register entry's page in one unit: (the entry as the public may see it, its full text's href,
    the public numbers it links to), or None when the entry is absent or its dossier is not public now
    (services/gazette/views.public_entry_in, then `_extras`)."""
    from services.gazette.views import public_entry_in
    with svc.unit() as uow:
        entry = public_entry_in(uow, number, _local(svc.now()))
        if entry is None:
            return None
        named = [*entry.amends, *entry.amended_by, *([entry.repealed_by] if entry.repealed_by else [])]
        return (entry, *_extras(uow, entry.dossier, named))


def catalogue_of(svc: Services, dossier_ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
    """(索引号, 主题分类) of these dossiers, for the public 规范性文件 list; only dossiers public now."""
    with svc.unit() as uow:
        return uow.public_site.catalogue(sorted(set(dossier_ids)))
