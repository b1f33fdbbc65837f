"""Intake: a bundle in, a stored dossier version out, or coded problems and nothing stored."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from pydantic import BaseModel, Field

from documents.bundle import Bundle, BundleMember, Limits, read_bundle
from documents.classify import final_role, is_word
from documents.effective import effective_missing
from documents.extract import inspect_docx
from documents.models import DocumentMeta, Role
from documents.problems import Problem, Refused, problem
from review import rules
from review.config import Config, Person
from review.kinds import kind_doubt
from review.model import KindChanged, Submitted, Version, VersionFile, fingerprint
from review.states import transition
from services.home.context import Services
from services.home.crashpoints import crash_point
from services.dossiers.disclosure import carried_over
from storage.objects import ObjectChanged
from storage.tables import DossierRow

if TYPE_CHECKING:
    from storage.unit import Unit


class MemberReport(BaseModel):
    name: str
    role: Role
    role_source: str
    sha256: str
    size: int
    metadata: DocumentMeta | None = None


class Prepared(BaseModel):
    """A bundle read and inspected, before anything is stored."""
    kind: str
    drafting_unit: str
    members: list[MemberReport]
    problems: list[Problem] = Field(default_factory=list)
    fingerprint: str
    topic: str | None = None           # 主题分类 from bundle.json, as the [site] list spells it
    declared: bool = False             # bundle.json named a known kind (a resubmission may change it)

    @property
    def rejected(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    @property
    def policy(self) -> MemberReport | None:
        return next((m for m in self.members if m.role == "policy"), None)


class SubmitResult(BaseModel):
    dossier: str | None
    version: int | None
    accepted: bool
    duplicate: bool = False
    new_dossier: bool = False
    kind: str | None = None
    drafting_unit: str | None = None
    problems: list[Problem] = Field(default_factory=list)
    files: list[MemberReport] = Field(default_factory=list)


def prepare(paths: Sequence[Path], actor: Person, config: Config, limits: Limits = Limits()) -> Prepared:
    """Read and inspect without storing (a dry run). Raises Refused for a bundle that cannot be read
    at all. A caller that stores the members reads the bundle itself and uses inspect_bundle."""
    with read_bundle(paths, limits) as bundle:
        return inspect_bundle(bundle, actor, config)


def inspect_bundle(bundle: Bundle, actor: Person, config: Config) -> Prepared:
    """Extract every member's metadata, one member's bytes in memory at a time. Raises Refused
    when the actor may not submit for the bundle's drafting unit."""
    problems = list(bundle.problems)
    members: list[MemberReport] = []
    for m in bundle.members:
        meta = None
        if is_word(m.name, m.role):
            inspected = inspect_docx(m.name, m.read(), m.role)  # the bytes go as soon as this returns
            problems += inspected.problems
            meta = inspected.metadata
        role = final_role(m.role, meta)
        source = m.role_source or ("content" if meta and meta.suggested_role and not m.role else "default")
        # The fingerprint comes from the hashes taken while the member was spooled; read()
        # has checked that the bytes inspected are those same bytes.
        members.append(MemberReport(name=m.name, role=role, role_source=source,
                                    sha256=m.sha256, size=m.size, metadata=meta))
    members = _one_policy(members)
    kind = bundle.kind or config.default_kind
    if config.pipeline(kind) is None:
        problems.append(problem("manifest_invalid", f"未知的文件类别“{kind}”，按{config.default_kind}办理",
                                severity="warning", file="bundle.json"))
        kind = config.default_kind
    problems += kind_findings(members, kind, config)
    # The drafting unit is the submitter's (谁起草、谁解读 starts with who submits); a bundle may
    # name it, but one naming another unit, or a blank one, is refused, never believed.
    if refusal := rules.may_declare_unit(actor, bundle.drafting_unit, config.unit_book):
        raise Refused(refusal)
    unit = actor.unit
    # 主题分类 (issue 15): optional; one the [site] list does not name is refused (fail closed).
    from review.catalogue import canonical_topic, topic_problem
    topic = (bundle.manifest or {}).get("topic")
    if refusal := topic_problem(topic, config.site.topics, code="manifest_invalid"):
        raise Refused(refusal.model_copy(update={"file": "bundle.json"}))
    fp = version_fingerprint(members, kind, config.default_kind)
    return Prepared(kind=kind, drafting_unit=unit, members=members, problems=problems, fingerprint=fp,
                    topic=canonical_topic(topic, config.site.topics), declared=bundle.kind == kind)


