"""The dossier as the review rules see it: versions, their files, decisions and events."""
from __future__ import annotations

import datetime as dt
import hashlib
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from documents.models import DocumentMeta, Role
from review.config import Pipeline

State = Literal["submitted", "in_review", "returned", "signed_off", "published", "registered"]
STATE_NAMES: dict[str, str] = {
    "submitted": "已提交", "in_review": "审核中", "returned": "已退回",
    "signed_off": "已签发", "published": "已发布", "registered": "已登记",
}


class VersionFile(BaseModel, frozen=True):
    name: str
    role: Role
    sha256: str
    size: int
    meta: DocumentMeta | None = None     # None for pictures and other non-docx members


class Version(BaseModel, frozen=True):
    """One immutable version of a dossier, identified by the fingerprints of its files."""
    dossier_id: str
    number: int
    fingerprint: str
    kind: str
    drafting_unit: str
    submitted_by: str
    submitted_by_unit: str
    files: tuple[VersionFile, ...]
    # The review pipeline as configured when this version arrived: a later change to the config
    # does not rewrite what a dossier under way must pass.
    pipeline: Pipeline | None = None

    def of_role(self, *roles: str) -> list[VersionFile]:
        return [f for f in self.files if f.role in roles]

    @property
    def policy(self) -> VersionFile | None:
        found = self.of_role("policy")
        return found[0] if found else None

    @property
    def risk_level(self) -> str | None:
        levels = [f.meta.risk_level for f in self.of_role("risk_assessment") if f.meta and f.meta.risk_level]
        order = {"低": 0, "中": 1, "高": 2}
        return max(levels, key=order.__getitem__) if levels else None


def fingerprint(files: list[tuple[str, str, str]]) -> str:
    """SHA-256 over (role, name, sha256) of every file: any change to any file, its name or role
    gives a new version (and voids approvals bound to the old one)."""
    h = hashlib.sha256()
    for role, name, sha in sorted(files):
        h.update(f"{role}\0{name}\0{sha}\n".encode())
    return h.hexdigest()


class Consultation(BaseModel, frozen=True):
    """Public comment on a major decision (重大行政决策预公开)."""
    opens: dt.date
    closes: dt.date
    summary_published: bool = False


# Events: what happened, recorded in the audit chain. Names are namespaced and stable.
class Event(BaseModel, frozen=True):
    name: ClassVar[str]
    dossier_id: str | None         # None for events about the home itself (config changes)
    actor: str
    at: dt.datetime


class Submitted(Event):
    name: ClassVar[str] = "dossier.submitted"
    version: int
    fingerprint: str
    files: dict[str, str] = Field(default_factory=dict)   # name -> sha256


class KindChanged(Event):
    """A resubmission under another kind (review/kinds.py): the new version takes its pipeline."""
    name: ClassVar[str] = "dossier.kind_changed"
    version: int
    previous: str
    kind: str


class Reason(BaseModel, frozen=True):
    """A return's reason anchored to a provision: 一、（二） of the policy or of an interpretation."""
    document: str = "policy"          # a role: policy, interpretation_material, interpretation_plan, ...
    anchor: str = ""
    paragraph: int | None = None
    text: str


class StageDecided(Event):
    name: ClassVar[str] = "review.stage.decided"
    stage: str
    fingerprint: str
    verdict: Literal["approve", "return"]
    comment: str = ""
    unit: str = ""
    role: str | None = None
    reasons: tuple[Reason, ...] = ()
    opinion_number: str | None = None


class SignedOff(Event):
    name: ClassVar[str] = "dossier.signed_off"
    fingerprint: str
    version: int


class EmergencySignedOff(SignedOff):
    name: ClassVar[str] = "dossier.emergency_signed_off"
    reason: str
    skipped_stages: tuple[str, ...]


class ConsultationOpened(Event):
    name: ClassVar[str] = "consultation.opened"
    opens: dt.date
    closes: dt.date
    shortened_reason: str | None = None


class CommentsRecorded(Event):
    name: ClassVar[str] = "consultation.comments_recorded"
    count: int
    source: str


class SummaryPublished(Event):
    name: ClassVar[str] = "consultation.summary_published"
    sha256: str
    page: str


class Published(Event):
    name: ClassVar[str] = "dossier.published"
    fingerprint: str
    registration_number: str | None = None
    gazette_item: int | None = None
    pages: dict[str, str] = Field(default_factory=dict)     # page -> sha256


class Filed(Event):
    name: ClassVar[str] = "register.filed"
    registration_number: str
    filing_number: str


class ConfigChanged(Event):
    name: ClassVar[str] = "config.changed"
    change: str
    detail: dict = Field(default_factory=dict)


class DisclosureSet(Event):
    """A person set a dossier's 公开属性 because its policy's marking could not be placed (fail
    closed: the gate blocks on disclosure_unknown until someone authorised says what it is)."""
    name: ClassVar[str] = "dossier.disclosure_set"
    version: int
    value: str                       # 主动公开 / 依申请公开 / 不予公开
    ground: str | None = None        # 法律依据, required for 不予公开
    previous: str | None = None      # the attribute before (read from the document or set earlier)
    marking: str | None = None       # what the policy itself says, as found (None: no marking)


class Withheld(Event):
    """撤回公开: a published document taken off every public output, with the reason. The released
    print editions and their fingerprints are not changed; the web editions' revisions are named."""
    name: ClassVar[str] = "dossier.withheld"
    reason: str
    issues: tuple[str, ...] = ()                            # released issues whose web edition was revised
    web_revisions: dict[str, str] = Field(default_factory=dict)   # issue -> sha256 of the revised manifest
    site_removed: tuple[str, ...] = ()                      # site paths removed from disk


class ConsistencyExplained(Event):
    """A reviewer's reason why an interpretation_inconsistent finding is not an error (解读与政策
    一致性：已说明). `finding` is the finding's stable id (kind, both places, both texts and the
    version's fingerprint): a new version's findings start unexplained."""
    name: ClassVar[str] = "consistency.explained"
    version: int
    finding: str
    reason: str
    summary: str                  # the finding as shown: 解读 问3：‘48小时内’ ↔ 政策 二、（二）：‘24小时内’
