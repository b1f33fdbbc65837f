"""Who is at the desk: passwords, sessions, CSRF tokens and the sign-in rate limit.

- Passwords: each person's password is kept hashed with scrypt (salted, per person) in
  HOME/desk-users.json (mode 0600). `issue_password` makes a random one and returns it once, for
  the command line to print; `set_password` stores one chosen by the person. Nothing is in the
  config file or the environment.
- Sessions: the cookie holds a random token; only its SHA-256 is kept, in this process's memory
  (restarting the desk signs everyone out). Cookies are HttpOnly and SameSite=Lax. A session ends
  after `idle_hours` without use, `session_hours` after sign-in whatever its use (lockstep.toml
  [desk]), and at once when the person's password is reset or removed (also by the command line,
  in another process: each session remembers a stamp of the password it was opened with).
- CSRF: every session has its own token, put in each POST form and compared in constant time;
  the sign-in form, before any session, uses a double-submit cookie.
- Rate limit: failed sign-ins are counted per (client, name) and per client; past the limit within
  the window, sign-in answers 429 without checking the password. Never per name alone: a stranger
  failing from another client cannot lock a person out. The client is the connection's address;
  X-Forwarded-For counts only when the connection comes from a proxy named in lockstep.toml
  ([desk] trusted_proxies, default none).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import os
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

USERS_FILE = "desk-users.json"
SESSION_COOKIE = "lockstep_session"
LOGIN_COOKIE = "lockstep_login"
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}
MIN_PASSWORD = 8


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)


def _users_path(home: Path) -> Path:
    return home / USERS_FILE


def _load(home: Path) -> dict:
    try:
        return json.loads(_users_path(home).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"users": {}}


def _save(home: Path, data: dict) -> None:
    path = _users_path(home)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
    os.replace(tmp, path)


_file_lock = threading.Lock()


def set_password(home: Path, name: str, password: str) -> None:
    """Store a person's desk password (scrypt-hashed). The caller checks the person exists."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"密码至少 {MIN_PASSWORD} 个字符")
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, **SCRYPT)
    with _file_lock:
        data = _load(home)
        data.setdefault("users", {})[name] = {
            "scrypt": SCRYPT, "salt": salt.hex(), "hash": digest.hex(),
            "set_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        _save(home, data)


def issue_password(home: Path, name: str) -> str:
    """A fresh random password for a person, stored hashed and returned once (to print)."""
    password = secrets.token_urlsafe(12)
    set_password(home, name, password)
    return password


def remove_password(home: Path, name: str) -> bool:
    with _file_lock:
        data = _load(home)
        gone = data.get("users", {}).pop(name, None) is not None
        if gone:
            _save(home, data)
    return gone


_DUMMY_SALT = secrets.token_bytes(16)


def _stamp_of(entry: dict | None) -> str | None:
    """What a session remembers of the password it was opened with: changes with every reset."""
    if not isinstance(entry, dict) or not entry.get("hash"):
        return None
    return _digest(f"{entry.get('salt')}:{entry.get('hash')}")[:32]


class Stamps:
    """The current password stamp of each person, from the users file, read again only when the
    file changes (a stat per look-up): a reset by `lockstep users password` in another process
    ends the person's desk sessions at their next request."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self._seen: tuple | None = None
        self._stamps: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def __call__(self, name: str) -> str | None:
        path = _users_path(self.home)
        try:
            st = path.stat()
            key = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            key = None
        with self._lock:
            if key != self._seen:
                users = _load(self.home).get("users", {}) if key else {}
                self._stamps = {n: _stamp_of(e) for n, e in users.items()}
                self._seen = key
            return self._stamps.get(name)


def verify_password(home: Path, name: str, password: str) -> bool:
    entry = _load(home).get("users", {}).get(name)
    if entry is None:
        _scrypt(password, _DUMMY_SALT, **SCRYPT)         # same cost: no timing hint that the name is unknown
        return False
    try:
        params = entry["scrypt"]
        digest = _scrypt(password, bytes.fromhex(entry["salt"]), params["n"], params["r"], params["p"])
        return hmac.compare_digest(digest.hex(), entry["hash"])
    except (KeyError, ValueError, TypeError):
        return False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass
class DeskSession:
    name: str
    csrf: str
    created: float
    seen: float
    stamp: str | None = None     # the password's stamp when the session was opened


IDLE_HOURS = 8
SESSION_HOURS = 12


@dataclass
class Sessions:
    """Sessions by the SHA-256 of their cookie token; the token itself is never kept. A session ends
    after idle_seconds unused, absolute_seconds after it was opened, or when `stamp` (the person's
    current password stamp, Stamps) no longer gives what it gave at sign-in."""
    idle_seconds: float = IDLE_HOURS * 3600
    absolute_seconds: float = SESSION_HOURS * 3600
    clock: Callable[[], float] = time.monotonic
    stamp: Callable[[str], str | None] | None = None
    _by_digest: dict[str, DeskSession] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def for_home(cls, home: Path, **kw) -> "Sessions":
        """The desk's sessions: lifetimes from lockstep.toml [desk], ended by a password reset."""
        settings = desk_settings(home)
        return cls(idle_seconds=settings.idle_hours * 3600, absolute_seconds=settings.session_hours * 3600,
                   stamp=Stamps(home), **kw)

    def create(self, name: str) -> str:
        token = secrets.token_urlsafe(32)
        now = self.clock()
        stamp = self.stamp(name) if self.stamp else None
        with self._lock:
            self._by_digest[_digest(token)] = DeskSession(name=name, csrf=secrets.token_urlsafe(32),
                                                          created=now, seen=now, stamp=stamp)
        return token

    def get(self, token: str | None) -> DeskSession | None:
        if not token:
            return None
        now = self.clock()
        key = _digest(token)
        with self._lock:
            s = self._by_digest.get(key)
        if s is None:
            return None
        ended = (now - s.seen > self.idle_seconds or now - s.created > self.absolute_seconds
                 or (self.stamp is not None and self.stamp(s.name) != s.stamp))
        with self._lock:
            if ended:
                self._by_digest.pop(key, None)
                return None
            s.seen = now
            return s

    def end_all(self, name: str) -> int:
        """End every session of a person (this process's); how many ended."""
        with self._lock:
            gone = [k for k, s in self._by_digest.items() if s.name == name]
            for k in gone:
                del self._by_digest[k]
        return len(gone)

    def drop(self, token: str | None) -> None:
        if token:
            with self._lock:
                self._by_digest.pop(_digest(token), None)

    def digests(self) -> set[str]:
        """For tests and inspection: what is kept (digests, never tokens)."""
        with self._lock:
            return set(self._by_digest)


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
    alone, so failures from one client never lock the person out of another."""
    return f"pair:{client}\x00{name}", f"client:{client}"


@dataclass
class RateLimit:
    """At most `limit` failed sign-ins per key within `window` seconds."""
    limit: int = 5
    window: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _hits: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _trim(self, key: str, now: float) -> deque:
        q = self._hits[key]
        while q and now - q[0] >= self.window:
            q.popleft()
        return q

    def blocked(self, *keys: str) -> bool:
        now = self.clock()
        with self._lock:
            return any(len(self._trim(k, now)) >= self.limit for k in keys)

    def failed(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            for k in keys:
                self._trim(k, now).append(now)


def same_token(given: str | None, expected: str | None) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


# ---------------------------------------------------------------- API tokens (desk/api.py)
# Other systems call the JSON API as a person, with `Authorization: Bearer <token>`. Only the
# token's SHA-256 is kept, in the users file next to the passwords. A person has one token:
# issuing another replaces it, so a leaked token is revoked by issuing a new one. No scrypt and no
# rate limit here: a token is 256 random bits, not something a person chose, so a fast hash is
# enough and guessing is hopeless.
TOKEN_PREFIX = "lst_"          # recognisable in logs and secret scanners


def issue_token(home: Path, name: str) -> str:
    """A fresh API token for a person, stored hashed and returned once (to print). The caller
    checks the person exists."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with _file_lock:
        data = _load(home)
        tokens = {d: t for d, t in data.get("tokens", {}).items() if t.get("user") != name}
        tokens[_digest(token)] = {"user": name,
                                  "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        data["tokens"] = tokens
        _save(home, data)
    return token


def revoke_tokens(home: Path, name: str) -> bool:
    with _file_lock:
        data = _load(home)
        tokens = data.get("tokens", {})
        kept = {d: t for d, t in tokens.items() if t.get("user") != name}
        if len(kept) == len(tokens):
            return False
        data["tokens"] = kept
        _save(home, data)
    return True


def token_user(home: Path, token: str | None) -> str | None:
    """Whose token this is, or None. Looked up by digest: the lookup's timing can only tell an
    attacker about digests, which say nothing about other tokens."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    entry = _load(home).get("tokens", {}).get(_digest(token))
    return entry.get("user") if isinstance(entry, dict) else None
