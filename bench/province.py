"""Province benchmark (issue 13): a work pool's throughput with one worker and with two, and how long a
sign-off takes to reach the gazette queue, on the topology `scripts/province` starts. A script, not a
timed test.

    python bench/province.py [--bundles 150] [--chunk 5] [--sign 20] [--json] [--keep]

In ONE run, on loopback (PostgreSQL, SeaweedFS S3, a Prefect server on PostgreSQL, a process work pool,
two `lockstep worker` processes and two `lockstep serve` desks, each in its own home):

  up        `scripts/province up --limit 1`: each worker runs one flow run at a time, so one worker is
            one core's worth of work and two workers may use both cores.
  floor     the same intake (services.dossiers.intake.intake_bundle) in a plain loop in this process,
            into the province's own PostgreSQL and S3: no Prefect, no pool, no new process. Its
            bundles/min is what one warm core does; the pool phases are read against it.
  one       worker-2 stopped (`scripts/province kill worker-2`), N distinct bundles through
            `lockstep batch --chunk C` on desk-1's home (staged in S3, runs on the pool, answers
            read back from PostgreSQL): bundles/min from the command's start to its answer.
  two       worker-2 started again (`scripts/province restart worker-2`, online before timing),
            N more distinct bundles the same way on desk-2's home.
  where     how many bundles each worker took, and how: in its warm loop (one bundle per claim, the
            bundles of a busy period in one in-process flow run, the intake drain) or by a deployment
            run the command asked for; per bundle, from claim to answer (the jobs' rows) against the
            floor's; the workers' part of each phase (first claim to last answer: no command start,
            staging or polling) and its ratio; per deployment run, from the
            Prefect server's state history: waiting for a worker (scheduled → pending), the new
            Python process starting (pending → running) and the run itself (running → completed).
  sign-off  up to S of the accepted dossiers reviewed through both desks' API (起草单位审核, 合法性审核,
            集体审议), then signed: first 3 alone (one at a time: the floor), then the rest all at
            once, half on each desk. Latency: from sending the sign-off to the dossier's row in the
            gazette queue (gazette_items, polled every 20 ms from this process).

Prints a table, then as the last line one JSON object (with --json only that object). Every wait is
bounded; `scripts/province down` stops everything in a finally (also on Ctrl+C), and the temp
folder is removed unless --keep. Exits 1 when a bundle is lost or refused, or a sign-off fails.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.measure import timed  # noqa: E402

PROVINCE = ROOT / "scripts" / "province"
LOCKSTEP = Path(sys.executable).parent / "lockstep"
STRIP = ("LOCKSTEP_HOME", "LOCKSTEP_DATABASE_URL", "LOCKSTEP_OBJECTS", "LOCKSTEP_TEST_CRASH_AT", "LOCKSTEP_WORKER_NAME",
         "PREFECT_API_URL", "PREFECT_HOME", "PREFECT_PROFILES_PATH", "PREFECT_SERVER_DATABASE_CONNECTION_URL",
         "PREFECT_API_DATABASE_CONNECTION_URL", "LOCKSTEP_PROVINCE", "LOCKSTEP_PROVINCE_PART")
for _name in STRIP:                  # this process opens the province's database by its own home only
    os.environ.pop(_name, None)
SOLO = 3                              # sign-offs sent one at a time before the crowd: the latency floor


def say(msg: str, quiet: bool) -> None:
    if not quiet:
        print(msg, file=sys.stderr, flush=True)


def province(*args: str, timeout: float) -> dict:
    r = subprocess.run([str(PROVINCE), *args, "--json"], capture_output=True, text=True, timeout=timeout,
                       cwd=ROOT, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise SystemExit(f"scripts/province {' '.join(args)} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return json.loads(r.stdout)


def cli_env(state: dict, home: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in STRIP}
    env.update({"PREFECT_API_URL": state["prefect_api_url"], "PREFECT_HOME": str(Path(home) / "prefect"),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_TO_API_ENABLED": "false",
                "LOCKSTEP_PROVINCE": state["id"], "LOCKSTEP_PROVINCE_PART": "bench"})
    return env


def lockstep(state: dict, home: str, *args: str, timeout: float = 300) -> tuple[int, dict]:
    r = subprocess.run([str(LOCKSTEP), "--home", home, *args, "--json"], capture_output=True, text=True,
                       timeout=timeout, cwd=home, env=cli_env(state, home), stdin=subprocess.DEVNULL)
    try:
        return r.returncode, json.loads(r.stdout)
    except ValueError:
        raise SystemExit(f"lockstep {' '.join(args)} ({r.returncode}) answered no JSON:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")


# -- the floor: the same intake in one warm process, into the province's database and store -----------

def floor(state: dict, work: Path, bundles: list[Path]) -> dict:
    from services.dossiers.intake import intake_bundle
    from services.home.context import open_services
    from services.home.folder import Home
    home = Home(work / "floor-home")
    home.create()
    shutil.copyfile(Path(state["desks"][0]["home"]) / "lockstep.toml", home.config_path)
    svc = open_services(home)
    warm, timed_part = bundles[:2], bundles[2:]
    for p in warm:                                  # imports, pools, first-use caches: not counted
        intake_bundle([p], "drafter", svc)
    t, answers = timed(lambda: [intake_bundle([p], "drafter", svc) for p in timed_part])
    accepted = sum(1 for a in answers if a.accepted)
    svc.engine.dispose()
    return {"n": len(timed_part), "seconds": round(t, 3), "accepted": accepted,
            "per_bundle_s": round(t / max(len(timed_part), 1), 3),
            "bundles_per_min": round(60 * len(timed_part) / t, 1) if t else None}


# -- a pool phase -------------------------------------------------------------------------------------

def flow_run_timeline(api: str, run_id: str) -> dict:
    import httpx
    run = httpx.get(f"{api}/flow_runs/{run_id}", timeout=10).json()
    states = httpx.get(f"{api}/flow_run_states/", params={"flow_run_id": run_id}, timeout=10).json()
    first: dict[str, float] = {}
    from datetime import datetime
    for s in sorted(states, key=lambda s: s["timestamp"]):
        first.setdefault(s["type"], datetime.fromisoformat(s["timestamp"]).timestamp())
    created = datetime.fromisoformat(run["created"]).timestamp()

    def span(a, b):
        return round(first[b] - first[a], 2) if a in first and b in first else None
    return {"id": run_id, "state": run["state_type"], "created": created,
            "waiting_s": round(first["PENDING"] - created, 2) if "PENDING" in first else None,
            "process_start_s": span("PENDING", "RUNNING"), "run_s": span("RUNNING", "COMPLETED"),
            "first": first}


def wait_runs_finished(api: str, runs: list[str], timeout: float) -> list[dict]:
    """Every run of the phase in a final state (a run that found the queue empty still costs a
    process): the next phase must not share the cores with them."""
    import httpx
    deadline = time.monotonic() + timeout
    while True:
        states = [httpx.get(f"{api}/flow_runs/{r}", timeout=10).json()["state_type"] for r in runs]
        if all(s in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") for s in states) or time.monotonic() > deadline:
            return [flow_run_timeline(api, r) for r in runs]
        time.sleep(0.5)


def wait_fresh_worker(api: str, pool: str, name: str, since: float, timeout: float = 240) -> float:
    """Seconds until worker `name` sends a heartbeat after `since` (epoch). The record of a worker of
    the same name that was killed still reads ONLINE for a while, so "online" alone proves nothing."""
    import httpx
    from datetime import datetime
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            for w in httpx.post(f"{api}/work_pools/{pool}/workers/filter", json={}, timeout=10).json():
                beat = w.get("last_heartbeat_time")
                if w.get("name") == name and beat and datetime.fromisoformat(beat).timestamp() > since:
                    return time.time() - since
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"worker {name} sent no heartbeat within {timeout:.0f} s of its restart")


def work_span(svc, batch: str, began: float, ended: float) -> dict:
    """The workers' part of a phase, from the batch's job rows: first claim to last answer (no command
    start, no staging in the store, no polling for the answers), bundles/min over it, and how many
    intake-drain flow runs (warm) recorded the bundles; and the rest of the phase: from the command's
    start (`began`, epoch) to the batch staged and to the first claim, from the last answer to the
    command's answer (`ended`)."""
    with svc.unit() as uow:
        jobs = uow.jobs.of("intake", batch)
    claimed = [j.claimed_at for j in jobs if j.claimed_at]
    done = [j.done_at for j in jobs if j.done_at]
    if not claimed or not done:
        return {"seconds": None, "bundles_per_min": None, "drain_runs": 0}
    span = (max(done) - min(claimed)).total_seconds()

    def epoch(t) -> float:
        from datetime import timezone
        return (t if t.tzinfo else t.replace(tzinfo=timezone.utc)).timestamp()
    return {"seconds": round(span, 2), "bundles_per_min": round(60 * len(jobs) / span, 1) if span > 0 else None,
            "drain_runs": len({(j.result or {}).get("run") for j in jobs} - {None}),
            "start_to_staged_s": round(max(epoch(j.created_at) for j in jobs) - began, 2),
            "start_to_first_claim_s": round(epoch(min(claimed)) - began, 2),
            "last_answer_to_reply_s": round(ended - epoch(max(done)), 2)}


