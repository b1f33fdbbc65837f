"""schemathesis against the running desk (issue 11, "How it is shown"): every check (`--checks all`),
the coverage and fuzzing phases, a fixed seed, as a drafter and as a signer: 0 failures.

The desk is `lockstep serve` in its own process on loopback over a real initialised home
(tests/support/desk.py); each person calls with their own API token (`lockstep users token NAME`).
One real dossier is submitted first, and half the generated dossier ids are that one, so the status,
gate, decisions, attach and sign-off operations reach their real answers, not only 404s.

Bounded: a handful of examples per operation, one worker per person, the two people run side by
side, every request times out, and the whole run is killed past a deadline. Measured here (2 cores
shared, load 8-9): about 330 requests per person; the two runs take 30-41 s side by side, after
the desk's start and one submission (25-42 s), 80-90 s in all. Each run works in its own temp
folder with no example database, so a run never replays an earlier one.
Every failure it found stays as a plain test with the exact request in tests/security/test_api_shape.py.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.desk import running_desk

SEED = 20261206
MAX_EXAMPLES = 10           # per operation in the fuzzing phase; the coverage phase runs its own set
UPLOAD_EXAMPLES = 3         # a generated upload runs intake (a flow run) on the desk
REQUEST_TIMEOUT = 30        # seconds, per request
DEADLINE = 300              # seconds, per run: it never hangs the suite
PEOPLE = ("drafter", "signer")

# A schema-valid upload whose content is no usable bundle is refused by intake with problems (422),
# an unknown dossier is 404, a closed one 409: the API's documented answers to a well-formed upload.
CONFIG = """
[generation]
database = "none"

[dictionaries.dossiers]
values = ["{dossier}"]

[parameters]
"path.dossier_id" = {{ dictionary = "dossiers", probability = 0.5 }}

[[operations]]
include-path-regex = "^/api/v1/dossiers(/\\\\{{dossier_id\\\\}}/files)?$"
include-method = "POST"
generation.max-examples = {upload_examples}
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "413", "422"]
"""


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    from desk import auth
    from samples.genhe import write_zip
    from services.home.context import initialise
    from services.home.folder import Home
    base = tmp_path_factory.mktemp("schemathesis")
    home = Home(base / "home")
    initialise(home)
    tokens = {name: auth.issue_token(home.path, name) for name in PEOPLE}
    bundle = write_zip(base / "complete.zip", "complete")
    with running_desk(home.path) as info:
        r = httpx.post(f"{info['url']}/api/v1/dossiers", headers={"Authorization": f"Bearer {tokens['drafter']}"},
                       files=[("files", (bundle.name, bundle.read_bytes(), "application/zip"))], timeout=120)
        assert r.status_code == 200, r.text
        yield {**info, "tokens": tokens, "dossier": r.json()["dossier"]}


def st_run(desk: dict, name: str, folder: Path) -> subprocess.Popen:
    folder.mkdir()
    config = folder / "schemathesis.toml"
    config.write_text(CONFIG.format(dossier=desk["dossier"], upload_examples=UPLOAD_EXAMPLES))
    out = open(folder / "output.txt", "w")
    return subprocess.Popen(
        [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run", f"{desk['url']}/openapi.json",
         "--checks", "all", "--phases", "coverage,fuzzing", "--seed", str(SEED), "--max-examples", str(MAX_EXAMPLES),
         "--workers", "1", "--request-timeout", str(REQUEST_TIMEOUT), "--no-color",
         "--header", f"Authorization: Bearer {desk['tokens'][name]}"],
        cwd=folder, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)


def test_schemathesis_finds_no_failure_on_the_running_desk_as_a_drafter_and_as_a_signer(desk, tmp_path):
    runs = {name: st_run(desk, name, tmp_path / name) for name in PEOPLE}
    codes = {}
    for name, proc in runs.items():
        try:
            codes[name] = proc.wait(DEADLINE)
        except subprocess.TimeoutExpired:
            for p in runs.values():
                p.kill()
            pytest.fail(f"schemathesis as {name} did not finish in {DEADLINE} s:\n"
                        f"{(tmp_path / name / 'output.txt').read_text()[-6000:]}")
    outputs = {name: (tmp_path / name / "output.txt").read_text() for name in PEOPLE}
    for name in PEOPLE:
        print(f"---- schemathesis as {name}\n{outputs[name][-1500:]}")
    failed = {name: outputs[name][-12000:] for name, code in codes.items() if code != 0}
    assert not failed, "\n\n".join(f"---- as {name} (exit {codes[name]}):\n{text}" for name, text in failed.items())
    for name in PEOPLE:
        assert "Coverage" in outputs[name] and "Fuzzing" in outputs[name], outputs[name]
