"""The rulebook: who may do what to which dossier, and what is public (DESIGN.md, "One rulebook").

Every guard is a pure function of the person (name, unit, roles) and the facts it is given. It
returns None when the action is allowed and a coded Problem when it is not; a guard that cannot
decide refuses (fail closed). Services refuse with these guards, pages offer only the actions they
allow, the API answers with them and the CLI prints them: no surface writes its own role check.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from documents.problems import Problem, problem
from documents.shown import echoed
from review.config import ROLE_NAMES, Person, Pipeline, StageSpec
from review.gate import active_stages
from review.lifecycles import GAZETTE_ISSUE, PUBLICATION
from review.model import Version
from review.states import TRANSITIONS
from review.units import UnitBook, norm_unit, same_unit

# Roles the rules name (review/config.py ROLE_NAMES has their Chinese names).
DRAFTER = "drafter"
UNIT_HEAD = "unit_head"
SIGNER = "signer"
EDITOR = "gazette_editor"
REGISTRAR = "registrar"

OPEN_STATES = frozenset({"submitted", "in_review"})
SIGNED_STATES = frozenset({"signed_off", "published", "registered"})
PUBLISHED_STATES = frozenset({"published", "registered"})

# ------------------------------------------------------------------ what is public (rule 9)

# The attributes that let a document reach a public output. Anything else (不予公开, an attribute
# nobody could place, none at all) keeps it off every public output.
PUBLIC_DISCLOSURES: tuple[str, ...] = ("主动公开", "依申请公开")
NOT_PUBLIC = "不予公开"
EMERGENCY_REASON_MIN = 10


def is_public(disclosure: str | None, withheld: bool = False, *, release_at: dt.datetime | None = None,
              now: dt.datetime | None = None) -> bool:
    """The one predicate for every public output: site pages, the register's pages and search, the
    gazette's editions, feeds and assets, correction notices, the API's public views.

    `release_at`: a scheduled web release's moment (定时发布, issue 15): not yet public before it. A
    moment with no clock to compare it to is not public either (fail closed)."""
    if release_at is not None and (now is None or now < release_at):
        return False
    return disclosure in PUBLIC_DISCLOSURES and not withheld


# ------------------------------------------------------------------ helpers


def _refuse(detail: str) -> Problem:
    return problem("not_permitted", detail)


def has_role(p: Person, *roles: str) -> bool:
    return bool(set(p.roles) & set(roles))


def acts_on_stage(p: Person, stage: StageSpec, drafting_unit: str) -> bool:
    """The person holds a role of the stage, and the drafting unit's for a same-unit stage."""
    return has_role(p, *stage.roles) and (not stage.same_unit or same_unit(p.unit, drafting_unit))


def not_found(dossier_id: str) -> Problem:
    """What a person who may not see a dossier is told: exactly what a missing one answers."""
    return problem("not_found", f"没有卷宗 {echoed(dossier_id)}")


def person_disabled(name: str) -> Problem:
    """What a person disabled (`lockstep users disable`) is told when they, or a process that read the
    people before the disable, try to act: every act, wherever it is asked (services.review.basics
    `still_enabled` before the work, storage/audit.py when the act is recorded)."""
    return problem("unknown_person", f"人员 {name} 已停用，不能办理",
                   advice=f"如需恢复，请由管理员运行 lockstep users enable {name}（密码与接口令牌须重新生成）")


# Who records an act without being a person of the workflow: the operator at the machine (its OS user,
# on config and people changes) is not asked whether a person of that name is disabled.
OPERATOR_EVENTS = ("config.changed",)
# The name the machine's own work is recorded under (sweeps, daily checks, `lockstep publish` without --as):
# no person may hold it, or disabling them would refuse that work and their acts would read as the machine's.
OPERATOR_LABEL = "lockstep"


# ------------------------------------------------------------------ drafting office


def may_submit(p: Person) -> Problem | None:
    if not has_role(p, DRAFTER):
        return _refuse(f"{p.name} 不是起草人员，不能提交材料")
    return None


def may_declare_unit(p: Person, declared: str | None, units: UnitBook) -> Problem | None:
    """A bundle may say which unit drafted it, but the drafting unit is the submitter's: a
    declared unit that is not the person's (a blank one included) is refused, never believed."""
    if declared is None:
        return None
    if not norm_unit(declared):
        return _refuse(f"材料包声明的起草单位为空；{p.name} 属于{p.unit}，请删去 bundle.json 中的 drafting_unit 或填写本单位")
    if not units.same(declared, p.unit):
        return _refuse(f"材料的起草单位是{declared}，{p.name} 属于{p.unit}，不能代为提交")
    return None


