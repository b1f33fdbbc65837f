"""Publication: gazette item, web release and register entry in one transaction (DESIGN.md).

Safe to run twice for the same dossier version: a second run finds the outputs and returns them.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pydantic import BaseModel

from documents.problems import Refused, problem
from publishing import gazette, register
from publishing.derived import Derived, docx_sources
from publishing.web_release import page_paths, render_pages
from review.model import Published
from review.rules import disclosure_of, is_public
from review.states import transition
from services.context import Services
from publishing.register_rules import emergency_note
from services.register_life import emergencies, entry_dates
from services.register_search import index_entry
from storage import audit
from storage.repository import Dossiers
from storage.tables import GazetteItemRow, PageRow, RegisterEntryRow


class PublicationResult(BaseModel):
    dossier: str
    published: bool
    already: bool = False
    registration_number: str | None = None
    gazette_item: int | None = None
    pages: dict[str, str] = {}          # page kind -> file path on disk


def publish(svc: Services, dossier_id: str, actor: str = "lockstep") -> PublicationResult:
    return svc.retrying(lambda: _publish(svc, dossier_id, actor))


def _publish(svc: Services, dossier_id: str, actor: str) -> PublicationResult:
    with svc.session() as s:
        repo = Dossiers(s)
        row = repo.get(dossier_id)
        if row is None:
            raise Refused(problem("not_found", f"没有卷宗 {dossier_id}"))
        version = repo.version(dossier_id, row.current_version)
        if row.state in ("published", "registered"):
            return _existing(svc, s, dossier_id, version.fingerprint)
        transition(row.state, "publish")
        policy = version.policy
        meta = policy.meta if policy else None
        # The one predicate (review.rules.is_public): 不予公开 in either record, or no attribute at all, stays out.
        if not is_public(disclosure_of(row.disclosure, meta.disclosure if meta else None), row.withheld_at is not None):
            raise Refused(problem("not_public", f"{row.title} 标注为不予公开（或公开属性未确定），不进入公报、网站和公开台帐"))
        now = svc.now()
        signed = meta.date if meta else None
        year = register.year_of(signed, now)
        serial = register.next_serial(s, year)
        number = register.registration_number(svc.config.register_format, svc.config.register_prefix, year, serial)
        blobs = {f.sha256: svc.store.get(f.sha256) for f in version.files
                 if f.role in ("policy", "interpretation_material", "graphic_interpretation")}
        # Converted once, here: the gazette release reuses the HTML and text (publishing/derived.py).
        derived = Derived(s, svc.store, svc.now, originals=blobs)
        converted = derived.html(docx_sources(version))
        _keep_text(derived, docx_sources(version))
        owed = emergencies(s, [dossier_id], svc.config).get(dossier_id) if row.emergency_reason else None
        pages, assets = render_pages(version, blobs, city=svc.config.city, registration_number=number,
                                     released_at=now.astimezone().strftime("%Y年%m月%d日 %H:%M"), html=converted,
                                     emergency_note=emergency_note(owed is not None, [n for _, n in owed or ()]))
        paths = page_paths(dossier_id)
        written = {}
        for kind, html in pages.items():
            data = html.encode("utf-8")
            sha = svc.store.put(data, content_type="text/html; charset=utf-8")
            written[kind] = _write_atomic(svc.home.site / paths[kind], data)
            s.add(PageRow(dossier_id=dossier_id, kind=kind, path=paths[kind], sha256=sha, released_at=now))
        for path, data in assets.items():
            _write_atomic(svc.home.site / path, data)
        item = GazetteItemRow(dossier_id=dossier_id, fingerprint=version.fingerprint, title=row.title,
                              doc_number=row.doc_number, organ=meta.signature_organ if meta else None,
                              signed_date=signed, policy_page=paths["policy"],
                              interpretation_page=paths["interpretation"], status="queued", queued_at=now)
        s.add(item)
        opinion = next((d.opinion_number for d in reversed(repo.decisions(dossier_id))
                        if d.stage == "legality" and d.verdict == "approve" and d.fingerprint == version.fingerprint),
                       None)
        effective, valid_until, entry_status = entry_dates(svc, version, signed, row.title, now)
        s.add(RegisterEntryRow(registration_number=number, year=year, serial=serial, dossier_id=dossier_id,
                               opinion_number=opinion, effective_date=effective, valid_until=valid_until,
                               document_number=row.doc_number, title=row.title,
                               organ=meta.signature_organ if meta else None, drafting_unit=row.drafting_unit,
                               signed_date=signed, published_at=now,
                               interpretation_page=paths["interpretation"], status=entry_status))
        s.flush()
        index_entry(s, number)
        row.state = transition(transition(row.state, "publish"), "register")
        row.updated_at = now
        audit.append(s, Published(dossier_id=dossier_id, actor=actor, at=now, fingerprint=version.fingerprint,
                                  registration_number=number, gazette_item=item.id,
                                  pages={k: paths[k] for k in pages}))
    return PublicationResult(dossier=dossier_id, published=True, registration_number=number,
                             gazette_item=item.id, pages={k: str(v) for k, v in written.items()})


def _keep_text(derived: Derived, sources: list[str]) -> None:
    """The documents' text for the gazette. Only a shortcut: a document python-docx cannot read
    must not stop its publication (the release reads it again and says what is wrong then)."""
    for sha in sources:
        try:
            derived.text([sha])
        except Exception:       # noqa: BLE001 - see above
            pass


def _existing(svc: Services, s, dossier_id: str, fingerprint: str) -> PublicationResult:
    item = gazette.item_for(s, dossier_id, fingerprint)
    entry: RegisterEntryRow | None = register.entry_for(s, dossier_id)
    return PublicationResult(dossier=dossier_id, published=True, already=True,
                             registration_number=entry.registration_number if entry else None,
                             gazette_item=item.id if item else None,
                             pages={k: str(svc.home.site / p) for k, p in page_paths(dossier_id).items()})


def write_page(svc: Services, path: str, html: str) -> str:
    """A public page: kept in the object store and written under the home's site folder."""
    data = html.encode("utf-8")
    sha = svc.store.put(data, content_type="text/html; charset=utf-8")
    _write_atomic(svc.home.site / path, data)
    return sha


