"""Working-day clocks: legality-review limits, consultation periods, filing deadlines.

Days are counted on the Chinese working-day calendar (statutory holidays and the
make-up workdays of 调休) using the `chinese-calendar` package. That package only
knows the years whose holiday arrangements the State Council had published when it
was released (see `known_years()`). Outside those years holidays are unknown: we
count Monday to Friday as working days, mark the deadline `estimated` and say so in
a Chinese note, so that a person checks it once the year's arrangement is out.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from typing import Literal

import chinese_calendar
from pydantic import BaseModel

DUE_SOON_WORKDAYS = 3   # "due soon" = at most this many working days left

_WORKDAY_WORDS = r"(?:个\s*)?工作日|working\s+days?|workdays?"
_DAY_WORDS = r"(?:个\s*)?自然日|日|天|(?:calendar\s+)?days?"
_PERIOD = re.compile(rf"^(\d+)\s*(?:(?P<work>{_WORKDAY_WORDS})|(?P<day>{_DAY_WORDS}))$", re.IGNORECASE)


class Period(BaseModel, frozen=True):
    amount: int
    unit: Literal["workdays", "days"]

    @classmethod
    def parse(cls, text: str) -> Period:
        """'15 working days', '15个工作日', '30 days', '30日', '30天', '30 自然日', ..."""
        # NFKC turns full-width digits and spaces (１５个工作日) into ASCII ones.
        m = _PERIOD.match(unicodedata.normalize("NFKC", text).strip())
        if m is None or int(m.group(1)) < 1:
            raise ValueError(f"无法识别的期限“{text}”，应写作如“15个工作日”或“30日”")
        return cls(amount=int(m.group(1)), unit="workdays" if m.group("work") else "days")

    def describe(self) -> str:
        return f"{self.amount}个工作日" if self.unit == "workdays" else f"{self.amount}日"


class Deadline(BaseModel, frozen=True):
    start: date
    due: date
    period: Period
    estimated: bool = False     # some counted day lies in a year the calendar does not know
    note: str | None = None     # Chinese explanation when estimated


def known_years() -> range:
    """The years chinese-calendar has holiday data for (1.11.0: 2004–2026).

    Taken from the package's own table, the same bound its functions check before
    raising NotImplementedError, so upgrading the package widens it automatically.
    """
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


def is_workday(d: date) -> tuple[bool, bool]:
    """(is it a working day?, is that known?) — Mon–Fri and known=False outside known_years()."""
    try:
        return chinese_calendar.is_workday(d), True
    except NotImplementedError:
        return d.weekday() < 5, False


def add_period(start: date, period: Period) -> Deadline:
    """The deadline `period` after `start`, counted as Chinese administrative law counts.

    - The day of `start` itself is not counted (期间开始之日不计算在内): counting
      begins the next day.
    - "days" (日, calendar days): due = start + amount days; but when that last day
      is a rest day (statutory holiday, or a weekend that is not a make-up workday)
      the period ends on the first working day after it (期间届满的最后一日是法定
      节假日的，以节假日后的第一日为期间届满的日期).
    - "workdays" (工作日): due = the amount-th working day after `start`; make-up
      workdays (调休上班的周末) count, holidays do not.
    """
    unknown: set[int] = set()

    def workday(d: date) -> bool:
        ok, known = is_workday(d)
        if not known:
            unknown.add(d.year)
        return ok

    if period.unit == "days":
        due = start + timedelta(days=period.amount)
        while not workday(due):
            due += timedelta(days=1)
        # Every calendar day up to `due` counts toward the period, so an unknown year
        # anywhere in the span makes the result an estimate, not just at the due day.
        years = known_years()
        first = start + timedelta(days=1)
        unknown.update(y for y in range(first.year, due.year + 1) if y not in years)
    else:
        due, left = start, period.amount
        while left:
            due += timedelta(days=1)
            left -= workday(due)

    note = None
    if unknown:
        years = known_years()
        missing = "、".join(f"{y}年" for y in sorted(unknown))
        note = (f"{missing}的法定节假日安排尚未收录（chinese-calendar {chinese_calendar.__version__} "
                f"收录{years.start}年至{years.stop - 1}年），按周一至周五计算，请人工核对")
    return Deadline(start=start, due=due, period=period, estimated=bool(unknown), note=note)


def working_days_between(a: date, b: date) -> int:
    """Working days in (a, b]; negative (minus those in (b, a]) when b is before a."""
    if b < a:
        return -working_days_between(b, a)
    return sum(is_workday(a + timedelta(days=i))[0] for i in range(1, (b - a).days + 1))


def status_on(deadline: Deadline, today: date) -> Literal["ok", "due_soon", "due_today", "overdue"]:
    """Where a deadline stands on `today`; due_soon = 1 to 3 working days left."""
    if today > deadline.due:
        return "overdue"
    if today == deadline.due:
        return "due_today"
    return "due_soon" if working_days_between(today, deadline.due) <= DUE_SOON_WORKDAYS else "ok"