def may_submit_version(p: Person, drafting_unit: str, state: str) -> Problem | None:
    """A new version of a dossier comes only from a drafter of its drafting unit, while it is open."""
    if found := may_submit(p):
        return found
    if not same_unit(p.unit, drafting_unit):
        return _refuse(f"{p.name} 属于{p.unit}，不能为其他单位的卷宗提交新版本")
    if state not in TRANSITIONS["resubmit"][0]:
        from review.model import STATE_NAMES
        return problem("invalid_state", f"卷宗当前状态为“{STATE_NAMES.get(state, state)}”，不能提交新版本")
    return None


def may_consult(p: Person, drafting_unit: str) -> Problem | None:
    """Public consultation of a major decision is run by the drafting unit's drafters."""
    if not has_role(p, DRAFTER) or not same_unit(p.unit, drafting_unit):
        return _refuse(f"征求意见由起草单位{drafting_unit}的起草人员办理")
    return None


def may_read_contacts(p: Person, drafting_unit: str) -> Problem | None:
    """A commenter's 联系方式 is left for the drafting unit's reply (the public form says so): only the
    people who run the consultation (may_consult) read it; others who may see the dossier see no contact."""
    if may_consult(p, drafting_unit) is not None:
        return _refuse(f"网上意见的联系方式只供起草单位{drafting_unit}的起草人员答复使用")
    return None


# ------------------------------------------------------------------ seeing a dossier


def _seen_through(pipeline: Pipeline | None, version: Version | None) -> list[StageSpec]:
    """The stages whose people see a dossier: those its current version must pass
    (review.gate.active_stages: a 高 risk one only, the publicity stage), under the pipeline the
    version arrived with (its snapshot), else `pipeline` (the kind's configured one). Without a
    version, only the stages every version passes (fail closed)."""
    pl = version.pipeline if version is not None and version.pipeline is not None else pipeline
    if pl is None:
        return []
    if version is None:
        return [s for s in pl.stages if s.when == "always"]
    return active_stages(pl, version)


def may_see(p: Person, dossier_id: str, drafting_unit: str, state: str, pipeline: Pipeline | None,
            version: Version | None) -> Problem | None:
    """Its drafting unit, whoever acts on a stage its current `version` must pass (_seen_through: the
    publicity reviewer only while it is 高 risk), signers, and once signed the gazette editors and
    registrars. Anyone else is told it does not exist (not_found), as for a missing one. Callers
    give the facts, never stages they chose: the guard computes the active stages itself."""
    if same_unit(p.unit, drafting_unit):
        return None
    if any(acts_on_stage(p, s, drafting_unit) for s in _seen_through(pipeline, version)):
        return None
    if has_role(p, SIGNER):
        return None
    if state in SIGNED_STATES and has_role(p, EDITOR, REGISTRAR):
        return None
    return not_found(dossier_id)


def may_download(p: Person, dossier_id: str, drafting_unit: str, state: str, pipeline: Pipeline | None,
                 version: Version | None, public: bool) -> Problem | None:
    """An original: whoever may see the dossier; a not-public one only its drafting unit, its
    reviewers (of the stages its current version must pass) and its signer (never the gazette
    office or the register, whose outputs are public)."""
    if found := may_see(p, dossier_id, drafting_unit, state, pipeline, version):
        return found
    if public:
        return None
    if same_unit(p.unit, drafting_unit) or has_role(p, SIGNER):
        return None
    if any(acts_on_stage(p, s, drafting_unit) for s in _seen_through(pipeline, version)):
        return None
    return _refuse("该文件不予公开，原件只供起草单位、审核人员和签发人查阅")


# ------------------------------------------------------------------ review and sign-off


def may_decide(p: Person, submitters: Iterable[str], drafting_unit: str, stage: StageSpec) -> Problem | None:
    if p.name in set(submitters):
        return _refuse(f"{p.name} 提交了本卷宗，不能审核本人送审的文件")
    if not has_role(p, *stage.roles):
        return _refuse(f"{p.name} 没有“{stage.name}”所需的角色（{'、'.join(ROLE_NAMES.get(r, r) for r in stage.roles)}）")
    if stage.same_unit and not same_unit(p.unit, drafting_unit):
        return _refuse(f"“{stage.name}”须由起草单位{drafting_unit}的人员办理")
    return None


