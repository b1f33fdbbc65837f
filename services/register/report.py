"""Annual-report figures (政府信息公开工作年度报告) for normative documents, from the records only
(DESIGN.md rule 10): entries and their links, the versions they were published from, the pages."""
from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel

from publishing.register_rules import EntryFacts, Figure, annual_figures
from services.home.context import Services
from services.register.life import dates_of, local_date

INTERPRETATION_ROLES = ("interpretation_material", "graphic_interpretation")


class AnnualReport(BaseModel):
    year: int
    figures: list[Figure]

    def value(self, key: str) -> int | float:
        return next(f.value for f in self.figures if f.key == key)


def annual(svc: Services, year: int) -> AnnualReport:
    with svc.unit() as uow:
        rows = uow.register.entries()
        amended, repealed = defaultdict(list), {}
        for link, target, _ in uow.register.links():
            if link.kind == "amend":
                amended[target].append(local_date(link.at))
            else:
                repealed.setdefault(target, local_date(link.at))
        # The roles of the files in the version each dossier was published from (its gazette item).
        roles = uow.register.published_roles()
        released: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
        for dossier, kind, at in uow.register.page_releases():
            released[dossier][kind].add(local_date(at))
        facts = [EntryFacts(registration_number=e.registration_number, published=local_date(e.published_at),
                            effective=dates_of(e)[0], valid_until=dates_of(e)[1],
                            pending=dates_of(e)[0] is None,       # 待施行, no date yet: not in force
                            repealed=repealed.get(e.registration_number),
                            amended=tuple(amended[e.registration_number]),
                            interpreted=bool(roles.get(e.dossier_id, set()) & set(INTERPRETATION_ROLES)),
                            graphic="graphic_interpretation" in roles.get(e.dossier_id, ()),
                            released_together=bool(released[e.dossier_id]["policy"]
                                                   & released[e.dossier_id]["interpretation"]))
                 for e in rows]
    return AnnualReport(year=year, figures=annual_figures(facts, year))
