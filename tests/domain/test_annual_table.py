"""The annual table's counting rules at their edges (publishing/annual_table.py, pure)."""
from __future__ import annotations

import datetime as dt

from publishing.annual_table import NORMATIVE, RULES, TableEntry, annual_table, category_of, grid

D = dt.date


def entry(n: int, published: dt.date, *, effective=None, until=None, repealed=None, category=NORMATIVE,
          pending=False, **kw) -> TableEntry:
    effective = effective or published
    return TableEntry(registration_number=f"R-{n}", published=published, effective=effective,
                      valid_until=None if pending else until or effective.replace(year=effective.year + 5),
                      repealed=repealed, category=category, pending=pending, **kw)


def test_the_kind_decides_the_row():
    assert category_of("政府规章", True) == RULES and category_of("规章", False) == RULES
    assert category_of("行政规范性文件", False) == NORMATIVE and category_of("重大行政决策", True) == NORMATIVE
    assert category_of("政策性文件", False) is None and category_of(None, False) is None


def test_year_end_edges():
    entries = [
        entry(1, D(2019, 12, 31)),                                  # registered on the last day: made, in force
        entry(2, D(2019, 1, 10), repealed=D(2019, 12, 31)),          # repealed on the last day: not in force
        entry(3, D(2019, 6, 1), until=D(2019, 12, 31)),              # last day of validity: still in force
        entry(4, D(2019, 6, 1), until=D(2019, 12, 30)),              # lapsed on 12-31: out, counted as 失效
        entry(5, D(2019, 12, 20), effective=D(2020, 1, 1)),          # 施行 next year: made, not in force
        entry(6, D(2019, 12, 20), pending=True),                     # 待施行, date unknown: made, not in force
        entry(7, D(2020, 1, 2), effective=D(2019, 12, 1)),           # registered next year: not counted in 2019
        entry(8, D(2019, 3, 1), category=None),                      # 政策性文件: in neither row
    ]
    t = annual_table(entries, 2019)
    r = t.row(NORMATIVE)
    # made: 1-6 = 6; repealed: 2 = 1; in force: 1, 3 = 2; lapsed: 4 = 1
    assert (r.made, r.repealed, r.in_force, r.expired) == (6, 1, 2, 1)
    assert (t.row(RULES).made, t.row(RULES).in_force) == (0, 0)
    assert any("没有登记规章" in n for n in t.notes) and any("1 件非规范性文件" in n for n in t.notes)


def test_shares_are_of_the_documents_made_and_an_empty_year_is_zero():
    entries = [entry(1, D(2021, 2, 1), interpreted=True, graphic=True, released_together=True),
               entry(2, D(2021, 3, 1), interpreted=True, released_together=True),
               entry(3, D(2021, 4, 1), released_together=True)]       # no interpretation: not "same day"
    i = annual_table(entries, 2021).interpretation
    assert (i.made, i.interpreted, i.interpreted_share, i.graphic, i.graphic_share, i.same_day, i.same_day_share) \
        == (3, 2, 66.7, 1, 33.3, 2, 66.7)
    empty = annual_table([], 2021)
    assert empty.interpretation.interpreted_share == 0.0
    assert all(sum(c.span for c in row) == 4 for row in grid(empty))   # every row spans the four columns
