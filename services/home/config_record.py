"""lockstep.toml seeds the database; after that the database is the record (issue 13, stateless desks).

- The configuration's content is the file without its machine-local [storage] table; its hash
  (`content_sha`) names it. Two homes with the same content are the same configuration.
- Each home's file (host:path, a "source") is read again only when it changed. A change is
  imported once, however many processes read it: under the configuration's lock (a locking
  counter row, storage/counters.py) the importer checks what the source last held, so a second
  process reading the same edit finds it done. A change to content the database does not already
  hold is one `config.changed` event (the first one `initialised`), records the content as the
  newest configuration and brings its people into the record: people added or changed in the file
  since the source's previous content are set as the file says, people taken out of it are
  disabled. People added with `lockstep users add`, passwords, tokens and sessions are the
  database's alone.
- Every process uses the newest recorded configuration (`effective_config`): its rules, and the
  people of the record. If the database does not answer, the home's own file.

Kept apart from services/home/people.py so that opening services (services/home/context.py), which
records an edit on the first command after it, imports nothing that imports it back.
"""
from __future__ import annotations

import hashlib
import json
import socket
import tomllib

from review.config import Config, Person
from review.model import ConfigChanged
from services.home import accounts
from services.home.folder import Home
from storage.db import DatabaseUnavailable


def config_sha(home: Home) -> str:
    """The content hash of a home's lockstep.toml (see content_of)."""
    return content_of(home.config_path.read_text(encoding="utf-8"))[1]


def _file_sha(home: Home) -> str | None:
    try:
        return hashlib.sha256(home.config_path.read_bytes()).hexdigest()
    except OSError:
        return None


def content_of(text: str) -> tuple[dict, str]:
    """The configuration a file holds (without [storage], which says where this machine finds the
    database and the objects) and its SHA-256 over canonical JSON."""
    raw = tomllib.loads(text)
    raw.pop("storage", None)
    content = json.loads(json.dumps(raw, ensure_ascii=False, sort_keys=True, default=str))
    sha = hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()
    return content, sha


def source_of(home: Home) -> str:
    return f"{socket.gethostname()}:{home.config_path.resolve()}"[:600]


def _people(content: dict | None) -> dict[str, Person] | None:
    if content is None:
        return None
    out = {}
    for p in content.get("people") or ():
        try:
            person = Person.model_validate(p)
        except ValueError:
            continue
        out[person.name] = person
    return out


def record_config_edits(svc) -> bool:
    """Import the home's lockstep.toml if it changed since this home last imported it; True when
    that recorded a config.changed event. `svc` is the opened Services (its home, clock, `unit()`).
    A file that does not parse is left to the command that reads it (it says what is wrong)."""
    home: Home = svc.home
    try:
        content, current = content_of(home.config_path.read_text(encoding="utf-8"))
        Config.model_validate(content)
    except (OSError, ValueError):
        return False
    source = source_of(home)
    with svc.reading() as uow:
        seen = uow.accounts.source(source)
        if seen is not None and seen.sha256 == current and uow.accounts.any_person():
            return False                         # the usual case: read only, no lock, nothing written
    from storage.tables import ConfigSourceRow, ConfigVersionRow
    with svc.unit() as uow:
        uow.accounts.lock_config()               # one importer at a time; the next sees its work
        seen = uow.accounts.source(source)
        seeded = uow.accounts.any_person()
        if seen is not None and seen.sha256 == current and seeded:
            return False
        now = uow.now()
        previous_sha = seen.sha256 if seen is not None else None
        if seen is None:
            uow.add(ConfigSourceRow(source=source, sha256=current, seen_at=now))
        else:
            seen.sha256, seen.seen_at = current, now
        latest = uow.accounts.latest_config()
        last_event = uow.accounts.last_config_event()
        recorded = latest.sha256 if latest is not None else \
            ((last_event.payload or {}).get("detail") or {}).get("sha256") if last_event is not None else None
        if latest is None and recorded is not None and recorded == _file_sha(home):
            recorded = current       # an older Lockstep recorded this very file (by its bytes' hash)
        if recorded == current and seeded:
            return False                         # another home (or process) holds this content already
        if latest is None or latest.sha256 != current:
            uow.add(ConfigVersionRow(sha256=current, content=content, source=source, recorded_at=now))
        before = None
        if seeded and previous_sha is not None:
            prior = uow.accounts.config_by_sha(previous_sha)
            before = _people(prior.content) if prior is not None else None
        after = _people(content) or {}
        changes: dict[str, list[str]] = {"added": [], "changed": [], "disabled": []}
        for name, p in after.items():
            if before is not None and before.get(name) == p:
                continue
            outcome = accounts.upsert_person(uow, p, now)
            if outcome:
                changes[outcome].append(name)
        for name in sorted(set(before or {}) - set(after)):
            row = uow.accounts.person(name)
            if row is not None and row.disabled_at is None:
                accounts.disable_row(uow, row, accounts.FROM_FILE, now)
                changes["disabled"].append(name)
        if recorded == current:
            return False                         # seeding a home an older Lockstep made: no new content
        detail = {"sha256": current, "previous": recorded, "source": source}
        detail.update({k: v for k, v in changes.items() if v})
        import getpass                  # who edited the file: asked only when an edit is recorded
        uow.audit.append(ConfigChanged(dossier_id=None, actor=getpass.getuser(), at=now,
                                       change="edited" if last_event is not None else "initialised",
                                       detail=detail))
    return True


