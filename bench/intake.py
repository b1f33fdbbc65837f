"""Intake benchmark: Lockstep's intake against the floor of the same I/O done by hand.

    python bench/intake.py --bundles 200

Generates N realistic bundles (samples.genhe.write_bundles) in a temp folder, then measures in
one process:

  engine         all N bundles through the real intake flow, in ONE Prefect flow run (batched),
                 into a fresh home. Prefect's start-up is not counted: the flow is run once
                 first on a throwaway home with one bundle, then only the real run is timed.
  engine_direct  services.dossiers.intake.intake_bundle in a plain loop into a second fresh home
                 (no Prefect), so the flow's own overhead shows separately.
  floor          the same files in a plain loop: unzip every member, python-docx open every
                 .docx, SHA-256 every member, FolderStore.put every member, one SQLAlchemy
                 insert + commit per bundle into a one-table SQLite database.

Prints a table, then as the last line one JSON object:
engine_s, floor_s, ratio, bundles_per_s, peak_rss_mb, engine_direct_s, direct_ratio, n, accepted.
Exits 1 when the engine does not accept all N bundles.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import resource
import shutil
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.measure import profile, timed  # noqa: E402


def _requests(paths: list[Path]) -> list[dict]:
    return [{"paths": [str(p)], "actor": "drafter"} for p in paths]


def _fresh_home(path: Path):
    from services.home.context import initialise
    from services.home.folder import Home
    _, svc = initialise(Home(path))
    return svc


def run_engine(home_path: Path, bundles: list[Path], chunk: int | None) -> list[dict]:
    """One flow run for all bundles (run_intake, or intake_flow with an explicit chunk size)."""
    from flows.run import run_intake
    if chunk is None:
        return run_intake(home_path, _requests(bundles))
    from flows.engine import configure, warm_settings
    configure(home_path)
    from flows.intake import intake_flow
    with warm_settings():
        return intake_flow(str(home_path.resolve()), _requests(bundles), chunk_size=chunk)


def run_direct(svc, bundles: list[Path]) -> list[dict]:
    from services.dossiers.intake import intake_bundle
    return [intake_bundle([p], "drafter", svc).model_dump(mode="json") for p in bundles]


def run_floor(work: Path, bundles: list[Path]) -> int:
    """The same work with nothing but the libraries: returns the number of rows written."""
    import docx
    from sqlalchemy import Column, Integer, MetaData, String, Table, insert
    from storage.db import make_engine          # same SQLite pragmas (WAL, synchronous=NORMAL) as the engine
    from storage.objects import FolderStore

    work.mkdir(parents=True, exist_ok=True)
    store = FolderStore(work / "objects")
    engine = make_engine(f"sqlite:///{(work / 'floor.db').resolve()}")
    meta = MetaData()
    table = Table("bundles", meta, Column("id", Integer, primary_key=True),
                  Column("name", String, nullable=False), Column("fingerprint", String(64), nullable=False))
    meta.create_all(engine)
    rows = 0
    for path in bundles:
        shas = []
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                data = zf.read(info)
                if info.filename.lower().endswith(".docx"):
                    docx.Document(io.BytesIO(data))
                sha = hashlib.sha256(data).hexdigest()
                store.put(data)
                shas.append(sha)
        fp = hashlib.sha256("\n".join(sorted(shas)).encode()).hexdigest()
        with engine.begin() as conn:            # one transaction, committed per bundle
            conn.execute(insert(table).values(name=path.name, fingerprint=fp))
        rows += 1
    engine.dispose()
    return rows





def _cols(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _count_accepted(results: list[dict]) -> tuple[int, int]:
    accepted = sum(1 for r in results if r.get("accepted"))
    duplicates = sum(1 for r in results if r.get("duplicate"))
    return accepted, duplicates


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bundles", type=int, default=200, help="how many bundles (default 200)")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder")
    ap.add_argument("--chunk", type=int, default=None, help="chunk_size for intake_flow (default: the flow's own)")
    ap.add_argument("--profile", action="store_true",
                    help="also run the direct loop once more under cProfile (third fresh home) and print the top costs to stderr")
    ap.add_argument("--profile-out", type=Path, default=None, help="write the cProfile stats to this file")
    ap.add_argument("--top", type=int, default=35, help="rows per profile listing")
    args = ap.parse_args(argv)
    n = args.bundles
    if n < 1:
        ap.error("--bundles must be at least 1")

    tmp = Path(tempfile.mkdtemp(prefix="lockstep-bench-intake-"))
    engine_home, direct_home, warm_home = tmp / "home-engine", tmp / "home-direct", tmp / "home-warm"
    # Prefect's environment before anything imports it: a PREFECT_HOME of this run's own, inside the
    # temp folder (configure() puts it at <home>/prefect; Prefect wants the folder to exist).
    from flows.engine import configure
    (tmp / "prefect").mkdir()
    configure(tmp)
    try:
        from samples.genhe import write_bundles
        t_gen, bundles = timed(write_bundles, tmp / "bundles", n, 0)
        warm_bundles = write_bundles(tmp / "bundles-warm", 1, seed=12345)
        total_bytes = sum(p.stat().st_size for p in bundles)

        # Warm-up, not counted: Prefect's ephemeral server, imports, first-use caches on every path.
        _fresh_home(warm_home)
        t_warm_flow, warm_results = timed(run_engine, warm_home, warm_bundles, args.chunk)
        if not all(r.get("accepted") for r in warm_results):
            print(f"warm-up bundle not accepted: {warm_results}", file=sys.stderr)
            return 1
        run_floor(tmp / "floor-warm", warm_bundles)

        # 1. the engine, one flow run for all N
        _fresh_home(engine_home)
        engine_s, results = timed(run_engine, engine_home, bundles, args.chunk)
        accepted, duplicates = _count_accepted(results)

        # 1b. the engine without Prefect
        direct_svc = _fresh_home(direct_home)
        engine_direct_s, direct_results = timed(run_direct, direct_svc, bundles)
        direct_accepted, direct_duplicates = _count_accepted(direct_results)

        # 2. the floor
        floor_s, floor_rows = timed(run_floor, tmp / "floor", bundles)

        if args.profile:
            profile(run_direct, _fresh_home(tmp / "home-profile"), bundles,
                    top=args.top, dump=args.profile_out, what="the direct loop")

        peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ratio = engine_s / floor_s
        direct_ratio = engine_direct_s / floor_s
        summary = {
            "engine_s": round(engine_s, 3), "floor_s": round(floor_s, 3), "ratio": round(ratio, 3),
            "bundles_per_s": round(n / engine_s, 2), "peak_rss_mb": round(peak_rss_mb, 1),
            "engine_direct_s": round(engine_direct_s, 3), "direct_ratio": round(direct_ratio, 3),
            "n": n, "accepted": accepted,
        }

        rows = [
            ("材料包 bundles", f"{n}  ({total_bytes / 1e6:.1f} MB zipped; generated in {t_gen:.1f} s, not timed)"),
            ("预热 warm-up flow run (1 bundle, not timed)", f"{t_warm_flow:.2f} s"),
            ("引擎 engine: one flow run, N bundles", f"{engine_s:.3f} s  ({n / engine_s:.1f} bundles/s, "
                                                     f"{1000 * engine_s / n:.1f} ms/bundle)"),
            ("引擎直调 engine direct: intake_bundle loop", f"{engine_direct_s:.3f} s  ({1000 * engine_direct_s / n:.1f} ms/bundle)"),
            ("流程开销 flow overhead (engine - direct)", f"{engine_s - engine_direct_s:+.3f} s"),
            ("下限 floor: unzip+docx+sha256+store+insert", f"{floor_s:.3f} s  ({1000 * floor_s / n:.1f} ms/bundle, {floor_rows} rows)"),
            ("倍数 ratio engine/floor", f"{ratio:.2f}x"),
            ("倍数 direct/floor", f"{direct_ratio:.2f}x"),
            ("受理 accepted (flow / direct)", f"{accepted}/{n} (duplicates {duplicates}) / "
                                              f"{direct_accepted}/{n} (duplicates {direct_duplicates})"),
            ("峰值内存 peak RSS", f"{peak_rss_mb:.0f} MB"),
            ("临时目录 temp folder", f"{tmp}{'' if args.keep else ' (removed)'}"),
        ]
        width = max(_cols(k) for k, _ in rows)
        print("\n入件基准 intake benchmark")
        for k, v in rows:
            print(f"  {k}{' ' * (width - _cols(k))}  {v}")

        failed = accepted != n or duplicates or direct_accepted != n
        if failed:
            bad = [r for r in results if not r.get("accepted") or r.get("duplicate")][:3]
            print(f"\n失败 FAILED: the engine accepted {accepted} of {n} bundles "
                  f"({duplicates} duplicates; direct {direct_accepted}). First problems: "
                  f"{json.dumps([r.get('problems') for r in bad], ensure_ascii=False)[:2000]}", file=sys.stderr)
        print(json.dumps(summary), flush=True)
        return 1 if failed else 0
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
