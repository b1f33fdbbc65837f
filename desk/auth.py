"""Who is at the desk: passwords, sessions, CSRF tokens and the sign-in rate limit.

Everything a desk process knows about who is signed in lives in the database (issue 13, stateless
desks; services/home/accounts.py, storage/repos/accounts.py), so any desk process on the same
database answers any request, behind a load balancer or not:

- Passwords: each person's password is kept hashed with scrypt (salted, per person).
  `issue_password` makes a random one and returns it once, for the command line to print;
  `set_password` stores one chosen by the person. Nothing is in the config file or the
  environment. (A home an older Lockstep left with desk-users.json has it imported once.)
- Sessions: the cookie holds a random token; only its SHA-256 is kept, in the database, so a
  session opened on one desk is good on every other and survives a restart. Cookies are HttpOnly
  and SameSite=Lax. A session ends after `idle_hours` without use, `session_hours` after sign-in
  whatever its use (lockstep.toml [desk]), and at once, on every desk, when the person's password
  is reset or removed or the person is disabled (`lockstep users disable`).
- CSRF: every session has its own token, put in each POST form and compared in constant time;
  the sign-in form, before any session, uses a double-submit cookie.
- Rate limit: failed sign-ins are counted in the database per (client, name) and per client, by
  every desk together; past the limit within the window, sign-in answers 429 without checking the
  password. Never per name alone: a stranger failing from another client cannot lock a person
  out. The client is the connection's address; X-Forwarded-For counts only when the connection
  comes from a proxy named in lockstep.toml ([desk] trusted_proxies, default none).
"""
from __future__ import annotations

import hmac
import ipaddress
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from services.home import accounts

LEGACY_USERS_FILE = accounts.LEGACY_USERS_FILE     # imported once into the database, then renamed
SESSION_COOKIE = "lockstep_session"
LOGIN_COOKIE = "lockstep_login"
SCRYPT = accounts.SCRYPT
MIN_PASSWORD = accounts.MIN_PASSWORD


def _services(home: Path):
    from services.home.context import open_services
    from services.home.folder import Home
    return open_services(Home(home))


def set_password(home: Path, name: str, password: str) -> None:
    """Store a person's desk password (scrypt-hashed); their sessions end on every desk. The caller
    checks the person exists."""
    accounts.set_password(_services(home), name, password)


def issue_password(home: Path, name: str) -> str:
    """A fresh random password for a person, stored hashed and returned once (to print)."""
    return accounts.issue_password(_services(home), name)


def remove_password(home: Path, name: str) -> bool:
    return accounts.remove_password(_services(home), name)


def verify_password(home: Path, name: str, password: str) -> bool:
    return accounts.verify_password(_services(home), name, password)


@dataclass
class DeskSession:
    name: str
    csrf: str
    created: float
    seen: float


IDLE_HOURS = 8
SESSION_HOURS = 12


@dataclass
class Sessions:
    """Sessions by the SHA-256 of their cookie token, in the database; the token itself is never
    kept. A session ends after idle_seconds unused, absolute_seconds after it was opened, or when
    the person's password is reset or removed or the person disabled. `clock` gives seconds since
    the epoch (every desk's clock: keep them in time)."""
    home: Path
    idle_seconds: float = IDLE_HOURS * 3600
    absolute_seconds: float = SESSION_HOURS * 3600
    clock: Callable[[], float] = time.time

    @classmethod
    def for_home(cls, home: Path, **kw) -> "Sessions":
        """The desk's sessions: lifetimes from lockstep.toml [desk]."""
        settings = desk_settings(home)
        return cls(home=home, idle_seconds=settings.idle_hours * 3600,
                   absolute_seconds=settings.session_hours * 3600, **kw)

    def create(self, name: str) -> str:
        return accounts.open_session(_services(self.home), name, self.clock(), self.idle_seconds,
                                     self.absolute_seconds)

    def get(self, token: str | None) -> DeskSession | None:
        if not token:
            return None
        s = accounts.session_of(_services(self.home), token, self.clock(), self.idle_seconds, self.absolute_seconds)
        return DeskSession(name=s.name, csrf=s.csrf, created=s.created, seen=s.seen) if s else None

    def end_all(self, name: str) -> int:
        """End every session of a person, on every desk; how many ended."""
        return accounts.end_sessions(_services(self.home), name)

    def drop(self, token: str | None) -> None:
        accounts.drop_session(_services(self.home), token)

    def digests(self) -> set[str]:
        """For tests and inspection: what is kept (digests, never tokens)."""
        return accounts.session_digests(_services(self.home))


# ---------------------------------------------------------------- settings and the client's address

@dataclass(frozen=True)
class DeskSettings:
    idle_hours: float = IDLE_HOURS
    session_hours: float = SESSION_HOURS
    trusted_proxies: tuple[str, ...] = ()


