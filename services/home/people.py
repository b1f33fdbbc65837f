"""People and roles: lockstep.toml seeds them, the database is the record (services/home/accounts.py);
every change is an audited event."""
from __future__ import annotations

from services.home import accounts
from services.home.context import open_services
from services.home.folder import Home


def add_person(home: Home, name: str, unit: str, roles: list[str], display: str | None, actor: str) -> dict:
    """`lockstep users add`: a new person in the record (audited as config.changed users.add)."""
    return accounts.add_person(open_services(home.require()), name, unit, roles, display, actor)


def disable_person(home: Home, name: str, actor: str) -> dict:
    """`lockstep users disable`: signed out everywhere, out of every list, token revoked; audited."""
    return accounts.disable_person(open_services(home.require()), name, actor)


def enable_person(home: Home, name: str, actor: str) -> dict:
    """`lockstep users enable`: a disabled person back in the record's lists; audited."""
    return accounts.enable_person(open_services(home.require()), name, actor)
