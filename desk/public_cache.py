"""The public site's page cache (issue 15: the register and gazette pages under a crowd).

A public page is the same for every visitor: it depends on the database, the configuration and the
day. So the desk keeps the pages it made, each under

  - the database's change stamp (storage/stamp.py) taken before the page was read: ANY commit,
    from this desk, a command line, a worker or another desk, makes every kept page stale;
  - the configuration file's modification time and size (the government's name, the topics), and
    the configuration the pages' services work by (desk/pages_site.site_services opens them again
    every few seconds: a configuration recorded in the database by another home reaches the pages then);
  - the day (有效性 such as 待施行 and 将于…废止 turn at midnight);

and for at most MAX_AGE seconds whatever happens (a moment passing inside a day: a consultation
closing). A withheld document therefore leaves every cached page on the request after the commit
that withheld it, exactly as it leaves the uncached ones. What may be kept: the pages' answers
200 and the one public 404, never a refusal or an error page, never a page that varies by visitor
(forms with throttles or tokens are not decorated). A database that gives no stamp keeps nothing;
one that does not answer within STAMP_WAIT (a hung server) is the coded public page
(database_unavailable) at once, never a kept page and never a wait without end.
"""
from __future__ import annotations

import asyncio
import functools
import hashlib
import itertools
import threading
import time
import weakref
from collections import OrderedDict

import anyio
from fastapi import Request
from fastapi.responses import Response

MAX_AGE = 10.0            # seconds; the bound on anything time-based the stamps do not see
MOST = 128                # pages kept (an LRU): a query string is the visitor's, so keys are bounded
MOST_BYTES = 32 * 1024 * 1024     # and their bodies together (a register page of 500 entries is ~0.5 MB)
KEPT_STATUSES = (200, 404)


class PageCache:
    def __init__(self, most: int = MOST, max_age: float = MAX_AGE, most_bytes: int = MOST_BYTES) -> None:
        self.most, self.max_age, self.most_bytes = most, max_age, most_bytes
        self.bytes = 0
        self._pages: OrderedDict[tuple, tuple] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = self.made = 0      # made: pages made by a request that missed
        self.threaded: bool | None = None   # the database's stamp is a round trip away: asked in a thread
        self.asking: dict[int, float] = {}  # stamps asked in a thread and not answered yet: when asked

    def get(self, key: tuple, stamp: tuple) -> Response | None:
        with self._lock:
            kept = self._pages.get(key)
            if kept is None or kept[0] != stamp or time.monotonic() > kept[1]:
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
        _, _, status, body, headers = kept
        response = Response(body, status_code=status)
        response.raw_headers = list(headers)
        return response

    def put(self, key: tuple, stamp: tuple, response: Response) -> None:
        body = getattr(response, "body", None)
        if response.status_code not in KEPT_STATUSES or not isinstance(body, bytes):
            return
        if len(body) > self.most_bytes // 4:
            return                # one page never takes most of the budget
        with self._lock:
            if (old := self._pages.pop(key, None)) is not None:
                self.bytes -= len(old[3])
            self._pages[key] = (stamp, time.monotonic() + self.max_age, response.status_code, body,
                                tuple(response.raw_headers))
            self.bytes += len(body)
            while len(self._pages) > self.most or self.bytes > self.most_bytes:
                self.bytes -= len(self._pages.popitem(last=False)[1][3])

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self.bytes = 0


def cache_of(kit) -> PageCache:
    """One cache per desk app (its Kit)."""
    cache = getattr(kit, "public_pages", None)
    if cache is None:
        cache = kit.public_pages = PageCache()
    return cache


_fingerprints: dict[int, tuple[weakref.ref, str]] = {}     # id(services) -> (the services, their config's)
_fingerprints_lock = threading.Lock()


def config_fingerprint(svc) -> str:
    """The SHA-256 of the configuration these services work by (services/home/config_record.py: the
    newest recorded one, else the home's file), computed once per services object."""
    with _fingerprints_lock:
        seen = _fingerprints.get(id(svc))
        if seen is not None and seen[0]() is svc:
            return seen[1]
    fingerprint = hashlib.sha256(svc.config.model_dump_json().encode("utf-8")).hexdigest()
    with _fingerprints_lock:
        for key in [k for k, (ref, _) in _fingerprints.items() if ref() is None]:
            del _fingerprints[key]
        _fingerprints[id(svc)] = (weakref.ref(svc), fingerprint)
    return fingerprint


_ELSEWHERE = object()          # the stamp is a round trip away: take it in a worker thread
STAMP_WAIT = 5.0               # seconds a stamp a round trip away may take (storage/db.py CONNECT_TIMEOUT)
ASK_AGAIN = 30.0               # seconds after which an unanswered ask no longer answers for the database
_asks = itertools.count()


class Unanswered(Exception):
    """The database gave no stamp within STAMP_WAIT: it hangs (a frozen host, a network cut)."""


def _stamp(kit, on_loop: bool):
    from desk import pages_site
    from storage.stamp import cheap, data_stamp
    svc = pages_site.site_services(kit)             # the handler's own call gets these or newer ones
    engine = svc.db.engine
    if on_loop and not cheap(engine):
        return _ELSEWHERE
    configured = config_fingerprint(svc)
    data = data_stamp(engine)
    if data is None:
        return None
    st = svc.home.config_path.stat()
    return data, st.st_mtime_ns, st.st_size, configured, svc.now().astimezone().date()


