"""The dossier's life as an explicit transition table (DESIGN.md, "A dossier's life").

Each action names the states it may start from; anything else is refused with `invalid_state`.
Guards that need more than the state (the gate, roles) live in review/decisions.py.
"""
from __future__ import annotations

from review.lifecycles import DOSSIER

# action -> (allowed from-states, resulting state): the dossier's table in review/lifecycles.py.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = DOSSIER.actions
ACTION_NAMES = DOSSIER.action_names


def transition(state: str, action: str) -> str:
    return DOSSIER.step(state, action)
