"""What every benchmark script here shares: timing a call, and profiling one when asked."""
from __future__ import annotations

import cProfile
import pstats
import sys
import time
from pathlib import Path


def timed(fn, *args):
    """(seconds, result) of one call."""
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def profile(fn, *args, top: int, dump: Path | None, what: str):
    """Run once under cProfile; print the top costs to stderr (stdout keeps the results table)."""
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    out = fn(*args)
    prof.disable()
    elapsed = time.perf_counter() - t0
    if dump:
        prof.dump_stats(str(dump))
    for sort in ("cumulative", "tottime"):
        print(f"\n--- 剖析 profile of {what} ({elapsed:.2f} s under cProfile), by {sort} ---", file=sys.stderr)
        pstats.Stats(prof, stream=sys.stderr).strip_dirs().sort_stats(sort).print_stats(top)
    return out