_parsed: dict[str, Config] = {}
_files: dict[str, Config] = {}


def _file_config(text: str) -> Config:
    """The home's file as it reads now (Home.config keeps what it read first: a file edited while
    the process runs would not be seen), parsed once per content."""
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if key not in _files:
        from review.config import parse_config
        _files[key] = parse_config(text)
    return _files[key]


def effective_config(svc) -> Config:
    """The configuration this process works by: the newest recorded one (its rules) with the
    record's enabled people. A home file edited since it was last imported is imported first.
    Without a database that answers (or before the first import), the home's own file."""
    home: Home = svc.home
    text = home.config_path.read_text(encoding="utf-8")
    own = _file_config(text)                     # a broken file says so here, as it always did
    try:
        content_sha = content_of(text)[1]
        latest, people, disabled = _recorded(svc, source_of(home), content_sha)
        if latest is None and not people:
            svc.retrying(lambda: record_config_edits(svc), attempts=3)
            latest, people, disabled = _recorded(svc, None, content_sha)
    except DatabaseUnavailable:
        return own
    if latest is None:
        return own
    sha, content = latest
    if sha == content_sha:
        base = own
    else:
        if sha not in _parsed:
            _parsed[sha] = Config.model_validate(content)
        base = _parsed[sha]
    return base.model_copy(update={"people": tuple(people), "disabled": disabled})


def _recorded(svc, source: str | None, content_sha: str):
    """(sha, content) of the newest configuration and the enabled people; imports the home's file
    first when `source` is given and its file changed since."""
    with svc.reading() as uow:
        if source is not None:
            seen = uow.accounts.source(source)
            stale = seen is None or seen.sha256 != content_sha
        else:
            stale = False
        if not stale:
            latest = uow.accounts.latest_config()
            everyone = uow.accounts.people(include_disabled=True)
            people = [accounts.as_person(r) for r in everyone if r.disabled_at is None]
            disabled = tuple(r.name for r in everyone if r.disabled_at is not None)
            # In the file's order (as lists always showed them), then the others by name.
            order = {p.get("name"): i for i, p in enumerate((latest.content if latest else {}).get("people") or ())
                     if isinstance(p, dict)}
            people.sort(key=lambda p: (order.get(p.name, len(order)), p.name))
            return ((latest.sha256, latest.content) if latest is not None else None, people, disabled)
    svc.retrying(lambda: record_config_edits(svc), attempts=3)
    return _recorded(svc, None, content_sha)
