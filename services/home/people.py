"""People and roles: the config file is the record; every change is also an audited event."""
from __future__ import annotations

import getpass
import hashlib

from sqlalchemy import select

from documents.problems import Refused, problem
from review import rules
from review.config import ROLE_NAMES
from review.model import ConfigChanged
from services.home.context import open_services
from services.home.folder import Home
from storage import audit
from storage.tables import EventRow


def config_sha(home: Home) -> str:
    return hashlib.sha256(home.config_path.read_bytes()).hexdigest()


def record_config_edits(svc) -> bool:
    """A hand edit of lockstep.toml is an action too: the first command after it records it
    (with the file's fingerprint), so the audit chain shows when the rules changed."""
    current = config_sha(svc.home)
    with svc.session() as s:
        last = s.scalars(select(EventRow).where(EventRow.name == ConfigChanged.name)
                         .order_by(EventRow.seq.desc()).limit(1)).first()
        previous = (last.payload.get("detail") or {}).get("sha256") if last else None
        if previous == current:
            return False
        audit.append(s, ConfigChanged(dossier_id=None, actor=getpass.getuser(), at=svc.now(),
                                      change="edited" if last else "initialised",
                                      detail={"sha256": current, "previous": previous}))
    return True


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
    with svc.session() as s:
        # The event commits only if the file was written: write first, inside the transaction.
        home.add_person(name, u.name, list(roles), display)
        audit.append(s, ConfigChanged(dossier_id=None, actor=actor, at=svc.now(), change="users.add",
                                      detail={"name": name, "unit": u.name, "roles": list(roles),
                                              "sha256": config_sha(home)}))
    return {"name": name, "unit": u.name, "roles": list(roles)}
