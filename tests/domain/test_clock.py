"""Working-day clocks (DESIGN rule 10): review limits, consultation periods, filing deadlines."""
from __future__ import annotations

from datetime import date

import pytest

from review.clock import Deadline, Period, add_period, is_workday, known_years, status_on, working_days_between

WD15 = Period(amount=15, unit="workdays")


def test_the_calendar_package_knows_2004_to_2026_and_refuses_other_years():
    # chinese-calendar 1.11.0 ships arrangements through 2026; a new release is needed for 2027.
    assert (known_years().start, known_years().stop - 1) == (2004, 2026)
    assert is_workday(date(2019, 9, 29)) == (True, True)       # Sunday, 调休 make-up workday
    assert is_workday(date(2019, 10, 1)) == (False, True)      # National Day, a Tuesday
    assert is_workday(date(2027, 1, 1)) == (True, False)       # unknown year: a Friday counts
    assert is_workday(date(2027, 1, 2)) == (False, False)      # unknown year: Saturday rests


def test_working_days_skip_national_day_2019_and_count_its_make_up_weekend_days():
    # 2019 National Day: Oct 1–7 off; Sun Sep 29 and Sat Oct 12 were make-up workdays.
    # From Fri Sep 27 (not counted): Sat 28 rest; Sun 29 =1; Mon 30 =2; Oct 1–7 rest;
    # Oct 8–11 =3..6; Sat Oct 12 =7; Sun 13 rest; Oct 14–18 =8..12; 19–20 weekend;
    # Oct 21, 22, 23 =13..15 → due Wed 2019-10-23.
    d = add_period(date(2019, 9, 27), WD15)
    assert (d.due, d.estimated, d.note) == (date(2019, 10, 23), False, None)


def test_working_days_skip_spring_festival_2024_and_count_its_make_up_sundays():
    # 2024 Spring Festival: Feb 10–17 off; Sun Feb 4 and Sun Feb 18 were make-up workdays.
    # From Fri Feb 2: Sat 3 rest; Sun 4 =1; Mon 5 =2; Tue 6 =3 → due 2024-02-06.
    assert add_period(date(2024, 2, 2), Period(amount=3, unit="workdays")).due == date(2024, 2, 6)
    # From Thu Feb 8: Fri 9 (除夕, a workday that year) =1; Feb 10–17 off; Sun 18 =2;
    # Feb 19, 20, 21 =3..5 → due Wed 2024-02-21.
    assert add_period(date(2024, 2, 8), Period(amount=5, unit="workdays")).due == date(2024, 2, 21)


def test_a_day_period_ending_on_a_holiday_ends_on_the_next_working_day():
    # 30 days from Sep 1 2019 end on Tue Oct 1 (National Day); Oct 1–7 are off → Tue Oct 8.
    d = add_period(date(2019, 9, 1), Period.parse("30日"))
    assert (d.due, d.estimated) == (date(2019, 10, 8), False)
    # A period ending on an ordinary workday stays put: 15 days from Mon 2019-09-02 → Tue Sep 17.
    assert add_period(date(2019, 9, 2), Period.parse("15天")).due == date(2019, 9, 17)


def test_a_day_period_ending_on_a_make_up_saturday_is_not_moved():
    # 15 days from Fri 2019-09-27 end on Sat Oct 12, a 调休 workday.
    assert add_period(date(2019, 9, 27), Period.parse("15 days")).due == date(2019, 10, 12)


def test_days_in_a_year_the_package_does_not_know_count_monday_to_friday_and_are_flagged():
    # From Fri 2031-09-26, Mon–Fri only (National Day 2031 unknown): Sep 29, 30,
    # Oct 1, 2, 3, 6, 7, 8, 9, 10 → due Fri 2031-10-10.
    d = add_period(date(2031, 9, 26), Period(amount=10, unit="workdays"))
    assert (d.due, d.estimated) == (date(2031, 10, 10), True)
    assert d.note == ("2031年的法定节假日安排尚未收录（chinese-calendar 1.11.0 收录2004年至2026年，"
                      'lockstep.toml 中也未填写 calendar."2031"），按周一至周五计算（估算），请人工核对')
    # 30 days from 2031-09-01 land on Wed Oct 1, which the estimate takes as a workday.
    assert add_period(date(2031, 9, 1), Period.parse("30日")).due == date(2031, 10, 1)


