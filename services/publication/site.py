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
