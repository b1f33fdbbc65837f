"""Working-day clocks: legality-review limits, consultation periods, filing deadlines.

Days are counted on the Chinese working-day calendar (statutory holidays and the
make-up workdays of 调休) using the `chinese-calendar` package. That package only
knows the years whose holiday arrangements the State Council had published when it
was released (see `known_years()`). Outside those years holidays are unknown: we
count Monday to Friday as working days, mark the deadline `estimated` and say so in
a Chinese note, so that a person checks it once the year's arrangement is out.

The State Council publishes next year's arrangement (放假调休安排) each November, before a new
chinese-calendar release knows it: an operator enters it in lockstep.toml (`[calendar."2027"]`,
holidays and 调休 workdays, read by `WorkCalendar.from_config`), and deadlines crossing into that
year are then exact. A year neither the package nor the config knows stays an estimate.
A calendar-day clock (30日) counts every day alike: only its last day's roll-over past a rest day
depends on the arrangement, so it is flagged only when that day lies in an unknown year, and its
note says that, never "counted Monday to Friday".
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel

from documents.problems import Refused, problem

DUE_SOON_WORKDAYS = 3   # "due soon" = at most this many working days left
BEIJING = timedelta(hours=8)


def zone_warning(offset: timedelta | None) -> str | None:
    """What an operator starting a server or worker is told when this machine's local time is not
    Beijing time (UTC+8): dates (成文日期, 出版日期, 今天的有效性) and times given without a zone
    (`--at 09:00`) are read and shown in the machine's own zone. None when it is UTC+8."""
    if offset == BEIJING:
        return None
    if offset is None:
        shown = "未知"
    else:
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        shown = f"UTC{sign}{abs(minutes) // 60}" + (f":{abs(minutes) % 60:02d}" if minutes % 60 else "")
    return (f"注意：本机时区是 {shown}，不是北京时间（UTC+8）。日期与未写时区的时刻（如 --at 09:00）按本机时区"
            "计算和显示；请以 TZ=Asia/Shanghai 启动")

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
    import chinese_calendar         # its tables load when a deadline is counted, not with every command
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


@lru_cache(maxsize=8192)
def _package_workday(d: date) -> bool | None:
    """chinese-calendar's answer for a day, None for a year it does not know. Remembered: the package
    works out the range of years it knows on every call, and a queue's deadlines ask for thousands of days."""
    import chinese_calendar
    try:
        return chinese_calendar.is_workday(d)
    except NotImplementedError:
        return None


class YearSchedule(BaseModel, frozen=True):
    """One year's 放假调休 arrangement as the State Council publishes it: the days off (法定节假日
    and the days moved next to them) and the weekend days worked instead (调休上班)."""
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()


CONFIG_KEY = "calendar"
_SCHEDULE_KEYS = ("holidays", "workdays")