def test_a_period_running_from_a_known_into_an_unknown_year_is_flagged_for_the_unknown_one():
    # From Wed 2026-12-30: Thu 31 =1 (known); Fri 2027-01-01 =2 (New Year's Day in fact,
    # but unknown, so counted); Mon Jan 4 =3.
    d = add_period(date(2026, 12, 30), Period(amount=3, unit="workdays"))
    assert (d.due, d.estimated) == (date(2027, 1, 4), True)
    assert d.note.startswith("2027年的法定节假日安排尚未收录")
    # A day period whose last day lies in the unknown year may roll over a holiday nobody knows yet:
    # flagged, but its note never says it counted Monday to Friday (issue 14).
    days = add_period(date(2026, 12, 20), Period.parse("30日"))
    assert days.estimated and "周一至周五" not in days.note and days.note.startswith("估算：届满日 2027-01-19")


@pytest.mark.parametrize("text, amount, unit", [
    ("15 working days", 15, "workdays"),
    ("1 working day", 1, "workdays"),
    ("15 workdays", 15, "workdays"),
    ("15个工作日", 15, "workdays"),
    ("15 工作日", 15, "workdays"),
    ("１５个工作日", 15, "workdays"),       # full-width digits, as typed in Chinese IMEs
    ("3 Working Days", 3, "workdays"),
    ("30 days", 30, "days"),
    ("30 calendar days", 30, "days"),
    ("30日", 30, "days"),
    ("30天", 30, "days"),
    ("30 自然日", 30, "days"),
    (" 30个自然日 ", 30, "days"),
])
def test_periods_are_read_in_english_and_chinese(text, amount, unit):
    assert Period.parse(text) == Period(amount=amount, unit=unit)


@pytest.mark.parametrize("text", ["", "十五个工作日", "15", "15 weeks", "0 days", "-3 days", "15个工作日内外"])
def test_an_unreadable_period_is_refused_in_chinese(text):
    with pytest.raises(ValueError, match="无法识别的期限"):
        Period.parse(text)


def test_a_period_describes_itself_in_chinese():
    assert (WD15.describe(), Period.parse("30 days").describe()) == ("15个工作日", "30日")


def test_working_days_between_counts_the_end_not_the_start_and_is_signed():
    assert working_days_between(date(2019, 9, 27), date(2019, 10, 23)) == 15   # agrees with add_period
    assert working_days_between(date(2019, 10, 23), date(2019, 9, 27)) == -15
    assert working_days_between(date(2019, 10, 8), date(2019, 10, 8)) == 0
    assert working_days_between(date(2019, 9, 30), date(2019, 10, 7)) == 0     # the whole holiday
    assert working_days_between(date(2019, 10, 7), date(2019, 10, 8)) == 1


def test_status_turns_due_soon_three_working_days_before_and_overdue_the_day_after():
    d = add_period(date(2019, 9, 27), WD15)                      # due Wed 2019-10-23
    assert status_on(d, date(2019, 10, 17)) == "ok"              # Thu: 18, 21, 22, 23 left = 4
    assert status_on(d, date(2019, 10, 18)) == "due_soon"        # Fri: 21, 22, 23 left = 3
    assert status_on(d, date(2019, 10, 20)) == "due_soon"        # Sun: still 3
    assert status_on(d, date(2019, 10, 23)) == "due_today"
    assert status_on(d, date(2019, 10, 24)) == "overdue"


def test_due_soon_counts_working_days_so_a_holiday_brings_it_forward():
    d = Deadline(start=date(2019, 9, 1), due=date(2019, 10, 8), period=Period.parse("30日"))
    assert status_on(d, date(2019, 9, 26)) == "ok"               # 27, 29, 30, Oct 8 = 4
    assert status_on(d, date(2019, 9, 27)) == "due_soon"         # 11 calendar days, 3 working days
