"""The province of `scripts/province` for tests: start it, read its state, act on its parts, read the
shared database, and stop it.

`scripts/province up --dir D --json` starts PostgreSQL (as the postgres user), SeaweedFS S3, a
Prefect server on that PostgreSQL, the pool's deployments, two `lockstep worker` and two
`lockstep serve` processes, each in its own folder; `down` stops exactly those (in a finalizer).
"""
from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "province"
BIN = ROOT / ".venv" / "bin"
PEOPLE = ("drafter", "director", "reviewer", "secretary", "signer", "editor")
CLEAN_ENV = ("LOCKSTEP_HOME", "LOCKSTEP_DATABASE_URL", "LOCKSTEP_OBJECTS", "LOCKSTEP_TEST_CRASH_AT",
             "PREFECT_API_URL", "PREFECT_HOME", "LOCKSTEP_WORKER_NAME")


def script(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


class Province:
    def __init__(self, d: Path) -> None:
        self.dir = d
        self._engine = None

    @property
    def state(self) -> dict:
        return json.loads((self.dir / "province.json").read_text(encoding="utf-8"))

    # -- the parts ------------------------------------------------------------------------------
    def run(self, *args: str, timeout: float = 300) -> dict:
        """scripts/province ARGS --dir D --json; its JSON answer (exit code 0 asserted)."""
        r = script(*args, "--dir", str(self.dir), "--json", timeout=timeout)
        assert r.returncode == 0, f"scripts/province {' '.join(args)}: {r.returncode}\n{r.stdout}\n{r.stderr}"
        return json.loads(r.stdout)

    def desk(self, i: int) -> dict:
        return self.state["desks"][i]

    def home(self, name: str) -> Path:
        return self.dir / name

    def env(self, home: Path) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
        env.update({"PREFECT_API_URL": self.state["prefect_api_url"], "PREFECT_HOME": str(home / "prefect"),
                    "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_TO_API_ENABLED": "false"})
        return env

    def lockstep(self, home: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """`lockstep --home HOME ARGS` as an operator runs it, in the home's folder."""
        return subprocess.run([str(BIN / "lockstep"), "--home", str(home), *map(str, args)], cwd=home,
                              env=self.env(home), capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def lockstep_json(self, home: Path, *args: str, code: int | None = 0, timeout: float = 300) -> dict:
        r = self.lockstep(home, *args, "--json", timeout=timeout)
        if code is not None:
            assert r.returncode == code, f"lockstep {' '.join(map(str, args))}: {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
        return json.loads(r.stdout)

    def start_lockstep(self, home: Path, *args: str, log: Path) -> subprocess.Popen:
        with open(log, "w") as out:
            return subprocess.Popen([str(BIN / "lockstep"), "--home", str(home), *map(str, args)], cwd=home,
                                    env=self.env(home), stdout=subprocess.PIPE, stderr=out, text=True,
                                    stdin=subprocess.DEVNULL)

    def prefect(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """The `prefect` command against the province's server (an operator's hand on the pool)."""
        home = self.dir / "operator"
        (home / "prefect").mkdir(parents=True, exist_ok=True)
        return subprocess.run([str(BIN / "prefect"), *args], cwd=home, env=self.env(home), capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    # -- the shared database ----------------------------------------------------------------------
    @property
    def engine(self):
        if self._engine is None:
            from sqlalchemy import create_engine
            self._engine = create_engine(self.state["postgres_url"], pool_size=2, max_overflow=2)
        return self._engine

    def session(self):
        from sqlalchemy.orm import Session
        return Session(self.engine)

    def jobs(self, kind: str | None = None) -> list:
        from sqlalchemy import select

        from storage.tables import JobRow
        with self.session() as s:
            q = select(JobRow).order_by(JobRow.id)
            if kind:
                q = q.where(JobRow.kind == kind)
            rows = list(s.scalars(q))
            s.expunge_all()
            return rows

    def tokens(self, people) -> dict[str, str]:
        """An API token for each person (`lockstep users token`, in this process: the tokens are rows
        of the shared database, so both desks know them)."""
        from desk import auth
        from services.home import context
        try:
            return {name: auth.issue_token(self.home("desk-1"), name) for name in people}
        finally:
            engine = context._engines.pop(self.state["postgres_url"], None)
            if engine is not None:
                engine.dispose()

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def job_answer(job) -> dict:
    """A job's answer: `result` (0018) or, before that, `last_error`."""
    r = job.result if isinstance(job.result, dict) and "request" not in job.result else None
    return r or (job.last_error if isinstance(job.last_error, dict) else {}) or {}


def process_env(pid: int) -> dict[str, str]:
    try:
        raw = (Path("/proc") / str(pid) / "environ").read_bytes().split(b"\0")
    except OSError:
        return {}
    return dict(x.decode(errors="replace").split("=", 1) for x in raw if b"=" in x)


def holder_pid(claimed_by: str | None) -> int | None:
    """host:pid:random → pid."""
    if not claimed_by:
        return None
    parts = claimed_by.split(":")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


@contextmanager
def running_province(d: Path, *up_args: str, before_wait=None) -> Iterator[Province]:
    """`scripts/province up` in d; yields the Province; `down` in the finalizer, whatever happened.
    `before_wait`: work to do while the topology starts (e.g. writing bundles)."""
    d.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    proc = subprocess.Popen([str(SCRIPT), "up", "--dir", str(d), "--json", *up_args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    province = Province(d)
    try:
        if before_wait is not None:
            before_wait()
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"scripts/province up: {proc.returncode}\n{out}\n{err}"
        province.up_seconds = time.monotonic() - started
        province.up_answer = json.loads(out)
        yield province
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        province.close()
        if (d / "province.json").exists():
            r = script("down", "--dir", str(d), timeout=300)
            if r.returncode != 0:
                print(f"scripts/province down: {r.returncode}\n{r.stdout}\n{r.stderr}")


def province_pids(p: Province) -> list[int]:
    """Live processes carrying this province's mark (LOCKSTEP_PROVINCE=<id>)."""
    want = p.state["id"]
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and process_env(int(entry.name)).get("LOCKSTEP_PROVINCE") == want and alive(int(entry.name)):
            out.append(int(entry.name))
    return out


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def listening(pids: list[int]) -> list[tuple[str, int, int]]:
    """(address, port, pid) of every TCP socket in LISTEN state held by one of pids (from /proc)."""
    import ipaddress
    import socket
    import struct
    by_inode: dict[str, tuple[str, int]] = {}
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        try:
            lines = (Path("/proc/net") / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if f[3] != "0A":                       # LISTEN
                continue
            hexip, hexport = f[1].split(":")
            raw = bytes.fromhex(hexip)
            if family == socket.AF_INET:
                ip = str(ipaddress.IPv4Address(struct.pack("<I", int(hexip, 16))))
            else:
                ip = str(ipaddress.IPv6Address(b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))))
            by_inode[f[9]] = (ip, int(hexport, 16))
    out = []
    for pid in pids:
        try:
            fds = list((Path("/proc") / str(pid) / "fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and (inode := target[8:-1]) in by_inode:
                out.append((*by_inode[inode], pid))
    return sorted(set(out))


def flow_run_stats(p: Province) -> dict[str, dict]:
    """Per flow on the Prefect server: runs by state, and the median wait (asked → running) and run time."""
    import datetime as dt
    import statistics

    import httpx
    api = p.state["prefect_api_url"]
    with httpx.Client(timeout=30) as c:
        flows = {f["id"]: f["name"] for f in c.post(f"{api}/flows/filter", json={}).json()}
        runs = c.post(f"{api}/flow_runs/filter", json={"limit": 200, "flow_runs": {"state": {"type": {
            "not_any_": ["SCHEDULED"]}}}}).json()
    out: dict[str, dict] = {}
    for r in runs:
        f = out.setdefault(flows.get(r["flow_id"], r["flow_id"]), {"states": {}, "waits": [], "runs": []})
        f["states"][r["state_name"]] = f["states"].get(r["state_name"], 0) + 1
        if r.get("start_time"):
            waited = dt.datetime.fromisoformat(r["start_time"]) - dt.datetime.fromisoformat(r["created"])
            f["waits"].append(waited.total_seconds())
        if r.get("end_time"):
            f["runs"].append(r["total_run_time"])
    return {name: {"states": f["states"],
                   "wait_p50": round(statistics.median(f["waits"]), 1) if f["waits"] else None,
                   "wait_max": round(max(f["waits"]), 1) if f["waits"] else None,
                   "run_p50": round(statistics.median(f["runs"]), 1) if f["runs"] else None}
            for name, f in out.items()}


def flow_runs_by_pid(p: Province) -> dict[int, str]:
    """pid of the process that ran it → flow name, for the runs on the Prefect server (infrastructure_pid)."""
    import httpx
    api = p.state["prefect_api_url"]
    with httpx.Client(timeout=30) as c:
        flows = {f["id"]: f["name"] for f in c.post(f"{api}/flows/filter", json={}).json()}
        runs = c.post(f"{api}/flow_runs/filter", json={"limit": 200}).json()
    out = {}
    for r in runs:
        pid = str(r.get("infrastructure_pid") or "").rsplit(":", 1)[-1]
        if pid.isdigit():
            out[int(pid)] = flows.get(r["flow_id"], "?")
    return out


class HolderWatch:
    """While open, every ~0.1 s: which process holds each claimed job, by its part's name (the worker
    whose flow run holds it, or the desk), read from the holder's environment while it lives."""

    def __init__(self, p: Province, kind: str) -> None:
        self.p, self.kind = p, kind
        self.names: dict[int, str] = {}          # job id → worker/desk name seen holding it (last)
        self._stop = None

    def __enter__(self) -> "HolderWatch":
        import threading
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                for j in self.p.jobs(self.kind):
                    if j.status == "claimed" and (pid := holder_pid(j.claimed_by)):
                        env = process_env(pid)
                        name = env.get("LOCKSTEP_WORKER_NAME") or env.get("LOCKSTEP_PROVINCE_PART")
                        if name:
                            self.names[j.id] = name
            except Exception:            # noqa: BLE001 - a database hiccup while faults happen: try again
                pass
            self._stop.wait(0.1)

    def __exit__(self, *exc) -> None:
        if self._stop is not None:
            self._stop.set()
            self._thread.join(5)
