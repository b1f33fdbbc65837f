"""Gate benchmark: the sign-off gate's answer for one dossier, with 100k dossiers stored.

    python bench/gate.py --dossiers 100000 --samples 1000

Builds a fresh SQLite home (all migrations), takes one real intake of the built-in sample (the
Genhe bundle, through services.dossiers.intake.intake_bundle) and its three approvals (起草单位审核, 合法性审核
with its numbered opinion, 集体审议, through services.review.actions.record_decision), then copies those rows
N-1 times with SQLAlchemy Core, in batches, as they are stored (their JSON as stored, not re-encoded):
dossiers, versions, version_files, decisions. Each copy has its own id (D2000-0001 …), document
number, version fingerprint, file hashes and opinion number. The copies vary as real ones do: a
quarter have no decision yet (submitted), the rest one to three approvals; every tenth has a second
version (a resubmission), whose earlier approvals are void. The bulk load is not timed.

Then, for S dossiers drawn at random (seeded), each timed in turn:

  gate      services.review.actions.gate_answer(svc, id): what `lockstep gate D --json` and the API's
            /gate compute (one session, the reads, the pure gate, the answer).
  floor     the bare SQL reads gate_answer needs, the same six SELECTs on the DBAPI connection
            (sqlite3), rows fetched, nothing converted: the time the database itself asks.
  pure      review.gate.gate alone on a Version and decisions loaded beforehand (information: the
            rule's own cost).

Prints a table and, as the last line, one JSON object: dossiers, samples, p50_ms, p95_ms, p99_ms
(gate), floor_p50_ms, floor_p99_ms, ratio_p50 and ratio_p99 (gate / floor at the same percentile),
pure_p50_ms, target_p99_ms (5). A benchmark prints; it asserts nothing about time.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BATCH = 2000             # dossiers per insert batch (each with its versions, files, decisions)
TARGET_P99_MS = 5.0
STAGES = (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary"))

# The statements services.review.actions.gate_answer issues (load + answer_in), as bare SQL.
FLOOR_SQL = {
    "dossier": "SELECT * FROM dossiers WHERE id = ?",
    "version": "SELECT * FROM versions WHERE dossier_id = ? AND number = ?",
    "files": "SELECT * FROM version_files WHERE version_id = ? ORDER BY id",
    "submitters": "SELECT DISTINCT submitted_by FROM versions WHERE dossier_id = ?",
    "decisions": "SELECT * FROM decisions WHERE dossier_id = ? ORDER BY id",
    "consultation": "SELECT * FROM consultations WHERE dossier_id = ?",
}


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def _raw(table_name: str, engine):
    """An untyped view of a table: values go in and out exactly as stored (JSON as text)."""
    from sqlalchemy import column, inspect, table
    return table(table_name, *(column(c["name"]) for c in inspect(engine).get_columns(table_name)))


def template(svc, workdir: Path) -> tuple[str, dict]:
    """One real dossier: intake of the sample bundle and its approvals; its rows as stored."""
    from sqlalchemy import select

    from samples.genhe import write_zip
    from services.dossiers.intake import intake_bundle
    from services.review.actions import record_decision
    result = intake_bundle([write_zip(workdir / "sample.zip", "complete")], "drafter", svc)
    assert result.accepted and result.dossier, result.problems
    d = result.dossier
    for stage, who in STAGES:
        record_decision(svc, d, stage, "approve", "同意", who)
    t = {n: _raw(n, svc.engine) for n in ("dossiers", "versions", "version_files", "decisions")}
    with svc.engine.connect() as c:
        dossier = dict(c.execute(select(t["dossiers"]).where(t["dossiers"].c.id == d)).mappings().one())
        version = dict(c.execute(select(t["versions"]).where(t["versions"].c.dossier_id == d)).mappings().one())
        files = [dict(r) for r in c.execute(select(t["version_files"]).where(
            t["version_files"].c.version_id == version["id"]).order_by(t["version_files"].c.id)).mappings()]
        decisions = [dict(r) for r in c.execute(select(t["decisions"]).where(
            t["decisions"].c.dossier_id == d).order_by(t["decisions"].c.id)).mappings()]
    return d, {"tables": t, "dossier": dossier, "version": version, "files": files, "decisions": decisions}


def _hex(*parts) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


def bulk_load(svc, tpl: dict, n: int, seed: int) -> list[str]:
    """n copies of the template's rows; returns their dossier ids."""
    from sqlalchemy import func, insert, select
    t = tpl["tables"]
    rng = random.Random(seed)
    with svc.engine.connect() as c:
        next_version = c.scalar(select(func.max(t["versions"].c.id))) + 1
        next_file = c.scalar(select(func.max(t["version_files"].c.id))) + 1
        next_decision = c.scalar(select(func.max(t["decisions"].c.id))) + 1
    ids: list[str] = []
    code = tpl["dossier"]["doc_number"].split("〔")[0] if tpl["dossier"]["doc_number"] else "根政办发"
    for start in range(0, n, BATCH):
        rows: dict[str, list[dict]] = {"dossiers": [], "versions": [], "version_files": [], "decisions": []}
        for i in range(start, min(start + BATCH, n)):
            year, serial = 2000 + i // 9999, i % 9999 + 1
            d = f"D{year}-{serial:04d}"
            ids.append(d)
            approvals = rng.choice((0, 1, 2, 3, 3, 3, 3, 3)) if i % 4 else 0    # a quarter: none yet
            versions = 2 if i % 10 == 3 else 1
            rows["dossiers"].append({**tpl["dossier"], "id": d, "doc_number": f"{code}〔{year}〕{serial}号",
                                     "state": "in_review" if approvals else "submitted",
                                     "current_version": versions, "row_version": 1 + approvals})
            for number in range(1, versions + 1):
                fingerprint = _hex(d, number)
                rows["versions"].append({**tpl["version"], "id": next_version, "dossier_id": d,
                                         "number": number, "fingerprint": fingerprint})
                for k, f in enumerate(tpl["files"]):
                    rows["version_files"].append({**f, "id": next_file, "version_id": next_version,
                                                  "sha256": _hex(d, number, k)})
                    next_file += 1
                next_version += 1
                # Earlier versions were approved in full (void now); the current one `approvals` far.
                for dec in tpl["decisions"][:3 if number < versions else approvals]:
                    opinion = f"根司合审〔{year}〕{serial * 2 + number}号" if dec["opinion_number"] else None
                    rows["decisions"].append({**dec, "id": next_decision, "dossier_id": d,
                                              "fingerprint": fingerprint, "opinion_number": opinion})
                    next_decision += 1
        with svc.engine.begin() as c:
            for name in ("dossiers", "versions", "version_files", "decisions"):
                if rows[name]:
                    c.execute(insert(t[name]), rows[name])
    with svc.engine.begin() as c:
        from sqlalchemy import text
        c.execute(text("ANALYZE"))
    return ids


