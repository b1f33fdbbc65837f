"""The annual report's table as the office files it (政府信息公开工作年度报告, 国办公开办函〔2021〕30号),
pure: the rows of 表二（主动公开政府信息情况）that the register answers — 第二十条第（一）项, 规章 and
行政规范性文件, with 本年制发件数 / 本年废止件数 / 现行有效件数 — and the policy-interpretation figures
offices report alongside them. No database, no files, no clock: services/register/report.py reads
the records into TableEntry facts, publishing/annual_xlsx.py and the desk lay the table out from
`grid`, so the workbook, the page and the JSON show the same figures.

What each figure counts (for year Y, 12-31 the year's end):
- 本年制发件数: entries published (登记) in Y.
- 本年废止件数: entries repealed (a repeal link) in Y. A document that lapsed at the end of its
  validity (失效) is not 废止; how many lapsed is said in a note, so the rows still add up.
- 现行有效件数: at the end of 12-31: registered by then, its 施行日期 come by then, not repealed by
  then, not past its 有效期至 (an amended document stays in force, as amended).
- 规章 and 行政规范性文件 are told apart by the dossier's kind (文件类别): a kind naming 规章 is a 规章;
  a kind whose pipeline is normative (行政规范性文件, 重大行政决策) is a 行政规范性文件; any other kind
  (政策性文件) is in neither row and is said in a note.
- Interpretation figures are of the documents made in Y (both rows): how many had an interpretation
  material or a graphic interpretation in the version they were published from, how many a graphic
  one (图解, 一图读懂), how many had their interpretation released the same day as the policy; each
  share is of 本年制发件数.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from pydantic import BaseModel

from publishing.register_rules import EntryFacts, is_in_force_on

RULES = "规章"
NORMATIVE = "行政规范性文件"
CATEGORIES = (RULES, NORMATIVE)                 # the official row order
COLUMNS = ("本年制发件数", "本年废止件数", "现行有效件数")
WHOLE = "全部单位"                               # no unit chosen: the whole government's register
FORM = "国办公开办函〔2021〕30号"


def category_of(kind: str | None, normative: bool) -> str | None:
    """The table row a dossier's kind belongs to; None for a kind in neither row (政策性文件)."""
    if kind and RULES in kind:
        return RULES
    if normative or kind == NORMATIVE:
        return NORMATIVE
    return None


class TableEntry(EntryFacts, frozen=True):
    category: str | None                        # 规章, 行政规范性文件, or None (counted in neither)


class TableRow(BaseModel, frozen=True):
    category: str
    made: int
    repealed: int
    in_force: int
    expired: int = 0                            # lapsed in the year (not a column: said in a note)


class Interpretation(BaseModel, frozen=True):
    made: int                                   # documents made in the year (both rows)
    interpreted: int
    interpreted_share: float                    # percent of made, one decimal
    graphic: int
    graphic_share: float
    same_day: int
    same_day_share: float


class AnnualTable(BaseModel, frozen=True):
    year: int
    unit: str | None = None                     # None: the whole government
    unit_label: str = WHOLE
    title: str
    rows: list[TableRow]
    interpretation: Interpretation
    notes: list[str] = []
    form: str = FORM

    def row(self, category: str) -> TableRow:
        return next(r for r in self.rows if r.category == category)


