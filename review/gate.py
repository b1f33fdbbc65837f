"""The sign-off gate: a pure function of a version and its decisions (DESIGN.md, "The gate").

It lists every failing check; an empty list means the gate is open.
"""
from __future__ import annotations

from documents.models import INTERPRETATION_ROLES, DocumentMeta
from documents.problems import Problem, problem
from documents.titles import book_title
from review.config import Pipeline, StageSpec
from review.units import UnitBook
from review.model import Consultation, StageDecided, Version


class Blocking(Problem, frozen=True):
    """A failing gate check. For `stage_not_approved` it names the stage and who may act."""
    stage: str | None = None
    roles: tuple[str, ...] | None = None


def active_stages(pipeline: Pipeline, version: Version) -> list[StageSpec]:
    """The stages this version must pass: conditional ones only when their condition holds."""
    high = version.risk_level == "高"
    return [s for s in pipeline.stages if s.when == "always" or (s.when == "high_risk" and high)]


def prerequisites(stage: StageSpec, stages: list[StageSpec]) -> tuple[str, ...]:
    if stage.after is not None:
        return tuple(s for s in stage.after if any(x.id == s for x in stages))
    i = next(i for i, s in enumerate(stages) if s.id == stage.id)
    earlier = [s for s in stages[:i] if s.when == "always"]
    return (earlier[-1].id,) if earlier else ()


def approvals_since_return(version: Version, decisions: list[StageDecided]) -> dict[str, list[StageDecided]]:
    """Per stage, the approvals on this exact version since the stage's last return."""
    out: dict[str, list[StageDecided]] = {}
    for d in sorted(decisions, key=lambda d: d.at):
        if d.fingerprint != version.fingerprint:
            continue
        if d.verdict == "return":
            out[d.stage] = []
        else:
            out.setdefault(d.stage, []).append(d)
    return out


def approved_stages(version: Version, decisions: list[StageDecided],
                    stages: tuple[StageSpec, ...] | list[StageSpec] = ()) -> set[str]:
    """Stages approved on this version: one approval, or for a `require_all` stage one per role."""
    all_roles = {s.id: set(s.roles) for s in stages if s.require_all}
    done = set()
    for stage, approvals in approvals_since_return(version, decisions).items():
        if stage in all_roles:
            if all_roles[stage] <= {a.role for a in approvals}:
                done.add(stage)
        elif approvals:
            done.add(stage)
    return done


def missing_roles(stage: StageSpec, version: Version, decisions: list[StageDecided]) -> tuple[str, ...]:
    if not stage.require_all:
        return stage.roles
    given = {a.role for a in approvals_since_return(version, decisions).get(stage.id, [])}
    return tuple(r for r in stage.roles if r not in given)


def refers_to_policy(meta: DocumentMeta, policy: DocumentMeta) -> bool:
    """An interpretation names its policy by document number or by the title in 《》."""
    if meta.refers_to_number and policy.doc_number:
        return meta.refers_to_number.canonical == policy.doc_number.canonical
    wanted = (meta.refers_to_title or "").strip("《》 ")
    if not wanted or not policy.title:
        return False
    return wanted == policy.title or f"《{wanted}》" in policy.title


def _interpretation_checks(version: Version, units: UnitBook) -> list[Blocking]:
    """谁起草、谁解读: the drafting unit submits the interpretation and declares it. A unit written
    in a document matches the drafting unit by its configured name or short form, never by suffix."""
    same_unit = units.same
    out: list[Blocking] = []
    plans = version.of_role("interpretation_plan")
    materials = version.of_role(*INTERPRETATION_ROLES)
    if not plans:
        out.append(_b("interpretation_missing", "缺少解读方案"))
    if not materials:
        out.append(_b("interpretation_missing", "缺少解读材料（文字解读、图解或问答）"))
    if not same_unit(version.submitted_by_unit, version.drafting_unit):
        out.append(_b("interpreter_not_drafter",
                      f"材料由{version.submitted_by_unit}提交，起草单位是{version.drafting_unit}"))
    policy = version.policy.meta if version.policy else None
    for f in plans + materials:
        if f.meta is None:
            continue      # a picture carries no declaration; the plan and text materials do
        if f.meta.interpreting_unit and not same_unit(f.meta.interpreting_unit, version.drafting_unit):
            out.append(_b("interpreter_not_drafter",
                          f"{book_title(f.name)}的解读机关为{f.meta.interpreting_unit}，不是起草单位{version.drafting_unit}",
                          file=f.name))
        if policy is not None and not refers_to_policy(f.meta, policy):
            named = f.meta.refers_to_number.canonical if f.meta.refers_to_number else (
                book_title(f.meta.refers_to_title) if f.meta.refers_to_title else "未写明所解读的文件")
            out.append(_b("interpretation_mismatch", f"{f.name} 解读的是 {named}", file=f.name))
    return out