def floor_reads(raw_conn, d: str) -> int:
    """The six reads, bare: DBAPI cursor, every column of every row fetched; returns the rows read."""
    cur = raw_conn.cursor()

    def rows(name: str, *params):
        cur.execute(FLOOR_SQL[name], params)
        return cur.fetchall(), [c[0] for c in cur.description]

    dossier, cols = rows("dossier", d)
    version, vcols = rows("version", d, dossier[0][cols.index("current_version")])
    got = len(dossier) + len(version)
    got += len(rows("files", version[0][vcols.index("id")])[0])
    for name in ("submitters", "decisions", "consultation"):
        got += len(rows(name, d)[0])
    cur.close()
    return got


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dossiers", type=int, default=100_000, help="dossiers stored (default 100000)")
    ap.add_argument("--samples", type=int, default=1000, help="dossiers timed (default 1000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", action="store_true", help="keep the temp folder")
    ap.add_argument("--profile", action="store_true",
                    help="also run the timed gate calls once more under cProfile (costs to stderr)")
    args = ap.parse_args(argv)
    if args.dossiers < 2 or args.samples < 1:
        ap.error("--dossiers must be at least 2, --samples at least 1")

    tmp = Path(tempfile.mkdtemp(prefix="lockstep-bench-gate-"))
    try:
        from review.gate import gate
        from services.home.context import initialise
        from services.home.folder import Home
        from services.review.actions import consultation_of, gate_answer, load, pipeline_for
        _, svc = initialise(Home(tmp / "home"))
        t0 = time.perf_counter()
        real, tpl = template(svc, tmp)
        ids = [real] + bulk_load(svc, tpl, args.dossiers - 1, args.seed)
        t_load = time.perf_counter() - t0
        rng = random.Random(args.seed)
        sample = [rng.choice(ids) for _ in range(args.samples)]

        raw = svc.engine.raw_connection()
        try:
            for d in sample[:20]:                   # warm-up, not counted
                gate_answer(svc, d)
                floor_reads(raw, d)
            g_times, f_times, ready = [], [], 0
            for d in sample:                        # in turn, so both meet the same load on this box
                t = time.perf_counter()
                floor_reads(raw, d)
                f_times.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                answer = gate_answer(svc, d)
                g_times.append((time.perf_counter() - t) * 1000)
                ready += answer.ready
        finally:
            raw.close()

        # The rule alone, on values loaded beforehand.
        loaded = []
        for d in sample[:min(len(sample), 200)]:
            with svc.unit() as uow:
                _, view = load(uow, d)
                loaded.append((view.current, uow.dossiers.decisions(d), pipeline_for(svc.config, view.current),
                               consultation_of(uow, d)))
        today, units = svc.now().astimezone().date(), svc.config.unit_book
        p_times = []
        for version, decisions, pipeline, consultation in loaded:
            t = time.perf_counter()
            gate(version, decisions, pipeline, consultation=consultation, today=today, units=units)
            p_times.append((time.perf_counter() - t) * 1000)

        if args.profile:
            from bench.measure import profile
            profile(lambda: [gate_answer(svc, d) for d in sample], top=25, dump=None,
                    what=f"{len(sample)} gate_answer calls")

        db_mb = sum(p.stat().st_size for p in (tmp / "home").glob("lockstep.db*")) / 1e6
        peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        g = {p: percentile(g_times, p) for p in (50, 95, 99)}
        f = {p: percentile(f_times, p) for p in (50, 95, 99)}
        pure = {p: percentile(p_times, p) for p in (50, 99)}
        summary = {"dossiers": len(ids), "samples": len(sample), "ready": ready,
                   "p50_ms": round(g[50], 3), "p95_ms": round(g[95], 3), "p99_ms": round(g[99], 3),
                   "floor_p50_ms": round(f[50], 3), "floor_p95_ms": round(f[95], 3), "floor_p99_ms": round(f[99], 3),
                   "ratio_p50": round(g[50] / f[50], 2), "ratio_p99": round(g[99] / f[99], 2),
                   "pure_p50_ms": round(pure[50], 3), "pure_p99_ms": round(pure[99], 3),
                   "target_p99_ms": TARGET_P99_MS, "load_s": round(t_load, 1),
                   "db_mb": round(db_mb, 1), "peak_rss_mb": round(peak_rss_mb, 1)}
        rows = [
            ("卷宗 dossiers", f"{len(ids)} (1 real intake + {len(ids) - 1} copies of its rows; "
                            f"bulk load {t_load:.1f} s, not timed)"),
            ("数据库 database", f"{db_mb:.0f} MB"),
            ("抽样 samples", f"{len(sample)} random dossiers ({ready} with the gate open)"),
            ("签发条件 gate_answer", f"p50 {g[50]:.2f} ms  p95 {g[95]:.2f} ms  p99 {g[99]:.2f} ms  "
                                   f"(target p99 ≤ {TARGET_P99_MS:g})"),
            ("下限 floor: the six reads, bare SQL", f"p50 {f[50]:.2f} ms  p95 {f[95]:.2f} ms  p99 {f[99]:.2f} ms"),
            ("倍数 ratio gate / floor", f"p50 {g[50] / f[50]:.2f}  p99 {g[99] / f[99]:.2f}"),
            ("  规则本身 gate() on loaded values", f"p50 {pure[50]:.3f} ms  p99 {pure[99]:.3f} ms"),
            ("峰值内存 peak RSS", f"{peak_rss_mb:.0f} MB"),
            ("临时目录 temp folder", f"{tmp}{'' if args.keep else ' (removed)'}"),
        ]
        width = max(len(k) for k, _ in rows)
        print("\n签发条件基准 gate benchmark")
        for k, v in rows:
            print(f"  {k.ljust(width)}  {v}")
        print(json.dumps(summary, ensure_ascii=False), flush=True)
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
