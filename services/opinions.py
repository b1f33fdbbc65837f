"""What reviewers write: reasons anchored to provisions, and the legality opinion (意见书) docx."""
from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from documents.anchors import find, normalise
from documents.diff import paragraphs
from documents.problems import Refused, problem
from review.model import Reason, StageDecided
from services.context import Services
from storage.repository import Dossiers
from storage.tables import DecisionRow, DossierRow

# “解读：问3：…”, “方案：二、：…” point into an interpretation; anything else into the policy.
_DOCUMENTS = (("解读方案", "interpretation_plan"), ("方案", "interpretation_plan"),
              ("解读材料", "interpretation_material"), ("解读", "interpretation_material"),
              ("政策", "policy"), ("正文", "policy"))
_SEP = re.compile(r"[:：=]")


def split_reason(text: str) -> tuple[str, str, str]:
    """(document role, anchor, reason text) from “[文件：]条款：理由”; no anchor when no separator."""
    text = text.strip()
    role = "policy"
    for prefix, r in _DOCUMENTS:
        if re.match(rf"^{prefix}\s*[:：]", text):
            role, text = r, _SEP.split(text, 1)[1].strip()
            break
    parts = _SEP.split(text, 1)
    if len(parts) == 1:
        return role, "", text
    return role, parts[0].strip(), parts[1].strip()


def anchor_reasons(svc: Services, dossier_id: str, texts: list[str]) -> tuple[Reason, ...]:
    if not texts:
        return ()
    with svc.session() as s:
        repo = Dossiers(s)
        row = repo.get(dossier_id)
        if row is None:
            raise Refused(problem("not_found", f"没有卷宗 {dossier_id}"))
        version = repo.version(dossier_id, row.current_version)
    out = []
    cache: dict[str, list] = {}
    for text in texts:
        role, anchor, reason = split_reason(text)
        if not anchor:
            out.append(Reason(document=role, text=reason))
            continue
        files = [f for f in version.of_role(role) if f.meta is not None]
        if not files:
            raise Refused(problem("not_found", f"本版本没有可定位条款的{role}文件"))
        f = files[0]
        paras = cache.setdefault(f.sha256, paragraphs(f.name, svc.store.get(f.sha256)))
        hit = find(paras, anchor)
        if hit is None:
            known = "、".join(dict.fromkeys(p.anchor for p in paras if p.anchor))[:200]
            raise Refused(problem("not_found", f"在《{f.name}》中找不到条款“{anchor}”（可用：{known}）"))
        out.append(Reason(document=role, anchor=normalise(anchor), paragraph=hit.index, text=reason))
    return tuple(out)


def next_opinion_number(s: Session, code: str, year: int) -> str:
    from templates.opinion import opinion_number
    prefix = f"{code}〔{year}〕"
    taken = s.scalar(select(func.count()).select_from(DecisionRow)
                     .where(DecisionRow.opinion_number.like(prefix + "%"))) or 0
    return opinion_number(code, year, taken + 1)


def attach_opinion(svc: Services, s: Session, row: DossierRow, event: StageDecided) -> tuple[StageDecided, str]:
    """Number and render the legality opinion for this decision, and store the docx."""
    from templates.opinion import Opinion, OpinionReason, render_opinion
    cfg = svc.config.opinions
    day = event.at.astimezone().date()
    number = next_opinion_number(s, cfg.organ_code, day.year)
    template = svc.home.path / "templates" / "legality_opinion.docx"      # an office's own, if any
    reviewer = svc.config.person(event.actor)
    opinion = Opinion(organ=cfg.organ, opinion_number=number, title=_title(row.title),
                      doc_number=row.doc_number, drafting_unit=row.drafting_unit,
                      approved=event.verdict == "approve",
                      reasons=tuple(OpinionReason(anchor=r.anchor, text=r.text) for r in event.reasons),
                      comment=event.comment, reviewer=(reviewer.display if reviewer and reviewer.display else event.actor),
                      date=day)
    data = render_opinion(opinion, template.read_bytes() if template.is_file() else None)
    sha = svc.store.put(data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    return event.model_copy(update={"opinion_number": number}), sha


def _title(title: str) -> str:
    m = re.search(r"《([^》]+)》", title)
    return m.group(1) if m and title.startswith(m.group(0)) else title.strip("《》")
