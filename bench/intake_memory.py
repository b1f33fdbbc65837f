"""Intake memory benchmark: what one ~150 MiB bundle costs in memory, by shape and object store.

    python bench/intake_memory.py [--s3] [--keep]

Builds, in a temp folder, the Genhe sample plus large members: two incompressible 25 MiB
pictures (random bytes) and four 25 MiB pictures that compress to about a third (scans), so the
zip holds ~150 MiB uncompressed in ~80 MiB, inside the default limits (zip ≤ 100 MiB, member
≤ 30 MiB, all members ≤ 200 MiB). Loose files may total no more than 100 MiB, so the loose-files
shape takes the sample, one random and two scans (~75 MiB).

Each measurement runs services.dossiers.intake.intake_bundle once in a fresh child process on a fresh home,
after a warm-up (reading the small sample imports and exercises python-docx), twice: once plain,
for the process's peak RSS (VmHWM) over its RSS just before intake, and once under tracemalloc,
for the peak of what Python allocated during intake. --s3 also runs against a SeaweedFS S3 server
on loopback (the one the tests start; needs the test extra's `weed`).

Prints a table, then as the last line one JSON object: {"rows": [{shape, store, bundle_mib,
largest_member_mib, rss_before_mib, rss_peak_mib, rss_growth_mib, traced_peak_mib, seconds,
accepted}, ...]}.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MIB = 1 << 20
BIG = 25 * MIB
# Random bytes mapped onto four symbols: two bits of entropy a byte, so deflate keeps about a
# third, far from the 100:1 ratio that reads as a zip bomb.
_SCAN = bytes(b"\x10\x40\x80\xc0"[i & 3] for i in range(256))


def _write(path: Path, size: int, scan: bool) -> None:
    with open(path, "wb") as f:
        for _ in range(size // MIB):
            chunk = os.urandom(MIB)
            f.write(chunk.translate(_SCAN) if scan else chunk)


def build(work: Path) -> dict[str, list[Path]]:
    """The bundle in both shapes: {"zip": [the zip], "files": [loose files]}."""
    from samples.genhe import bundle_files
    members = work / "members"
    members.mkdir(parents=True)
    for name, data in bundle_files("complete").items():
        (members / name).write_bytes(data)
    big = [(f"一图读懂{i}.png", False) for i in (1, 2)] + [(f"图解扫描{i}.png", True) for i in (1, 2, 3, 4)]
    for name, scan in big:
        _write(members / name, BIG, scan)
    everything = sorted(members.iterdir())
    z = work / "bundle.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for p in everything:
            zf.write(p, p.name)
    dropped = {"一图读懂2.png", "图解扫描3.png", "图解扫描4.png"}  # loose files: ≤ 100 MiB in all
    return {"zip": [z], "files": [p for p in everything if p.name not in dropped]}


def _members_size(paths: list[Path]) -> tuple[int, int]:
    """(all members, largest member) uncompressed, the manifest not counted."""
    if len(paths) == 1 and paths[0].suffix == ".zip":
        with zipfile.ZipFile(paths[0]) as zf:
            sizes = [i.file_size for i in zf.infolist() if i.filename != "bundle.json"]
    else:
        sizes = [p.stat().st_size for p in paths if p.name != "bundle.json"]
    return sum(sizes), max(sizes)


def _vm(field: str) -> int:
    """VmRSS / VmHWM of this process, bytes (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def child(home: Path, paths: list[Path], trace: bool) -> dict:
    """One intake in this (fresh) process."""
    import tracemalloc
    from samples.genhe import write_zip
    from services.home.context import initialise
    from services.home.folder import Home
    from services.dossiers.intake import intake_bundle, prepare

    _, svc = initialise(Home(home))
    warm = write_zip(home.parent / f"warm-{os.getpid()}.zip", "complete")
    prepare([warm], svc.config.person("drafter"), svc.config)
    list(svc.store.keys())
    if trace:
        tracemalloc.start()
    before = _vm("VmRSS")
    t0 = time.perf_counter()
    r = intake_bundle(paths, "drafter", svc)
    seconds = time.perf_counter() - t0
    out = {"rss_before": before, "rss_peak": _vm("VmHWM"), "seconds": seconds, "accepted": r.accepted,
           "problems": [p.code for p in r.problems if p.severity == "error"]}
    if trace:
        out["traced_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return out


def _run_child(home: Path, paths: list[Path], trace: bool, objects: str | None) -> dict:
    env = dict(os.environ)
    if objects:
        env["LOCKSTEP_OBJECTS"] = objects
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(home), *(["--trace"] if trace else []),
           "--", *map(str, paths)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"child failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(work: Path, shape: str, paths: list[Path], store: str, bucket_url) -> dict:
    """bucket_url: bucket name -> open_store URL, or None for the home's own folder store."""
    urls = [bucket_url(f"{shape}-{how}") if bucket_url else None for how in ("rss", "traced")]
    plain = _run_child(work / f"home-{shape}-{store}-rss", paths, False, urls[0])
    traced = _run_child(work / f"home-{shape}-{store}-traced", paths, True, urls[1])
    total, largest = _members_size(paths)
    mib = lambda n: round(n / MIB, 1)  # noqa: E731
    return {"shape": shape, "store": store, "bundle_mib": mib(total), "largest_member_mib": mib(largest),
            "rss_before_mib": mib(plain["rss_before"]), "rss_peak_mib": mib(plain["rss_peak"]),
            "rss_growth_mib": mib(plain["rss_peak"] - plain["rss_before"]),
            "traced_peak_mib": mib(traced["traced_peak"]), "seconds": round(plain["seconds"], 2),
            "accepted": plain["accepted"] and traced["accepted"], "problems": plain["problems"]}


def _s3_bucket_url(stack: contextlib.ExitStack):
    """Start the tests' SeaweedFS S3 server for the rest of the run; bucket name -> store URL."""
    from tests.support.seaweed import seaweed_s3
    short = Path(tempfile.mkdtemp(prefix="ls-bench-s3-"))  # unix socket paths must stay short
    stack.callback(shutil.rmtree, short, True)
    return stack.enter_context(seaweed_s3(short)).url


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--s3", action="store_true", help="also measure against a SeaweedFS S3 server")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("paths", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.paths, args.trace)))
        return 0

    work = Path(tempfile.mkdtemp(prefix="lockstep-bench-memory-"))
    rows = []
    try:
        shapes = build(work)
        with contextlib.ExitStack() as stack:
            stores = [("folder", None)] + ([("s3", _s3_bucket_url(stack))] if args.s3 else [])
            for store, bucket_url in stores:
                for shape, paths in shapes.items():
                    rows.append(measure(work, shape, paths, store, bucket_url))
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    head = ("shape", "store", "bundle MiB", "largest MiB", "RSS before", "RSS peak", "RSS growth",
            "traced peak", "seconds", "accepted")
    keys = ("shape", "store", "bundle_mib", "largest_member_mib", "rss_before_mib", "rss_peak_mib",
            "rss_growth_mib", "traced_peak_mib", "seconds", "accepted")
    print("  ".join(f"{h:>11}" for h in head))
    for r in rows:
        print("  ".join(f"{str(r[k]):>11}" for k in keys))
    print(json.dumps({"rows": rows}, ensure_ascii=False))
    return 0 if all(r["accepted"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