def desk_settings(home: Path) -> DeskSettings:
    """lockstep.toml's [desk] table; anything missing or unusable takes the safe default."""
    try:
        from services.home.folder import Home
        raw = Home(home).raw.get("desk", {})
    except Exception:
        raw = {}
    if not isinstance(raw, dict):
        raw = {}

    def hours(key: str, default: float) -> float:
        v = raw.get(key)
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 else default
    proxies = raw.get("trusted_proxies")
    proxies = tuple(str(p).strip() for p in proxies if str(p).strip()) if isinstance(proxies, list) else ()
    return DeskSettings(idle_hours=hours("idle_hours", IDLE_HOURS),
                        session_hours=hours("session_hours", SESSION_HOURS), trusted_proxies=proxies)


def _networks(proxies: tuple[str, ...]) -> list:
    out = []
    for p in proxies:
        try:
            out.append(ipaddress.ip_network(p, strict=False))
        except ValueError:
            continue            # a name, not an address: never matches
    return out


def _trusted(address: str, networks: list) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == n.version and ip in n for n in networks)


def client_address(peer: str | None, forwarded_for: str | None, trusted_proxies: tuple[str, ...]) -> str:
    """Who is signing in: the connection's own address, unless that is a trusted proxy; then the
    nearest address in X-Forwarded-For that is not one (the proxy appends the address it saw, so
    anything further left is whatever the client chose to send)."""
    peer = peer or "unknown"
    networks = _networks(trusted_proxies)
    if not forwarded_for or not networks or not _trusted(peer, networks):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop
    return hops[0] if hops else peer


def throttle_keys(client: str, name: str) -> tuple[str, str]:
    """The sign-in throttle's keys: (this client trying this name, this client). No key for a name
    alone, so failures from one client never lock the person out of another. An IPv6 client is its /64
    (review.consultation.throttled_client): a subscriber may take a new address of it per request."""
    from review.consultation import throttled_client
    client = throttled_client(client)
    return f"pair:{client}\x00{name}", f"client:{client}"


@dataclass
class RateLimit:
    """At most `limit` failed sign-ins per key within `window` seconds, counted in the database by
    every desk together. `clock` gives seconds since the epoch."""
    home: Path
    limit: int = 5
    window: float = 60.0
    clock: Callable[[], float] = time.time

    def blocked(self, *keys: str) -> bool:
        counts = accounts.failures(_services(self.home), keys, self.clock() - self.window)
        return any(n >= self.limit for n in counts)

    def failed(self, *keys: str) -> None:
        now = self.clock()
        accounts.record_failure(_services(self.home), keys, now, now - max(self.window, 3600.0))


def safe_next(target: str | None) -> str | None:
    """Where to go after signing in, if `target` is a path on this desk and nothing else: it starts
    with one "/" (never "//host", never a scheme such as https: or javascript:), has no backslash
    (browsers read "/\\host" as "//host"), no control character or space (browsers drop tabs and
    newlines, so "/\\t/host" would become "//host"), and is not the sign-in or sign-out page itself.
    Anything else is None: the desk's home."""
    if not target or len(target) > 2000 or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 0x21 or ord(ch) == 0x7f for ch in target):
        return None
    from urllib.parse import unquote, urlsplit
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    decoded = unquote(parts.path)
    if decoded.startswith("//") or "\\" in decoded:
        return None
    if parts.path in ("/login", "/logout"):
        return None
    return target


def login_url(path: str, query: str = "") -> str:
    """The sign-in page, asked to return to `path` (with its query) afterwards."""
    from urllib.parse import quote
    target = path + (f"?{query}" if query else "")
    return "/login?next=" + quote(target, safe="") if safe_next(target) else "/login"


def same_token(given: str | None, expected: str | None) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


# ---------------------------------------------------------------- API tokens (desk/api.py)
# Other systems call the JSON API as a person, with `Authorization: Bearer <token>`. Only the
# token's SHA-256 is kept, in the database. A person has one token: issuing another replaces it,
# so a leaked token is revoked by issuing a new one. No scrypt and no rate limit here: a token is
# 256 random bits, not something a person chose, so a fast hash is enough and guessing is hopeless.
TOKEN_PREFIX = accounts.TOKEN_PREFIX


def issue_token(home: Path, name: str) -> str:
    """A fresh API token for a person, stored hashed and returned once (to print). The caller
    checks the person exists."""
    return accounts.issue_token(_services(home), name)


def revoke_tokens(home: Path, name: str) -> bool:
    return accounts.revoke_tokens(_services(home), name)


def token_user(home: Path, token: str | None) -> str | None:
    """Whose token this is (an enabled person), or None. Looked up by digest: the lookup's timing
    can only tell an attacker about digests, which say nothing about other tokens."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    return accounts.token_user(_services(home), token)
