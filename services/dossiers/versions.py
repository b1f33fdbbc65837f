"""What reviewers compare and export: diffs between versions, legality opinions."""
from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from documents.diff import Change, diff_paragraphs, paragraphs, render_text, summary
from documents.models import ROLE_NAMES
from documents.problems import Refused, problem
from documents.shown import echoed
from services.home.context import Services

COMPARED = ("policy", "interpretation_plan", "interpretation_material", "risk_assessment")


class DocumentDiff(BaseModel):
    role: str
    role_name: str
    old_name: str | None
    new_name: str | None
    summary: dict[str, int]
    changes: list[Change]

    def text(self, context: int = 1) -> str:
        return render_text(self.changes, context)


class VersionDiff(BaseModel):
    dossier: str
    old: int
    new: int
    documents: list[DocumentDiff]


def last_decided(svc: Services, dossier_id: str, person: str, before: int) -> int | None:
    """The newest version before `before` on which `person` decided a stage (approved or returned),
    or None: the review page compares against it, so a reviewer sees what changed since they looked."""
    with svc.unit() as uow:
        number_of = {fp: n for n, fp, _ in uow.dossiers.revision_notes(dossier_id)}
        mine = {number_of.get(d.fingerprint) for d in uow.dossiers.decisions(dossier_id) if d.actor == person}
    return max((n for n in mine if n is not None and n < before), default=None)


def compared_pair(current: int, last_mine: int | None, asked_old: str | None, asked_new: str | None) -> tuple[int, int]:
    """Which two versions the review page compares: the ones asked for (?old=&new=, any two), else the
    version this reviewer last decided on against the current one, else the previous one. Refused
    (not_found) for a version the dossier does not have; old and new may come in either order."""
    def number(text: str | None, default: int) -> int:
        if text is None or not text.strip():
            return default
        if not text.strip().isdecimal() or not 1 <= int(text) <= current:
            raise Refused(problem("not_found", f"没有第 {echoed(text.strip(), 8)} 版（本卷宗共 {current} 版）",
                                  advice="请从版本列表中选择两个版本比对"))
        return int(text)
    new = number(asked_new, current)
    old = number(asked_old, last_mine if last_mine and last_mine < new else max(new - 1, 1))
    return (old, new) if old <= new else (new, old)


def diff_versions(svc: Services, dossier_id: str, old: int | None, new: int | None) -> VersionDiff:
    with svc.unit() as uow:
        row = uow.dossiers.require(dossier_id)
        new = new or row.current_version
        old = old or new - 1
        a, b = uow.dossiers.version(dossier_id, old), uow.dossiers.version(dossier_id, new)
    if a is None or b is None:
        raise Refused(problem("not_found", f"卷宗 {echoed(dossier_id)} 没有第 {old if a is None else new} 版"))
    docs = []
    for role in COMPARED:
        fa = next((f for f in a.of_role(role) if f.meta), None)
        fb = next((f for f in b.of_role(role) if f.meta), None)
        if fa is None and fb is None:
            continue
        pa = paragraphs(fa.name, svc.store.get(fa.sha256)) if fa else []
        pb = paragraphs(fb.name, svc.store.get(fb.sha256)) if fb else []
        changes = diff_paragraphs(pa, pb)
        docs.append(DocumentDiff(role=role, role_name=ROLE_NAMES[role], old_name=fa.name if fa else None,
                                 new_name=fb.name if fb else None, summary=summary(changes), changes=changes))
    return VersionDiff(dossier=dossier_id, old=old, new=new, documents=docs)


def export_opinions(svc: Services, dossier_id: str, out_dir: Path) -> list[dict]:
    with svc.unit() as uow:
        uow.dossiers.require(dossier_id)
        rows = uow.dossiers.opinions(dossier_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for r in rows:
        path = out_dir / f"{r.opinion_number}合法性审核意见书.docx"
        path.write_bytes(svc.store.get(r.opinion_sha256))
        files.append({"opinion_number": r.opinion_number, "verdict": r.verdict, "path": str(path),
                      "sha256": r.opinion_sha256})
    return files