KIND_FINDINGS = frozenset({"effective_date_missing", "kind_doubtful"})


def kind_findings(members: Sequence[MemberReport], kind: str, config: Config) -> list[Problem]:
    """The warnings that depend on the kind (KIND_FINDINGS): a normative policy with no 施行 clause
    takes effect on its gazette issue's date; a lighter kind for a text that looks normative
    (review/kinds.py; the 类别认定 stage is required either way)."""
    pipeline = config.pipeline(kind)
    out: list[Problem] = []
    for m in members:
        if m.role == "policy" and (found := effective_missing(
                m.name, m.metadata.effective_stated if m.metadata else None, bool(pipeline and pipeline.normative))):
            out.append(found)
        if m.role == "policy" and pipeline and (doubt := kind_doubt(kind, pipeline.normative, m.metadata, m.name)):
            out.append(doubt)
    return out


def in_kind(prepared: Prepared, kind: str, config: Config) -> Prepared:
    """A bundle naming no kind, continuing a dossier of `kind`: fingerprinted and warned as that kind
    (the version keeps it), so that a later bundle naming another kind is a new version, not a duplicate."""
    problems = [p for p in prepared.problems if p.code not in KIND_FINDINGS] + kind_findings(prepared.members, kind, config)
    return prepared.model_copy(update={"kind": kind, "problems": problems,
                                       "fingerprint": version_fingerprint(prepared.members, kind, config.default_kind)})


def _kept_kind(uow: Unit, actor: Person, hint: str | None, doc_number: str | None, title: str | None) -> str | None:
    """The kind of the dossier a bundle naming no kind continues, when the person may add a version to
    it (else the record's refusal is the answer, and nothing of that dossier is read into this one)."""
    row = uow.dossiers.get(hint) if hint else uow.dossiers.find_open(actor.unit, doc_number, title)
    if row is None or rules.may_submit_version(actor, row.drafting_unit, row.state) is not None:
        return None
    return row.kind


def version_fingerprint(members: Sequence[MemberReport], kind: str, default_kind: str) -> str:
    """The files, and the kind when it is not the default: the same files resubmitted under another
    kind (a 类别认定 return answered by 按行政规范性文件办理) are a new version, not a duplicate.
    A bundle of the default kind has the fingerprint it always had."""
    extra = [] if kind == default_kind else [("kind", kind, "")]
    return fingerprint([(m.role, m.name, m.sha256) for m in members] + extra)


_DECLARED_FIRST = {"manifest": 0, "file_name": 1}


def _one_policy(members: list[MemberReport]) -> list[MemberReport]:
    """A dossier carries one policy; further documents that look like policies are attachments. The
    one kept is the one bundle.json names, else one its file name names, before any its content
    suggests (an earlier notice carried along never takes the declared policy's place), else the first."""
    policies = [m for m in members if m.role == "policy"]
    if len(policies) <= 1:
        return members
    keep = min(policies, key=lambda m: _DECLARED_FIRST.get(m.role_source, 2))    # the first of the best
    return [m.model_copy(update={"role": "other"}) if m.role == "policy" and m is not keep else m
            for m in members]


def check_submitter(actor: Person) -> None:
    if refusal := rules.may_submit(actor):
        raise Refused(refusal)


def find_duplicate(svc: Services, prepared: Prepared) -> SubmitResult | None:
    with svc.unit() as uow:
        return _duplicate(uow, prepared)


def _duplicate(uow: Unit, prepared: Prepared) -> SubmitResult | None:
    row = uow.dossiers.by_fingerprint(prepared.fingerprint, prepared.drafting_unit)
    if row is None:
        return None
    return SubmitResult(dossier=row.dossier_id, version=row.number, accepted=True, duplicate=True,
                        kind=prepared.kind, drafting_unit=prepared.drafting_unit,
                        problems=prepared.problems, files=prepared.members)


