"""Facts about queued gazette items, read from the dossier version each item was published from.

Used by services/gazette/issues.py: the rules (publishing/gazette_rules.py) and the editions
(publishing/editions.py) get plain values, never rows. An issue's items are read together (a few
queries for all of them), and their documents' text and HTML are the ones kept at publication
(publishing/derived.py), so neither checking nor releasing an issue opens a docx.
"""
from __future__ import annotations

import io

from typing import TYPE_CHECKING

from docx import Document

from documents.effective import find_effective
from documents.problems import Refused, problem
from publishing.derived import Derived, docx_sources
from publishing.docx_text import paragraph_texts_of
from publishing.editions import EditionItem, Material
from publishing.gazette_rules import ItemFacts
from publishing.web_release import head_texts
from review.model import Version
from review.rules import disclosure_of
from services.home.context import Services

if TYPE_CHECKING:
    from storage.tables import GazetteItemRow
    from storage.unit import Unit

INTERPRETATION_FILES = ("interpretation_material", "graphic_interpretation")


def versions_of(uow: Unit, items: list[GazetteItemRow]) -> dict[int, Version]:
    """Item id → the version it was published from (not necessarily the dossier's newest)."""
    found = uow.gazette.versions_of(items)
    out = {}
    for item in items:
        if (version := found.get((item.dossier_id, item.fingerprint))) is None:
            raise Refused(problem("not_found", f"公报稿件 {item.id} 的卷宗版本已不存在（卷宗 {item.dossier_id}）"))
        out[item.id] = version
    return out


def version_of(uow: Unit, item: GazetteItemRow) -> Version:
    return versions_of(uow, [item])[item.id]


def paragraph_texts(data: bytes) -> list[str]:
    """Every paragraph's text, table cells included: 施行日期 sometimes sits in an attached table."""
    return paragraph_texts_of(Document(io.BytesIO(data)))


def derived(uow: Unit) -> Derived:
    """The docx HTML and text kept at publication, read (or made and kept) in this unit."""
    return Derived(uow.derived, uow.store, uow.now)


def policy_texts(d: Derived, versions: dict[int, Version]) -> dict[int, tuple[str, ...]]:
    """Item id → its policy's paragraph texts (empty without a policy)."""
    policies = {i: v.policy.sha256 for i, v in versions.items() if v.policy}
    texts = d.text(policies.values())
    return {i: texts[policies[i]].texts if i in policies else () for i in versions}


def issue_facts(svc: Services, uow: Unit, items: list[GazetteItemRow], *, d: Derived | None = None,
                versions: dict[int, Version] | None = None) -> list[ItemFacts]:
    """Without `d` the policies' text is not read (ordering needs no 施行日期)."""
    versions = versions if versions is not None else versions_of(uow, items)
    dossiers = uow.gazette.dossiers_of(items)
    positions = uow.gazette.positions([i.id for i in items])     # the editor's order in the issue
    texts = policy_texts(d, versions) if d is not None else {}
    out = []
    for item in items:
        version, dossier = versions[item.id], dossiers.get(item.dossier_id)
        meta = version.policy.meta if version.policy else None
        pipeline = version.pipeline or svc.config.pipeline(version.kind)
        # Either record saying 不予公开 keeps it out: the dossier's attribute or the policy's own mark
        # (review.rules.disclosure_of); gazette_rules.not_public asks review.rules.is_public of it.
        out.append(ItemFacts(
            item_id=item.id, dossier=item.dossier_id, title=item.title, doc_number=item.doc_number,
            kind=version.kind, normative=bool(pipeline and pipeline.normative),
            organ=(meta.signature_organ if meta else None) or item.organ, banner=meta.banner if meta else None,
            signed_date=item.signed_date or (meta.date if meta else None),
            disclosure=disclosure_of(dossier.disclosure if dossier else None, meta.disclosure if meta else None),
            withheld=bool(dossier and dossier.withheld_at),
            effective=find_effective(texts.get(item.id, ())), position=positions.get(item.id)))
    return out


def facts(svc: Services, uow: Unit, item: GazetteItemRow, *, read_text: bool = True) -> ItemFacts:
    """read_text=False skips the policy's text (ordering needs no 施行日期)."""
    return issue_facts(svc, uow, [item], d=derived(uow) if read_text else None)[0]


def edition_items(svc: Services, d: Derived, placed: list[tuple[str, GazetteItemRow]],
                  versions: dict[int, Version]) -> tuple[EditionItem, ...]:
    """The items in gazette order with their documents as kept at publication."""
    sources = [sha for _, item in placed for sha in docx_sources(versions[item.id])]
    html, text = d.html(sources), d.text(sources)
    out = []
    for section, item in placed:
        version = versions[item.id]
        policy = version.policy
        meta = policy.meta if policy else None
        materials = tuple(
            Material(name=f.name, picture=True, data=svc.store.get(f.sha256)) if f.meta is None else
            Material(name=f.name, html=html[f.sha256], blocks=text[f.sha256].blocks)
            for f in version.of_role(*INTERPRETATION_FILES))
        out.append(EditionItem(
            dossier=item.dossier_id, section=section, title=item.title, doc_number=item.doc_number,
            organ=(meta.signature_organ if meta else None) or item.organ,
            date_text=meta.date_text if meta else None, interpreting_unit=version.drafting_unit,
            policy_html=html[policy.sha256] if policy else "",
            policy_blocks=text[policy.sha256].blocks if policy else (), head=head_texts(meta),
            materials=materials))
    return tuple(out)
