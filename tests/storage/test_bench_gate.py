"""bench/gate.py runs at a tiny size, so the script cannot rot (it prints; nothing here times it)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_gate_bench_runs_and_prints_its_percentiles_and_ratio():
    r = subprocess.run([sys.executable, "bench/gate.py", "--dossiers", "200", "--samples", "20"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-4000:]
    lines = r.stdout.strip().splitlines()
    assert any(line.strip().startswith("签发条件 gate_answer") for line in lines)
    assert any(line.strip().startswith("下限 floor") for line in lines)
    summary = json.loads(lines[-1])
    assert (summary["dossiers"], summary["samples"]) == (200, 20)
    assert 0 < summary["ready"] < 20           # copies differ: some gates open, some not
    for key in ("p50_ms", "p95_ms", "p99_ms", "floor_p50_ms", "floor_p99_ms", "ratio_p50", "ratio_p99"):
        assert summary[key] > 0, key
