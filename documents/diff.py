"""What changed between two versions of a document, paragraph by paragraph.

`paragraphs` reads a docx into the paragraphs a reviewer sees, numbered as everywhere else
(`docx_read`'s walk: 1-based, document order, table cells included) and each tagged with the
provision it sits under (一、（二）…). `diff_paragraphs` aligns two versions: difflib on whole
paragraphs, then, inside a replaced block, lightly edited paragraphs are paired by similarity so
they show as one "replace" with a character-level inline diff (diff-match-patch, which works on
characters and so suits Chinese text without spaces).
"""
from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Literal

from diff_match_patch import diff_match_patch
from pydantic import BaseModel, Field

from documents import anchors
from documents.anchors import Para
from documents.docx_read import ReadDoc, open_docx
from documents.extract import outline_match, read_meta

# Two paragraphs at least this similar (difflib ratio on characters) are one edited paragraph.
SIMILAR = 0.5
# Above this many candidate pairs in one replaced block, pair by position instead of searching.
_MAX_PAIRS = 40_000
_CONTEXT_CHARS = 60


class Span(BaseModel, frozen=True):
    kind: Literal["equal", "insert", "delete"]
    text: str


class Change(BaseModel, frozen=True):
    kind: Literal["equal", "insert", "delete", "replace"]
    old_index: int | None = None
    new_index: int | None = None
    anchor: str = ""           # the new side's anchor, else the old side's
    old_text: str | None = None
    new_text: str | None = None
    spans: list[Span] = Field(default_factory=list)   # replace only: inline character diff


# ---------------------------------------------------------------------------------------------
# Reading


def paragraphs(name: str, data: bytes) -> list[Para]:
    """The non-empty paragraphs of a docx with their provision anchors; [] when it cannot be read."""
    try:
        doc, _ = open_docx(name, data)
        if doc is None:
            return []
        return _paragraphs(name, data, doc)
    except Exception:  # a reader bug must not take the review page down
        return []


def _paragraphs(name: str, data: bytes, doc: ReadDoc) -> list[Para]:
    headings: dict[int, anchors.Token] = {}
    tail: set[int] = set()
    try:
        meta, layout, _ = read_meta(name, data, doc)
    except Exception:
        meta = layout = None
    if meta is not None:
        # The outline intake found (after the head, without 附件/版记/署名/日期 lines).
        for item in meta.outline:
            token = anchors.label_token(item.level, item.label)
            if token:
                headings[item.paragraph] = token
        tail = set(layout.attachments) | set(layout.colophon)
        tail |= {n for n in (layout.signature, layout.date, layout.disclosure) if n is not None}
    else:
        for p in doc.paragraphs:
            found = None if p.in_table else outline_match(p.text)
            token = anchors.label_token(found[0], found[1]) if found else None
            if token:
                headings[p.number] = token
    path: list[anchors.Token] = []
    out: list[Para] = []
    for p in doc.paragraphs:
        if not p.flat:
            continue
        level = None
        if p.number in headings:
            token = headings[p.number]
            level = token[0]
            path = [t for t in path if t[0] < level] + [token]
        elif p.number in tail:
            path = []   # 附件说明, 署名, 成文日期, 版记 sit under no provision
        out.append(Para(index=p.number, text=p.text.strip(), anchor=anchors.render(path), level=level))
    return out


# ---------------------------------------------------------------------------------------------
# Diffing


def diff_paragraphs(old: Sequence[Para], new: Sequence[Para]) -> list[Change]:
    a = [p.text for p in old]
    b = [p.text for p in new]
    changes: list[Change] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            changes.extend(_equal(old[i], new[j]) for i, j in zip(range(i1, i2), range(j1, j2)))
        elif tag == "delete":
            changes.extend(_delete(p) for p in old[i1:i2])
        elif tag == "insert":
            changes.extend(_insert(p) for p in new[j1:j2])
        else:
            changes.extend(_replace_block(old[i1:i2], new[j1:j2]))
    return changes


def _equal(o: Para, n: Para) -> Change:
    return Change(kind="equal", old_index=o.index, new_index=n.index, anchor=n.anchor or o.anchor,
                  old_text=o.text, new_text=n.text)


def _delete(o: Para) -> Change:
    return Change(kind="delete", old_index=o.index, anchor=o.anchor, old_text=o.text)


def _insert(n: Para) -> Change:
    return Change(kind="insert", new_index=n.index, anchor=n.anchor, new_text=n.text)


def _replace(o: Para, n: Para) -> Change:
    if o.text == n.text:
        return _equal(o, n)
    return Change(kind="replace", old_index=o.index, new_index=n.index, anchor=n.anchor or o.anchor,
                  old_text=o.text, new_text=n.text, spans=inline(o.text, n.text))


def _replace_block(old: Sequence[Para], new: Sequence[Para]) -> list[Change]:
    """Deletes, inserts and replaces for a block difflib saw as replaced, in document order."""
    pairs = _pair([p.text for p in old], [p.text for p in new])
    out: list[Change] = []
    i = j = 0
    for pi, pj in pairs + [(len(old), len(new))]:
        out.extend(_delete(p) for p in old[i:pi])
        out.extend(_insert(p) for p in new[j:pj])
        if pi < len(old) and pj < len(new):
            out.append(_replace(old[pi], new[pj]))
        i, j = pi + 1, pj + 1
    return out


