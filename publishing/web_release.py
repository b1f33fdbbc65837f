"""The web release: a policy page and its interpretation page, linked both ways (同步发布)."""
from __future__ import annotations

import io
import re
from pathlib import PurePosixPath

import mammoth
from markupsafe import Markup

from review.model import Version
from templates import render

_UNSAFE_HREF = re.compile(r'(href|src)="\s*(?:javascript|vbscript|data:text)[^"]*"', re.I)


_LEADING_P = re.compile(r"^\s*<p>(.*?)</p>", re.S)
_TAGS = re.compile(r"<[^>]+>")


def docx_html(data: bytes, skip_head: frozenset[str] = frozenset()) -> Markup:
    """Word → HTML with mammoth. mammoth escapes text; links are the remaining way in for script.

    `skip_head`: texts of leading paragraphs the page already shows (banner, number, title).
    """
    html = mammoth.convert_to_html(io.BytesIO(data)).value
    while (m := _LEADING_P.match(html)) and "".join(_TAGS.sub("", m.group(1)).split()) in skip_head | {""}:
        html = html[m.end():]
    return Markup(_UNSAFE_HREF.sub(r'\1="#"', html))


def short_title(title: str) -> str:
    """The policy's own name: 关于印发《X》的通知 → X."""
    m = re.search(r"《([^》]+)》", title or "")
    return m.group(1) if m else title


def page_paths(dossier_id: str) -> dict[str, str]:
    return {"policy": f"policies/{dossier_id}.html", "interpretation": f"interpretations/{dossier_id}.html"}


def render_pages(version: Version, blobs: dict[str, bytes], *, city: str, registration_number: str | None,
                 released_at: str) -> tuple[dict[str, str], dict[str, bytes]]:
    """Returns (page kind → HTML) and the picture assets (site path → bytes) the pages show."""
    policy = version.policy
    meta = policy.meta if policy and policy.meta else None
    title = meta.title if meta and meta.title else (policy.name if policy else version.dossier_id)
    paths = page_paths(version.dossier_id)
    common = dict(city=city, title=title, short_title=short_title(title), released_at=released_at,
                  doc_number=meta.doc_number.canonical if meta and meta.doc_number else None)
    assets: dict[str, bytes] = {}
    materials = []
    for f in version.of_role("interpretation_material", "graphic_interpretation"):
        if f.meta is None:
            asset = f"assets/{f.sha256}{PurePosixPath(f.name).suffix.lower()}"
            assets[asset] = blobs[f.sha256]
            materials.append({"name": f.name, "image": "../" + asset})
        else:
            materials.append({"name": f.name, "html": docx_html(blobs[f.sha256])})
    policy_html = render("policy_page.html.j2", **common, organ=meta.signature_organ if meta else None,
                         date=meta.date_text if meta else None, disclosure=meta.disclosure if meta else None,
                         registration_number=registration_number,
                         interpretation_href="../" + paths["interpretation"],
                         body_html=docx_html(blobs[policy.sha256], head_texts(meta)) if policy else "")
    interpretation_html = render("interpretation_page.html.j2", **common,
                                 interpreting_unit=version.drafting_unit,
                                 policy_href="../" + paths["policy"], materials=materials)
    return {"policy": policy_html, "interpretation": interpretation_html}, assets


def head_texts(meta) -> frozenset[str]:
    if meta is None:
        return frozenset()
    texts = (meta.banner, meta.doc_number_text, meta.title)
    return frozenset("".join(t.split()) for t in texts if t)