def bundle_times(svc, batch: str) -> dict:
    """Per way a bundle was taken (warm: a worker's warm loop; run: a deployment run), from the batch's
    job rows: how many, and seconds from claim to answer (the last attempt)."""
    with svc.unit() as uow:
        jobs = uow.jobs.of("intake", batch)
    out: dict[str, dict] = {}
    for via in sorted({(j.result or {}).get("via") or "?" for j in jobs}):
        spans = [(j.done_at - j.claimed_at).total_seconds() for j in jobs
                 if ((j.result or {}).get("via") or "?") == via and j.done_at and j.claimed_at]
        out[via] = {"n": len(spans), "p50_s": pct(spans, 50), "p95_s": pct(spans, 95),
                    "mean_s": round(statistics.mean(spans), 3) if spans else None}
    return out


def phase(state: dict, home: str, folder: Path, n: int, chunk: int, quiet: bool, label: str, svc=None) -> dict:
    say(f"{label}: {n} 份材料包经工作池入库（lockstep batch --chunk {chunk}）…", quiet)
    t0, began = time.perf_counter(), time.time()
    code, doc = lockstep(state, home, "batch", str(folder), "--as", "drafter", "--chunk", str(chunk),
                         "--wait", "900", timeout=960)
    seconds, ended = time.perf_counter() - t0, time.time()
    if doc.get("status") != "done":
        raise SystemExit(f"{label}: the batch did not finish ({code}): {json.dumps(doc, ensure_ascii=False)[:2000]}")
    results = doc["results"]
    by_worker: dict[str, int] = {}
    by_via: dict[str, int] = {}
    for r in results:
        by_worker[r.get("worker") or "?"] = by_worker.get(r.get("worker") or "?", 0) + 1
        by_via[r.get("via") or "?"] = by_via.get(r.get("via") or "?", 0) + 1
    per_bundle = bundle_times(svc, doc["batch"]) if svc is not None else {}
    span = work_span(svc, doc["batch"], began, ended) if svc is not None else {}
    t1 = time.perf_counter()
    runs = wait_runs_finished(state["prefect_api_url"], doc["runs"], timeout=300)
    tail_s = time.perf_counter() - t1
    starts = [r["process_start_s"] for r in runs if r["process_start_s"] is not None]
    ran = [r["run_s"] for r in runs if r["run_s"] is not None]
    waits = [r["waiting_s"] for r in runs if r["waiting_s"] is not None]
    return {"n": n, "seconds": round(seconds, 2), "bundles_per_min": round(60 * n / seconds, 1),
            "accepted": doc["summary"].get("accepted", 0), "duplicate": doc["summary"].get("duplicate", 0),
            "rejected": doc["summary"].get("rejected", 0), "dossiers": [r["dossier"] for r in results if r.get("dossier")],
            "by_worker": by_worker, "by_via": by_via, "per_bundle": per_bundle, "work_span": span, "runs": len(runs), "runs_states": sorted({r["state"] for r in runs}),
            "process_start_s": {"mean": round(statistics.mean(starts), 2) if starts else None,
                                "max": max(starts) if starts else None, "sum": round(sum(starts), 1)},
            "run_s": {"mean": round(statistics.mean(ran), 2) if ran else None, "sum": round(sum(ran), 1),
                      "each": ran},
            "waiting_s": {"mean": round(statistics.mean(waits), 2) if waits else None, "max": max(waits) if waits else None},
            "trailing_runs_s": round(tail_s, 1),
            "process_start_share": round(sum(starts) / (sum(starts) + sum(ran)), 2) if starts and ran else None}


