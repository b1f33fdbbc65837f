"""Read latency of the command line (issue 14: "Reads are fast"), as a clerk feels it.

    python bench/reads.py [--runs 7] [--json]

Builds a fresh home with `lockstep demo` (a registered dossier, a released gazette issue) and times,
each as its own process, the median of --runs:

  floor       python -c "import sqlalchemy, pydantic": what any command that reads the database pays
  floor+model the same and one pydantic model made (`import pydantic` alone loads almost none of it)
  gate        lockstep gate D
  status      lockstep status D
  register    lockstep register list

first cold (no desk; the floor and the three reads taken in turns, run after run, so a machine whose
speed drifts moves them alike), then with `lockstep serve` running for the same home, where `submit` (a new
distinct bundle each run) and `sign-off` (a dossier approved at every stage beforehand, untimed) are
timed too. Each line prints seconds and the ratio to the floor measured in this run, so a loaded
machine shifts both; then the median CPU seconds (user + system) of the command's own process and
their ratio to the floor's, which a machine shared with other work shifts far less (with the desk
up, the desk's work is not in them: only what the command line itself spends). Goals (issue 14):
reads <= 0.5 s cold, <= 0.15 s with the desk; submit and sign-off <= 0.8 s with the desk. Never a
test: the numbers are read by people.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PY = sys.executable
GOALS = {"cold": 0.5, "desk": 0.15, "write": 0.8}
# As on a clerk's machine, Python keeps the bytecode it compiles (__pycache__): a shell that sets
# PYTHONDONTWRITEBYTECODE would compile every module changed since its .pyc on every run (~30 ms).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def lockstep(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    r = subprocess.run([PY, "-m", "cli.main", "--home", str(home), *args], cwd=ROOT, capture_output=True,
                       text=True, env={**ENV, "COLUMNS": "200"})
    if check and r.returncode not in (0, 1):
        raise SystemExit(f"lockstep {' '.join(args)} failed ({r.returncode}):\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
    return r


CPU: dict[str, float] = {}       # a line's name -> the median CPU seconds of its runs


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def median_time(run, n: int, name: str = "") -> float:
    """Median wall seconds of n runs; the median CPU seconds of the processes they waited for go to CPU[name]."""
    times, cpu = [], []
    for i in range(n):
        c0, t0 = _children_cpu(), time.perf_counter()
        run(i)
        times.append(time.perf_counter() - t0)
        cpu.append(_children_cpu() - c0)
    CPU[name] = statistics.median(cpu)
    return statistics.median(times)


# The floor: what any command that reads the database pays. `import pydantic` alone loads almost none of
# pydantic (its names load when first used), so the second line also makes one model, as every command does.
FLOOR = "import sqlalchemy, pydantic"
FLOOR_MODEL = "import sqlalchemy\nfrom pydantic import BaseModel\nclass A(BaseModel):\n    x: int"


def interleaved(runs: dict[str, callable], n: int) -> dict[str, float]:
    """Median wall seconds of n runs of each, taken in turns (floor, gate, status, …, then again), so a
    machine whose speed drifts during the bench (a shared VM does) moves the floor and the reads alike;
    the median CPU seconds go to CPU[name]."""
    walls: dict[str, list[float]] = {name: [] for name in runs}
    cpus: dict[str, list[float]] = {name: [] for name in runs}
    for i in range(n):
        for name, run in runs.items():
            c0, t0 = _children_cpu(), time.perf_counter()
            run(i)
            walls[name].append(time.perf_counter() - t0)
            cpus[name].append(_children_cpu() - c0)
    for name in runs:
        CPU[name] = statistics.median(cpus[name])
    return {name: statistics.median(v) for name, v in walls.items()}


def floor_runs() -> dict[str, callable]:
    return {"floor": lambda _: subprocess.run([PY, "-c", FLOOR], check=True, env=ENV),
            "floor+model": lambda _: subprocess.run([PY, "-c", FLOOR_MODEL], check=True, env=ENV)}


def reads(home: Path, dossier: str, n: int, how: str, with_floor: bool = False) -> dict[str, float]:
    runs = {**(floor_runs() if with_floor else {}),
            f"gate ({how})": lambda _: lockstep(home, "gate", dossier),
            f"status ({how})": lambda _: lockstep(home, "status", dossier),
            f"register ({how})": lambda _: lockstep(home, "register", "list")}
    return {name.split(" (")[0]: v for name, v in interleaved(runs, n).items()}


def people_by_role(home: Path) -> dict[str, str]:
    listed = json.loads(lockstep(home, "users", "list", "--json").stdout)
    found: dict[str, str] = {}
    for p in listed["users"]:
        for role in p.get("roles", []):
            found.setdefault(role, p["name"])
    return found


def submitted(home: Path, bundle: Path, who: str) -> str:
    r = lockstep(home, "submit", str(bundle), "--as", who, "--json")
    answer = json.loads(r.stdout)
    results = answer.get("results") or [answer]
    return results[0].get("dossier") or results[0].get("dossier_id")


def approve_all(home: Path, dossier: str, roles: dict[str, str]) -> str | None:
    """Every stage approved by a person holding its role; the refusal code if one was refused."""
    gate = json.loads(lockstep(home, "gate", dossier, "--json").stdout)
    for stage in gate.get("stages", []):
        if stage.get("approved"):
            continue
        who = next((roles[r] for r in stage["roles"] if r in roles), None)
        r = lockstep(home, "review", dossier, "--stage", stage["id"], "--approve", "--as", who or "nobody", "--json")
        if r.returncode != 0:
            return json.loads(r.stdout)["problems"][0]["code"]
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    from samples import genhe
    work = Path(tempfile.mkdtemp(prefix="lockstep-reads-"))
    home = work / "home"
    print(f"准备：lockstep demo → {home}", file=sys.stderr)
    lockstep(home, "demo", "--json")
    dossier = "D2026-0001"
    cold = reads(home, dossier, a.runs, "cold", with_floor=True)
    base, with_model = cold.pop("floor"), cold.pop("floor+model")
    roles = people_by_role(home)
    bundles = genhe.write_bundles(work / "bundles", 2 * a.runs, seed=7)[: 2 * a.runs]
    out = {"runs": a.runs, "floor_s": round(base, 3), "floor_model_s": round(with_model, 3),
           "cold_s": {k: round(v, 3) for k, v in cold.items()}}
    desk = subprocess.Popen([PY, "-m", "cli.main", "--home", str(home), "serve", "--port", "0"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while not (home / "desk.json").exists():
            if desk.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the desk did not start")
            time.sleep(0.2)
        warm = reads(home, dossier, a.runs, "desk")
        out["desk_s"] = {k: round(v, 3) for k, v in warm.items()}
        drafter = roles.get("drafter", "drafter")
        out["desk_s"]["submit"] = round(median_time(lambda i: submitted(home, bundles[i], drafter), a.runs, "submit (desk)"), 3)
        ready, refused = [], None
        for b in bundles[a.runs:]:
            d = submitted(home, b, drafter)
            refused = refused or approve_all(home, d, roles)
            ready.append(d)
        if refused:
            out["desk_s"]["sign_off"] = None
            out["sign_off_not_measured"] = f"an approval was refused: {refused}"
        else:
            signer = roles.get("signer", "signer")
            out["desk_s"]["sign_off"] = round(median_time(
                lambda i: lockstep(home, "sign-off", ready[i], "--as", signer, "--json"), a.runs, "sign_off (desk)"), 3)
    finally:
        desk.terminate()
        try:
            desk.wait(30)
        except subprocess.TimeoutExpired:
            desk.kill()
    print(f"{'':18}{'秒 s':>8}{'× floor':>9}{'CPU s':>8}{'× floor':>9}  goal", file=sys.stderr if a.json else sys.stdout)
    cpu_base = CPU.get("floor") or float("nan")
    rows = [("floor", base, None), ("floor+model", with_model, None)] + [(f"{k} (cold)", v, GOALS["cold"]) for k, v in cold.items()] + \
        [(f"{k} (desk)", v, GOALS["write" if k in ("submit", "sign_off") else "desk"]) for k, v in out["desk_s"].items()]
    for name, v, goal in rows:
        if v is None:
            print(f"{name:18} not measured: {out.get('sign_off_not_measured')}")
            continue
        verdict = "" if goal is None else ("ok" if v <= goal else f"over {goal} s")
        cpu = CPU.get(name, float("nan"))
        print(f"{name:18}{v:8.3f}{v / base:9.2f}{cpu:8.3f}{cpu / cpu_base:9.2f}  {verdict}",
              file=sys.stderr if a.json else sys.stdout)
    out["ratios"] = {k: round(v / base, 2) for k, v in {**{f"cold_{k}": v for k, v in cold.items()},
                                                         **{f"desk_{k}": v for k, v in out["desk_s"].items() if v}}.items()}
    out["floor_cpu_s"] = round(cpu_base, 3)
    out["cpu_ratios"] = {name.replace(" (", "_").rstrip(")"): round(v / cpu_base, 2)
                         for name, v in CPU.items() if name != "floor"}
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