def intake_bundle(paths: Sequence[Path], actor_name: str, svc: Services,
                  dossier_hint: str | None = None, answers: Sequence[str] = ()) -> SubmitResult:
    """`answers`: 修改说明 lines “一、（二）=如何修改” (the CLI's --answer, the desk's form), added to
    those of the bundle's 修改说明.json; each must name a reason of the dossier's latest return."""
    config = svc.config
    from services.review.basics import person
    actor = person(config, actor_name)
    check_submitter(actor)
    from services.dossiers.revision import AnswerRefused, answers_of
    try:
        written_answers = answers_of(answers)
    except Refused as r:
        return SubmitResult(dossier=None, version=None, accepted=False, problems=list(r.problems))
    try:
        bundle = read_bundle(paths)
    except Refused as r:
        return SubmitResult(dossier=None, version=None, accepted=False, problems=list(r.problems))
    with bundle:  # the spool goes when the objects are stored, or on any failure
        try:
            prepared = inspect_bundle(bundle, actor, config)
        except Refused as r:
            return SubmitResult(dossier=None, version=None, accepted=False, problems=list(r.problems))
        if prepared.rejected:
            return SubmitResult(dossier=None, version=None, accepted=False, kind=prepared.kind,
                                drafting_unit=prepared.drafting_unit, problems=prepared.problems,
                                files=prepared.members)
        # Objects first, so a committed version never names a missing object; the duplicate check
        # then runs in the same transaction as the record (one transaction per bundle). A duplicate
        # finds its objects present already (nothing written), or has them restored. Whatever this
        # intake wrote is removed again if it fails, also halfway through the objects.
        written: list[str] = []
        try:
            _put_objects(svc, prepared, bundle, written)
            given = answers_of(bundle.answers) + written_answers     # the form's or command's last
            return svc.retrying(lambda: _record(svc, prepared, actor, dossier_hint, check_duplicate=True,
                                                answers=given))
        except AnswerRefused as r:      # an answer naming no reason of the return: nothing stored
            remove_unreferenced(svc, written)
            return SubmitResult(dossier=None, version=None, accepted=False, kind=prepared.kind,
                                drafting_unit=prepared.drafting_unit, problems=list(r.problems),
                                files=prepared.members)
        except Refused as r:
            remove_unreferenced(svc, written)
            if r.problem.code != "bundle_unreadable":
                raise  # refusals of the record (an unknown dossier, another unit's) are the caller's
            return SubmitResult(dossier=None, version=None, accepted=False, kind=prepared.kind,
                                drafting_unit=prepared.drafting_unit, problems=list(r.problems),
                                files=prepared.members)
        except BaseException:
            remove_unreferenced(svc, written)
            raise


def remove_unreferenced(svc: Services, keys: list[str]) -> None:
    """After a failed intake, remove the objects it wrote that no stored version points to (another
    intake of the same bytes may have committed meanwhile), so a failure leaves nothing behind."""
    if not keys:
        return
    with svc.unit() as uow:
        used = uow.dossiers.stored_objects(keys)
    for key in keys:
        if key not in used:
            svc.store.delete(key)


def _put_objects(svc: Services, prepared: Prepared, bundle: Bundle, written: list[str]) -> None:
    """Store the members that are not stored yet, appending each key to `written` as it is."""
    by_name = {m.name: m for m in bundle.members}
    for m in prepared.members:
        if not svc.store.exists(m.sha256):
            written.append(put_member(svc, by_name[m.name]))
            crash_point("intake.object_stored")     # tests/faults: killed with objects and no rows


def put_member(svc: Services, member: BundleMember) -> str:
    """Stream one member from its file into the store under its sha256."""
    try:
        key = svc.store.put_file(member.path, sha256=member.sha256, size=member.size)
    except ObjectChanged:
        raise Refused(problem("bundle_unreadable", f"“{member.name}”在提交过程中被改动",
                              file=member.name)) from None
    assert key == member.sha256, "object store key must be the content's SHA-256"
    return key