# -- sign-off to the gazette queue ---------------------------------------------------------------------

class QueueWatch:
    """Polls gazette_items every 20 ms; notes the first moment each dossier is there."""

    def __init__(self, svc) -> None:
        self.svc, self.seen, self.stop = svc, {}, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(10)

    def _run(self) -> None:
        from sqlalchemy import select

        from storage.tables import GazetteItemRow
        while not self.stop.is_set():
            with self.svc.session() as s:
                ids = s.scalars(select(GazetteItemRow.dossier_id)).all()
            now = time.perf_counter()
            for d in ids:
                self.seen.setdefault(d, now)
            self.stop.wait(0.02)

    def wait_for(self, dossiers, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not set(dossiers) <= set(self.seen) and time.monotonic() < deadline:
            time.sleep(0.05)


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(p / 100 * (len(s) - 1))))
    return round(s[k], 3)


def sign_offs(state: dict, work: Path, dossiers: list[str], quiet: bool) -> dict:
    import httpx

    from services.home.context import open_services
    from services.home.folder import Home
    urls = [d["url"] for d in state["desks"]]
    tokens = {}
    for who in ("director", "reviewer", "secretary", "signer"):
        code, doc = lockstep(state, state["desks"][0]["home"], "users", "token", who)
        if code != 0:
            raise SystemExit(f"lockstep users token {who}: {doc}")
        tokens[who] = doc["token"]
    # No keep-alive: uvicorn closes an idle connection after 5 s, and a POST sent on one it is closing
    # at that moment is reset (httpx does not retry a POST). A fresh loopback connection per request.
    clients = [httpx.Client(base_url=u, timeout=120, limits=httpx.Limits(max_keepalive_connections=0)) for u in urls]

    class Failed:
        def __init__(self, e: Exception) -> None:
            self.status_code, self.text = 0, f"{type(e).__name__}: {e}"

    def send(call):
        desk, who, path, body = call
        t0 = time.perf_counter()
        try:
            r = clients[desk].post(path, headers={"Authorization": f"Bearer {tokens[who]}"}, json=body)
        except httpx.HTTPError as e:          # counted as a failure, the run goes on
            r = Failed(e)
        return r, t0, time.perf_counter()

    try:
        say(f"审核 {len(dossiers)} 份卷宗（两个工作台，起草单位审核 → 合法性审核 → 集体审议）…", quiet)
        for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
            calls = [(i % 2, who, f"/api/v1/dossiers/{d}/decisions",
                      {"stage": stage, "verdict": "approve", "comment": "同意"}) for i, d in enumerate(dossiers)]
            with ThreadPoolExecutor(8) as pool:
                bad = [(c[2], r.status_code, r.text[:300]) for c, (r, _, _) in zip(calls, pool.map(send, calls))
                       if r.status_code != 200]
            if bad:
                raise SystemExit(f"review {stage} refused: {bad[:3]}")
        home = Home(work / "watch-home")
        home.create()
        shutil.copyfile(Path(state["desks"][0]["home"]) / "lockstep.toml", home.config_path)
        svc = open_services(home)
        latencies, answers, solo = {}, {}, dossiers[:SOLO]
        with QueueWatch(svc) as watch:
            say(f"签发：先逐份 {len(solo)} 份，再同时 {len(dossiers) - len(solo)} 份（两个工作台各半）…", quiet)
            for i, d in enumerate(solo):
                r, t0, t1 = send((i % 2, "signer", f"/api/v1/dossiers/{d}/sign-off", {}))
                watch.wait_for([d], 300)
                answers[d] = (r.status_code, t1 - t0, r.text[:300])
                latencies[d] = watch.seen[d] - t0 if d in watch.seen else None
            crowd = dossiers[len(solo):]
            calls = [(i % 2, "signer", f"/api/v1/dossiers/{d}/sign-off", {}) for i, d in enumerate(crowd)]
            with ThreadPoolExecutor(max(len(calls), 1)) as pool:
                sent = list(pool.map(send, calls))
            watch.wait_for(crowd, 600)
            for d, (r, t0, t1) in zip(crowd, sent):
                answers[d] = (r.status_code, t1 - t0, r.text[:300])
                latencies[d] = watch.seen[d] - t0 if d in watch.seen else None
        svc.engine.dispose()
    finally:
        for c in clients:
            c.close()
    # 200: signed and published; a `queued` notice (the pool had not answered within [prefect] wait)
    # is accepted work, not a failure: its latency is still measured to the gazette row.
    failed = [d for d, (code, _, text) in answers.items() if not 200 <= code < 300 and "queued" not in text] \
        + [d for d, v in latencies.items() if v is None]
    codes: dict[str, int] = {}
    for code, _, text in answers.values():
        key = f"{code}{' queued' if 'queued' in text else ''}"
        codes[key] = codes.get(key, 0) + 1
    solo_l = [latencies[d] for d in solo if latencies[d] is not None]
    crowd_l = [latencies[d] for d in dossiers[len(solo):] if latencies[d] is not None]
    every = solo_l + crowd_l
    return {"n": len(dossiers), "failed": sorted(set(failed)),
            "solo": {"n": len(solo_l), "p50_s": pct(solo_l, 50), "max_s": pct(solo_l, 100)},
            "crowd": {"n": len(crowd_l), "p50_s": pct(crowd_l, 50), "p95_s": pct(crowd_l, 95), "max_s": pct(crowd_l, 100)},
            "all": {"p50_s": pct(every, 50), "p95_s": pct(every, 95)},
            "answer_s_p95": pct([t for _, t, _ in answers.values()], 95), "answers": codes,
            "errors": [answers[d][2] for d in sorted(set(failed)) if d in answers][:3],
            "publish_runs": publish_runs(state["prefect_api_url"])}


