"""Attach or replace one file of a dossier: a new version with every other file carried over."""
from __future__ import annotations

from pathlib import Path

from documents.bundle import Bundle, read_bundle
from documents.classify import is_word
from documents.extract import inspect_docx
from documents.models import Role
from documents.problems import Refused, problem
from review import rules
from review.config import Person
from services.home.context import Services
from services.dossiers.intake import (MemberReport, Prepared, SubmitResult, _record, check_submitter, put_member,
                                      remove_unreferenced, version_fingerprint)
from services.review.actions import person

# A dossier has one of each of these: attaching another replaces it.
SINGLE_ROLES = frozenset({"policy", "interpretation_plan", "risk_assessment"})


def attach(svc: Services, dossier_id: str, path: Path, role: Role, actor_name: str) -> SubmitResult:
    actor = person(svc.config, actor_name)
    check_submitter(actor)
    with read_bundle([path]) as bundle:  # a zip's member is spooled until it is stored
        return _attach(svc, dossier_id, bundle, role, actor)


def _attach(svc: Services, dossier_id: str, bundle: Bundle, role: Role, actor: Person) -> SubmitResult:
    if len(bundle.members) != 1:
        raise Refused(problem("request_invalid", f"补充或替换材料一次只能上传一份文件（收到 {len(bundle.members)} 份）",
                              advice="多份材料请作为新版本整体提交"))
    [member] = bundle.members
    meta, problems = None, []
    if is_word(member.name, role):
        inspected = inspect_docx(member.name, member.read(), role)
        meta, problems = inspected.metadata, list(inspected.problems)
        if not inspected.ok:
            return SubmitResult(dossier=dossier_id, version=None, accepted=False, problems=problems)
    with svc.unit() as uow:
        row = uow.dossiers.require(dossier_id)
        current = uow.dossiers.version(dossier_id, row.current_version)
        if refusal := (rules.may_see(actor, dossier_id, row.drafting_unit, row.state, svc.config.pipeline(row.kind),
                                     current)
                       or rules.may_submit_version(actor, row.drafting_unit, row.state)):
            raise Refused(refusal)
    new = MemberReport(name=member.name, role=role, role_source="attached",
                       sha256=member.sha256, size=member.size, metadata=meta)
    kept = [MemberReport(name=f.name, role=f.role, role_source="previous", sha256=f.sha256, size=f.size,
                         metadata=f.meta)
            for f in current.files if f.name != new.name and not (role in SINGLE_ROLES and f.role == role)]
    members = kept + [new]
    prepared = Prepared(kind=current.kind, drafting_unit=current.drafting_unit, members=members,
                        problems=problems, fingerprint=version_fingerprint(members, current.kind, svc.config.default_kind))
    if prepared.fingerprint == current.fingerprint:
        return SubmitResult(dossier=dossier_id, version=current.number, accepted=True, duplicate=True,
                            kind=current.kind, drafting_unit=current.drafting_unit, files=members)
    written = [] if svc.store.exists(new.sha256) else [put_member(svc, member)]
    try:
        return svc.retrying(lambda: _record(svc, prepared, actor, dossier_id))
    except BaseException:
        remove_unreferenced(svc, written)
        raise
