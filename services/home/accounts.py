"""People, passwords, API tokens, desk sessions and the sign-in throttle, in the database (issue 13,
stateless desks): any desk process answers any request, because none of this lives in a process or
in a home's files.

Every function takes the opened services (`svc`: its `unit()` and clock) and works through
`uow.accounts` (storage/repos/accounts.py). lockstep.toml seeds the people (services/home/
config_record.py); after that the database is the record. A home an older Lockstep left with
desk-users.json has it imported once (`import_desk_users`), then renamed desk-users.json.imported.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from documents.problems import Refused, problem
from documents.shown import echoed
from review import rules
from review.config import ROLE_NAMES, Person
from review.model import ConfigChanged
from services.home.crashpoints import crash_point

if TYPE_CHECKING:
    from storage.tables import AccountRow

LEGACY_USERS_FILE = "desk-users.json"
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}
MIN_PASSWORD = 8
TOKEN_PREFIX = "lst_"          # recognisable in logs and secret scanners
TOUCH_EVERY = 30.0             # seconds: a session's last use is written at most this often
FROM_FILE = "lockstep.toml"    # disabled_by when the file dropped a person


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)


_DUMMY_SALT = secrets.token_bytes(16)


def _utc(svc) -> dt.datetime:
    return svc.now()


# ---------------------------------------------------------------- people

def as_person(row: AccountRow) -> Person:
    return Person(name=row.name, unit=row.unit, roles=tuple(row.roles or ()), display=row.display)


def upsert_person(uow, p: Person, now: dt.datetime) -> str | None:
    """Make the record say what `p` says (unit, roles, display); 'added', 'changed' or None. A person
    the file had dropped is enabled again; one disabled by a person stays disabled."""
    from storage.tables import AccountRow
    row = uow.accounts.person(p.name)
    if row is None:
        uow.add(AccountRow(name=p.name, unit=p.unit, roles=list(p.roles), display=p.display, updated_at=now))
        return "added"
    same = (row.unit, list(row.roles or ()), row.display) == (p.unit, list(p.roles), p.display)
    revived = row.disabled_at is not None and row.disabled_by == FROM_FILE
    if same and not revived:
        return None
    row.unit, row.roles, row.display, row.updated_at = p.unit, list(p.roles), p.display, now
    if revived:
        row.disabled_at = row.disabled_by = None
        uow.accounts.end_sessions(p.name)       # as users enable: nothing stored while dropped opens the desk
        uow.accounts.revoke_tokens(p.name)
    return "changed"


def disable_row(uow, row: AccountRow, by: str, now: dt.datetime) -> None:
    """Disabled: out of every list, signed out on every desk, tokens revoked."""
    row.disabled_at, row.disabled_by, row.updated_at = now, by, now
    uow.accounts.end_sessions(row.name)
    uow.accounts.revoke_tokens(row.name)


def add_person(svc, name: str, unit: str, roles: list[str], display: str | None, actor: str) -> dict:
    """A new person in the record (not in lockstep.toml: the file only seeds), audited."""
    config = svc.config
    u = config.unit(unit)
    if u is None:
        raise Refused(problem("not_found", f"没有单位 {echoed(unit)}（可用：{'、'.join(x.name for x in config.units)}）"))
    unknown = [r for r in roles if r not in ROLE_NAMES]
    if unknown or not roles:
        raise Refused(problem("not_found", f"没有角色 {echoed('、'.join(unknown)) or '（未指定）'}（可用：{'、'.join(ROLE_NAMES)}）"))

    def work() -> dict:
        from storage.tables import AccountRow
        with svc.unit() as uow:
            known = uow.accounts.people(include_disabled=True)
            if any(p.name == name for p in known):
                raise Refused(problem("not_permitted", f"人员 {name} 已存在"))
            if refusal := rules.may_name_person(name, [p.name for p in known]):
                raise Refused(refusal)
            now = uow.now()
            uow.add(AccountRow(name=name, unit=u.name, roles=list(roles), display=display, updated_at=now))
            uow.audit.append(ConfigChanged(dossier_id=None, actor=actor, at=now, change="users.add",
                                           detail={"name": name, "unit": u.name, "roles": list(roles)}))
        return {"name": name, "unit": u.name, "roles": list(roles)}
    return svc.retrying(work)


def disable_person(svc, name: str, actor: str) -> dict:
    """`lockstep users disable NAME`: out of every list and queue, signed out on every desk at once,
    API token revoked; audited. The row stays (the records name the person)."""
    def work() -> dict:
        with svc.unit() as uow:
            row = uow.accounts.person(name)
            if row is None:
                raise Refused(problem("unknown_person", f"没有人员 {echoed(name)}"))
            if row.disabled_at is not None:
                return {"name": name, "disabled": True, "already": True}
            now = uow.now()
            disable_row(uow, row, actor, now)
            uow.audit.append(ConfigChanged(dossier_id=None, actor=actor, at=now, change="users.disable",
                                           detail={"name": name}))
            crash_point("users.disable.before_commit")      # tests/faults: all of it or none
        return {"name": name, "disabled": True, "already": False}
    return svc.retrying(work)


def enable_person(svc, name: str, actor: str) -> dict:
    """`lockstep users enable NAME`, the inverse of disable: back in the lists and queues; a new
    password and token must be issued (disable ended its sessions and revoked its token). Audited."""
    def work() -> dict:
        with svc.unit() as uow:
            row = uow.accounts.person(name)
            if row is None:
                raise Refused(problem("unknown_person", f"没有人员 {echoed(name)}"))
            if row.disabled_at is None:
                return {"name": name, "disabled": False, "already": True}
            now = uow.now()
            row.disabled_at = row.disabled_by = None
            row.updated_at = now
            uow.accounts.remove_credential(name)     # the password from before the disable stays dead
            # and so do a session and a token stored after the disable by a sign-in or `users token`
            # that checked the person just before it (tests/attack/test_s12_h3_surfaces.py)
            uow.accounts.end_sessions(name)
            uow.accounts.revoke_tokens(name)
            uow.audit.append(ConfigChanged(dossier_id=None, actor=actor, at=now, change="users.enable",
                                           detail={"name": name}))
        return {"name": name, "disabled": False, "already": False}
    return svc.retrying(work)


def require_person(svc, name: str) -> None:
    if svc.config.person(name) is None:
        raise Refused(problem("unknown_person", f"没有人员 {echoed(name)}"))


# ---------------------------------------------------------------- passwords

def set_password(svc, name: str, password: str) -> None:
    """Store a person's desk password (scrypt, salted per person); every session of theirs ends,
    on every desk. The caller checks the person exists."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"密码至少 {MIN_PASSWORD} 个字符")
    salt = secrets.token_bytes(16)
    hashed = _scrypt(password, salt, **SCRYPT).hex()

    def work() -> None:
        from storage.tables import CredentialRow
        with svc.unit() as uow:
            row = uow.accounts.credential(name)
            if row is None:
                uow.add(CredentialRow(name=name, scrypt=dict(SCRYPT), salt=salt.hex(), hash=hashed, set_at=uow.now()))
            else:
                row.scrypt, row.salt, row.hash, row.set_at = dict(SCRYPT), salt.hex(), hashed, uow.now()
            uow.accounts.end_sessions(name)
    svc.retrying(work)


