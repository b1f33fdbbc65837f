"""The year's 调休 schedule entered in lockstep.toml (issue 14): deadlines crossing into a year the
chinese-calendar package does not know yet are exact once the operator enters it; a year nobody
entered stays an estimate, said so; calendar-day clocks never speak of working days. Pure: no I/O."""
from __future__ import annotations

from datetime import date

import pytest

from documents.problems import Refused
from review.clock import Period, WorkCalendar, add_period, is_workday, status_on, working_days_between
from review.config import DEFAULT_CONFIG_TOML, parse_config

# An illustrative 2027 arrangement in the shape the State Council publishes (not the real one):
# 元旦 Jan 1–3; 春节 Feb 6–13 with Sun Feb 14 and Sat Feb 20 worked; 清明 Apr 5; 劳动节 May 1–5; 端午 Jun 9;
# 国庆 Oct 1–7 with Sat Oct 9 worked. A year the package does not know must be entered whole.
SCHEDULE_2027 = '''
[calendar."2027"]
holidays = [2027-01-01, "2027-01-02", "2027-01-03", "2027-02-06..2027-02-13", "2027-04-05", "2027-05-01..2027-05-05",
            "2027-06-09", "2027-10-01..2027-10-07"]
workdays = ["2027-02-14", 2027-02-20, "2027-10-09"]
'''
WD15 = Period.parse("15个工作日")


def calendar(extra: str = SCHEDULE_2027) -> WorkCalendar:
    return parse_config(DEFAULT_CONFIG_TOML + extra).calendar


def refusal(extra: str) -> str:
    with pytest.raises(Refused) as caught:
        parse_config(DEFAULT_CONFIG_TOML + extra)
    p = caught.value.problem
    assert p.code == "config_invalid" and p.severity == "error"
    return p.message


def test_a_configured_year_makes_a_working_day_deadline_crossing_into_it_exact():
    # From Fri 2026-12-18: Dec 21–25 (5), 28–31 (9); Jan 1 is 元旦 (configured), Jan 4–8 (14), Mon Jan 11 = 15.
    exact = add_period(date(2026, 12, 18), WD15, calendar())
    assert (exact.due, exact.estimated, exact.note) == (date(2027, 1, 11), False, None)
    # Without the schedule the same count takes Jan 1 as a Friday worked: an estimate, said so.
    guess = add_period(date(2026, 12, 18), WD15)
    assert (guess.due, guess.estimated) == (date(2027, 1, 8), True)
    assert "按周一至周五计算（估算）" in guess.note and 'calendar."2027"' in guess.note and "[" not in guess.note


def test_the_configured_holidays_and_make_up_workdays_are_counted_as_the_schedule_says():
    cal = calendar()
    assert is_workday(date(2027, 2, 8), cal) == (False, True)      # a Monday of 春节
    assert is_workday(date(2027, 2, 14), cal) == (True, True)      # a Sunday worked (调休)
    assert is_workday(date(2027, 3, 6), cal) == (False, True)      # an ordinary Saturday of a known year
    assert is_workday(date(2027, 3, 8), cal) == (True, True)
    # From Fri Feb 5: Feb 6–13 off, Sun 14 worked (1), Feb 15–19 (6), Sat 20 worked (7).
    assert add_period(date(2027, 2, 5), Period(amount=7, unit="workdays"), cal).due == date(2027, 2, 20)
    assert working_days_between(date(2027, 2, 5), date(2027, 2, 20), cal) == 7
    d = add_period(date(2027, 2, 5), Period(amount=7, unit="workdays"), cal)
    assert status_on(d, date(2027, 2, 16), cal) == "ok"            # 17, 18, 19, 20 left = 4
    assert status_on(d, date(2027, 2, 17), cal) == "due_soon"      # 18, 19, Sat 20 (worked) = 3
    assert status_on(d, date(2027, 2, 12), cal) == "ok"            # 14, 15, 16, 17, 18, 19, 20 = 7 left


def test_a_year_neither_the_package_nor_the_config_knows_stays_an_estimate_and_says_which():
    # 2027 configured, 2028 not: a count running into 2028 is an estimate naming 2028 alone.
    d = add_period(date(2027, 12, 24), WD15, calendar())
    assert d.estimated and d.note.startswith("2028年的法定节假日安排尚未收录")
    assert "2027年" not in d.note
    assert is_workday(date(2028, 1, 3), calendar()) == (True, False)