def similarity(x: str, y: str) -> float:
    m = difflib.SequenceMatcher(None, x, y, autojunk=False)
    if m.real_quick_ratio() < SIMILAR or m.quick_ratio() < SIMILAR:
        return 0.0
    return m.ratio()


def _pair(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    """Order-preserving pairs (i, j) of similar paragraphs maximising total similarity."""
    n, m = len(a), len(b)
    if n * m > _MAX_PAIRS:
        return [(k, k) for k in range(min(n, m)) if similarity(a[k], b[k]) >= SIMILAR]
    sim = [[similarity(x, y) for y in b] for x in a]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = best[i + 1][j + 1] + sim[i][j] if sim[i][j] >= SIMILAR else -1.0
            best[i][j] = max(take, best[i + 1][j], best[i][j + 1])
    pairs: list[tuple[int, int]] = []
    i = j = 0
    while i < n and j < m:
        if sim[i][j] >= SIMILAR and best[i][j] == best[i + 1][j + 1] + sim[i][j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


_KINDS = {0: "equal", 1: "insert", -1: "delete"}


def inline(old: str, new: str) -> list[Span]:
    """Character-level diff of one edited paragraph, cleaned up to read as whole words/phrases."""
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 2.0
    ops = dmp.diff_main(old, new, False)
    dmp.diff_cleanupSemantic(ops)
    return [Span(kind=_KINDS[op], text=text) for op, text in ops if text]


def summary(changes: Sequence[Change]) -> dict[str, int]:
    counts = {"equal": 0, "insert": 0, "delete": 0, "replace": 0}
    for c in changes:
        counts[c.kind] += 1
    return counts


# ---------------------------------------------------------------------------------------------
# Text rendering


def render_text(changes: Sequence[Change], context: int = 1) -> str:
    """A unified view for reviewers: each change under its provision, inline marks [-删除-]
    {+新增+}, unchanged paragraphs collapsed except `context` around each change."""
    changed = [k for k, c in enumerate(changes) if c.kind != "equal"]
    if not changed:
        return "两个版本内容一致，未发现改动。"
    counts = summary(changes)
    lines = [f"共 {len(changed)} 处改动：修改 {counts['replace']} 段，新增 {counts['insert']} 段，"
             f"删除 {counts['delete']} 段。"]
    shown: set[int] = set()
    for k in changed:
        shown.update(range(max(0, k - context), min(len(changes), k + context + 1)))
    # A paragraph deleted in one place and inserted unchanged in another has moved.
    moved_from = {c.old_text: c.old_index for c in changes if c.kind == "delete"}
    moved_to = {c.new_text: c.new_index for c in changes if c.kind == "insert"}
    hidden = 0
    for k, c in enumerate(changes):
        if k not in shown:
            hidden += 1
            continue
        if hidden:
            lines.append(f"⋯⋯（{hidden} 段未改动）")
            hidden = 0
        lines.extend(_render_change(c, moved_from, moved_to))
    if hidden:
        lines.append(f"⋯⋯（{hidden} 段未改动）")
    return "\n".join(lines)


def _render_change(c: Change, moved_from: dict, moved_to: dict) -> list[str]:
    where = f"【{c.anchor}】" if c.anchor else ""
    if c.kind == "equal":
        text = c.new_text or ""
        if len(text) > _CONTEXT_CHARS:
            text = text[:_CONTEXT_CHARS] + "…"
        return [f"　 第 {c.new_index} 段：{text}"]
    if c.kind == "insert" and c.new_text in moved_from:
        return [f"{where}第 {c.new_index} 段 移入（原第 {moved_from[c.new_text]} 段）：", f"＋ {c.new_text}"]
    if c.kind == "delete" and c.old_text in moved_to:
        return [f"{where}原第 {c.old_index} 段 移出（现第 {moved_to[c.old_text]} 段）：", f"－ {c.old_text}"]
    if c.kind == "insert":
        return [f"{where}第 {c.new_index} 段 新增：", f"＋ {c.new_text}"]
    if c.kind == "delete":
        return [f"{where}原第 {c.old_index} 段 删除：", f"－ {c.old_text}"]
    moved = f"（原第 {c.old_index} 段）" if c.old_index != c.new_index else ""
    old_line = "".join(s.text if s.kind == "equal" else f"[-{s.text}-]" for s in c.spans if s.kind != "insert")
    new_line = "".join(s.text if s.kind == "equal" else f"{{+{s.text}+}}" for s in c.spans if s.kind != "delete")
    return [f"{where}第 {c.new_index} 段{moved} 修改：", f"－ {old_line}", f"＋ {new_line}"]


__all__ = ["Para", "Span", "Change", "paragraphs", "diff_paragraphs", "inline", "similarity", "summary",
           "render_text", "SIMILAR"]
