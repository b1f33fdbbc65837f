"""The 政府信息公开 catalogue (issue 15, item 4): a dossier's 主题分类, set by its drafting office, and
the 索引号 of documents published before it was given (`lockstep publish reindex`).

A publication gives the 索引号 itself (services/publication/publish.py, a locking counter taken last);
documents published before Lockstep gave one get theirs from `reindex`, in the order they were published,
numbered in the year of their publication. Their released page (the record, as stored at publication)
is not rewritten; the public policy page and the library list show the number from the record.
"""
from __future__ import annotations

import datetime as dt
from typing import ClassVar

from documents.problems import Refused
from review import rules
from review.catalogue import INDEX_SEQUENCE, canonical_topic, index_number, index_serial, topic_problem
from review.model import Event
from services.home.context import Services
from services.review.basics import person


class TopicSet(Event):
    name: ClassVar[str] = "dossier.topic_set"
    topic: str
    previous: str | None = None


class IndexGiven(Event):
    name: ClassVar[str] = "publication.index_given"
    index_number: str


def may_set_topic(who, drafting_unit: str, state: str):
    """The drafting office while the dossier is open (a drafter of the unit, as for a new version), or
    whoever may set its 公开属性 (the unit's head or a signer, before sign-off). Composed of the
    rulebook's guards; the first refusal is the answer."""
    by_drafter = rules.may_submit_version(who, drafting_unit, state)
    if by_drafter is None:
        return None
    by_head = rules.may_set_disclosure(who, drafting_unit, state)
    return None if by_head is None else by_drafter


def set_topic(svc: Services, dossier_id: str, topic: str, actor: str) -> str:
    """主题分类 of a dossier, checked against the [site] list (fail closed), audited. Returns it as
    the list spells it."""
    who = person(svc.config, actor)
    topics = svc.config.site.topics

    def work() -> str:
        with svc.unit() as uow:
            row = uow.dossiers.require(dossier_id)
            current = uow.dossiers.version(dossier_id, row.current_version)
            if refusal := rules.may_see(who, dossier_id, row.drafting_unit, row.state, svc.config.pipeline(row.kind),
                                        current):
                raise Refused(refusal)
            if refusal := may_set_topic(who, row.drafting_unit, row.state):
                raise Refused(refusal)
            if refusal := topic_problem(topic, topics):
                raise Refused(refusal)
            chosen = canonical_topic(topic, topics)
            if chosen != row.topic:
                previous, row.topic, row.updated_at = row.topic, chosen, uow.now()
                uow.audit.append(TopicSet(dossier_id=dossier_id, actor=actor, at=uow.now(), topic=chosen,
                                          previous=previous))
            return chosen
    return svc.retrying(work)


def reindex(svc: Services, actor: str = "lockstep") -> dict[str, str]:
    """索引号 for every published dossier without one, in order of publication, from the counter of
    its publication year (audited). Safe to run again: a numbered dossier is left alone."""
    site, prefix = svc.config.site, svc.config.register_prefix

    def work() -> dict[str, str]:
        given: dict[str, str] = {}
        with svc.unit() as uow:
            todo = uow.site.unindexed()
            if not todo:
                return given
            known = uow.site.index_numbers()
            floors: dict[int, int] = {}
            for row, page in todo:
                released = page.released_at if page.released_at.tzinfo else page.released_at.replace(
                    tzinfo=dt.timezone.utc)
                year = released.astimezone().year
                if year not in floors:
                    floors[year] = max([n for n in (index_serial(site, prefix, year, x) for x in known)
                                        if n is not None], default=0)
                number = index_number(site, prefix, year,
                                      uow.counters.take(INDEX_SEQUENCE, year, lambda y=year: floors[y]))
                row.index_number = number
                uow.audit.append(IndexGiven(dossier_id=row.id, actor=actor, at=uow.now(), index_number=number))
                given[row.id] = number
        return given
    return svc.retrying(work)