def may_sign_off(p: Person, submitters: Iterable[str]) -> Problem | None:
    if not has_role(p, SIGNER):
        return _refuse(f"{p.name} 没有签发权限")
    if p.name in set(submitters):
        return _refuse(f"{p.name} 提交了本卷宗，不能签发")
    return None


EXPLAIN_REASON_MIN = 10


def may_explain_finding(p: Person, submitters: Iterable[str], drafting_unit: str,
                        stages: Iterable[StageSpec], state: str) -> Problem | None:
    """Marking an interpretation_inconsistent finding as explained (解读与政策一致性：已说明): whoever
    may decide one of the dossier's stages (may_decide, so never its own submitter), while it is open."""
    stages = list(stages)
    if p.name in set(submitters):
        return _refuse(f"{p.name} 提交了本卷宗，不能说明本人送审材料的一致性问题")
    if not any(may_decide(p, submitters, drafting_unit, s) is None for s in stages):
        return _refuse(f"{p.name} 不审核本卷宗的任何环节，不能说明一致性问题")
    if state not in OPEN_STATES:
        from review.model import STATE_NAMES
        return problem("invalid_state", f"卷宗当前状态为“{STATE_NAMES.get(state, state)}”，不能再说明一致性问题")
    return None


def may_explain_finding_with(p: Person, submitters: Iterable[str], drafting_unit: str,
                             stages: Iterable[StageSpec], state: str, reason: str | None) -> Problem | None:
    """may_explain_finding, and a reason that is a sentence (at least EXPLAIN_REASON_MIN written characters)."""
    if found := may_explain_finding(p, submitters, drafting_unit, stages, state):
        return found
    if written_length(reason) < EXPLAIN_REASON_MIN:
        return problem("request_invalid", f"说明须写明理由（不少于 {EXPLAIN_REASON_MIN} 个字），说明为何不是错误")
    return None


def emergency_skips(pipeline: Pipeline, unapproved: Iterable[str]) -> tuple[list[str], list[str]]:
    """(stages an emergency may leave for later, stages it may not) among the unapproved ones: those
    the kind marks skippable, except what the law requires whatever the config says — a stage only a
    legal reviewer can approve (合法性审核; 类别认定, which asks whether 合法性审核 was due:
    review.kinds.legal_only) and a normative kind's 集体审议 (records_meeting)."""
    from review.kinds import legal_only
    specs = {s.id: s for s in pipeline.stages}
    ok, never = [], []
    for sid in unapproved:
        spec = specs.get(sid)
        law = spec is not None and (legal_only(spec) or (pipeline.normative and records_meeting(spec)))
        (ok if spec is not None and spec.skippable and not law else never).append(sid)
    return ok, never


def may_emergency_sign_off(p: Person, submitters: Iterable[str], pipeline: Pipeline,
                           unapproved: Iterable[str], reason: str | None) -> Problem | None:
    """紧急签发: a signer, with a reason that is a sentence, skipping only stages the kind marks
    skippable. The law has no bypass: 合法性审核 and 集体审议 are never skippable by default."""
    if found := may_sign_off(p, submitters):
        return found
    if written_length(reason) < EMERGENCY_REASON_MIN:
        return _refuse(f"紧急签发须写明理由（不少于 {EMERGENCY_REASON_MIN} 个字），说明为何不能等待审核完成")
    _, never = emergency_skips(pipeline, unapproved)
    if never:
        names = {s.id: s.name for s in pipeline.stages}
        return _refuse(f"{pipeline.kind}的“{'”“'.join(names.get(s, s) for s in never)}”不能在紧急签发中跳过，须先审核通过")
    return None


def may_set_disclosure(p: Person, drafting_unit: str, state: str) -> Problem | None:
    """The 公开属性 of an unsigned dossier is set by its drafting unit's head or by a signer. After
    publication a document leaves public view only by withholding it (may_withhold)."""
    if state in SIGNED_STATES:
        return problem("invalid_state", "卷宗已签发，公开属性不能再更改；已发布的文件可由公报编辑或台帐管理员撤回公开")
    if has_role(p, SIGNER) or (has_role(p, UNIT_HEAD) and same_unit(p.unit, drafting_unit)):
        return None
    return _refuse(f"公开属性由起草单位{drafting_unit}的负责人或签发人确定")


# ------------------------------------------------------------------ gazette, register, withholding


def may_edit_gazette(p: Person) -> Problem | None:
    """Make an issue, add or remove its items, corrections, import back issues."""
    if not has_role(p, EDITOR):
        return _refuse(f"{p.name} 没有公报编辑角色")
    return None


