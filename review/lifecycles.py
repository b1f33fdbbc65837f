"""Every lifecycle as an explicit transition table (DESIGN.md, "One rulebook").

A lifecycle names its states and, per action, the states the action may start from and the state it
leads to. `step` answers the next state or refuses with `invalid_state`, in Chinese; nothing else in
Lockstep decides which status change is legal. Guards that need more than the state (who acts, the
gate) are in review/rules.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from documents.problems import Refused, problem


@dataclass(frozen=True)
class Lifecycle:
    name: str                                   # 中文, e.g. 公报期次
    states: dict[str, str]                      # state -> 中文
    actions: dict[str, tuple[frozenset[str], str]]   # action -> (from states, to state)
    action_names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for action, (sources, target) in self.actions.items():
            unknown = (set(sources) | {target}) - set(self.states)
            if unknown:
                raise ValueError(f"{self.name}: action {action} names unknown states {sorted(unknown)}")

    def allows(self, state: str, action: str) -> bool:
        return action in self.actions and state in self.actions[action][0]

    def refusal(self, state: str, action: str):
        """None when the action may start from the state, else the coded problem."""
        if self.allows(state, action):
            return None
        words = self.action_names.get(action, action)
        now = self.states.get(state, state or "未知")
        return problem("invalid_state", f"{self.name}当前状态为“{now}”，不能{words}")

    def step(self, state: str, action: str) -> str:
        if (refused := self.refusal(state, action)) is not None:
            raise Refused(refused)
        return self.actions[action][1]


def _t(*sources: str) -> frozenset[str]:
    return frozenset(sources)


DOSSIER = Lifecycle(
    name="卷宗",
    states={"submitted": "已提交", "in_review": "审核中", "returned": "已退回",
            "signed_off": "已签发", "published": "已发布", "registered": "已登记"},
    actions={
        "resubmit": (_t("submitted", "in_review", "returned"), "submitted"),
        "approve": (_t("submitted", "in_review"), "in_review"),
        "return": (_t("submitted", "in_review"), "returned"),
        "sign_off": (_t("submitted", "in_review"), "signed_off"),
        "publish": (_t("signed_off"), "published"),
        "register": (_t("published"), "registered"),
    },
    action_names={"resubmit": "重新提交", "approve": "审核通过", "return": "退回", "sign_off": "签发",
                  "publish": "发布", "register": "登记"})

# A published document's public life: on every public output until withheld (撤回公开).
PUBLICATION = Lifecycle(
    name="公开发布",
    states={"unpublished": "未发布", "public": "已公开", "withheld": "已撤回公开"},
    actions={
        "publish": (_t("unpublished"), "public"),
        "withhold": (_t("public"), "withheld"),
    },
    action_names={"publish": "公开发布", "withhold": "撤回公开"})

GAZETTE_ISSUE = Lifecycle(
    name="公报期次",
    states={"draft": "编排中", "releasing": "出版中", "scheduled": "定时出版", "released": "已出版"},
    actions={
        "edit": (_t("draft"), "draft"),          # add or remove items, corrections
        # The editor's decision (issue 12 outbox, issue 15 embargo): committed with a gazette_release
        # job; the job's work (editions, objects, folder) takes it on to released, or a scheduled one
        # waits, built and fingerprinted, until its moment.
        "release": (_t("draft"), "releasing"),
        "schedule": (_t("draft"), "scheduled"),
        "publish": (_t("releasing", "scheduled"), "released"),   # the work done / the moment come
        "cancel": (_t("scheduled"), "draft"),                     # before its moment, with a reason
        "abandon": (_t("releasing", "scheduled"), "draft"),       # the work was refused (a rule, the folder)
    },
    action_names={"edit": "编排或更改", "release": "出版", "schedule": "定时出版", "publish": "公开出版",
                  "cancel": "取消定时出版", "abandon": "撤回出版决定"})

GAZETTE_ITEM = Lifecycle(
    name="公报稿件",
    states={"queued": "待刊", "in_issue": "已刊登"},
    actions={
        "print": (_t("queued"), "in_issue"),     # its issue is released
    },
    action_names={"print": "刊登"})

REGISTER_ENTRY = Lifecycle(
    name="台帐记录",
    states={"pending": "待施行", "in_force": "现行有效", "amended": "已修改", "repealed": "已废止",
            "expired": "已失效"},
    actions={
        "take_effect": (_t("pending"), "in_force"),
        "take_effect_amended": (_t("pending"), "amended"),   # amended while it waited: in force as amended
        "amend": (_t("in_force", "amended"), "amended"),
        "note_amendment": (_t("pending"), "pending"),       # a 待施行 document stays so until its day
        "repeal": (_t("pending", "in_force", "amended"), "repealed"),
        "expire": (_t("in_force", "amended"), "expired"),
    },
    action_names={"take_effect": "施行", "take_effect_amended": "施行", "amend": "修改",
                  "note_amendment": "修改", "repeal": "废止", "expire": "标记失效"})

ALL = (DOSSIER, PUBLICATION, GAZETTE_ISSUE, GAZETTE_ITEM, REGISTER_ENTRY)

# Machine work a decision starts (the outbox, storage/jobs.py): a publish job is written with its
# sign-off; any worker claims it, finishes it in the transaction that records the work, or gives it
# back (a fault: retried later) or fails it (a refusal a person must look at). A job held by a worker
# that died, or for longer than the sweep allows, is given back and claimed again.
JOB = Lifecycle(
    name="后台任务",
    states={"pending": "待执行", "claimed": "执行中", "done": "已完成", "failed": "未能完成"},
    actions={
        "claim": (_t("pending"), "claimed"),
        "release": (_t("claimed"), "pending"),          # a fault, or its worker died / took too long
        "finish": (_t("pending", "claimed", "failed"), "done"),   # the work is recorded (or found recorded)
        "fail": (_t("claimed"), "failed"),
        "retry": (_t("failed"), "pending"),             # a person asks again (lockstep publish D)
    },
    action_names={"claim": "领取", "release": "交还", "finish": "完成", "fail": "标记失败", "retry": "重新执行"})

ALL = ALL + (JOB,)

# A notification's e-mail (issue 14; storage/repos/notifications.py): written pending with the decision
# that makes its person the next actor (inbox-only ones, for a person without an address, are written
# skipped); a sender claims it, sends it or gives it back (an SMTP fault: tried again later, a
# bounded number of times, then failed), or skips it when no mail server is configured (not a fault:
# the desk inbox still has it). A person may ask again for a failed one (lockstep notify send --retry-failed).
MAIL = Lifecycle(
    name="通知邮件",
    states={"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败",
            "skipped": "不发送（仅工作台通知）"},
    actions={
        "claim": (_t("pending"), "sending"),
        "release": (_t("sending"), "pending"),
        "send": (_t("sending"), "sent"),
        "fail": (_t("sending"), "failed"),
        "skip": (_t("pending", "sending"), "skipped"),
        "retry": (_t("failed"), "pending"),
    },
    action_names={"claim": "领取", "release": "交还", "send": "发送", "fail": "标记失败", "skip": "不发送",
                  "retry": "重新发送"})

ALL = ALL + (MAIL,)

# An online public comment (网络征集, issue 15): it arrives pending and never reaches a public page until
# the drafting office accepts it; accepted ones join the adoption table and the summary. A decision may be
# changed until the adoption summary is published (services/review/consultation.py refuses after that).
COMMENT_MODERATION = Lifecycle(
    name="网上意见",
    states={"pending": "待审核", "accepted": "已采用", "rejected": "不予采用"},
    actions={
        "accept": (_t("pending", "rejected"), "accepted"),
        "reject": (_t("pending", "accepted"), "rejected"),
    },
    action_names={"accept": "采用", "reject": "不予采用"})

ALL = ALL + (COMMENT_MODERATION,)

# A signed dossier's web release (定时发布, issue 15): at sign-off or later a signer may set a moment; the
# pages are built, stored and fingerprinted at once, but nothing is public before it (review.rules.is_public
# with release_at). A scheduled release may be cancelled before its moment, with a reason: the dossier stays
# signed off and waits (held) until a signer schedules it again or publishes it. The state is read from the
# dossier and its publish job (services/publication/schedule.py).
WEB_RELEASE = Lifecycle(
    name="网站发布",
    states={"held": "待发布（未定时）", "releasing": "发布中", "scheduled": "定时发布", "released": "已发布"},
    actions={
        # a moment set or moved; from releasing only while its job is not yet claimed (storage/jobs.py schedule)
        "schedule": (_t("held", "scheduled", "releasing"), "scheduled"),
        "cancel": (_t("scheduled"), "held"),                     # before its moment, with a reason
        "publish": (_t("releasing", "scheduled", "held"), "released"),
    },
    action_names={"schedule": "定时发布", "cancel": "取消定时发布", "publish": "公开发布"})

ALL = ALL + (WEB_RELEASE,)
