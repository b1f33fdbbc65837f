"""The extracted metadata as people read it: (Chinese label, value) pairs, for every surface."""
from __future__ import annotations

from documents.models import DocumentMeta


HEADING_SHOWN = 24         # a 一、 heading longer than this is shown up to a clause mark, with "…"
_CLAUSE_END = "，,；;：:、"
_OPEN, _CLOSE = "《（(〈", "》）)〉"


def clause_cut(text: str, limit: int) -> str:
    """`text` when it fits in `limit` characters; else up to the last clause mark (，；：、) within the
    limit, or the first one after it, with "…": never cut inside a word."""
    if len(text) <= limit:
        return text
    marks, depth = [], 0             # a mark inside 《》 or （） is part of a name, never a place to cut
    for i, c in enumerate(text):
        depth += (c in _OPEN) - (c in _CLOSE and depth > 0)
        if c in _CLAUSE_END and depth == 0 and i > 0:
            marks.append(i)
    inside = [i for i in marks if i <= limit]
    if inside:
        return text[:inside[-1]] + "…"
    return text[:marks[0]] + "…" if marks else text


def meta_fields(m: DocumentMeta | None) -> list[tuple[str, str]]:
    if m is None:
        return []
    # What a document refers to matters for interpretations; a policy quoting others is just text.
    refers = m.suggested_role != "policy"
    fields = [("发文机关标志", m.banner), ("发文字号", m.doc_number.canonical if m.doc_number else None),
              ("标题", m.title), ("主送机关", m.addressee), ("发文机关署名", m.signature_organ),
              ("成文日期", m.date_text), ("公开属性", m.disclosure), ("解读机关", m.interpreting_unit),
              ("评估对象" if m.suggested_role == "risk_assessment" else "所解读文件",
               f"《{m.refers_to_title}》" if refers and m.refers_to_title else None),
              ("评估单位", m.assessing_unit),
              ("关联文号", m.refers_to_number.canonical if refers and m.refers_to_number else None),
              ("风险等级", m.risk_level), ("附件", "；".join(m.attachments) if m.attachments else None)]
    out = [(label, value) for label, value in fields if value]
    if m.outline:
        out.append(("正文层次", " ".join(f"{o.label}{clause_cut(o.text, HEADING_SHOWN)}" for o in m.outline
                                         if o.level == 1)))
    if m.risk_level:
        out.append(("应对处置预案", "有" if m.has_response_plan else "无"))
    return out
