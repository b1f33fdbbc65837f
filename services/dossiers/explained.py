"""Explained marks on the interpretation's findings (issue 16): a reviewer says why a finding of
services/dossiers/consistency.py is not an error (解读与政策一致性：已说明), audited as
`consistency.explained`. The marks are read back from the audit chain (uow.consistency).

A finding is named by a stable id: a hash of its kind, its file, both places, both texts and the
version's fingerprint. The same finding in the same version keeps its id across reads; a new
version's findings have new ids and start unexplained. Marks never block the gate: the signer is
shown how many are unexplained (`summary_line`).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json

from pydantic import BaseModel, Field

from documents.problems import Problem, Refused, problem
from documents.shown import echoed
from review import rules
from review.gate import active_stages
from review.model import ConsistencyExplained
from services.dossiers.consistency import ConsistencyView, consistency
from services.home.context import Services
from services.review.basics import person, pipeline_for
from services.review.actions import load

ID_LENGTH = 16


class FindingItem(BaseModel):
    """One interpretation_inconsistent finding as the reviewer sees it, with its mark."""
    id: str
    file: str | None = None
    kind: str
    anchor: str                        # the interpretation's place: 问3, 二、, 第5段
    text: str                          # as the interpretation writes it
    policy_anchor: str | None = None   # the policy's place, when a differing figure stands there
    policy_text: str | None = None     # None: the policy says nothing of the kind (政策中没有)
    paragraph: int
    message: str
    explained: bool = False
    explained_by: str | None = None
    explained_at: dt.datetime | None = None
    reason: str | None = None


class FindingsView(BaseModel):
    dossier: str
    version: int
    findings: list[FindingItem] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)       # first-level provisions no answer addresses
    unexplained: int = 0
    unavailable: list[Problem] = Field(default_factory=list)   # the documents could not be read
    may_explain: bool = False
    why_not: Problem | None = None     # the rulebook's answer when the person may not explain


class ExplainResult(BaseModel):
    dossier: str
    version: int
    finding: FindingItem
    unexplained: int


def finding_id(fingerprint: str, file: str | None, finding) -> str:
    """Kind, file, both places, both texts and the version's fingerprint, hashed."""
    body = json.dumps([finding.kind, file, finding.anchor, finding.text, finding.policy_anchor,
                       finding.policy_text, fingerprint], ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()[:ID_LENGTH]


def _items(found: ConsistencyView, marks: dict) -> list[FindingItem]:
    items: dict[str, FindingItem] = {}
    for f, p in zip(found.findings, found.problems):
        fid = finding_id(found.fingerprint, p.file, f)
        if fid in items:
            continue
        mark = marks.get(fid)
        payload = mark.payload if mark is not None else {}
        items[fid] = FindingItem(id=fid, file=p.file, kind=f.kind, anchor=f.anchor, text=f.text,
                                 policy_anchor=f.policy_anchor, policy_text=f.policy_text,
                                 paragraph=f.paragraph, message=p.message, explained=mark is not None,
                                 explained_by=mark.actor if mark is not None else None,
                                 explained_at=mark.at if mark is not None else None,
                                 reason=payload.get("reason"))
    return list(items.values())


def _read(svc: Services, dossier_id: str) -> tuple[ConsistencyView | None, list[Problem]]:
    """The findings, or (None, why) when the stored documents cannot be read: never raised, so a
    page or the gate still answers."""
    from storage.objects import ObjectMissing
    try:
        return consistency(svc, dossier_id), []
    except (ObjectMissing, OSError):
        return None, [problem("storage_unavailable", "读取解读材料或政策文件失败，未能核对解读与政策的一致性")]


def _scope(svc: Services, uow, who, dossier_id: str):
    """(row, view, active stages), refused not_found when the person may not see the dossier."""
    row, view = load(uow, dossier_id)
    pipeline = pipeline_for(svc.config, view.current)
    if refusal := rules.may_see(who, dossier_id, row.drafting_unit, row.state, pipeline, view.current):
        raise Refused(refusal)
    return row, view, active_stages(pipeline, view.current)


def findings(svc: Services, dossier_id: str, who_name: str | None = None) -> FindingsView:
    """The current version's findings with their marks, and the coverage notes. With a person:
    refused (not_found) when they may not see the dossier, and says whether they may explain."""
    found, unavailable = _read(svc, dossier_id)
    with svc.reading() as uow:
        why_not = None
        if who_name is not None:
            who = person(svc.config, who_name)
            row, view, stages = _scope(svc, uow, who, dossier_id)
            why_not = rules.may_explain_finding(who, view.submitters, row.drafting_unit, stages, row.state)
        else:
            row, view = load(uow, dossier_id)
        marks = uow.consistency.explained(dossier_id)
    if found is None or found.version != view.current.number:
        out = FindingsView(dossier=dossier_id, version=view.current.number, unavailable=unavailable)
    else:
        items = _items(found, marks)
        out = FindingsView(dossier=dossier_id, version=found.version, findings=items, notes=list(found.notes),
                           unexplained=sum(not i.explained for i in items))
    out.may_explain = who_name is not None and why_not is None
    out.why_not = why_not if who_name is not None else None
    return out


def explain(svc: Services, dossier_id: str, fid: str, reason: str, who_name: str) -> ExplainResult:
    """Mark one finding of the current version explained, with the reviewer's reason, audited.

    Refused: not_found when the person may not see the dossier (as for a missing one);
    not_permitted when they decide none of its stages or submitted it (rules.may_explain_finding);
    request_invalid for a reason under 10 written characters; not_found for an id that names no
    finding of the current version; invalid_state when the finding is explained already."""
    who = person(svc.config, who_name)
    reason = " ".join((reason or "").split())
    fid = (fid or "").strip()

    def once() -> ExplainResult:
        found, unavailable = _read(svc, dossier_id)
        with svc.unit() as uow:
            row, view, stages = _scope(svc, uow, who, dossier_id)
            if refusal := rules.may_explain_finding_with(who, view.submitters, row.drafting_unit, stages,
                                                         row.state, reason):
                raise Refused(refusal)
            if found is None:
                raise Refused(*unavailable)
            if found.version != view.current.number:
                raise Refused(problem("invalid_state", f"卷宗已更新为第 {view.current.number} 版，请重新查看一致性问题"))
            marks = uow.consistency.explained(dossier_id)
            items = _items(found, marks)
            item = next((i for i in items if i.id == fid), None)
            if item is None:
                raise Refused(problem("not_found", f"卷宗 {echoed(dossier_id)} 第 {found.version} 版没有编号为 "
                                                   f"{echoed(fid) if fid else '（空）'} "
                                                   "的一致性问题（卷宗更新后编号会变，请重新查看）"))
            if item.explained:
                raise Refused(problem("invalid_state", f"该问题已由 {item.explained_by} 说明，无须重复说明"))
            now = svc.now()
            event = ConsistencyExplained(dossier_id=dossier_id, actor=who.name, at=now, version=found.version,
                                         finding=fid, reason=reason, summary=item.message)
            uow.audit.append(event)
        done = item.model_copy(update={"explained": True, "explained_by": who.name, "explained_at": now,
                                       "reason": reason})
        return ExplainResult(dossier=dossier_id, version=found.version, finding=done,
                             unexplained=sum(not i.explained for i in items) - 1)
    return svc.retrying(once)


def summary_line(view: FindingsView) -> str:
    """What the signer reads: 解读与政策一致性：N 处未说明 (never a reason to refuse)."""
    if view.unavailable:
        return "解读与政策一致性：未能核对（读取文件失败）"
    return f"解读与政策一致性：{view.unexplained} 处未说明"


def summary_json(svc: Services, dossier_id: str) -> dict:
    """`gate`/`status --json` under "consistency": the warnings, notes, the findings with their
    marks and how many are unexplained. A fault is shown (`unavailable`), never raised."""
    try:
        view = findings(svc, dossier_id)
    except Refused as e:
        return {"problems": [], "notes": [], "findings": [], "unexplained": 0,
                "unavailable": [p.model_dump(mode="json") for p in e.problems]}
    out = {"problems": [], "notes": view.notes, "findings": [i.model_dump(mode="json") for i in view.findings],
           "unexplained": view.unexplained, "summary": summary_line(view)}
    out["problems"] = [problem_of(i) for i in view.findings]
    if view.unavailable:
        out["unavailable"] = [p.model_dump(mode="json") for p in view.unavailable]
    return out


def problem_of(item: FindingItem) -> dict:
    return {"code": "interpretation_inconsistent", "message": item.message, "severity": "warning",
            "file": item.file, "paragraph": item.paragraph}


__all__ = ["ExplainResult", "FindingItem", "FindingsView", "explain", "finding_id", "findings", "summary_json",
           "summary_line"]
