"""The register's rules as plain values: validity, evaluation, life changes, annual figures."""
from __future__ import annotations

import datetime as dt

from documents.effective import find_effective
from publishing import register_rules as rules
from publishing.register_rules import EntryFacts, annual_figures

D = dt.date


def test_a_normative_document_is_valid_for_five_years_from_its_effective_date():
    assert rules.valid_until(D(2019, 9, 1), "根河市政务公开办法") == D(2024, 8, 31)


def test_a_provisional_or_trial_document_is_valid_for_two_years():
    assert rules.valid_until(D(2019, 9, 1), "根河市政务公开暂行办法") == D(2021, 8, 31)
    assert rules.valid_until(D(2019, 9, 1), "根河市政务公开试行规定") == D(2021, 8, 31)


def test_validity_from_a_leap_day_ends_on_the_last_day_of_february():
    assert rules.valid_until(D(2020, 2, 29), "办法") == D(2025, 2, 28)


def test_the_evaluation_falls_due_six_months_before_validity_ends():
    assert rules.evaluation_due(D(2024, 8, 31)) == D(2024, 2, 29)


def test_the_effective_date_is_read_from_the_text_else_the_publish_date():
    published = D(2019, 8, 20)
    assert rules.effective_date(find_effective(["本办法自2019年9月1日起施行。"]), D(2019, 8, 5), published) \
        == D(2019, 9, 1)
    assert rules.effective_date(find_effective(["本通知自印发之日起施行。"]), D(2019, 8, 5), published) \
        == D(2019, 8, 5)
    assert rules.effective_date(find_effective(["本规定自发布之日起施行。"]), D(2019, 8, 5), published) == published
    assert rules.effective_date((), D(2019, 8, 5), published) == published


def test_amending_refuses_itself_and_final_entries():
    assert rules.amend_problem("A", "in_force", "B", "in_force") is None
    assert rules.amend_problem("A", "amended", "B", "in_force") is None
    for target, by, target_status, by_status in (("A", "A", "in_force", "in_force"), ("A", "B", "repealed", "in_force"),
                                                 ("A", "B", "expired", "in_force"), ("A", "B", "in_force", "repealed")):
        assert rules.amend_problem(target, target_status, by, by_status).code == "invalid_state"


def test_repealing_needs_a_document_or_a_reason_and_refuses_a_repealed_entry():
    assert rules.repeal_problem("A", "in_force", None, None, "上位法已修改") is None
    assert rules.repeal_problem("A", "amended", "B", "in_force", None) is None
    assert rules.repeal_problem("A", "in_force", None, None, " ").code == "invalid_state"
    assert rules.repeal_problem("A", "repealed", "B", "in_force", None).code == "invalid_state"


def test_only_entries_in_force_past_their_validity_expire():
    assert rules.expires("in_force", D(2024, 8, 31), D(2024, 9, 1))
    assert rules.expires("amended", D(2024, 8, 31), D(2024, 9, 1))
    assert not rules.expires("in_force", D(2024, 8, 31), D(2024, 8, 31))
    assert not rules.expires("repealed", D(2024, 8, 31), D(2024, 9, 1))


def test_annual_figures_count_made_repealed_expired_and_in_force_at_year_end():
    history = [
        EntryFacts(registration_number="R1", published=D(2018, 3, 1), valid_until=D(2019, 6, 30)),   # lapses 2019
        EntryFacts(registration_number="R2", published=D(2018, 5, 1), valid_until=D(2023, 4, 30),
                   repealed=D(2019, 10, 1)),
        EntryFacts(registration_number="R3", published=D(2019, 2, 1), valid_until=D(2024, 1, 31),
                   amended=(D(2019, 11, 1),), interpreted=True, graphic=True, released_together=True),
        EntryFacts(registration_number="R4", published=D(2019, 11, 1), valid_until=D(2021, 10, 31),
                   interpreted=True, released_together=True),
        EntryFacts(registration_number="R5", published=D(2020, 1, 5), valid_until=D(2025, 1, 4)),
    ]
    table = {f.key: f.value for f in annual_figures(history, 2019)}
    assert (table["made"], table["amended"], table["repealed"], table["expired"], table["in_force"]) == (2, 1, 1, 1, 2)
    assert (table["interpreted_share"], table["graphic_share"], table["released_together_share"]) == (100.0, 50.0, 100.0)
    assert {f.key: f.value for f in annual_figures(history, 2018)}["in_force"] == 2


def test_annual_shares_are_zero_in_a_year_with_nothing_made():
    assert {f.key: f.value for f in annual_figures([], 2019)}["interpreted_share"] == 0.0