def may_add_to_issue(p: Person, issue_status: str) -> Problem | None:
    """Place items in a draft issue. Each item's own admission (public, 施行 not before the issue)
    is publishing/gazette_rules.admission_problems, which asks is_public."""
    return may_edit_gazette(p) or GAZETTE_ISSUE.refusal(issue_status, "edit")


def may_release(p: Person, issue_status: str, scheduled: bool = False) -> Problem | None:
    """Decide to release an issue now, or (`scheduled`) at a later moment (定时出版)."""
    return may_edit_gazette(p) or GAZETTE_ISSUE.refusal(issue_status, "schedule" if scheduled else "release")


RELEASE_HORIZON_YEARS = 10


def release_moment(at: dt.datetime) -> dt.datetime | None:
    """A scheduled release's moment (定时发布, 定时出版) in UTC, a naive one read as local time; None
    when this machine's clock cannot place it (year 1 or 9999 and an offset: 9999-12-31T23:59:59Z is
    the year 10000 in Beijing), so that no later step overflows on it."""
    try:
        moment = (at if at.tzinfo else at.astimezone()).astimezone(dt.timezone.utc)
        for edge in (moment - dt.timedelta(days=2), moment + dt.timedelta(days=2)):
            edge.astimezone()
    except (OverflowError, ValueError, OSError):
        return None
    return moment


def release_moment_problem(moment: dt.datetime | None, now: dt.datetime, what: str = "定时发布") -> Problem | None:
    """A moment placed by release_moment must be to come and within RELEASE_HORIZON_YEARS (2062 typed
    for 2026 is a typo, not an embargo)."""
    if moment is None:
        return problem("request_invalid", f"{what}的时间超出可用范围，请填写将来的时间")
    if moment > now + dt.timedelta(days=365 * RELEASE_HORIZON_YEARS + 3):
        return problem("request_invalid", f"{what}的时间须在 {RELEASE_HORIZON_YEARS} 年之内")
    return None


def may_cancel_release(p: Person, issue_status: str) -> Problem | None:
    """Cancel a scheduled release before its moment (the reason's length: RELEASE_CANCEL_REASON_MIN)."""
    return may_edit_gazette(p) or GAZETTE_ISSUE.refusal(issue_status, "cancel")


RELEASE_CANCEL_REASON_MIN = 10


def cancel_reason_problem(reason: str | None) -> Problem | None:
    if written_length(reason or "") < RELEASE_CANCEL_REASON_MIN:
        return problem("request_invalid", f"取消定时出版须写明理由（不少于 {RELEASE_CANCEL_REASON_MIN} 个字）")
    return None


def may_keep_register(p: Person) -> Problem | None:
    """Amend, repeal, expire, file: the registrar's work."""
    if not has_role(p, REGISTRAR):
        return _refuse(f"{p.name} 不是台帐管理员，不能更改台帐")
    return None


def may_see_annual_report(p: Person) -> Problem | None:
    """The annual report's table (政府信息公开工作年度报告): the 政务公开 office's work, done by those
    who keep the register and the gazette (registrar, gazette_editor); there is no separate role."""
    if not has_role(p, REGISTRAR, EDITOR):
        return _refuse(f"{p.name} 不是台帐管理员或公报编辑，不能查看年度报告数据")
    return None


def may_withhold(p: Person, state: str, withheld: bool) -> Problem | None:
    """撤回公开: a gazette editor or registrar takes a published document off every public output."""
    if not has_role(p, EDITOR, REGISTRAR):
        return _refuse(f"{p.name} 不是公报编辑或台帐管理员，不能撤回公开")
    return PUBLICATION.refusal(publication_state(state, withheld), "withhold")


def publication_state(dossier_state: str, withheld: bool) -> str:
    """Where a dossier is in its public life (review/lifecycles.py PUBLICATION)."""
    return "withheld" if withheld else "public" if dossier_state in PUBLISHED_STATES else "unpublished"


def reviews_anything(p: Person, pipelines: Iterable[Pipeline]) -> bool:
    """The person holds a role some pipeline stage needs (the desk offers the review queue)."""
    return any(has_role(p, *s.roles) for pl in pipelines for s in pl.stages)


def may_open_review_queue(p: Person, pipelines: Iterable[Pipeline]) -> Problem | None:
    if not reviews_anything(p, pipelines):
        return _refuse(f"{p.name} 没有审核角色")
    return None


