"""People and roles: the config file is the record; every change is also an audited event."""
from __future__ import annotations

from documents.problems import Refused, problem
from review import rules
from review.config import ROLE_NAMES
from review.model import ConfigChanged
from services.home.config_record import config_sha
from services.home.context import open_services
from services.home.folder import Home


def add_person(home: Home, name: str, unit: str, roles: list[str], display: str | None, actor: str) -> dict:
    config = home.require().config
    if config.person(name):
        raise Refused(problem("not_permitted", f"人员 {name} 已存在"))
    if refusal := rules.may_name_person(name, [p.name for p in config.people]):
        raise Refused(refusal)
    u = config.unit(unit)
    if u is None:
        raise Refused(problem("not_found", f"没有单位 {unit}（可用：{'、'.join(x.name for x in config.units)}）"))
    unknown = [r for r in roles if r not in ROLE_NAMES]
    if unknown or not roles:
        raise Refused(problem("not_found", f"没有角色 {'、'.join(unknown) or '（未指定）'}（可用：{'、'.join(ROLE_NAMES)}）"))
    svc = open_services(home)
    with svc.unit() as uow:
        # The event commits only if the file was written: write first, inside the transaction.
        home.add_person(name, u.name, list(roles), display)
        uow.audit.append(ConfigChanged(dossier_id=None, actor=actor, at=uow.now(), change="users.add",
                                       detail={"name": name, "unit": u.name, "roles": list(roles),
                                               "sha256": config_sha(home)}))
    return {"name": name, "unit": u.name, "roles": list(roles)}
