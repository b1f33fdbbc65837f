"""People and roles: the config file is the record; every change is also an audited event."""
from __future__ import annotations

from documents.problems import Refused, problem
from review.config import ROLE_NAMES
from review.model import ConfigChanged
from services.context import open_services
from services.home import Home
from storage import audit


def add_person(home: Home, name: str, unit: str, roles: list[str], display: str | None, actor: str) -> dict:
    config = home.require().config
    if config.person(name):
        raise Refused(problem("not_permitted", f"人员 {name} 已存在"))
    u = config.unit(unit)
    if u is None:
        raise Refused(problem("not_found", f"没有单位 {unit}（可用：{'、'.join(x.name for x in config.units)}）"))
    unknown = [r for r in roles if r not in ROLE_NAMES]
    if unknown or not roles:
        raise Refused(problem("not_found", f"没有角色 {'、'.join(unknown) or '（未指定）'}（可用：{'、'.join(ROLE_NAMES)}）"))
    svc = open_services(home)
    with svc.session() as s:
        # The event commits only if the file was written: write first, inside the transaction.
        home.add_person(name, u.name, list(roles), display)
        audit.append(s, ConfigChanged(dossier_id=None, actor=actor, at=svc.now(), change="users.add",
                                      detail={"name": name, "unit": u.name, "roles": list(roles)}))
    return {"name": name, "unit": u.name, "roles": list(roles)}
