"""The register's rules (规范性文件公开台帐), pure: no database, no files, no clock of its own.

Validity (有效期): a normative document is valid for five years from the day it takes effect, two
years when its title calls it 暂行 or 试行 (the usual provincial rule for 行政规范性文件). Valid until
is the last day it is in force: effective 2019-09-01 → valid until 2024-08-31. Its drafting unit
evaluates it six months before that, so that it can be extended, amended or left to lapse.

Life: pending (待施行) → in force → amended (still in force, as amended) → repealed or expired. Repealed and expired
are final: nothing amends or repeals them again. A document is 待施行 until its 施行日期 has come;
a normative document that names no date (or 自发布之日起) takes effect on the day the gazette issue
carrying it is published (DESIGN.md rule 7): its 施行日期, and so its validity, are unknown until then.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from pydantic import BaseModel

from documents.effective import EffectivePhrase, earliest_effective
from documents.problems import Problem, problem

STATUS_NAMES = {"pending": "待施行", "in_force": "现行有效", "amended": "已修改", "repealed": "已废止", "expired": "已失效"}
IN_FORCE = ("in_force", "amended")          # 现行有效 counts amended documents: they apply as amended
FINAL = ("repealed", "expired")
PENDING = "pending"
UNKNOWN_DATE = "待定"                         # shown for a date the gazette issue will fix
VALID_YEARS = 5
PROVISIONAL_YEARS = 2
PROVISIONAL_WORDS = ("暂行", "试行")
EVALUATION_MONTHS = 6


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, clamped to the month's end (08-31 minus 6 months is 02-28 or 02-29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def validity_years(title: str) -> int:
    return PROVISIONAL_YEARS if any(w in title for w in PROVISIONAL_WORDS) else VALID_YEARS


def valid_until(effective: dt.date, title: str, years: int | None = None) -> dt.date:
    """The last day in force: the day before the N-th anniversary (N from the title unless given).
    Effective on 29 February, the anniversary in a common year is 1 March: valid through 28 February."""
    year = effective.year + (years or validity_years(title))
    try:
        anniversary = effective.replace(year=year)
    except ValueError:
        anniversary = dt.date(year, 3, 1)
    return anniversary - dt.timedelta(days=1)


def evaluation_due(until: dt.date) -> dt.date:
    return add_months(until, -EVALUATION_MONTHS)


def effective_date(phrases: Iterable[EffectivePhrase], signed: dt.date | None, published: dt.date) -> dt.date:
    """施行日期 from the policy's own words; 自发布之日起 means the day it was published here. A
    document that names no date takes effect when published (the register's fallback)."""
    found = earliest_effective(phrases, signed, published)
    return found[0] if found else published


def effective_at_publication(phrases: Iterable[EffectivePhrase], signed: dt.date | None, published: dt.date,
                             normative: bool) -> dt.date | None:
    """施行日期 as known when the document is published on the site. A normative document takes
    effect no earlier than the gazette issue that carries it (DESIGN.md rule 7): one naming no date,
    or 自发布之日起 (its 发布 is the gazette's), waits for that issue: None. Others as effective_date."""
    phrases = tuple(phrases)
    if not normative:
        return effective_date(phrases, signed, published)
    if not phrases or any(p.basis == "release" for p in phrases):
        return None
    found = earliest_effective(phrases, signed, published)
    return found[0] if found else None      # 自印发之日起 with no 成文日期 read: the gazette decides


def effective_on_release(phrases: Iterable[EffectivePhrase], signed: dt.date | None, release: dt.date) -> dt.date:
    """施行日期 once the issue carrying it is out on `release`: what the text says, read against the
    issue's date, or that date itself when it says nothing (a date before it is refused at add and
    at release: publishing/gazette_rules.effective_too_early)."""
    found = earliest_effective(phrases, signed, release)
    return found[0] if found else release


def status_for(effective: dt.date | None, today: dt.date, gazetted: bool = True) -> str:
    """A new entry's status: in force from its 施行日期, 待施行 before it or while it is unknown —
    and, for a normative document, while no released gazette issue carries it (`gazetted` False:
    DESIGN.md rule 7, 公布前不得施行, whatever date its text names)."""
    return "in_force" if takes_effect(PENDING, effective, today, gazetted) else PENDING


def takes_effect(status: str, effective: dt.date | None, today: dt.date, gazetted: bool = True) -> bool:
    """The scheduled check moves 待施行 to 现行有效 on the day (never before the date is known, and
    never a normative document before the gazette issue carrying it is out)."""
    return status == PENDING and gazetted and effective is not None and effective <= today


def emergency_note(emergency: bool, owed: Iterable[str]) -> str | None:
    """What the register and the web pages say of a document signed off in an emergency (紧急签发):
    the stages still owed after the fact, until they are approved."""
    if not emergency:
        return None
    owed = list(owed)
    return f"紧急签发，待事后补审：{'、'.join(owed)}" if owed else "紧急签发，已事后补审"


def is_in_force_on(day: dt.date, published: dt.date, until: dt.date, repealed: dt.date | None) -> bool:
    """In force at the end of `day`: published by then, not repealed by then, not past validity."""
    return published <= day and until >= day and (repealed is None or repealed > day)


# ---------------------------------------------------------------- life: what may change

def amend_problem(target: str, target_status: str, by: str, by_status: str) -> Problem | None:
    if target == by:
        return problem("invalid_state", f"{target} 不能修改其自身")
    if target_status in FINAL:
        return problem("invalid_state", f"{target} {STATUS_NAMES[target_status]}，不能再修改")
    if by_status in FINAL:
        return problem("invalid_state", f"{by} {STATUS_NAMES[by_status]}，不能作为修改文件")
    return None


def repeal_problem(target: str, target_status: str, by: str | None, by_status: str | None,
                   reason: str | None) -> Problem | None:
    if by is None and not (reason or "").strip():
        return problem("invalid_state", f"废止 {target} 须指明废止文件（--by）或写明理由（--reason）")
    if by == target:
        return problem("invalid_state", f"{target} 不能废止其自身")
    if target_status in FINAL:
        return problem("invalid_state", f"{target} {STATUS_NAMES[target_status]}，不能再废止")
    if by_status in FINAL:
        return problem("invalid_state", f"{by} {STATUS_NAMES[by_status]}，不能作为废止文件")
    return None


def expires(status: str, until: dt.date | None, today: dt.date) -> bool:
    return status in IN_FORCE and until is not None and until < today


def status_on(status: str, effective: dt.date | None, until: dt.date | None, today: dt.date, *,
              awaits_gazette: bool, amended: bool) -> str:
    """An entry's status on `today`, as the scheduled check leaves it when it runs that morning
    (take_effect_due, expire_due): every page, list, filter and export shows this, so that from
    midnight until the check — and in a home whose check never runs — a document in force today
    does not read 待施行 nor a lapsed one 现行有效. A normative document waiting for its gazette issue
    stays 待施行 (rule 7); one amended while 待施行 takes effect as amended (REGISTER_ENTRY)."""
    if takes_effect(status, effective, today, gazetted=not awaits_gazette):
        status = "amended" if amended else "in_force"
    return "expired" if expires(status, until, today) else status


# ---------------------------------------------------------------- annual-report figures

class EntryFacts(BaseModel, frozen=True):
    """What the annual report needs of one entry, read from the records by services/register/report.py."""
    registration_number: str
    published: dt.date
    valid_until: dt.date | None             # None while its 施行日期 awaits the gazette
    effective: dt.date | None = None        # 施行日期; None: the day it was published (older records)
    pending: bool = False                   # 待施行 with no date yet, or awaiting its gazette: not in force at all
    repealed: dt.date | None = None
    amended: tuple[dt.date, ...] = ()     # days other documents amended it
    interpreted: bool = False             # its published version had an interpretation material
    graphic: bool = False                 # ... a graphic interpretation (图解, 一图读懂)
    released_together: bool = False       # policy and interpretation pages released the same day


class Figure(BaseModel, frozen=True):
    key: str
    name: str
    value: int | float
    unit: str = "件"


def _share(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _lapse(e: EntryFacts) -> dt.date | None:
    return e.valid_until + dt.timedelta(days=1) if e.valid_until else None


def _in_force_at(e: EntryFacts, day: dt.date) -> bool:
    """At the end of `day`: its 施行日期 has come (a 待施行 document is not 现行有效 yet)."""
    if e.pending or e.valid_until is None:
        return False
    return is_in_force_on(day, e.effective or e.published, e.valid_until, e.repealed)


def annual_figures(entries: Iterable[EntryFacts], year: int) -> list[Figure]:
    """The national template's 规范性文件 table and the interpretation figures, for one year."""
    entries = list(entries)
    end = dt.date(year, 12, 31)
    made = [e for e in entries if e.published.year == year]
    interpreted = sum(e.interpreted for e in made)
    graphic = sum(e.graphic for e in made)
    together = sum(e.released_together for e in made)
    return [
        Figure(key="made", name="本年制发件数", value=len(made)),
        Figure(key="amended", name="本年修改件数", value=sum(any(d.year == year for d in e.amended) for e in entries)),
        Figure(key="repealed", name="本年废止件数", value=sum(bool(e.repealed and e.repealed.year == year)
                                                           for e in entries)),
        # Lapsed in the year: its first day out of force falls in it, and no repeal came first.
        Figure(key="expired", name="本年失效件数", value=sum(bool(_lapse(e) and _lapse(e).year == year) and not
                                                          (e.repealed and e.repealed <= e.valid_until)
                                                          for e in entries)),
        Figure(key="in_force", name="现行有效件数（年末）",
               value=sum(_in_force_at(e, end) for e in entries)),
        Figure(key="interpreted", name="本年制发中有政策解读的件数", value=interpreted),
        Figure(key="interpreted_share", name="解读比例", value=_share(interpreted, len(made)), unit="%"),
        Figure(key="graphic", name="本年制发中有图文解读的件数", value=graphic),
        Figure(key="graphic_share", name="图文解读比例", value=_share(graphic, len(made)), unit="%"),
        Figure(key="released_together", name="政策与解读同日发布的件数", value=together),
        Figure(key="released_together_share", name="同步发布比例", value=_share(together, len(made)), unit="%"),
    ]