class WorkCalendar(BaseModel, frozen=True):
    """chinese-calendar's table, completed (or corrected, day by day) by the years an operator entered
    in lockstep.toml. Empty: the package alone."""
    years: dict[int, YearSchedule] = {}

    def knows(self, year: int) -> bool:
        return year in self.years or year in known_years()

    def is_workday(self, d: date) -> tuple[bool, bool]:
        """(is it a working day?, is that known?)."""
        for s in self.years.values():          # a schedule may name days of the year before (元旦)
            if d in s.holidays:
                return False, True
            if d in s.workdays:
                return True, True
        known = _package_workday(d)
        if known is None:
            return d.weekday() < 5, d.year in self.years
        return known, True

    @classmethod
    def from_config(cls, raw: Any) -> "WorkCalendar":
        """lockstep.toml's [calendar] table: `[calendar."2027"]` with `holidays = [...]` and
        `workdays = [...]`, each a date (2027-01-01, quoted or not) or a range "2027-02-06..2027-02-12".
        Anything else is refused (config_invalid), naming the key: a wrong schedule would make every
        deadline of the year wrong without a word."""
        if isinstance(raw, WorkCalendar):
            return raw
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            raise _bad(CONFIG_KEY, "应为按年份分节的表，如 calendar.\"2027\" 一节")
        years: dict[int, YearSchedule] = {}
        for key, entry in raw.items():
            where = f'{CONFIG_KEY}."{key}"'
            if not (isinstance(key, (str, int)) and str(key).isdigit() and len(str(key)) == 4
                    and 2000 <= int(key) <= 2100):
                raise _bad(where, "年份应写作四位数字，如 calendar.\"2027\"")
            year = int(key)
            if not isinstance(entry, dict):
                raise _bad(where, "应为含 holidays 与 workdays 的表")
            unknown = sorted(str(k) for k in entry if k not in _SCHEDULE_KEYS)
            if unknown:
                raise _bad(f"{where}.{unknown[0]}", "不是可识别的键，只能写 holidays（放假日期）与 workdays（调休上班日期）")
            holidays = _dates(entry.get("holidays"), year, f"{where}.holidays")
            workdays = _dates(entry.get("workdays"), year, f"{where}.workdays")
            if not holidays:
                raise _bad(f"{where}.holidays", f"未列出{year}年的放假日期；请按国务院办公厅公布的安排填写全年放假日期")
            both = sorted(holidays & workdays)
            if both:
                raise _bad(where, f"{both[0]:%Y-%m-%d} 同时列在 holidays 与 workdays 中")
            weekday = sorted(d for d in workdays if d.weekday() < 5)
            if weekday:
                raise _bad(f"{where}.workdays", f"{weekday[0]:%Y-%m-%d} 是周一至周五，调休上班日应为周六或周日")
            if year not in known_years() and (missing := _festivals_missing(year, holidays)):
                raise _bad(f"{where}.holidays", f"未列出{missing}；只填写了部分安排的年份会把其余节日算作工作日，"
                           f"请按国务院办公厅公布的安排填写全年放假日期")
            years[year] = YearSchedule(holidays=frozenset(holidays), workdays=frozenset(workdays))
        for year, s in years.items():       # a December day another year's entry names too
            for other, t in years.items():
                if other != year and (clash := sorted(s.holidays & t.workdays)):
                    raise _bad(f'{CONFIG_KEY}."{year}"', f'{clash[0]:%Y-%m-%d} 列为放假日，'
                               f'而 {CONFIG_KEY}."{other}" 把它列为调休上班日')
        return cls(years=years)


# Every year's arrangement has these days off (全国年节及纪念日放假办法, 2025 on): the fixed-date
# festivals on their dates, the lunar ones somewhere in the span they can fall in. A year the package
# does not know and the config gives without one of them was entered only in part.
_FESTIVALS = (("元旦（1月1日）", 1, ((1, 1), (1, 1))), ("春节", 3, ((1, 20), (2, 28))),
              ("清明节", 1, ((4, 3), (4, 6))), ("劳动节（5月1日、2日）", 2, ((5, 1), (5, 2))),
              ("端午节", 1, ((5, 28), (6, 26))), ("国庆节（10月1日至3日）", 3, ((10, 1), (10, 3))))


def _festivals_missing(year: int, holidays: set[date]) -> str | None:
    missing = [name for name, least, ((m1, d1), (m2, d2)) in _FESTIVALS
               if sum(date(year, m1, d1) <= d <= date(year, m2, d2) for d in holidays) < least]
    return "、".join(missing) or None


def _bad(key: str, what: str) -> Refused:
    return Refused(problem("config_invalid", f"lockstep.toml 的 {key} 有误：{what}"))


