"""How a warm worker's intake is recorded on the Prefect server, and what that costs the machine
(issue 13: two workers ≥ 1.5× one). A harness, not a test and not the province bench.

    python bench/intake_recording.py [--bundles 30] [--json]

On the topology `scripts/province up` starts (PostgreSQL, SeaweedFS S3, a Prefect server on that
PostgreSQL, the desks idle), with both `lockstep worker` processes stopped, ONE warm loop in this
process takes N staged bundles, one claim per bundle (services/dossiers/staged.py claim_one), in each
of four ways:

  per_bundle_run   as `lockstep worker` did before the intake drain: each bundle its own flow run
  task_per_bundle  one flow run for the busy period, each bundle a task run inside it
  one_run_direct   what `lockstep worker` does now (flows/workpool.py take_bundles): one flow run for
                   the busy period (the intake drain), the service called directly, each bundle on its
                   job's row and in the run's result (no task runs)
  no_prefect       the service directly, no flow run at all (the floor)

For each: wall seconds, bundles/min, and CPU seconds of this process, of the Prefect server's process
tree (the shared cost: it sits on the same two cores as the workers) and of PostgreSQL's (Lockstep's
queries and the Prefect server's), from /proc/PID/stat utime+stime before and after. The Prefect
server's idle CPU over a like span is measured too (its own loops run whether or not work comes).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PROVINCE = ROOT / "scripts" / "province"
TICK = os.sysconf("SC_CLK_TCK")
STRIP = ("LOCKSTEP_HOME", "LOCKSTEP_DATABASE_URL", "LOCKSTEP_OBJECTS", "LOCKSTEP_TEST_CRASH_AT", "LOCKSTEP_WORKER_NAME",
         "PREFECT_API_URL", "PREFECT_HOME", "PREFECT_PROFILES_PATH", "PREFECT_SERVER_DATABASE_CONNECTION_URL",
         "PREFECT_API_DATABASE_CONNECTION_URL", "LOCKSTEP_PROVINCE", "LOCKSTEP_PROVINCE_PART")
for _name in STRIP:
    os.environ.pop(_name, None)


def province(*args: str, timeout: float = 600) -> dict:
    r = subprocess.run([str(PROVINCE), *args, "--json"], capture_output=True, text=True, timeout=timeout,
                       cwd=ROOT, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise SystemExit(f"scripts/province {' '.join(args)} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return json.loads(r.stdout)


def group_cpu(pid: int) -> float:
    """CPU seconds (user + system) of the live process `pid` and all its descendants (PostgreSQL's
    postmaster leaves its process group, so the tree is followed by parent pid)."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields[1]: the parent pid (stat field 4); fields[11], [12]: utime, stime (fields 14, 15)
        stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    tree, grew = {pid}, True
    while grew:
        more = {p for p, (parent, _) in stats.items() if parent in tree} - tree
        grew, tree = bool(more), tree | more
    return sum(stats[p][1] for p in tree if p in stats) / TICK