def _write_atomic(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    os.fchmod(fd, 0o644)            # a public page: a web server reads it (mkstemp makes 0600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return path


def refresh_emergency_pages(svc: Services, dossier_id: str) -> list[str]:
    """The web release of a document signed off in an emergency says which stages are still owed
    (紧急签发，待事后补审：…): rendered again, from the published version, when that changes. A page
    that is not public (or withheld) is left alone: it is not on disk to refresh. Returns paths written."""
    from storage.public import dossier_public
    from storage.repository import versions_by_fingerprint
    from storage.tables import DossierRow
    with svc.session() as s:
        row = s.get(DossierRow, dossier_id)
        pages_rows = {p.kind: p for p in s.query(PageRow).filter_by(dossier_id=dossier_id)}
        if row is None or row.emergency_reason is None or not pages_rows or not dossier_public(row):
            return []
        item = s.query(GazetteItemRow).filter_by(dossier_id=dossier_id).order_by(GazetteItemRow.id.desc()).first()
        entry = register.entry_for(s, dossier_id)
        if item is None:
            return []
        version = versions_by_fingerprint(s, {(dossier_id, item.fingerprint)})[(dossier_id, item.fingerprint)]
        owed = emergencies(s, [dossier_id], svc.config).get(dossier_id, [])
        note = emergency_note(True, [n for _, n in owed])
        blobs = {f.sha256: svc.store.get(f.sha256) for f in version.files
                 if f.role in ("policy", "interpretation_material", "graphic_interpretation")}
        converted = Derived(s, svc.store, svc.now, originals=blobs).html(docx_sources(version))
        first = min(p.released_at for p in pages_rows.values())
        pages, _ = render_pages(version, blobs, city=svc.config.city,
                                registration_number=entry.registration_number if entry else None,
                                released_at=first.astimezone().strftime("%Y年%m月%d日 %H:%M"), html=converted,
                                emergency_note=note)
        written = []
        for kind, html in pages.items():
            if (p := pages_rows.get(kind)) is not None and note not in (svc.store.get(p.sha256).decode("utf-8")):
                p.sha256 = write_page(svc, p.path, html)
                written.append(p.path)
        return written
