"""Run intake over a folder of real Word files and say how each one ends.

    .venv/bin/python scripts/corpus_check.py [DIR] [--timeout SECONDS] [--workers N] [--show CODE]

Every file must end in metadata or a coded problem: the summary counts outcomes, lists the
slowest files, and lists every traceback or hang (both must be zero). The reader's internal
entry point is called, not the catch-all `inspect_docx`, so that a bug hidden behind the
catch-all's `not_docx` still shows up here as a traceback.
"""
from __future__ import annotations

import argparse
import collections
import concurrent.futures
import os
import signal
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Hang(BaseException):
    """Raised by the alarm; a BaseException so no `except Exception` in the reader swallows it."""


def _alarm(signum, frame):
    raise Hang()


def check_one(path: str, timeout: int) -> dict:
    from documents.extract import _inspect

    signal.signal(signal.SIGALRM, _alarm)
    data = Path(path).read_bytes()
    started = time.perf_counter()
    signal.alarm(timeout)
    try:
        result = _inspect(Path(path).name, data)
        outcome = "metadata" if result.metadata is not None else None
        codes = [p.code for p in result.problems]
        errors = [p.code for p in result.problems if p.severity == "error"]
        if outcome is None:
            outcome = errors[0] if errors else "no-metadata-no-error"
        return {"path": path, "outcome": outcome, "codes": codes, "seconds": time.perf_counter() - started,
                "role": result.metadata.suggested_role if result.metadata else None,
                "title": result.metadata.title if result.metadata else None,
                "messages": [p.message for p in result.problems]}
    except Hang:
        return {"path": path, "outcome": "HANG", "codes": [], "seconds": time.perf_counter() - started}
    except BaseException:
        return {"path": path, "outcome": "TRACEBACK", "codes": [], "seconds": time.perf_counter() - started,
                "traceback": traceback.format_exc()}
    finally:
        signal.alarm(0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--timeout", type=int, default=30)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--show", action="append", default=[],
                        help="list the files with this outcome or problem code (repeatable)")
    args = parser.parse_args()

    files = sorted(str(p) for p in Path(args.directory).rglob("*")
                   if p.is_file() and p.name not in ("MANIFEST.tsv", "README.md"))
    started = time.perf_counter()
    results = []
    with concurrent.futures.ProcessPoolExecutor(max_workers=args.workers) as pool:
        futures = {pool.submit(check_one, f, args.timeout): f for f in files}
        for future in concurrent.futures.as_completed(futures):
            try:
                results.append(future.result(timeout=args.timeout * 4))
            except Exception as exc:  # a worker killed by memory or a signal
                results.append({"path": futures[future], "outcome": "WORKER-DIED", "codes": [],
                                "seconds": 0.0, "traceback": repr(exc)})
    elapsed = time.perf_counter() - started

    outcomes = collections.Counter(r["outcome"] for r in results)
    codes = collections.Counter(c for r in results for c in set(r["codes"]))
    roles = collections.Counter(r.get("role") for r in results if r["outcome"] == "metadata")
    cpu = sum(r["seconds"] for r in results)
    print(f"files: {len(results)}   wall: {elapsed:.1f} s   reading time: {cpu:.1f} s   "
          f"mean per file: {1000 * cpu / max(len(results), 1):.0f} ms")
    print("outcomes:", dict(outcomes.most_common()))
    print("problem codes (files carrying each):", dict(codes.most_common()))
    print("suggested roles:", dict(roles.most_common()))
    print("slowest:")
    for r in sorted(results, key=lambda r: -r["seconds"])[:8]:
        print(f"  {r['seconds'] * 1000:8.0f} ms  {os.path.relpath(r['path'], args.directory)}")
    bad = [r for r in results if r["outcome"] in ("TRACEBACK", "HANG", "WORKER-DIED", "no-metadata-no-error")]
    for r in bad:
        print(f"{r['outcome']}: {r['path']}\n{r.get('traceback', '')}")
    for wanted in args.show:
        print(f"--- {wanted}")
        for r in sorted(results, key=lambda r: r["path"]):
            if r["outcome"] == wanted or wanted in r["codes"] or r.get("role") == wanted:
                print(f"  {os.path.relpath(r['path'], args.directory)}  title={r.get('title')!r}")
                for m in r.get("messages", []):
                    print(f"      {m}")
    print("tracebacks/hangs:", len(bad))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