def _risk_checks(version: Version) -> list[Blocking]:
    risks = version.of_role("risk_assessment")
    if not risks:
        return [_b("risk_assessment_missing", "")]
    out = _risk_reference_checks(version, risks)
    if version.risk_level == "高":
        has_plan = bool(version.of_role("response_plan")) or any(
            f.meta and f.meta.has_response_plan for f in risks)
        if not has_plan:
            out.append(_b("response_plan_missing", "风险评估结论为高风险，但未附应对处置预案"))
    return out


def _risk_reference_checks(version: Version, risks) -> list[Blocking]:
    """A risk assessment assesses this policy, named as interpretations name it (refers_to_policy).
    One that names no document at all cannot be matched: it blocks (fail closed)."""
    policy = version.policy.meta if version.policy else None
    out: list[Blocking] = []
    for f in risks:
        if policy is None or f.meta is None:
            continue      # no policy: policy_missing says so; a picture or scan carries no reference
        if refers_to_policy(f.meta, policy):
            continue
        if f.meta.refers_to_number or f.meta.refers_to_title:
            named = f.meta.refers_to_number.canonical if f.meta.refers_to_number else book_title(f.meta.refers_to_title)
            out.append(_b("risk_assessment_mismatch", f"{f.name} 评估的是 {named}，不是本卷宗的政策文件", file=f.name))
        else:
            out.append(_b("risk_assessment_mismatch",
                          f"{f.name} 未写明所评估的文件（请在标题或“评估对象：”中写明政策文件的《标题》或文号）",
                          file=f.name))
    return out


DISCLOSURES: tuple[str, ...] = ("主动公开", "依申请公开", "不予公开")


def disclosure_check(version: Version, disclosure_set: str | None = None) -> list[Blocking]:
    """Fail closed: a policy needs a known 公开属性 before sign-off, read from its marking or set by
    an authorised person (`disclosure_set`). 不予公开 is known: publication keeps it off every output."""
    policy = version.policy
    if policy is None:
        return []                      # policy_missing says it
    meta = policy.meta
    if meta is not None and meta.disclosure in DISCLOSURES:
        return []
    if disclosure_set in DISCLOSURES:
        return []
    text = meta.disclosure_text if meta is not None else None
    found = f"的公开属性标注为“{text}”，无法确定" if text else "未标注公开属性"
    return [_b("disclosure_unknown", f"{book_title(policy.name)}{found}（起草单位{version.drafting_unit}；"
                                     "用 lockstep disclosure set 或在卷宗页面设定）", file=policy.name)]


def gate(version: Version, decisions: list[StageDecided], pipeline: Pipeline,
         consultation: Consultation | None = None, today=None, units: UnitBook | None = None,
         disclosure_set: str | None = None) -> list[Blocking]:
    """`units`: the configured units, so that a document may name its unit by a short form.
    `disclosure_set`: the 公开属性 a person set for this dossier (None: read from the policy)."""
    out: list[Blocking] = []
    if version.policy is None:
        out.append(_b("policy_missing", ""))
    out += disclosure_check(version, disclosure_set)
    out += _interpretation_checks(version, units or UnitBook())
    out += _risk_checks(version)
    if pipeline.major_decision and not _consultation_done(consultation, today):
        out.append(_b("consultation_open", "征求意见期未结束或意见采纳情况未公布"))
    stages = active_stages(pipeline, version)
    ok = approved_stages(version, decisions, stages)
    for s in stages:
        if s.id not in ok:
            out.append(Blocking(**_b("stage_not_approved", f"“{s.name}”尚未在第 {version.number} 版上审核通过")
                                .model_dump(exclude={"stage", "roles"}),
                                stage=s.id, roles=missing_roles(s, version, decisions)))
    return out


def _consultation_done(c: Consultation | None, today) -> bool:
    return c is not None and today is not None and c.closes < today and c.summary_published


def _b(code: str, detail: str, file: str | None = None) -> Blocking:
    return Blocking(**problem(code, detail, file=file).model_dump())
