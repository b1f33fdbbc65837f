"""Annual-report figures (政府信息公开工作年度报告) for normative documents, from the records only
(DESIGN.md rule 10): entries and their links, the versions they were published from, the pages."""
from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel

from documents.problems import Refused, problem
from documents.shown import echoed
from publishing.annual_table import AnnualTable, TableEntry, category_of
from publishing.annual_table import annual_table as table_of
from publishing.register_rules import EntryFacts, Figure, annual_figures
from services.home.context import Services
from services.register.life import dates_of, local_date
from storage.tables import RegisterEntryRow

INTERPRETATION_ROLES = ("interpretation_material", "graphic_interpretation")


class AnnualReport(BaseModel):
    year: int
    figures: list[Figure]

    def value(self, key: str) -> int | float:
        return next(f.value for f in self.figures if f.key == key)


def _facts(uow) -> list[tuple[RegisterEntryRow, EntryFacts]]:
    """Every entry with what the annual figures need of it, read through the unit."""
    rows = uow.register.entries()
    effective = {e.registration_number: e.effective_date for e in rows}
    by_number = {e.registration_number: e for e in rows}
    amended, repealed = defaultdict(list), {}
    for link, target, by in uow.register.links():
        if link.kind == "amend":
            # dated by the amending document's 施行日期 (the day it was recorded while that is 待定)
            amended[target].append(effective.get(by) or local_date(link.at))
        elif (t := by_number.get(target)) is not None and t.status == "repealed":
            # 废止日期 as the entry shows it (life.repeal_date): the repealing document's 施行日期, or the
            # day recorded; a repeal still to come (将于…废止) is not counted yet
            repealed[target] = local_date(t.status_changed_at) if t.status_changed_at else local_date(link.at)
    # The roles of the files in the version each dossier was published from (its gazette item).
    roles = uow.register.published_roles()
    released: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for dossier, kind, at in uow.register.page_releases():
        released[dossier][kind].add(local_date(at))
    return [(e, EntryFacts(registration_number=e.registration_number, published=local_date(e.published_at),
                           effective=dates_of(e)[0], valid_until=dates_of(e)[1],
                           # 待施行 with no date yet, or waiting for its gazette issue (rule 7): not in force
                           pending=dates_of(e)[0] is None or e.awaits_gazette,
                           repealed=repealed.get(e.registration_number),
                           amended=tuple(amended[e.registration_number]),
                           interpreted=bool(roles.get(e.dossier_id, set()) & set(INTERPRETATION_ROLES)),
                           graphic="graphic_interpretation" in roles.get(e.dossier_id, ()),
                           released_together=bool(released[e.dossier_id]["policy"]
                                                  & released[e.dossier_id]["interpretation"])))
            for e in rows]


def annual(svc: Services, year: int) -> AnnualReport:
    with svc.unit() as uow:
        facts = [f for _, f in _facts(uow)]
    return AnnualReport(year=year, figures=annual_figures(facts, year))


def annual_table(svc: Services, year: int, unit: str | None = None) -> AnnualTable:
    """表二 第二十条第（一）项 and the interpretation figures (publishing/annual_table.py) for `year`,
    of the whole government or of one unit: the documents it issued (制发机关, the policy's signing
    organ; the drafting unit where no organ was read). An unknown unit is refused (not_found)."""
    config = svc.config
    name = None
    if unit is not None and unit.strip():
        found = config.unit(unit)
        if found is None:
            raise Refused(problem("not_found", f"配置中没有单位“{echoed(unit.strip())}”（可用全称或简称）"))
        name = found.name
    with svc.unit() as uow:
        read = _facts(uow)
        kinds = uow.register.entry_kinds()
    entries = []
    for e, f in read:
        if name is not None and not config.unit_book.same(e.organ or e.drafting_unit, name):
            continue
        kind = kinds.get(e.dossier_id)
        pipeline = config.pipeline(kind) if kind else None
        entries.append(TableEntry(**f.model_dump(), category=category_of(kind, bool(pipeline and pipeline.normative))))
    return table_of(entries, year, unit=name, city=config.city)


def report_years(svc: Services) -> list[int]:
    """The years a table can be asked for, newest first: from the first entry's year to this year."""
    this_year = local_date(svc.now()).year
    with svc.unit() as uow:
        first = min((local_date(e.published_at).year for e in uow.register.entries()), default=this_year)
    return list(range(max(this_year, first), min(first, this_year) - 1, -1))
