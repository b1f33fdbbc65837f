"""Consistency benchmark: does the interpretation agree with its policy, and how fast is the check.

    python bench/consistency.py [--repeat 50]

Quality: over the labelled pairs of tests/domain/consistency_pairs.py (hand-labelled findings as
(kind, 问N, value)), precision and recall of review.consistency.check per fact kind — figures,
dates, years, 文号, titles, the organs named as responsible (organ) and the policy's own 施行日期
and validity (effective) — and how well the coverage notes (first-level provisions no answer
addresses) agree with their labels. The organ and effective pairs are read against a 管理办法
(consistency_pairs.measures) as well as the Genhe plan.

Time: for the Genhe sample dossier's docx (policy, 政策解读, 解读方案), timed in turn:

  floor     documents.diff.paragraphs() of the three docx: the reading the review page does anyway.
  check     reading plus review.consistency.check_all: what intake would spend.
  added     check − floor at the same percentile: what the check adds (goal ≤ 50 ms per dossier).

Prints a table and, as the last line, one JSON object. A benchmark prints; it asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from documents.diff import paragraphs  # noqa: E402
from documents.facts import KINDS  # noqa: E402
from review.consistency import check, check_all  # noqa: E402
from samples import genhe  # noqa: E402
from tests.domain.consistency_pairs import pairs  # noqa: E402

GOAL_P, GOAL_R, GOAL_MS = 0.9, 0.9, 50.0


def _top(note: str) -> str:
    return note.split()[1].split("、", 1)[0] + "、"


def quality() -> dict:
    tp, fp, fn = Counter(), Counter(), Counter()
    notes = Counter()
    misses: list[str] = []
    all_pairs = pairs()
    for pair in all_pairs:
        result = check(pair.policy, pair.interpretation)
        got = Counter((f.kind, f.anchor, f.value) for f in result.findings)
        want = Counter(pair.expected)
        for key in got | want:
            both = min(got[key], want[key])
            tp[key[0]] += both
            fp[key[0]] += got[key] - both
            fn[key[0]] += want[key] - both
            if got[key] != want[key]:
                misses.append(f"{pair.name}: {key} found {got[key]}, labelled {want[key]}")
        got_n, want_n = {_top(n) for n in result.notes}, set(pair.notes)
        notes["tp"] += len(got_n & want_n)
        notes["fp"] += len(got_n - want_n)
        notes["fn"] += len(want_n - got_n)
        if got_n != want_n:
            misses.append(f"{pair.name}: notes {sorted(got_n)}, labelled {sorted(want_n)}")
    rows = {}
    for kind in KINDS:
        p = tp[kind] / (tp[kind] + fp[kind]) if tp[kind] + fp[kind] else None
        r = tp[kind] / (tp[kind] + fn[kind]) if tp[kind] + fn[kind] else None
        rows[kind] = {"tp": tp[kind], "fp": fp[kind], "fn": fn[kind], "precision": p, "recall": r}
    np_ = notes["tp"] / (notes["tp"] + notes["fp"]) if notes["tp"] + notes["fp"] else None
    nr = notes["tp"] / (notes["tp"] + notes["fn"]) if notes["tp"] + notes["fn"] else None
    return {"pairs": len(all_pairs), "clean_pairs": sum(1 for p in all_pairs if not p.expected),
            "kinds": rows, "notes": {**notes, "precision": np_, "recall": nr}, "misses": misses}


def timing(repeat: int) -> dict:
    files = {"policy.docx": genhe.policy_docx(), genhe.MATERIAL_NAME: genhe.interpretation_docx(),
             genhe.PLAN_NAME: genhe.plan_docx()}

    def read():
        return {name: paragraphs(name, data) for name, data in files.items()}

    def full():
        paras = read()
        policy = paras.pop("policy.docx")
        return check_all(policy, list(paras.items()))

    full()  # warm up (imports, regex compilation)
    floor, whole = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        read()
        floor.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        full()
        whole.append((time.perf_counter() - t) * 1000)
    f50, w50 = statistics.median(floor), statistics.median(whole)
    f_hi, w_hi = max(floor), max(whole)
    return {"repeat": repeat, "floor_p50_ms": round(f50, 2), "check_p50_ms": round(w50, 2),
            "added_p50_ms": round(w50 - f50, 2), "floor_max_ms": round(f_hi, 2),
            "check_max_ms": round(w_hi, 2), "goal_added_ms": GOAL_MS}


def _fmt(x: float | None) -> str:
    return "  —  " if x is None else f"{x:5.2f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=50, help="timed runs of the sample dossier")
    ap.add_argument("--misses", action="store_true", help="list every disagreement with the labels")
    args = ap.parse_args(argv)
    q = quality()
    t = timing(args.repeat)
    print(f"pairs: {q['pairs']} ({q['clean_pairs']} labelled clean)")
    print(f"{'kind':<10}{'tp':>4}{'fp':>4}{'fn':>4}   P      R     goal P≥{GOAL_P} R≥{GOAL_R}")
    for kind, row in q["kinds"].items():
        ok = (row["precision"] is not None and row["precision"] >= GOAL_P
              and row["recall"] is not None and row["recall"] >= GOAL_R)
        mark = "ok" if ok else ("no labels" if row["tp"] + row["fn"] == 0 else "BELOW")
        print(f"{kind:<10}{row['tp']:>4}{row['fp']:>4}{row['fn']:>4}  {_fmt(row['precision'])}  "
              f"{_fmt(row['recall'])}  {mark}")
    n = q["notes"]
    print(f"{'notes':<10}{n['tp']:>4}{n['fp']:>4}{n['fn']:>4}  {_fmt(n['precision'])}  {_fmt(n['recall'])}"
          "  (coverage)")
    print(f"time per dossier (3 docx, {t['repeat']} runs): read {t['floor_p50_ms']} ms, "
          f"read+check {t['check_p50_ms']} ms, check adds {t['added_p50_ms']} ms (p50; goal ≤ {GOAL_MS})")
    if q["misses"]:
        print(f"{len(q['misses'])} disagreements with the labels"
              + (":" if args.misses else " (--misses lists them)"))
        if args.misses:
            for m in q["misses"]:
                print("  " + m)
    summary = {"pairs": q["pairs"], "kinds": {k: {"p": r["precision"], "r": r["recall"]}
                                                for k, r in q["kinds"].items()},
               "notes": {"p": n["precision"], "r": n["recall"]}, **t}
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