# Letters and digits a clerk reads aloud or copies from paper without a doubt: no l/I/1, no 0/O/o.
PASSWORD_ALPHABET = "".join(ch for ch in "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
                            if ch not in "lI10Oo")
PASSWORD_GROUPS, PASSWORD_GROUP = 4, 4          # xxxx-xxxx-xxxx-xxxx: 16 of 56 signs, about 93 bits


def generate_password() -> str:
    """A fresh random password in groups of four, from PASSWORD_ALPHABET (secrets, not random)."""
    return "-".join("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_GROUP))
                    for _ in range(PASSWORD_GROUPS))


def issue_password(svc, name: str) -> str:
    password = generate_password()
    set_password(svc, name, password)
    return password


def remove_password(svc, name: str) -> bool:
    with svc.unit() as uow:
        gone = uow.accounts.remove_credential(name)
        uow.accounts.end_sessions(name)
    return gone


def verify_password(svc, name: str, password: str) -> bool:
    """True only for an enabled person's right password; the same scrypt cost either way."""
    with svc.unit() as uow:
        row = uow.accounts.credential(name)
        entry = (row.scrypt, row.salt, row.hash) if row is not None else None
        enabled = uow.accounts.enabled(name) if row is not None else False
    if entry is None:
        _scrypt(password, _DUMMY_SALT, **SCRYPT)     # no timing hint that the name is unknown
        return False
    try:
        params, salt, stored = entry
        got = _scrypt(password, bytes.fromhex(salt), params["n"], params["r"], params["p"])
        return hmac.compare_digest(got.hex(), stored) and enabled
    except (KeyError, ValueError, TypeError):
        return False


# ---------------------------------------------------------------- API tokens

def issue_token(svc, name: str) -> str:
    """A fresh API token, stored as its SHA-256 and returned once; it replaces the person's old one."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)

    def work() -> None:
        from storage.tables import ApiTokenRow
        with svc.unit() as uow:
            uow.accounts.revoke_tokens(name)
            uow.add(ApiTokenRow(digest=digest(token), name=name, created_at=uow.now()))
    svc.retrying(work)
    return token


def revoke_tokens(svc, name: str) -> bool:
    with svc.unit() as uow:
        return uow.accounts.revoke_tokens(name) > 0


def token_user(svc, token: str | None) -> str | None:
    """Whose token this is (an enabled person), or None; looked up by digest."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    with svc.unit() as uow:
        row = uow.accounts.token(digest(token))
        return row.name if row is not None and uow.accounts.enabled(row.name) else None


