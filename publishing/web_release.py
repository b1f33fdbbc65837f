"""The web release: a policy page and its interpretation page, linked both ways (同步发布)."""
from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser
from pathlib import PurePosixPath

from markupsafe import Markup

from documents.shown import without_direction
from publishing import mammoth_lean
from review.model import Version
from templates import render

_LEADING_P = re.compile(r"^\s*<p>(.*?)</p>", re.S)
_TAGS = re.compile(r"<[^>]+>")


def docx_html(data: bytes, skip_head: frozenset[str] = frozenset()) -> Markup:
    """Word → HTML with mammoth. mammoth escapes text; links are the remaining way in for script.

    `skip_head`: texts of leading paragraphs the page already shows (banner, number, title).
    """
    return page_html(mammoth_lean.convert(data), skip_head)


def page_html(html: str, skip_head: frozenset[str] = frozenset()) -> Markup:
    """mammoth's HTML for a docx (converted now, or at publication and kept: publishing/derived.py)
    as a page shows it: without the leading paragraphs in `skip_head`, cleaned."""
    while (m := _LEADING_P.match(html)) and "".join(_TAGS.sub("", m.group(1)).split()) in skip_head | {""}:
        html = html[m.end():]
    return Markup(clean_html(html))


# What mammoth writes (and nothing else survives): tag -> the attributes it may keep.
_KEEP = {**dict.fromkeys(("p", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "u", "s", "sub", "sup", "br",
                          "ul", "ol", "blockquote", "pre", "code", "hr", "table", "thead", "tbody", "tr"), ()),
         "li": ("id",), "td": ("colspan", "rowspan"), "th": ("colspan", "rowspan"), "a": ("href", "id"),
         "img": ("src", "alt")}
_DROP_WITH_TEXT = frozenset({"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math",
                             "textarea", "select", "title", "head", "frame", "frameset"})
_VOID = frozenset({"br", "hr", "img"})
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_RASTER = re.compile(r"^data:image/(?:png|jpe?g|gif|bmp|webp);base64,[a-z0-9+/=\s]*$", re.I)


def clean_html(html: str) -> str:
    """Keep only mammoth's own tags and attributes, re-escaped, and only harmless link targets.

    mammoth escapes text but copies a hyperlink's target as written, and browsers drop tabs
    and newlines inside a URL scheme ("java\tscript:"), so a denylist of schemes is not enough:
    links keep http(s), mailto, in-page and relative targets; images keep raster data URIs,
    http(s) and relative sources. Event handlers, styles and script never survive."""
    cleaner = _Cleaner()
    cleaner.feed(html)
    cleaner.close()
    return "".join(cleaner.out)


def _safe_url(tag: str, value: str) -> str | None:
    """The value itself when harmless; "#" for a link elsewhere (its text stays), None for an image."""
    flat = "".join(ch for ch in value if ch > " " and ch != "\x7f").lower()
    if tag == "img" and flat.startswith("data:"):
        return value if _RASTER.match(flat) else None
    scheme = _SCHEME.match(flat)
    allowed = ("http", "https", "mailto") if tag == "a" else ("http", "https")
    if scheme and scheme.group(1) not in allowed:
        return "#" if tag == "a" else None
    return value


class _Cleaner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.hidden = 0                 # depth inside a dropped element (script, style, …)

    def handle_starttag(self, tag, attrs):
        if tag in _DROP_WITH_TEXT:
            self.hidden += 1
            return
        if self.hidden or tag not in _KEEP:
            return
        kept = []
        for name, value in attrs:
            if name not in _KEEP[tag] or value is None:
                continue
            value = without_direction(value)    # before the URL check: "java\u202escript:" is not relative
            if name in ("href", "src"):
                value = _safe_url(tag, value)
                if value is None:       # an image from anywhere else is left out
                    return
            elif name == "id":
                value = re.sub(r"[^A-Za-z0-9_\-]", "", value)
            kept.append(f' {name}="{escape(value, quote=True)}"')
        self.out.append(f"<{tag}{''.join(kept)}>")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in _DROP_WITH_TEXT:
            self.hidden = max(0, self.hidden - 1)
        elif not self.hidden and tag in _KEEP and tag not in _VOID:
            self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if not self.hidden:         # direction controls: the one list every output leaves out (documents/shown.py)
            self.out.append(escape(without_direction(data), quote=False))


def short_title(title: str) -> str:
    """The policy's own name: 关于印发《X》的通知 → X."""
    m = re.search(r"《([^》]+)》", title or "")
    return m.group(1) if m else title


def page_paths(dossier_id: str) -> dict[str, str]:
    return {"policy": f"policies/{dossier_id}.html", "interpretation": f"interpretations/{dossier_id}.html"}


def render_pages(version: Version, blobs: dict[str, bytes], *, city: str, registration_number: str | None,
                 released_at: str, html: dict[str, str] | None = None,
                 emergency_note: str | None = None, index_number: str | None = None,
                 topic: str | None = None) -> tuple[dict[str, str], dict[str, bytes]]:
    """Returns (page kind → HTML) and the picture assets (site path → bytes) the pages show.
    `html`: mammoth's HTML by docx sha256 where the caller has it already (else converted here).
    `emergency_note`: 紧急签发，待事后补审：… on both pages of a document signed off in an emergency."""
    html = html or {}

    def body(sha: str, skip: frozenset[str] = frozenset()) -> Markup:
        return page_html(html[sha], skip) if sha in html else docx_html(blobs[sha], skip)
    policy = version.policy
    meta = policy.meta if policy and policy.meta else None
    title = meta.title if meta and meta.title else (policy.name if policy else version.dossier_id)
    paths = page_paths(version.dossier_id)
    common = dict(city=city, title=title, short_title=short_title(title), released_at=released_at,
                  emergency_note=emergency_note,
                  doc_number=meta.doc_number.canonical if meta and meta.doc_number else None)
    assets: dict[str, bytes] = {}
    materials = []
    for f in version.of_role("interpretation_material", "graphic_interpretation"):
        if f.meta is None:
            asset = f"assets/{f.sha256}{PurePosixPath(f.name).suffix.lower()}"
            assets[asset] = blobs[f.sha256]
            materials.append({"name": f.name, "image": "../" + asset})
        else:
            materials.append({"name": f.name, "html": body(f.sha256)})
    policy_html = render("policy_page.html.j2", **common, organ=meta.signature_organ if meta else None,
                         date=meta.date_text if meta else None, disclosure=meta.disclosure if meta else None,
                         registration_number=registration_number, index_number=index_number, topic=topic,
                         interpretation_href="../" + paths["interpretation"],
                         body_html=body(policy.sha256, head_texts(meta)) if policy else "")
    interpretation_html = render("interpretation_page.html.j2", **common,
                                 interpreting_unit=version.drafting_unit,
                                 policy_href="../" + paths["policy"], materials=materials)
    return {"policy": policy_html, "interpretation": interpretation_html}, assets


def head_texts(meta) -> frozenset[str]:
    if meta is None:
        return frozenset()
    texts = (meta.banner, meta.doc_number_text, meta.title)
    return frozenset("".join(t.split()) for t in texts if t)
