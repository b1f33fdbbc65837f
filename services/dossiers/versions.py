"""What reviewers compare and export: diffs between versions, legality opinions."""
from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from documents.diff import Change, diff_paragraphs, paragraphs, render_text, summary
from documents.models import ROLE_NAMES
from documents.problems import Refused, problem
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


def diff_versions(svc: Services, dossier_id: str, old: int | None, new: int | None) -> VersionDiff:
    with svc.unit() as uow:
        row = uow.dossiers.require(dossier_id)
        new = new or row.current_version
        old = old or new - 1
        a, b = uow.dossiers.version(dossier_id, old), uow.dossiers.version(dossier_id, new)
    if a is None or b is None:
        raise Refused(problem("not_found", f"卷宗 {dossier_id} 没有第 {old if a is None else new} 版"))
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