# ---------------------------------------------------------------- desk sessions

@dataclass
class SessionView:
    name: str
    csrf: str
    created: float
    seen: float


def open_session(svc, name: str, now: float, idle: float, absolute: float) -> str:
    """A new session: a random token for the cookie; only its SHA-256 is kept."""
    token = secrets.token_urlsafe(32)

    def work() -> None:
        from storage.tables import DeskSessionRow
        with svc.unit() as uow:
            uow.accounts.drop_expired_sessions(now)
            uow.add(DeskSessionRow(digest=digest(token), name=name, csrf=secrets.token_urlsafe(32),
                                   created=now, seen=now, expires=min(now + idle, now + absolute)))
    svc.retrying(work)
    return token


def session_of(svc, token: str | None, now: float, idle: float, absolute: float) -> SessionView | None:
    """The live session this token opens, on any desk, or None: ended after `idle` seconds unused,
    `absolute` seconds after sign-in, when the password was changed or removed (its sessions were
    deleted then) or when the person is disabled."""
    if not token:
        return None
    key = digest(token)
    with svc.unit() as uow:
        row = uow.accounts.desk_session(key)
        if row is None:
            return None
        if now - row.seen > idle or now - row.created > absolute or not uow.accounts.enabled(row.name):
            uow.accounts.drop_session(key)
            return None
        if now - row.seen >= TOUCH_EVERY:
            uow.accounts.touch_session(key, now, min(now + idle, row.created + absolute))
            seen = now
        else:
            seen = row.seen
        return SessionView(name=row.name, csrf=row.csrf, created=row.created, seen=seen)


def drop_session(svc, token: str | None) -> None:
    if token:
        with svc.unit() as uow:
            uow.accounts.drop_session(digest(token))


def end_sessions(svc, name: str) -> int:
    with svc.unit() as uow:
        return uow.accounts.end_sessions(name)


def session_digests(svc) -> set[str]:
    with svc.unit() as uow:
        return uow.accounts.session_digests()


# ---------------------------------------------------------------- the sign-in throttle

def failures(svc, keys: tuple[str, ...], since: float) -> list[int]:
    """Failed sign-ins under each key after `since`, counted by every desk. Keys are kept as their
    SHA-256 (a key holds an address and a name; and PostgreSQL text takes no NUL)."""
    with svc.unit() as uow:
        return [uow.accounts.failures_since(digest(k), since) for k in keys]


def record_failure(svc, keys: tuple[str, ...], now: float, forget_before: float) -> None:
    def work() -> None:
        from storage.tables import LoginFailureRow
        with svc.unit() as uow:
            uow.accounts.forget_failures_before(forget_before)
            uow.add_all(LoginFailureRow(key=digest(k), at=now) for k in keys)
    svc.retrying(work)


# ---------------------------------------------------------------- a home's desk-users.json, once

def import_desk_users(svc) -> int:
    """An older Lockstep kept passwords and tokens in HOME/desk-users.json. Import them once (a
    password only where the record has none, a token only if unknown), then rename the file
    desk-users.json.imported (kept, 0600, as it was): the database is used from then on.
    Returns how many entries were imported."""
    path = svc.home.path / LEGACY_USERS_FILE
    if not path.is_file():
        return 0
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    users = data.get("users") if isinstance(data.get("users"), dict) else {}
    tokens = data.get("tokens") if isinstance(data.get("tokens"), dict) else {}

    def work() -> int:
        from storage.tables import ApiTokenRow, CredentialRow
        n = 0
        with svc.unit() as uow:
            now = uow.now()
            for name, e in users.items():
                if not isinstance(e, dict) or not e.get("hash") or uow.accounts.credential(name) is not None:
                    continue
                uow.add(CredentialRow(name=name, scrypt=e.get("scrypt") or dict(SCRYPT), salt=e.get("salt", ""),
                                      hash=e["hash"], set_at=now))
                n += 1
            known = uow.accounts.token_digests()
            for d, t in tokens.items():
                if isinstance(t, dict) and t.get("user") and d not in known:
                    uow.add(ApiTokenRow(digest=d, name=t["user"], created_at=now))
                    n += 1
        return n
    n = svc.retrying(work)
    try:
        os.replace(path, path.with_name(LEGACY_USERS_FILE + ".imported"))
    except OSError:
        pass            # a read-only home: imported again (a no-op) by the next process
    return n