async def _asked_in_a_thread(kit, cache: PageCache):
    """The stamp from a worker thread, within STAMP_WAIT of the thread's start, or Unanswered (waiting
    for a free worker thread is the desk's load, not the database's silence: it counts for nothing).
    While an earlier ask has gone unanswered for longer than STAMP_WAIT (and not yet ASK_AGAIN),
    Unanswered at once: one thread waits on a hung server, not one per visitor. A thread given up on
    stays until the server answers or its connection fails; after ASK_AGAIN a visitor asks again (a
    connection cut without a word may never fail, while a new one would be answered)."""
    now = time.monotonic()
    with cache._lock:
        if any(STAMP_WAIT < now - at < ASK_AGAIN for at in cache.asking.values()):
            raise Unanswered
    ask, began = next(_asks), []

    def asking():
        with cache._lock:
            at = cache.asking[ask] = time.monotonic()
        began.append(at)
        try:
            return _stamp(kit, on_loop=False)
        finally:
            with cache._lock:
                cache.asking.pop(ask, None)

    task = asyncio.ensure_future(anyio.to_thread.run_sync(asking, abandon_on_cancel=True))
    task.add_done_callback(lambda t: t.cancelled() or t.exception())     # a given-up ask's end is no one's
    while True:
        left = STAMP_WAIT if not began else began[0] + STAMP_WAIT - time.monotonic()
        if left <= 0:
            raise Unanswered
        done, _ = await asyncio.wait({task}, timeout=left)
        if done:
            return task.result()


async def stamp_of(kit) -> tuple | None:
    """(database stamp, config file stamp, the configuration the pages' services work by, day), or None
    when the database gives no stamp; Unanswered when it did not answer in time.

    The pages read through site_services, opened again when lockstep.toml changes or every
    REOPEN_SECONDS: that is when a configuration recorded in the database by another process (another
    home on the same database) reaches this desk. A page made with the services opened before is kept
    only until then (its configuration is another), as the uncached pages show the old words only until
    then; services opened again on the same configuration keep the pages.

    SQLite's stamp costs no round trip: it is taken on the event loop. A database a round trip away
    (PostgreSQL) is asked in a worker thread, with the opening of the services (which reads the recorded
    configuration from it): a server that hangs holds no one but that visitor, for STAMP_WAIT."""
    cache = cache_of(kit)
    try:
        if cache.threaded is None:                  # from the home's URL: no round trip on the loop, ever
            from services.home.folder import Home
            cache.threaded = not Home(kit.home).database_url.startswith("sqlite")
        if not cache.threaded:
            stamp = _stamp(kit, on_loop=True)
            if stamp is not _ELSEWHERE:
                return stamp
            cache.threaded = True
        return await _asked_in_a_thread(kit, cache)
    except Unanswered:
        raise
    except Exception:           # noqa: BLE001 - a home that cannot be opened: the handler says so, uncached
        return None


def unanswered(kit) -> Response:
    """database_unavailable as the public error page, under the home file's government name (the
    recorded configuration is the database's, which does not answer; services/home/config_record.py
    falls back to the file alike). Nothing here asks the database."""
    from types import SimpleNamespace

    from desk.pages_site import HEADINGS, public_page
    from documents.problems import problem
    from services.home.folder import Home
    try:
        here = SimpleNamespace(config=Home(kit.home).config)
    except Exception:           # noqa: BLE001 - a broken file: the page still says what is wrong
        here = SimpleNamespace(config=SimpleNamespace(government="人民政府"))
    p = problem("database_unavailable", f"数据库未在 {STAMP_WAIT:g} 秒内应答")
    return public_page(kit, "site_error.html.j2", 503, svc=here, code=503, problem_code=p.code,
                       heading=HEADINGS[503], message=p.message)


def cached(kit, reads: tuple[str, ...] = ()):
    """Decorate a public GET handler `async def h(request: Request, ...)`: the page comes from the
    cache while its stamp holds, else the handler makes it (and the cache keeps it). Requests for a
    page being made under the same stamp wait for that one making rather than each making it again:
    after a commit, a crowd on one page costs one page's work, not one per visitor.

    `reads`: the query parameters the handler reads (each by `query_params.get`, its first value).
    They alone are the key with the path, so `/site/?x=random` is the page `/site/` is and cannot
    push the kept pages out."""
    making: dict[tuple, asyncio.Future] = {}

    def wrap(handler):
        @functools.wraps(handler)
        async def run(request: Request, *args, **kwargs):
            cache = cache_of(kit)
            try:
                stamp = await stamp_of(kit)
            except Unanswered:
                return unanswered(kit)                  # never a kept page, never a wait without end
            if stamp is None:
                return await handler(request, *args, **kwargs)
            key = (request.url.path, tuple(request.query_params.get(name) for name in reads))
            if (page := cache.get(key, stamp)) is not None:
                return page
            underway = making.get((key, stamp))
            if underway is not None:
                await asyncio.shield(underway)           # its maker's outcome, whatever it was
                if (page := cache.get(key, stamp)) is not None:
                    return page
                return await handler(request, *args, **kwargs)     # not kept (an error page): make our own
            done = making[(key, stamp)] = asyncio.get_running_loop().create_future()
            cache.made += 1
            try:
                response = await handler(request, *args, **kwargs)
                cache.put(key, stamp, response)
                return response
            finally:
                making.pop((key, stamp), None)
                done.set_result(None)
        return run
    return wrap
