"""The small answers every review module asks: who a name is, which pipeline applies, what day it is.

Kept apart from actions.py so that opinions.py (which actions.py calls) needs nothing from it.
"""
from __future__ import annotations

import datetime as dt

from documents.problems import Refused, problem
from documents.shown import echoed
from review import rules
from review.config import Config, Person, Pipeline
from review.model import Version
from services.home.context import Services


def person(config: Config, name: str) -> Person:
    """The person acting, or unknown_person: named as disabled when the record has them disabled."""
    p = config.person(name)
    if p is None:
        if name in config.disabled:
            raise Refused(problem("unknown_person", f"人员 {name} 已停用，不能办理",
                                  advice=f"如需恢复，请由管理员运行 lockstep users enable {name}（密码与接口令牌须重新生成）"))
        raise Refused(problem("unknown_person", f"没有人员 {echoed(name)}"))
    return p


def still_enabled(uow, actor: Person) -> None:
    """In the acting transaction: the person read when the process started (svc.config) has not been
    disabled since (`lockstep users disable`); one disabled meanwhile is refused as person() refuses."""
    if uow.accounts.disabled_held(actor.name):
        raise Refused(rules.person_disabled(actor.name))


def pipeline_of(config: Config, kind: str) -> Pipeline:
    return config.pipeline(kind) or config.pipeline(config.default_kind)


def pipeline_for(config: Config, version: Version) -> Pipeline:
    """The pipeline the version arrived under (its snapshot), else today's config for its kind."""
    return version.pipeline or pipeline_of(config, version.kind)


def today(svc: Services) -> dt.date:
    """The office's calendar day (deadlines and comment periods are dates in local time)."""
    return svc.now().astimezone().date()