def share(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _lapse(e: EntryFacts) -> dt.date | None:
    """Its first day out of force through validity: the day after 有效期至."""
    return e.valid_until + dt.timedelta(days=1) if e.valid_until else None


def in_force_at_end(e: EntryFacts, day: dt.date) -> bool:
    """现行有效 at the end of `day`: registered by then, its 施行日期 come, not repealed, not lapsed.
    A 待施行 document whose date is still unknown is not in force."""
    if e.pending or e.valid_until is None or e.published > day:
        return False
    return is_in_force_on(day, e.effective or e.published, e.valid_until, e.repealed)


def lapsed_in(e: EntryFacts, year: int) -> bool:
    """Out of force in `year` because its validity ran out, no repeal having come first."""
    lapse = _lapse(e)
    return bool(lapse and lapse.year == year and not (e.repealed and e.repealed <= e.valid_until))


def table_row(category: str, entries: list[TableEntry], year: int) -> TableRow:
    end = dt.date(year, 12, 31)
    mine = [e for e in entries if e.category == category]
    return TableRow(category=category,
                    made=sum(e.published.year == year for e in mine),
                    repealed=sum(bool(e.repealed and e.repealed.year == year) for e in mine),
                    in_force=sum(in_force_at_end(e, end) for e in mine),
                    expired=sum(lapsed_in(e, year) for e in mine))


def annual_table(entries: Iterable[TableEntry], year: int, *, unit: str | None = None,
                 city: str = "") -> AnnualTable:
    """The table for `year`, of the entries given (the caller has kept only the unit's)."""
    entries = list(entries)
    rows = [table_row(c, entries, year) for c in CATEGORIES]
    made = [e for e in entries if e.category is not None and e.published.year == year]
    interpreted = sum(e.interpreted for e in made)
    graphic = sum(e.graphic for e in made)
    same_day = sum(e.interpreted and e.released_together for e in made)
    notes = []
    if not any(e.category == RULES for e in entries):
        notes.append("台帐中没有登记规章（本系统登记的是行政规范性文件），规章一行填 0。")
    for r in rows:
        if r.expired:
            notes.append(f"本年废止件数不含有效期届满而失效的{r.category} {r.expired} 件（已不计入现行有效件数）。")
    others = sum(e.category is None and e.published.year == year for e in entries)
    if others:
        notes.append(f"本年另有 {others} 件非规范性文件（如政策性文件）登记在台帐中，不计入本表。")
    notes.append("第二十条第（五）、（六）、（八）项不在本系统记录范围内，由填报单位据实填写。")
    label = unit or WHOLE
    who = unit or city
    return AnnualTable(year=year, unit=unit, unit_label=label, rows=rows, notes=notes,
                       title=f"{who}{year}年政府信息公开工作年度报告 主动公开政府信息情况",
                       interpretation=Interpretation(
                           made=len(made), interpreted=interpreted, interpreted_share=share(interpreted, len(made)),
                           graphic=graphic, graphic_share=share(graphic, len(made)),
                           same_day=same_day, same_day_share=share(same_day, len(made))))


# ---------------------------------------------------------------- the layout, shared by the xlsx and the page

class Cell(BaseModel, frozen=True):
    text: str | int | float | None = None
    span: int = 1                               # columns it covers (a merged cell)
    style: str = "value"                        # title, section, item, header, label, value, share, note
    percent: bool = False                       # a share: shown as 66.7%, stored as 0.667 in the workbook


Row = list[Cell]
WIDTH = 4                                       # the official table is four columns wide


def _h(text: str, span: int = 1) -> Cell:
    return Cell(text=text, span=span, style="header")


def _item(text: str) -> Row:
    return [Cell(text=text, span=WIDTH, style="item")]


def grid(t: AnnualTable) -> list[Row]:
    """Rows of cells, in the official order: the title, 表二 with its four blocks (only 第二十条第（一）项
    filled from the records), then the interpretation figures and the notes. Spans are merged cells."""
    blank = Cell(text=None, span=WIDTH - 1)
    i = t.interpretation
    rows: list[Row] = [
        [Cell(text=t.title, span=WIDTH, style="title")],
        [Cell(text=f"统计年度：{t.year}年　　单位：{t.unit_label}　　格式依据：{t.form}", span=WIDTH, style="note")],
        [Cell(text="二、主动公开政府信息情况", span=WIDTH, style="section")],
        _item("第二十条第（一）项"),
        [_h("信息内容"), *(_h(c) for c in COLUMNS)],
        *[[Cell(text=r.category, style="label"), Cell(text=r.made), Cell(text=r.repealed), Cell(text=r.in_force)]
          for r in t.rows],
        _item("第二十条第（五）项"),
        [_h("信息内容"), _h("本年处理决定数量", WIDTH - 1)],
        [Cell(text="行政许可", style="label"), blank],
        _item("第二十条第（六）项"),
        [_h("信息内容"), _h("本年处理决定数量", WIDTH - 1)],
        [Cell(text="行政处罚", style="label"), blank],
        [Cell(text="行政强制", style="label"), blank],
        _item("第二十条第（八）项"),
        [_h("信息内容"), _h("本年收费金额（单位：万元）", WIDTH - 1)],
        [Cell(text="行政事业性收费", style="label"), blank],
        [Cell(text=None, span=WIDTH, style="gap")],
        [Cell(text="附：规章和行政规范性文件政策解读情况", span=WIDTH, style="section")],
        [_h("信息内容"), _h("件数"), _h("占本年制发件数的比例", WIDTH - 2)],
        [Cell(text="本年制发的规章和行政规范性文件", style="label"), Cell(text=i.made),
         Cell(text="—", span=WIDTH - 2)],
        [Cell(text="其中：进行政策解读的", style="label"), Cell(text=i.interpreted),
         Cell(text=i.interpreted_share, span=WIDTH - 2, style="share", percent=True)],
        [Cell(text="其中：有图文解读（图解）的", style="label"), Cell(text=i.graphic),
         Cell(text=i.graphic_share, span=WIDTH - 2, style="share", percent=True)],
        [Cell(text="其中：解读与政策同日发布的", style="label"), Cell(text=i.same_day),
         Cell(text=i.same_day_share, span=WIDTH - 2, style="share", percent=True)],
        [Cell(text=None, span=WIDTH, style="gap")],
        *[[Cell(text=f"说明{n}：{note}" if len(t.notes) > 1 else f"说明：{note}", span=WIDTH, style="note")]
          for n, note in enumerate(t.notes, 1)],
    ]
    return rows


def as_json(t: AnnualTable) -> dict:
    """The same figures as the table, keyed for other systems (rows in the official order)."""
    return {"year": t.year, "unit": t.unit, "unit_label": t.unit_label, "form": t.form, "title": t.title,
            "columns": list(COLUMNS),
            "rows": [{"category": r.category, "本年制发件数": r.made, "本年废止件数": r.repealed,
                      "现行有效件数": r.in_force, "made": r.made, "repealed": r.repealed, "in_force": r.in_force,
                      "expired": r.expired} for r in t.rows],
            "interpretation": t.interpretation.model_dump(), "notes": list(t.notes)}
