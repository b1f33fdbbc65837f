"""The interpretation read against its policy for a stored dossier (review/consistency.py on the
current version's docx). Warnings and notes only: nothing here enters the gate's `blocking`.

The findings are a pure function of the version's files (and of the code that reads them), so they
are worked out once: kept in this process (the desk) and in a file under the home
(`cache/consistency/<key>.json`), whichever store holds the objects (a folder or S3: each machine's
home keeps its own file; the store is asked only whether the files are still there). A cold `gate` or `status` then
neither opens the docx nor imports the docx reader and the fact extractor (issue 14: "Reads are
fast"). The key is a hash of the policy's and the interpretations' names and SHA-256 and of the
source of documents/ and review/ (a changed reader or rule never answers from an older result). A
cache file that is missing, unreadable or not what this code wrote is worked out again; a file the
store no longer holds is read (and reported unavailable) as before.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

from documents.problems import Problem
from review.findings import Finding          # the model alone: not the docx reader, not the fact extractor
from services.home.context import Services
from services.review.actions import load

INTERPRETATIONS = ("interpretation_material", "interpretation_plan")


# Stored files are addressed by their SHA-256, so a result keyed by the hashes never goes stale.
_CACHE: OrderedDict[tuple[str, ...], tuple[list[Problem], list[str], list[Finding]]] = OrderedDict()
_CACHE_SIZE = 256
_CACHE_LOCK = threading.Lock()
# What a cache file says it is; a file without it (or another) is worked out again.
CACHE_FORMAT = "lockstep.consistency/1"
# The code the findings depend on: every module of these packages, by content.
_CODE = ("documents", "review")


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
    with svc.reading() as uow:
        _, view = load(uow, dossier_id)
    version = view.current
    out = ConsistencyView(dossier=dossier_id, version=version.number, fingerprint=version.fingerprint)
    policy = next((f for f in version.of_role("policy") if f.meta), None)
    interps = [f for f in version.of_role(*INTERPRETATIONS) if f.meta]
    if policy is None or not interps:
        return out
    key = (f"{policy.name}:{policy.sha256}", *(f"{f.name}:{f.sha256}" for f in interps))
    hit = _CACHE.get(key)
    if hit is None:
        hit = _from_file(svc, key, [policy.sha256, *(f.sha256 for f in interps)])
    if hit is None:
        hit = _work_out(svc, policy, interps)
        _to_file(svc, key, hit)
    with _CACHE_LOCK:                  # the desk's threads share it
        _CACHE[key] = hit
        _CACHE.move_to_end(key)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    out.problems, out.notes, out.findings = list(hit[0]), list(hit[1]), list(hit[2])
    return out


def _work_out(svc: Services, policy, interps) -> tuple[list[Problem], list[str], list[Finding]]:
    """Read the docx and check: the only place the reader and the rules are imported."""
    from documents.diff import paragraphs
    from review.consistency import check_all
    result = check_all(paragraphs(policy.name, svc.store.get(policy.sha256)),
                       [(f.name, paragraphs(f.name, svc.store.get(f.sha256))) for f in interps])
    return (list(result.problems), list(result.notes),
            list(result.findings))


# ------------------------------------------------------------------ the cache file

@lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 of the source of documents/ and review/ (names and contents), once per process."""
    root = Path(__file__).resolve().parents[2]
    h = hashlib.sha256(CACHE_FORMAT.encode())
    for package in _CODE:
        for path in sorted((root / package).glob("*.py")):
            h.update(f"\0{package}/{path.name}\0".encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def cache_path(svc: Services, key: tuple[str, ...]) -> Path:
    """Where the findings for these files are kept (under the home, whatever the object store)."""
    name = hashlib.sha256(json.dumps([code_digest(), *key], ensure_ascii=False).encode()).hexdigest()
    return svc.home.path / "cache" / "consistency" / f"{name}.json"


def _from_file(svc: Services, key: tuple[str, ...], shas: list[str]):
    """The kept findings, or None: no file, an unreadable or foreign one, or a file the store has
    lost (then the check reads and says it is unavailable, as without a cache)."""
    try:
        path = cache_path(svc, key)
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT or data.get("key") != list(key):
            return None
        hit = ([Problem.model_validate(p) for p in data["problems"]], [str(n) for n in data["notes"]],
               [Finding.model_validate(f) for f in data["findings"]])
        if not isinstance(data["notes"], list) or len(hit[0]) != len(hit[2]):
            return None
        if not all(svc.store.exists(s) for s in shas):
            return None
        return hit
    except Exception:  # noqa: BLE001 - a cache is never a reason to fail a read: work it out
        return None


def _to_file(svc: Services, key: tuple[str, ...], hit) -> None:
    """Keep the findings for the next process; a home that cannot be written keeps none."""
    tmp = None
    try:
        path = cache_path(svc, key)
        for folder in (path.parent.parent, path.parent):     # cache/, cache/consistency/: private
            if not folder.is_dir():
                folder.mkdir(mode=0o700, exist_ok=True)
                os.chmod(folder, 0o700)                          # whatever the umask
        body = json.dumps({"format": CACHE_FORMAT, "key": list(key),
                           "problems": [p.model_dump(mode="json") for p in hit[0]], "notes": hit[1],
                           "findings": [f.model_dump(mode="json") for f in hit[2]]}, ensure_ascii=False)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")   # the desk's threads too
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(body)
        os.replace(tmp, path)          # whole or not at all: a reader never sees half a file
    except Exception:  # noqa: BLE001 - read-only home, full disk: the next read works it out again
        if tmp is not None:
            tmp.unlink(missing_ok=True)


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


__all__ = ["ConsistencyView", "cache_path", "code_digest", "consistency", "consistency_json"]