def _one_date(value: Any, key: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _bad(key, f"“{value}” 不是有效日期，应写作如 2027-01-01") from None


def _dates(values: Any, year: int, key: str) -> set[date]:
    """The dates a holidays/workdays list names: each in that year (a holiday may also be in the last
    days of December before it, as 元旦 often is)."""
    if values is None:
        return set()
    if not isinstance(values, list):
        raise _bad(key, "应为日期列表，如 [\"2027-01-01\", \"2027-02-06..2027-02-12\"]")
    out: set[date] = set()
    for i, value in enumerate(values):
        at = f"{key}[{i}]"
        if isinstance(value, str) and ".." in value:
            a, _, b = value.partition("..")
            first, last = _one_date(a, at), _one_date(b, at)
            if last < first or (last - first).days > 31:
                raise _bad(at, f"“{value}” 不是有效的日期范围（起日在前，不超过 31 天）")
            days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        else:
            days = [_one_date(value, at)]
        for d in days:
            if not (d.year == year or (d.year == year - 1 and d.month == 12)):
                raise _bad(at, f"{d:%Y-%m-%d} 不在{year}年内")
        out.update(days)
    return out


PACKAGE_ONLY = WorkCalendar()


def is_workday(d: date, calendar: WorkCalendar | None = None) -> tuple[bool, bool]:
    """(is it a working day?, is that known?) — Mon–Fri and known=False in a year neither
    chinese-calendar nor the config knows."""
    return (calendar or PACKAGE_ONLY).is_workday(d)


def _unknown_note(years: set[int], calendar: WorkCalendar) -> str:
    import chinese_calendar
    known = known_years()
    missing = "、".join(f"{y}年" for y in sorted(years))
    keys = "、".join(f'{CONFIG_KEY}."{y}"' for y in sorted(years))
    # No square brackets: the command line prints this inside its colour markup.
    return (f"{missing}的法定节假日安排尚未收录（chinese-calendar {chinese_calendar.__version__} "
            f"收录{known.start}年至{known.stop - 1}年，lockstep.toml 中也未填写 {keys}）")


def add_period(start: date, period: Period, calendar: WorkCalendar | None = None) -> Deadline:
    """The deadline `period` after `start`, counted as Chinese administrative law counts.

    - The day of `start` itself is not counted (期间开始之日不计算在内): counting
      begins the next day.
    - "days" (日, calendar days): due = start + amount days; but when that last day
      is a rest day (statutory holiday, or a weekend that is not a make-up workday)
      the period ends on the first working day after it (期间届满的最后一日是法定
      节假日的，以节假日后的第一日为期间届满的日期).
    - "workdays" (工作日): due = the amount-th working day after `start`; make-up
      workdays (调休上班的周末) count, holidays do not.
    `calendar`: the package's table with the years the config adds (None: the package alone).
    """
    cal = calendar or PACKAGE_ONLY
    unknown: set[int] = set()

    def workday(d: date) -> bool:
        ok, known = cal.is_workday(d)
        if not known:
            unknown.add(d.year)
        return ok

    note = None
    if period.unit == "days":
        # Every calendar day counts alike; only whether the last day is a rest day (and so rolls
        # over) depends on the arrangement: flagged only when a day so checked is in an unknown year.
        due = start + timedelta(days=period.amount)
        while not workday(due):
            due += timedelta(days=1)
        if unknown:
            note = (f"估算：届满日 {due:%Y-%m-%d} 是否逢法定节假日顺延无法确定，"
                    f"{_unknown_note(unknown, cal)}，请人工核对届满日")
    else:
        due, left = start, period.amount
        while left:
            due += timedelta(days=1)
            left -= workday(due)
        if unknown:
            note = f"{_unknown_note(unknown, cal)}，按周一至周五计算（估算），请人工核对"
    return Deadline(start=start, due=due, period=period, estimated=bool(unknown), note=note)


def working_days_between(a: date, b: date, calendar: WorkCalendar | None = None) -> int:
    """Working days in (a, b]; negative (minus those in (b, a]) when b is before a."""
    if b < a:
        return -working_days_between(b, a, calendar)
    cal = calendar or PACKAGE_ONLY
    return sum(cal.is_workday(a + timedelta(days=i))[0] for i in range(1, (b - a).days + 1))


def status_on(deadline: Deadline, today: date, calendar: WorkCalendar | None = None
              ) -> Literal["ok", "due_soon", "due_today", "overdue"]:
    """Where a deadline stands on `today`; due_soon = 1 to 3 working days left."""
    if today > deadline.due:
        return "overdue"
    if today == deadline.due:
        return "due_today"
    return "due_soon" if working_days_between(today, deadline.due, calendar) <= DUE_SOON_WORKDAYS else "ok"
