"""The dossier's life as an explicit transition table (DESIGN.md, "A dossier's life").

Each action names the states it may start from; anything else is refused with `invalid_state`.
Guards that need more than the state (the gate, roles) live in review/decisions.py.
"""
from __future__ import annotations

from documents.problems import Refused, problem
from review.model import STATE_NAMES

# action -> (allowed from-states, resulting state)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "resubmit": (frozenset({"submitted", "in_review", "returned"}), "submitted"),
    "approve": (frozenset({"submitted", "in_review"}), "in_review"),
    "return": (frozenset({"submitted", "in_review"}), "returned"),
    "sign_off": (frozenset({"submitted", "in_review"}), "signed_off"),
    "publish": (frozenset({"signed_off"}), "published"),
    "register": (frozenset({"published"}), "registered"),
}
ACTION_NAMES = {"resubmit": "重新提交", "approve": "审核通过", "return": "退回",
                "sign_off": "签发", "publish": "发布", "register": "登记"}


def transition(state: str, action: str) -> str:
    allowed, target = TRANSITIONS[action]
    if state not in allowed:
        raise Refused(problem("invalid_state",
                              f"卷宗当前状态为“{STATE_NAMES.get(state, state)}”，不能{ACTION_NAMES[action]}"))
    return target