def disclosure_of(recorded: str | None, *marks: str | None) -> str | None:
    """The 公开属性 a public output goes by (then asked of is_public): 不予公开 when any record says
    so (the dossier's attribute or the document's own mark), else the dossier's recorded attribute
    (read at intake or set by a person), which is what the database's filters read too
    (storage/public.py): a dossier with none recorded is not public, whatever its document says."""
    if NOT_PUBLIC in (recorded, *marks):
        return NOT_PUBLIC
    return recorded


WITHHOLD_REASON_MIN = 10


def may_withhold_with(p: Person, state: str, withheld: bool, reason: str | None) -> Problem | None:
    """may_withhold, and a reason that is a sentence (at least WITHHOLD_REASON_MIN characters
    besides spaces): 撤回公开 is recorded and audited with why."""
    if found := may_withhold(p, state, withheld):
        return found
    if written_length(reason) < WITHHOLD_REASON_MIN:
        return problem("request_invalid", f"撤回公开须写明理由（不少于 {WITHHOLD_REASON_MIN} 个字），说明为何撤回")
    return None


# Letters that draw nothing (Hangul fillers): not words, though Unicode files them as letters.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")


def written(text: str | None) -> str:
    """The words (字) of a text: its letters and digits of any script, NFKC-normalised. Spaces,
    zero-width and other invisible characters, punctuation and emoji are not words."""
    import unicodedata
    return "".join(c for c in unicodedata.normalize("NFKC", text or "")
                   if unicodedata.category(c)[0] in "LN" and c not in _BLANK_LETTERS)


def written_length(text: str | None) -> int:
    """How many characters of a reason are words: ten zero-width spaces or ten 。 are not a
    sentence (DESIGN.md: a reason is a sentence)."""
    return len(written(text))


def may_name_person(name: str, existing: Iterable[str]) -> Problem | None:
    """A new person's login name: visible characters only, and not a look-alike of someone's
    (drafter and ｄｒａｆｔｅｒ, Drafter, drafter\\u200b or "drafter "), which would let one person
    submit as one account and decide as the other (may_decide compares names)."""
    import unicodedata
    if not name or any(unicodedata.category(c)[0] in "CZ" for c in name):
        return problem("request_invalid", "人员登录名不能为空，也不能含空格、不可见字符或控制字符")
    key = unicodedata.normalize("NFKC", name).casefold()
    if key == OPERATOR_LABEL or written(name).casefold() == OPERATOR_LABEL:
        return _refuse(f"登录名 {name} 是系统自动办理（定时检查、发布巡检）在审计记录中的署名，不能用作人员登录名，请另取一个")
    same = [n for n in existing if unicodedata.normalize("NFKC", n).casefold() == key
            or (written(n) and written(n).casefold() == written(name).casefold())]
    if same:
        return _refuse(f"登录名 {name} 与已有人员 {same[0]} 难以区分，请另取一个")
    return None


# ------------------------------------------------------------------ 集体审议 (issue 14)

DELIBERATION = "deliberation"      # the stage id of 集体审议 in the default pipelines


def records_meeting(stage: StageSpec) -> bool:
    """A stage decided at a meeting (集体审议: 常务会议, 全体会议): its meeting is recorded."""
    return stage.id == DELIBERATION or stage.meeting_record


def meeting_stage(pipeline: Pipeline | None) -> StageSpec | None:
    """The pipeline's 集体审议 stage, if it has one."""
    return next((s for s in (pipeline.stages if pipeline else ()) if records_meeting(s)), None)


def may_record_deliberation(p: Person, submitters: Iterable[str], drafting_unit: str, state: str,
                            stage: StageSpec | None) -> Problem | None:
    """The 集体审议 record (meeting, 第N次, date, minutes) is entered by whoever may approve the stage
    (may_decide: its role, never on one's own dossier), while the dossier is under review."""
    if stage is None:
        return problem("invalid_state", "本卷宗的审核流程没有集体审议环节，无需记录会议", advice="")
    if state not in OPEN_STATES:
        from review.model import STATE_NAMES
        return problem("invalid_state", f"卷宗当前状态为“{STATE_NAMES.get(state, state)}”，不能记录集体审议")
    return may_decide(p, submitters, drafting_unit, stage)


def deliberation_record_problem(stage: StageSpec, verdict: str, recorded: bool) -> Problem | None:
    """Approving a stage that needs its meeting's record (StageSpec.meeting_record) without one on the
    version is refused; a return needs none (the meeting may send it back before minutes exist)."""
    if verdict == "approve" and stage.meeting_record and not recorded:
        return problem("deliberation_record_missing", f"本版本尚未记录“{stage.name}”的会议")
    return None
