"""The interpretation read against its policy for a stored dossier (review/consistency.py on the
current version's docx). Warnings and notes only: nothing here enters the gate's `blocking`."""
from __future__ import annotations

from collections import OrderedDict

from pydantic import BaseModel, Field

from documents.diff import paragraphs
from documents.problems import Problem
from review.consistency import Finding, check_all
from services.home.context import Services
from services.review.actions import load

INTERPRETATIONS = ("interpretation_material", "interpretation_plan")

# Stored files are addressed by their SHA-256, so a result keyed by the hashes never goes stale.
_CACHE: OrderedDict[tuple[str, ...], tuple[list[Problem], list[str], list[Finding]]] = OrderedDict()
_CACHE_SIZE = 256


class ConsistencyView(BaseModel):
    dossier: str
    version: int
    problems: list[Problem] = Field(default_factory=list)   # interpretation_inconsistent warnings
    notes: list[str] = Field(default_factory=list)          # first-level provisions not addressed
    findings: list[Finding] = Field(default_factory=list)   # one per problem, in the same order
    fingerprint: str = ""                                    # the version's (finding ids carry it)


def consistency(svc: Services, dossier_id: str) -> ConsistencyView:
    """Findings of the current version's interpretation material and plan against its policy
    (empty when the version has no readable policy or no interpretation docx)."""
    with svc.unit() as uow:
        _, view = load(uow, dossier_id)
    version = view.current
    out = ConsistencyView(dossier=dossier_id, version=version.number, fingerprint=version.fingerprint)
    policy = next((f for f in version.of_role("policy") if f.meta), None)
    interps = [f for f in version.of_role(*INTERPRETATIONS) if f.meta]
    if policy is None or not interps:
        return out
    key = (policy.sha256, *(f"{f.name}:{f.sha256}" for f in interps))
    hit = _CACHE.get(key)
    if hit is None:
        result = check_all(paragraphs(policy.name, svc.store.get(policy.sha256)),
                           [(f.name, paragraphs(f.name, svc.store.get(f.sha256))) for f in interps])
        hit = (result.problems, result.notes, result.findings)
        _CACHE[key] = hit
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(key)
    out.problems, out.notes, out.findings = list(hit[0]), list(hit[1]), list(hit[2])
    return out


def consistency_json(svc: Services, dossier_id: str) -> dict:
    """What `gate`/`status --json` show under "consistency": problems (warnings) and notes. A
    fault reading the stored files is shown as `unavailable` (its problems), never raised: the
    check must not stand between a signer and the gate."""
    from documents.problems import Refused, problem
    from storage.objects import ObjectMissing
    try:
        view = consistency(svc, dossier_id)
    except Refused as e:
        return {"problems": [], "notes": [], "unavailable": [p.model_dump(mode="json") for p in e.problems]}
    except (ObjectMissing, OSError):
        missing = problem("storage_unavailable", "读取解读材料或政策文件失败，未能核对解读与政策的一致性")
        return {"problems": [], "notes": [], "unavailable": [missing.model_dump(mode="json")]}
    return {"problems": [p.model_dump(mode="json") for p in view.problems], "notes": view.notes}


__all__ = ["ConsistencyView", "consistency", "consistency_json"]
