"""Every lifecycle's transition table: only listed steps happen, final states stay final."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from documents.problems import Refused
from review.lifecycles import ALL, DOSSIER, GAZETTE_ISSUE, REGISTER_ENTRY
from review.model import STATE_NAMES

LIFECYCLES = st.sampled_from(ALL)


@given(LIFECYCLES, st.data())
def test_a_step_happens_only_when_the_table_lists_it(lifecycle, data):
    state = data.draw(st.sampled_from(sorted(lifecycle.states) + ["", "bogus", "已发布"]))
    action = data.draw(st.sampled_from(sorted(lifecycle.actions) + ["delete", ""]))
    if action in lifecycle.actions and state in lifecycle.actions[action][0]:
        assert lifecycle.step(state, action) == lifecycle.actions[action][1]
    else:
        with pytest.raises(Refused) as e:
            lifecycle.step(state, action)
        assert e.value.problem.code == "invalid_state" and lifecycle.name in e.value.problem.message


def test_every_state_has_a_chinese_name_and_the_dossiers_match_the_model():
    for lifecycle in ALL:
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in name) for name in lifecycle.states.values())
    assert DOSSIER.states == STATE_NAMES


def test_repealed_and_expired_register_entries_are_final():
    for final in ("repealed", "expired"):
        assert not [a for a in REGISTER_ENTRY.actions if REGISTER_ENTRY.allows(final, a)]


def test_a_pending_entry_is_not_in_force_until_it_takes_effect():
    assert REGISTER_ENTRY.refusal("pending", "amend") is not None
    assert REGISTER_ENTRY.refusal("pending", "expire") is not None
    assert REGISTER_ENTRY.step("pending", "take_effect") == "in_force"


def test_a_released_issue_never_changes():
    assert GAZETTE_ISSUE.refusal("released", "edit") is not None
    assert GAZETTE_ISSUE.refusal("released", "release") is not None
