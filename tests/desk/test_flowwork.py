"""Intake requests that arrive together share flow runs, and each caller gets its own result."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from desk.flowwork import FlowWork

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_uploads_arriving_together_share_flow_runs_and_each_gets_its_own_result(home, sample_zip):
    numbers = [f"根政办发〔2019〕{n}号" for n in range(50, 56)]
    bundles = [sample_zip(doc_number=n, name=f"b{i}.zip") for i, n in enumerate(numbers)]
    work = FlowWork(home.path)
    requests = [{"paths": [str(b)], "actor": "drafter", "dossier": None} for b in bundles]
    with ThreadPoolExecutor(len(requests)) as pool:
        results = list(pool.map(lambda r: work.intake([r])[0], requests))
    assert all(r["accepted"] for r in results), results
    assert len({r["dossier"] for r in results}) == len(requests)
    # Each caller's own bundle: its result names its policy's document number.
    for number, result in zip(numbers, results):
        policy = next(f for f in result["files"] if f["role"] == "policy")
        assert policy["metadata"]["doc_number"]["raw"] == number
    assert work.runs < len(requests)                 # batched: the first runs alone, the rest together
