"""Queue benchmark: the desk's review queue and 待签发 with many open dossiers (a province on one database).

    python bench/queues.py [--dossiers 2000] [--runs 5] [--json]

Builds a fresh SQLite home, one real intake of the built-in sample with its approvals, then copies its
rows N-1 times (bench/gate.py `bulk_load`: every copy open, a quarter with no decision yet, the rest one
to three approvals, every tenth resubmitted). Then, each the median of --runs, in turns:

  floor       the open dossiers' rows alone (uow.dossiers.in_states): what any complete queue reads
  one-by-one  the gate of every open dossier the way one dossier's page works it out (load + answer_in):
              what the queues did before they read every open dossier at once
  queue cold  waiting_for(the legality reviewer) in a process that has built no version yet (the
              versions built are forgotten before each run): the desk's first page view
  queue       waiting_for(the legality reviewer) again: every later page view
  待签发       desk_lists(the signer): the signer's home page

Each line prints milliseconds and the ratio to the floor measured in the same run. Never a test:
the numbers are read by people.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dossiers", type=int, default=2000, help="open dossiers stored (default 2000)")
    ap.add_argument("--runs", type=int, default=5, help="runs per line (default 5)")
    ap.add_argument("--json", action="store_true", help="print only the JSON object")
    args = ap.parse_args(argv)
    if args.dossiers < 2 or args.runs < 1:
        ap.error("--dossiers must be at least 2, --runs at least 1")

    from bench.gate import bulk_load, template
    from services.dossiers.access import OPEN_STATES, desk_lists, waiting_for
    from services.home.context import initialise
    from services.home.folder import Home
    from services.review.actions import answer_in, load
    from storage.repos import dossiers as repo

    tmp = Path(tempfile.mkdtemp(prefix="lockstep-bench-queues-"))
    try:
        _, svc = initialise(Home(tmp / "home"))
        _, tpl = template(svc, tmp)
        bulk_load(svc, tpl, args.dossiers - 1, 0)
        people = {p.name: p for p in svc.config.people}
        reviewer, signer = people["reviewer"], people["signer"]

        def floor():
            with svc.reading() as uow:
                return len(uow.dossiers.in_states(OPEN_STATES))

        def one_by_one():
            with svc.reading() as uow:
                for row in uow.dossiers.in_states(OPEN_STATES):
                    _, view = load(uow, row.id)
                    answer_in(uow, svc, view)

        def queue_cold():
            repo._BUILT.clear()
            return waiting_for(svc, reviewer)

        lines = {"floor": floor, "one-by-one": one_by_one, "queue cold": queue_cold,
                 "queue": lambda: waiting_for(svc, reviewer), "待签发": lambda: desk_lists(svc, signer)}
        times: dict[str, list[float]] = {name: [] for name in lines}
        open_count = floor()
        for _ in range(args.runs):
            for name, work in lines.items():          # in turns: a machine whose speed drifts moves them alike
                t = time.perf_counter()
                work()
                times[name].append(time.perf_counter() - t)
        ms = {name: statistics.median(v) * 1000 for name, v in times.items()}
        result = {"dossiers_open": open_count, "runs": args.runs, "ms": {k: round(v, 1) for k, v in ms.items()},
                  "ratios": {k: round(v / ms["floor"], 1) for k, v in ms.items()},
                  "queue_items": len(waiting_for(svc, reviewer)), "to_sign": len(desk_lists(svc, signer)[1])}
        if not args.json:
            print(f"{open_count} 件办理中卷宗 (open dossiers), {args.runs} 次取中位数")
            print(f"{'':14s}{'ms':>10s}{'× floor':>10s}")
            for name, v in ms.items():
                print(f"{name:14s}{v:10.1f}{v / ms['floor']:10.1f}")
        print(json.dumps(result, ensure_ascii=False))
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
