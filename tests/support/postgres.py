"""A real PostgreSQL 15 for tests, as in REAL-PARTS.md section 2.

initdb and a foreground postmaster in a `tempfile.mkdtemp()` dir (not pytest's tmp_path: the
server must traverse every parent, and /tmp/pytest-of-root is 0700), listening on 127.0.0.1 only,
with its unix socket in that dir (short path: the socket limit is ~107 bytes) and fsync off.
As root the server runs as the `postgres` user (it refuses root) via setpriv; otherwise directly.
"""

from __future__ import annotations

import ctypes
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
USER = "postgres"                 # the database superuser initdb creates (-U)
RUN_AS = "postgres"               # the OS user the server runs as when we are root
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin",)


@dataclass(frozen=True)
class PgServer:
    host: str
    port: int
    socket_dir: Path

    def url(self, db: str) -> str:
        """A SQLAlchemy URL (psycopg 3) for database `db` on this server."""
        return f"postgresql+psycopg://{USER}@{self.host}:{self.port}/{db}"

    def connect(self, db: str = "postgres", **kw):
        import psycopg
        return psycopg.connect(host=self.host, port=self.port, user=USER, dbname=db, **kw)

    def create_database(self, name: str) -> str:
        """CREATE DATABASE `name` (UTF8, from template0); return its URL."""
        from psycopg import sql
        with self.connect(autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(
                sql.Identifier(name)))
        return self.url(name)


def pg_binary(name: str) -> str:
    for d in PG_BIN_DIRS:
        p = Path(d) / name
        if p.is_file():
            return str(p)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"no `{name}` binary on PATH or in {', '.join(PG_BIN_DIRS)}: "
                           "apt-get install postgresql-15")
    return found


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _as_server_user(cmd: list[str], die_signal: signal.Signals | None = None) -> list[str]:
    """As root, wrap cmd in setpriv so it runs as RUN_AS. The parent-death signal is set by
    setpriv *after* the uid change: the kernel clears one set before it (prctl(2))."""
    if os.geteuid() != 0:
        return cmd
    pre = ["setpriv", f"--reuid={RUN_AS}", f"--regid={RUN_AS}", "--init-groups"]
    if die_signal is not None:
        pre.append(f"--pdeathsig={die_signal.name}")
    return [*pre, *cmd]


def _die_with_parent() -> None:
    # Not root (no setpriv): the server gets SIGINT (a fast stop) if the test process dies
    # without running its finalizers.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGINT)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _tail(log: Path, n: int = 4000) -> str:
    try:
        return log.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def _initdb(tmp: Path) -> Path:
    data = tmp / "data"
    cmd = _as_server_user([pg_binary("initdb"), "-D", str(data), "-U", USER, "-A", "trust",
                           "-E", "UTF8", "--locale=C.UTF-8", "-N"])
    r = subprocess.run(cmd, cwd=tmp, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"initdb failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return data


def _wait_ready(proc: subprocess.Popen, server: PgServer, log: Path) -> None:
    import psycopg
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"postgres exited with {proc.returncode}:\n{_tail(log)}")
        try:
            server.connect(connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            time.sleep(0.05)
    raise RuntimeError(f"postgres not ready on port {server.port} after {READY_TIMEOUT:.0f} s:\n{_tail(log)}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)          # fast shutdown: roll back sessions, exit cleanly
    try:
        proc.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _start(tmp: Path, data: Path, port: int) -> tuple[subprocess.Popen, Path]:
    log = tmp / f"postgres-{port}.log"
    cmd = _as_server_user([pg_binary("postgres"), "-D", str(data), "-p", str(port), "-k", str(tmp),
                           "-c", f"listen_addresses={HOST}", "-c", "fsync=off",
                           "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
                          die_signal=signal.SIGINT)
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=tmp, preexec_fn=_die_with_parent
                                if sys.platform == "linux" and os.geteuid() != 0 else None)
    return proc, log


@contextmanager
def postgres_server() -> Iterator[PgServer]:
    """initdb + start a PostgreSQL server; yield it; fast-stop it and remove its dir."""
    tmp = Path(tempfile.mkdtemp(prefix="lockstep-pg-"))
    proc: subprocess.Popen | None = None
    try:
        if os.geteuid() == 0:
            pw = pwd.getpwnam(RUN_AS)
            os.chown(tmp, pw.pw_uid, pw.pw_gid)
        data = _initdb(tmp)
        for attempt in range(3):             # the free port may be taken between bind and listen
            port = _free_port()
            server = PgServer(HOST, port, tmp)
            proc, log = _start(tmp, data, port)
            try:
                _wait_ready(proc, server, log)
                break
            except RuntimeError:
                _stop(proc)
                if attempt == 2 or "could not bind" not in _tail(log):
                    raise
        yield server
    finally:
        if proc is not None:
            _stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)