def test_a_configured_year_corrects_the_package_day_by_day():
    # An operator may correct a day of a year the package knows (here: 2026-12-31 made a day off).
    cal = calendar('[calendar."2026"]\nholidays = ["2026-12-31"]\n')
    assert is_workday(date(2026, 12, 31), cal) == (False, True)
    assert is_workday(date(2026, 12, 30), cal) == (True, True)      # the rest as the package says
    assert is_workday(date(2026, 10, 1), cal) == (False, True)


def test_calendar_day_clocks_never_print_the_working_day_caveat():
    # 30日 from 2026-12-20 ends Tue 2027-01-19: exact once 2027 is configured, whatever the span.
    assert add_period(date(2026, 12, 20), Period.parse("30日"), calendar()).note is None
    assert not add_period(date(2026, 12, 20), Period.parse("30日"), calendar()).estimated
    # Within known years: never a note.
    assert add_period(date(2026, 9, 1), Period.parse("30日")).note is None
    # Its last day in an unknown year: flagged for the roll-over past a holiday, never "Monday to Friday".
    for start in (date(2026, 12, 20), date(2027, 12, 20), date(2031, 9, 1)):
        d = add_period(start, Period.parse("30日"), calendar())
        if d.estimated:
            assert "周一至周五" not in d.note and "工作日" not in d.note
            assert d.note.startswith(f"估算：届满日 {d.due:%Y-%m-%d}")
    # Roll-over on a configured holiday: 30 days from 2027-09-01 is Oct 1 (国庆) → Fri Oct 8.
    rolled = add_period(date(2027, 9, 1), Period.parse("30日"), calendar())
    assert (rolled.due, rolled.estimated) == (date(2027, 10, 8), False)


def test_the_config_accepts_toml_dates_quoted_dates_ranges_and_december_days_of_the_year_before():
    rest = '"2028-01-26..2028-02-01", "2028-04-04", "2028-05-01..2028-05-02", "2028-05-28", "2028-10-01..2028-10-03"'
    cal = calendar(f'[calendar."2028"]\nholidays = ["2027-12-31..2028-01-01", 2028-01-02, {rest}]\nworkdays = []\n')
    assert {date(2027, 12, 31), date(2028, 1, 1), date(2028, 1, 2)} <= cal.years[2028].holidays
    assert cal.knows(2028) and not cal.knows(2029) and cal.knows(2026)
    assert parse_config(DEFAULT_CONFIG_TOML).calendar == WorkCalendar()     # none: the package alone


@pytest.mark.parametrize("extra, key, says", [
    ('[calendar."2027"]\nholidays = ["2027-02-30"]\n', 'calendar."2027".holidays[0]', "不是有效日期"),
    ('[calendar."2027"]\nholidays = ["2027-01-01", "2027/13/01"]\n', 'calendar."2027".holidays[1]', "不是有效日期"),
    ('[calendar."2027"]\nholidays = ["2027-01-01"]\nworkdays = ["2027-02-15"]\n', 'calendar."2027".workdays',
     "调休上班日应为周六或周日"),
    ('[calendar."2027"]\nholidays = ["2026-06-01"]\n', 'calendar."2027".holidays[0]', "不在2027年内"),
    ('[calendar."2027"]\nholidays = ["2027-02-14"]\nworkdays = ["2027-02-14"]\n', 'calendar."2027"',
     "同时列在 holidays 与 workdays 中"),
    ('[calendar."2027"]\nworkdays = ["2027-02-14"]\n', 'calendar."2027".holidays', "未列出2027年的放假日期"),
    ('[calendar."2027"]\nholiday = ["2027-01-01"]\n', 'calendar."2027".holiday', "不是可识别的键"),
    ('[calendar."27"]\nholidays = ["2027-01-01"]\n', 'calendar."27"', "四位数字"),
    ('[calendar."2027"]\nholidays = "2027-01-01"\n', 'calendar."2027".holidays', "应为日期列表"),
    ('[calendar."2027"]\nholidays = ["2027-02-13..2027-02-06"]\n', 'calendar."2027".holidays[0]', "日期范围"),
])
def test_a_bad_schedule_is_refused_at_load_naming_the_key(extra, key, says):
    message = refusal(extra)
    assert f"lockstep.toml 的 {key} 有误" in message and says in message