def own_cpu() -> float:
    t = os.times()
    return t.user + t.system


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bundles", type=int, default=30)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    n = args.bundles
    modes = ("per_bundle_run", "task_per_bundle", "one_run_direct", "no_prefect")
    tmp = Path(tempfile.mkdtemp(prefix="lockstep-bench-recording-"))
    d = tmp / "province"
    state = None
    out: dict = {"n": n, "load_at_start": [round(x, 2) for x in os.getloadavg()]}
    try:
        from samples.genhe import write_bundles
        paths = write_bundles(tmp / "all", 3 + n * len(modes), seed=17)
        state = province("up", "--dir", str(d), "--limit", "1")
        for w in ("worker-1", "worker-2"):           # only this process takes bundles
            province("kill", w, "--dir", str(d), timeout=60)
        pids = state["pids"]
        home_dir = tmp / "harness-home"
        from services.home.folder import Home
        home = Home(home_dir)
        home.create()
        shutil.copyfile(Path(state["workers"][0]["home"]) / "lockstep.toml", home.config_path)
        from flows.workpool import settings_of, worker_env
        s = settings_of(home)
        for key, value in worker_env(home_dir, s, "harness").items():
            if key.startswith(("PREFECT_", "LOCKSTEP_")):
                os.environ[key] = value
        from flows.engine import configure, warm_settings
        configure(home_dir)
        from prefect import flow, task
        from prefect.cache_policies import NO_CACHE

        from flows import pool as flows
        from flows.workpool import WarmLoop, _register, take_bundles, warm_tags
        from services.dossiers.staged import claim_one, new_batch, run_claimed, stage
        from services.home.context import open_services
        svc = open_services(home)

        @task(name="lockstep-intake-one", cache_policy=NO_CACHE)
        def one_bundle(job: int) -> dict:
            done = run_claimed(svc, job, worker="harness", via="warm")
            return {"job": job, "dossier": (done or {}).get("dossier")}

        @flow(name="lockstep-harness-tasks")
        def drain_tasks() -> int:
            taken = 0
            while (job := claim_one(svc)) is not None:
                one_bundle(job.id)
                taken += 1
            return taken

        @flow(name="lockstep-harness-bundle")
        def one_bundle_flow(job: int) -> dict:
            done = run_claimed(svc, job, worker="harness", via="warm")
            return {"job": job, "dossier": (done or {}).get("dossier")}

        loop = WarmLoop(svc=svc, s=s, name="harness", say=lambda m: None)

        def drain_direct() -> None:
            while take_bundles(loop, flows.intake_drain_flow):
                pass

        def per_bundle_run() -> None:
            while (job := claim_one(svc)) is not None:
                with warm_tags():
                    one_bundle_flow(job.id)

        def with_tags(f):
            def run() -> None:
                with warm_tags():
                    f()
            return run

        def no_prefect() -> None:
            while (job := claim_one(svc)) is not None:
                run_claimed(svc, job.id, worker="harness", via="warm")

        ways = {"per_bundle_run": per_bundle_run, "task_per_bundle": with_tags(drain_tasks),
                "one_run_direct": drain_direct, "no_prefect": no_prefect}
        _register([flows.intake_drain_flow, drain_tasks, one_bundle_flow])
        with warm_settings():
            # Warm-up (imports, connection pools, first flow run): not counted.
            for i, way in enumerate((per_bundle_run, with_tags(drain_tasks), drain_direct)):
                stage(svc, paths[i:i + 1], "drafter", new_batch(svc.now()))
                way()
            time.sleep(3)
            p0, g0 = group_cpu(pids["prefect"]), group_cpu(pids["postgres"])
            time.sleep(10)
            out["prefect_idle_cpu_s_per_10s"] = round(group_cpu(pids["prefect"]) - p0, 2)
            out["postgres_idle_cpu_s_per_10s"] = round(group_cpu(pids["postgres"]) - g0, 2)
            rest = paths[3:]
            for i, mode in enumerate(modes):
                batch = new_batch(svc.now())
                stage(svc, rest[i * n:(i + 1) * n], "drafter", batch)
                time.sleep(2)
                p0, g0, c0, t0 = group_cpu(pids["prefect"]), group_cpu(pids["postgres"]), own_cpu(), time.perf_counter()
                ways[mode]()
                t = time.perf_counter() - t0
                c1 = own_cpu()
                time.sleep(3)         # what the server still does for these runs just after (events, logs)
                p1, g1 = group_cpu(pids["prefect"]), group_cpu(pids["postgres"])
                with svc.unit() as uow:
                    jobs = uow.jobs.of("intake", batch)
                out[mode] = {"seconds": round(t, 2), "bundles_per_min": round(60 * n / t, 1),
                             "done": sum(j.status == "done" for j in jobs),
                             "drain_runs": len({(j.result or {}).get("run") for j in jobs} - {None}),
                             "cpu_s": {"worker": round(c1 - c0, 2), "prefect_server": round(p1 - p0, 2),
                                       "postgres": round(g1 - g0, 2)},
                             "cpu_s_per_bundle": {"worker": round((c1 - c0) / n, 3),
                                                  "prefect_server": round((p1 - p0) / n, 3),
                                                  "postgres": round((g1 - g0) / n, 3)}}
                if not args.json:
                    print(f"{mode:16} {json.dumps(out[mode], ensure_ascii=False)}", file=sys.stderr, flush=True)
        svc.engine.dispose()
    finally:
        if state is not None or (d / "province.json").exists():
            try:
                province("down", "--dir", str(d), timeout=300)
            except (SystemExit, subprocess.TimeoutExpired) as e:
                print(f"scripts/province down: {e}", file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)
    out["load_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
