"""The interpretation's findings on the review page (issue 16): each finding placed right after
the interpretation paragraph it concerns, linking to the policy provision it is read against.

The documents are shown as mammoth's cleaned HTML; the findings name paragraphs by their number in
`documents.diff.paragraphs`. Paragraphs are found in the HTML by their text, in reading order: the
policy's provision headings get ids (prov-1, prov-2, …) and the interpretation's HTML is cut after
each paragraph a finding names, so the page puts the finding box there. A paragraph the HTML does
not show as one block (rare: a heading split by a field) is not found; its findings are shown in
the page's summary list instead, with everything they would show inline.
"""
from __future__ import annotations

import html as htmllib
import re

from markupsafe import Markup

_BLOCK = re.compile(r"<(p|h[1-6])\b([^>]*)>(.*?)</\1>", re.S)
_TAGS = re.compile(r"<[^>]+>")
_PREFIX = 16


def _flat(text: str) -> str:
    return "".join(htmllib.unescape(_TAGS.sub("", text or "")).split())


def _blocks(html: str) -> list[re.Match]:
    return list(_BLOCK.finditer(html))


def _find(blocks: list[re.Match], start: int, text: str) -> int | None:
    """The first block from `start` whose text is the paragraph's (or begins as it does)."""
    want = _flat(text)
    if not want:
        return None
    head = want[:_PREFIX]
    for k in range(start, len(blocks)):
        got = _flat(blocks[k].group(3))
        if got == want or (got and got.startswith(head)) or (len(got) >= _PREFIX and want.startswith(got[:_PREFIX])):
            return k
    return None


def provision_ids(html: str, paras) -> tuple[Markup, dict[str, str]]:
    """The policy's HTML with an id on each provision heading, and anchor (一、（二）) → id."""
    blocks = _blocks(str(html))
    ids: dict[str, str] = {}
    at: dict[int, str] = {}
    k = 0
    for p in paras:
        if p.level is None or not p.anchor or p.anchor in ids:
            continue
        hit = _find(blocks, k, p.text)
        if hit is None:
            continue
        ident = f"prov-{len(ids) + 1}"
        ids[p.anchor], at[hit], k = ident, ident, hit + 1
    if not at:
        return Markup(html), ids
    out, last = [], 0
    source = str(html)
    for k, b in enumerate(blocks):
        if k in at:
            tag_end = b.start() + 1 + len(b.group(1))
            out.append(source[last:tag_end] + f' id="{at[k]}"')
            last = tag_end
    out.append(source[last:])
    return Markup("".join(out)), ids


def provision_link(anchor: str | None, ids: dict[str, str]) -> str | None:
    """The id of the provision, or of the nearest provision above it that has one."""
    if not anchor:
        return None
    best = max((a for a in ids if anchor.startswith(a)), key=len, default=None)
    return ids[best] if best else None


def cut_after(html: str, paras, wanted: dict[int, list]) -> tuple[list[dict], list]:
    """The HTML as segments [{"html": Markup, "after": [items]}], each cut after a paragraph that
    `wanted` names (paragraph number → items), and the items whose paragraph was not found."""
    source = str(html)
    blocks = _blocks(source)
    by_number = {p.index: p for p in paras}
    places: dict[int, list] = {}
    lost: list = []
    k = 0
    for number in sorted(wanted):
        para = by_number.get(number)
        hit = _find(blocks, k, para.text) if para is not None else None
        if hit is None:
            lost.extend(wanted[number])
            continue
        places.setdefault(hit, []).extend(wanted[number])
        k = hit + 1
    segments, last = [], 0
    for hit in sorted(places):
        end = blocks[hit].end()
        segments.append({"html": Markup(source[last:end]), "after": places[hit]})
        last = end
    segments.append({"html": Markup(source[last:]), "after": []})
    return segments, lost


def place_findings(view: dict, found, version, paras_of) -> dict:
    """The review page's view with the findings placed: `view["consistency"]` (None without
    findings to show), ids on the policy's provisions, and each interpretation document that has
    findings cut into segments. `paras_of(file)` reads a file's paragraphs."""
    view["consistency"] = None
    if found is None or found.version != version.number:
        return view
    from services.dossiers.explained import summary_line
    ids: dict[str, str] = {}
    policy = next((f for f in version.of_role("policy") if f.meta is not None), None)
    shown_policy = next((s for s in view["policy"] if s.get("html") is not None), None)
    if policy is not None and shown_policy is not None and found.findings:
        shown_policy["html"], ids = provision_ids(shown_policy["html"], paras_of(policy))
    items = [{"f": f, "link": provision_link(f.policy_anchor, ids)} for f in found.findings]
    lost: list = []
    files = {f.name: f for f in version.files}
    for shown in view["interpretation"]:
        mine = [x for x in items if x["f"].file == shown["name"]]
        if not mine:
            continue
        if shown.get("html") is None or shown["name"] not in files:
            lost.extend(mine)
            continue
        wanted: dict[int, list] = {}
        for x in mine:
            wanted.setdefault(x["f"].paragraph, []).append(x)
        shown["segments"], missing = cut_after(shown["html"], paras_of(files[shown["name"]]), wanted)
        lost.extend(missing)
    shown_names = {s["name"] for s in view["interpretation"]}
    lost.extend(x for x in items if x["f"].file not in shown_names)
    view["consistency"] = {"found": items, "lost": lost, "notes": found.notes, "unexplained": found.unexplained,
                           "summary": summary_line(found), "may_explain": found.may_explain,
                           "why_not": found.why_not, "unavailable": found.unavailable}
    return view
