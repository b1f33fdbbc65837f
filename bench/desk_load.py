"""Load check of the desk's JSON API (issue 5): concurrent status reads and uploads against a real
`lockstep serve` on loopback. A script, not a timed test.

    python bench/desk_load.py [--reads 200] [--uploads 20] [--keep]

For a fresh temp home it runs `lockstep init`, `lockstep users token drafter`, starts
`lockstep serve --port 0` as a subprocess and waits for the desk's ready file (HOME/desk.json) and
/api/health, submits one sample bundle (samples.genhe.write_zip), then fires, each wave all at once
(asyncio + httpx, one connection per request):

  reads    N concurrent GET /api/v1/dossiers/{d} (status, with its gate and history)
  uploads  M concurrent POST /api/v1/dossiers, each a distinct realistic bundle (write_bundles);
           intake runs in the desk's warm Prefect, one flow run at a time, uploads batched (desk/flowwork.py)
  mixed    the same N reads while M more distinct uploads run: what a reader waits for when
           offices are submitting

and prints, per wave, latency percentiles (p50/p95/p99/max, milliseconds) and error counts per kind
(http_<status>, not_accepted, or the client exception's name), then one JSON line.
Exits 1 when any request failed.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LOCKSTEP = Path(sys.executable).parent / "lockstep"


def lockstep(home: Path, *args: str) -> dict:
    out = subprocess.run([str(LOCKSTEP), "--home", str(home), *args, "--json"], capture_output=True, text=True,
                         timeout=300, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"lockstep {' '.join(args)} failed ({out.returncode}): {out.stdout}{out.stderr}")
    return json.loads(out.stdout)


def start_desk(home: Path, log: Path, wait: float = 300) -> tuple[subprocess.Popen, str]:
    """`lockstep serve` on a free loopback port; ready when desk.json names it and /api/health answers."""
    import httpx
    from flows.handoff import DESK_FILE
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
    proc = subprocess.Popen([str(LOCKSTEP), "--home", str(home), "serve", "--host", "127.0.0.1", "--port", "0",
                             "--json"], stdout=log.open("w"), stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    t0 = time.monotonic()
    while time.monotonic() - t0 < wait:
        if proc.poll() is not None:
            raise SystemExit(f"lockstep serve exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            info = json.loads((home / DESK_FILE).read_text())
            if info.get("pid") == proc.pid and httpx.get(info["url"] + "/api/health", timeout=2).status_code == 200:
                return proc, info["url"]
        except (OSError, ValueError, KeyError, httpx.HTTPError):
            pass
        time.sleep(0.2)
    stop_desk(proc)
    raise SystemExit(f"lockstep serve was not ready within {wait:.0f} s:\n{log.read_text()[-3000:]}")


def stop_desk(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)          # the desk stops uvicorn and removes desk.json
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------- waves

async def _one(client, method: str, url: str, check=None, **kw) -> tuple[float, str | None]:
    """(seconds, error kind or None)."""
    t0 = time.perf_counter()
    try:
        r = await client.request(method, url, **kw)
        kind = None if r.status_code == 200 else f"http_{r.status_code}"
        if kind is None and check is not None:
            kind = check(r.json())
    except Exception as e:                         # a load check counts every failure, whatever it is
        kind = type(e).__name__
    return time.perf_counter() - t0, kind


def _upload_kw(path: Path) -> dict:
    return {"files": [("files", (path.name, path.read_bytes(), "application/zip"))]}


def _accepted(doc: dict) -> str | None:
    return None if doc.get("accepted") and not doc.get("duplicate") else "not_accepted"


async def wave(url: str, token: str, reads: list[str], uploads: list[Path]) -> dict[str, list]:
    import httpx
    # One connection per request, so the desk sees every request at once, as from many clients.
    limits = httpx.Limits(max_connections=len(reads) + len(uploads) + 10, max_keepalive_connections=0)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=600) as client:
        tasks = [_one(client, "GET", f"/api/v1/dossiers/{d}") for d in reads]
        tasks += [_one(client, "POST", "/api/v1/dossiers", _accepted, **_upload_kw(p)) for p in uploads]
        t0 = time.perf_counter()
        results = await asyncio.gather(*tasks)
        wall = time.perf_counter() - t0
    return {"read": results[:len(reads)], "upload": results[len(reads):], "wall": wall}


def summary(results: list[tuple[float, str | None]]) -> dict:
    times = sorted(t for t, _ in results)
    errors = Counter(k for _, k in results if k)

    def pct(p: int) -> float:                      # nearest rank
        return round(1000 * times[max(0, math.ceil(len(times) * p / 100) - 1)], 1) if times else 0.0
    return {"n": len(results), "ok": len(results) - sum(errors.values()), "errors": dict(errors),
            "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99), "max_ms": pct(100)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reads", type=int, default=200)
    ap.add_argument("--uploads", type=int, default=20)
    ap.add_argument("--no-mixed", action="store_true", help="skip the reads-during-uploads wave")
    ap.add_argument("--keep", action="store_true", help="keep the temp home and the desk's log")
    args = ap.parse_args()
    import httpx
    from samples.genhe import write_bundles, write_zip
    work = Path(tempfile.mkdtemp(prefix="lockstep-desk-load-"))
    home = work / "home"
    lockstep(home, "init")
    token = lockstep(home, "users", "token", "drafter")["token"]
    bundles = write_bundles(work / "bundles", args.uploads * (1 if args.no_mixed else 2), seed=5)
    t0 = time.perf_counter()
    proc, url = start_desk(home, work / "desk.log")
    started = time.perf_counter() - t0
    rows: dict[str, dict] = {}
    try:
        first = httpx.post(url + "/api/v1/dossiers", headers={"Authorization": f"Bearer {token}"}, timeout=300,
                           **_upload_kw(write_zip(work / "sample.zip")))
        first.raise_for_status()
        dossier = first.json()["dossier"]
        reads = [dossier] * args.reads
        r = asyncio.run(wave(url, token, reads, []))
        rows["reads"] = {**summary(r["read"]), "wall_s": round(r["wall"], 2)}
        r = asyncio.run(wave(url, token, [], bundles[:args.uploads]))
        rows["uploads"] = {**summary(r["upload"]), "wall_s": round(r["wall"], 2)}
        if not args.no_mixed:
            r = asyncio.run(wave(url, token, reads, bundles[args.uploads:]))
            rows["mixed_reads"] = {**summary(r["read"]), "wall_s": round(r["wall"], 2)}
            rows["mixed_uploads"] = {**summary(r["upload"]), "wall_s": round(r["wall"], 2)}
    finally:
        stop_desk(proc)
        if not args.keep:
            import shutil
            shutil.rmtree(work, ignore_errors=True)
    print(f"lockstep serve ready in {started:.1f} s (Prefect warmed); dossier {dossier}; "
          f"{os.cpu_count()} CPUs" + (f"; kept {work}" if args.keep else ""))
    print(f"{'wave':<14}{'n':>5}{'ok':>5}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}{'wall s':>8}  errors")
    for name, s in rows.items():
        errors = ", ".join(f"{k}={v}" for k, v in s["errors"].items()) or "—"
        print(f"{name:<14}{s['n']:>5}{s['ok']:>5}{s['p50_ms']:>10}{s['p95_ms']:>10}{s['p99_ms']:>10}"
              f"{s['max_ms']:>10}{s['wall_s']:>8}  {errors}")
    print(json.dumps({"startup_s": round(started, 1), "waves": rows}, ensure_ascii=False))
    return 0 if all(not s["errors"] for s in rows.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
