"""Facts about queued gazette items, read from the dossier version each item was published from.

Used by services/gazette.py: the rules (publishing/gazette_rules.py) and the editions
(publishing/editions.py) get plain values, never rows.
"""
from __future__ import annotations

import io

from docx import Document
from sqlalchemy import select
from sqlalchemy.orm import Session

from documents.effective import find_effective
from documents.problems import Refused, problem
from publishing.editions import EditionItem, Material
from publishing.gazette_rules import ItemFacts
from publishing.web_release import head_texts
from review.model import Version
from services.context import Services
from storage.repository import Dossiers
from storage.tables import DossierRow, GazetteItemRow, VersionRow

INTERPRETATION_FILES = ("interpretation_material", "graphic_interpretation")


def version_of(s: Session, item: GazetteItemRow) -> Version:
    """The version the item was published from (not necessarily the dossier's newest)."""
    row = s.scalars(select(VersionRow).filter_by(dossier_id=item.dossier_id, fingerprint=item.fingerprint)).first()
    version = Dossiers(s).version(item.dossier_id, row.number) if row else None
    if version is None:
        raise Refused(problem("not_found", f"公报稿件 {item.id} 的卷宗版本已不存在（卷宗 {item.dossier_id}）"))
    return version


def paragraph_texts(data: bytes) -> list[str]:
    """Every paragraph's text, table cells included: 施行日期 sometimes sits in an attached table."""
    doc = Document(io.BytesIO(data))
    texts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        texts += [p.text for row in table.rows for cell in row.cells for p in cell.paragraphs]
    return texts


def facts(svc: Services, s: Session, item: GazetteItemRow, *, read_text: bool = True) -> ItemFacts:
    """read_text=False skips opening the policy docx (ordering needs no 施行日期)."""
    dossier = s.get(DossierRow, item.dossier_id)
    version = version_of(s, item)
    policy = version.policy
    meta = policy.meta if policy else None
    pipeline = version.pipeline or svc.config.pipeline(version.kind)
    # Either record saying 不予公开 keeps it out: the dossier's attribute or the policy's own mark.
    marks = {dossier.disclosure if dossier else None, meta.disclosure if meta else None}
    effective = find_effective(paragraph_texts(svc.store.get(policy.sha256))) if read_text and policy else ()
    return ItemFacts(item_id=item.id, dossier=item.dossier_id, title=item.title, doc_number=item.doc_number,
                     kind=version.kind, normative=bool(pipeline and pipeline.normative),
                     organ=(meta.signature_organ if meta else None) or item.organ,
                     banner=meta.banner if meta else None,
                     signed_date=item.signed_date or (meta.date if meta else None),
                     disclosure="不予公开" if "不予公开" in marks else (meta.disclosure if meta else None),
                     effective=effective)


def edition_item(svc: Services, s: Session, item: GazetteItemRow, section: str) -> EditionItem:
    version = version_of(s, item)
    policy = version.policy
    meta = policy.meta if policy else None
    materials = tuple(Material(name=f.name, data=svc.store.get(f.sha256), picture=f.meta is None)
                      for f in version.of_role(*INTERPRETATION_FILES))
    return EditionItem(dossier=item.dossier_id, section=section, title=item.title, doc_number=item.doc_number,
                       organ=(meta.signature_organ if meta else None) or item.organ,
                       date_text=meta.date_text if meta else None, interpreting_unit=version.drafting_unit,
                       policy=svc.store.get(policy.sha256), head=head_texts(meta), materials=materials)