def _record(svc: Services, prepared: Prepared, actor: Person, dossier_hint: str | None,
            check_duplicate: bool = False, answers: Sequence = ()) -> SubmitResult:
    now = svc.now()
    policy = prepared.policy.metadata if prepared.policy else None
    doc_number = policy.doc_number.canonical if policy and policy.doc_number else None
    title = (policy.title if policy and policy.title else None)
    with svc.unit() as uow:
        from services.review.basics import still_enabled
        still_enabled(uow, actor)       # disabled since this process read its people: refused
        repo = uow.dossiers
        # A bundle naming no kind keeps its dossier's (a resubmission, the kind 类别认定 left it with).
        if not prepared.declared and (kept := _kept_kind(uow, actor, dossier_hint, doc_number, title)) \
                and kept != prepared.kind:
            prepared = in_kind(prepared, kept, svc.config)
        # Two processes submitting the same bundle at once may both get past this check; the unique
        # indexes on a unit's fingerprint and open document number (migration 0013) then fail the
        # later commit, Services.retrying runs this again, and the check finds the winner's version.
        if check_duplicate and (duplicate := _duplicate(uow, prepared)) is not None:
            return duplicate
        row = _target_dossier(uow, prepared, actor, dossier_hint, doc_number, title, svc.config)
        new_dossier = row is None
        if row is not None and doc_number and doc_number != row.doc_number \
                and (held := repo.find_open(row.drafting_unit, doc_number, None)) is not None and held.id != row.id:
            # One dossier under way per unit and number (a unique index since migration 0013).
            raise Refused(problem("invalid_state", f"本单位办理中的卷宗 {held.id} 已是 {doc_number}，"
                                                   f"请向卷宗 {held.id} 提交新版本"))
        if row is None:
            row = DossierRow(id=repo.next_id(now.year), kind=prepared.kind,
                             title=title or prepared.members[0].name, doc_number=doc_number,
                             drafting_unit=prepared.drafting_unit, state="submitted", current_version=1,
                             disclosure=policy.disclosure if policy else None, topic=prepared.topic,
                             created_at=now, updated_at=now)
            repo.add(row)
        else:
            row.state = transition(row.state, "resubmit")
            row.current_version += 1
            if prepared.declared and prepared.kind != row.kind:
                # The office resubmits under another kind (a 类别认定 return: 按行政规范性文件办理);
                # the new version takes that kind's pipeline, and the change is audited.
                uow.audit.append(KindChanged(dossier_id=row.id, actor=actor.name, at=now,
                                             version=row.current_version, previous=row.kind, kind=prepared.kind))
                row.kind = prepared.kind
            row.title = title or row.title
            row.doc_number = doc_number or row.doc_number
            row.topic = prepared.topic or row.topic     # a later bundle may give or change it
            if policy is not None:   # the document's own marking wins; without one a person's setting stays
                row.disclosure, row.disclosure_by = carried_over(row.disclosure, row.disclosure_by, policy.disclosure)
                from services.review.consultation import take_down_if_not_public
                take_down_if_not_public(svc, uow, row)     # its consultation pages, if any
            row.updated_at = now
        version = Version(
            dossier_id=row.id, number=row.current_version, fingerprint=prepared.fingerprint,
            kind=row.kind, drafting_unit=row.drafting_unit, submitted_by=actor.name,
            submitted_by_unit=actor.unit, pipeline=svc.config.pipeline(row.kind),
            files=tuple(VersionFile(name=m.name, role=m.role, sha256=m.sha256, size=m.size, meta=m.metadata)
                        for m in prepared.members))
        from services.dossiers.revision import note_for
        note = note_for(uow, None if new_dossier else row.id, list(answers))   # refused: nothing written
        repo.add_version(version, now, [p.model_dump(mode="json") for p in prepared.problems])
        if note is not None:
            repo.set_revision_note(row.id, version.number, note)
        uow.audit.append(Submitted(dossier_id=row.id, actor=actor.name, at=now, version=version.number,
                                  fingerprint=version.fingerprint,
                                  files={m.name: m.sha256 for m in prepared.members}))
        # Whose turn the new version is, told in this transaction (services/review/notify.py).
        from services.review.notify import after_submission
        after_submission(uow, svc, row, uow.dossiers.view(row.id)[1], now)
    return SubmitResult(dossier=row.id, version=version.number, accepted=True, new_dossier=new_dossier,
                        kind=row.kind, drafting_unit=row.drafting_unit,
                        problems=prepared.problems, files=prepared.members)


def _target_dossier(uow: Unit, prepared: Prepared, actor: Person, hint: str | None,
                    doc_number: str | None, title: str | None, config: Config) -> DossierRow | None:
    """The dossier a submission continues: the one named (which the person must be allowed to see
    and to add a version to), else the unit's open dossier for this policy, else none (a new one)."""
    if hint:
        row = uow.dossiers.require(hint)
        current = uow.dossiers.version(hint, row.current_version)
        if refusal := (rules.may_see(actor, hint, row.drafting_unit, row.state, config.pipeline(row.kind), current)
                       or rules.may_submit_version(actor, row.drafting_unit, row.state)):
            raise Refused(refusal)
        return row
    return uow.dossiers.find_open(actor.unit, doc_number, title)