def publish_runs(api: str) -> dict:
    """The sign-offs' publication flow runs on the pool (lockstep-publish): where their time went."""
    import httpx
    found = httpx.post(f"{api}/flow_runs/filter", timeout=20,
                       json={"flows": {"name": {"any_": ["lockstep-publish"]}}, "limit": 200}).json()
    runs = [flow_run_timeline(api, r["id"]) for r in found]

    def mean(key):
        vals = [r[key] for r in runs if r[key] is not None]
        return round(statistics.mean(vals), 2) if vals else None
    return {"n": len(runs), "waiting_s": mean("waiting_s"), "process_start_s": mean("process_start_s"),
            "run_s": mean("run_s"), "states": sorted({r["state"] for r in runs})}


# -- the run ----------------------------------------------------------------------------------------

def machine() -> dict:
    load = os.getloadavg()
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "mem_gb": mem, "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}", "load_at_start": [round(x, 2) for x in load]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # 150, not 60 as before: warm workers take a bundle in well under 0.2 s, so 60 took ~6 s of which
    # ~2 s are the command's own start, staging and reply (the same with one worker or two), and the
    # ratio read the command's latency more than the workers' throughput.
    ap.add_argument("--bundles", type=int, default=150, help="bundles per pool phase (default 150)")
    ap.add_argument("--floor-bundles", type=int, default=12, help="bundles for the in-process floor (default 12, 2 of them warm-up)")
    ap.add_argument("--chunk", type=int, default=5, help="bundles a flow run claims at a time (lockstep batch --chunk)")
    ap.add_argument("--sign", type=int, default=20, help="dossiers reviewed and signed (default 20)")
    ap.add_argument("--json", action="store_true", help="print only the JSON object")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder (the province is stopped anyway)")
    args = ap.parse_args(argv)
    if args.bundles < 2 or args.floor_bundles < 3 or args.chunk < 1 or args.sign < SOLO + 1:
        ap.error(f"--bundles ≥ 2, --floor-bundles ≥ 3, --chunk ≥ 1, --sign ≥ {SOLO + 1}")
    if args.sign > 2 * args.bundles:
        ap.error("--sign cannot exceed the bundles taken in (2 × --bundles)")
    quiet = args.json
    host = machine()
    tmp = Path(tempfile.mkdtemp(prefix="lockstep-bench-province-"))
    d = tmp / "province"
    state = None
    try:
        from samples.genhe import write_bundles
        n, f = args.bundles, args.floor_bundles
        say(f"生成 {f + 2 * n} 份材料包…", quiet)
        paths = write_bundles(tmp / "all", f + 2 * n, seed=13)     # one call: every 发文字号 distinct
        sets = {"floor": paths[:f], "one": paths[f:f + n], "two": paths[f + n:]}
        folders = {}
        for name, ps in sets.items():
            folders[name] = tmp / name
            folders[name].mkdir()
            for p in ps:
                shutil.move(str(p), folders[name] / p.name)
        sets = {name: sorted(folders[name].iterdir()) for name in sets}

        say("启动省级拓扑（scripts/province up --limit 1）…", quiet)
        up_s, state = timed(lambda: province("up", "--dir", str(d), "--limit", "1", timeout=600))
        desk1, desk2 = state["desks"][0]["home"], state["desks"][1]["home"]

        say(f"下限：{f - 2} 份材料包在本进程中直接入库（同一 PostgreSQL 与 S3，不经 Prefect）…", quiet)
        fl = floor(state, tmp, sets["floor"])

        from services.home.context import open_services
        from services.home.folder import Home
        reader = Home(tmp / "reader-home")          # reads the jobs' rows (claim → answer per bundle)
        reader.create()
        shutil.copyfile(Path(desk1) / "lockstep.toml", reader.config_path)
        rsvc = open_services(reader)

        province("kill", "worker-2", "--dir", str(d), timeout=60)
        one = phase(state, desk1, folders["one"], n, args.chunk, quiet, "一个工作节点 one worker", rsvc)
        since = time.time()
        restart = province("restart", "worker-2", "--dir", str(d), timeout=300)
        restart["heartbeat_s"] = round(wait_fresh_worker(state["prefect_api_url"], state["pool"], "worker-2", since), 1)
        two = phase(state, desk2, folders["two"], n, args.chunk, quiet, "两个工作节点 two workers", rsvc)
        rsvc.engine.dispose()

        accepted = one["dossiers"] + two["dossiers"]
        signing = accepted[:args.sign]
        sig = sign_offs(state, tmp, signing, quiet)
    finally:
        if state is not None or (d / "province.json").exists():
            say("停止省级拓扑（scripts/province down）…", quiet)
            try:
                province("down", "--dir", str(d), timeout=300)
            except (SystemExit, subprocess.TimeoutExpired) as e:
                print(f"scripts/province down: {e}", file=sys.stderr)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    speedup = two["bundles_per_min"] / one["bundles_per_min"]
    result = {
        "machine": host, "up_s": round(up_s, 1), "chunk": args.chunk, "worker_limit": 1,
        "floor": fl, "one_worker": {k: v for k, v in one.items() if k != "dossiers"},
        "two_workers": {k: v for k, v in two.items() if k != "dossiers"},
        "restart_worker_s": restart.get("seconds"), "restart_heartbeat_s": restart["heartbeat_s"],
        "speedup_two_over_one": round(speedup, 2), "speedup_goal": 1.5,
        "speedup_work_span": round(two["work_span"]["bundles_per_min"] / one["work_span"]["bundles_per_min"], 2)
        if one["work_span"].get("bundles_per_min") and two["work_span"].get("bundles_per_min") else None,
        "one_over_floor": round(one["bundles_per_min"] / fl["bundles_per_min"], 2),
        "two_over_floor": round(two["bundles_per_min"] / fl["bundles_per_min"], 2),
        "sign_off": sig, "latency_goal_p95_s": 5.0,
        "load_at_end": [round(x, 2) for x in os.getloadavg()],
    }
    lost = (one["accepted"] != n or two["accepted"] != n or sig["failed"])
    if not args.json:
        rows = [
            ("机器 machine", f"{host['cpus']} 核, {host['mem_gb']} GB, {host['system']}, Python {host['python']}; "
                            f"负载 load {host['load_at_start']} → {result['load_at_end']}"),
            ("启动 up (scripts/province)", f"{result['up_s']} s"),
            ("下限 floor: in-process intake, same PG + S3", f"{fl['bundles_per_min']} 包/分钟 ({fl['per_bundle_s']} s/bundle, n={fl['n']})"),
            ("一个工作节点 one worker", f"{one['bundles_per_min']} 包/分钟 ({one['seconds']} s for {n}; "
                                      f"{one['runs']} runs; {one['by_worker']})"),
            ("两个工作节点 two workers", f"{two['bundles_per_min']} 包/分钟 ({two['seconds']} s for {n}; "
                                       f"{two['runs']} runs; {two['by_worker']})"),
            ("倍数 two/one", f"{speedup:.2f}x (goal ≥ 1.5x)"),
            ("工作节点部分 workers' part: first claim → last answer",
             f"one {one['work_span']['seconds']} s ({one['work_span']['bundles_per_min']} 包/分钟, "
             f"{one['work_span']['drain_runs']} drain runs); two {two['work_span']['seconds']} s "
             f"({two['work_span']['bundles_per_min']} 包/分钟, {two['work_span']['drain_runs']} drain runs); "
             f"{result['speedup_work_span']}x"),
            ("其余 the rest: start → staged / first claim; last answer → reply",
             f"one {one['work_span'].get('start_to_staged_s')} / {one['work_span'].get('start_to_first_claim_s')} s, "
             f"{one['work_span'].get('last_answer_to_reply_s')} s; two {two['work_span'].get('start_to_staged_s')} / "
             f"{two['work_span'].get('start_to_first_claim_s')} s, {two['work_span'].get('last_answer_to_reply_s')} s"),
            ("倍数 one/floor, two/floor", f"{result['one_over_floor']:.2f}x, {result['two_over_floor']:.2f}x"),
            ("怎样领取 how taken (warm loop / deployment run)", f"one {one['by_via']}; two {two['by_via']}"),
            ("每份材料包 per bundle, claim→answer", f"one {one['per_bundle']}; two {two['per_bundle']}; "
                                                 f"floor {fl['per_bundle_s']} s"),
            ("每次流程运行 per run: new process (pending→running)",
             f"one {one['process_start_s']['mean']} s, two {two['process_start_s']['mean']} s (mean)"),
            ("每次流程运行 per run: running", f"one {one['run_s']['each']} s; two {two['run_s']['each']} s"),
            ("新进程占流程运行时间 process start share", f"one {one['process_start_share']}, two {two['process_start_share']}"),
            ("签发的发布流程 publish runs (mean)", f"waiting {sig['publish_runs']['waiting_s']} s, new process "
                                               f"{sig['publish_runs']['process_start_s']} s, running {sig['publish_runs']['run_s']} s "
                                               f"(n={sig['publish_runs']['n']}); answers {sig['answers']}"),
            ("签发→待刊 sign-off→gazette queue, alone", f"p50 {sig['solo']['p50_s']} s, max {sig['solo']['max_s']} s (n={sig['solo']['n']})"),
            ("签发→待刊, all at once", f"p50 {sig['crowd']['p50_s']} s, p95 {sig['crowd']['p95_s']} s, "
                                    f"max {sig['crowd']['max_s']} s (n={sig['crowd']['n']}; goal p95 ≤ 5 s)"),
        ]
        width = max(len(a) for a, _ in rows)
        for a, b in rows:
            print(f"{a.ljust(width)}  {b}")
    print(json.dumps(result, ensure_ascii=False))
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
