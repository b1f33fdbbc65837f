"""Attacks on the write hand-off (cli/fast.py, desk /api/flows/submit|sign-off|attach|review), as a
stranger would: a home copied with its desk.json while the desk runs, a path whose `..` follows a
symlink, two sign-offs of one dossier at once, reads and a write recorded at the same time, tokens
and argument shapes the desk must refuse. One real `lockstep serve` for the module, real CLI
subprocesses, real SQLite homes.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading

import pytest

from tests.cli.test_writes_fast import ROOT, _env, desk, dossiers, lockstep, prepared

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    work = tmp_path_factory.mktemp("s7-handoff")
    h = prepared(work / "a")
    with desk(h["home"]) as info:
        yield {**h, "desk": info}


def _post(info: dict, path: str, body, token: str | None = None, headers: dict | None = None):
    import httpx
    if headers is None:
        headers = {"Authorization": f"Bearer {token if token is not None else info['token']}"}
    return httpx.post(info["url"] + path, json=body, timeout=300, headers=headers)


def _run(home, *args: str, **env: str) -> tuple[int, str, bool]:
    """Exit code, stdout, and whether the command ran in its own process (it imported sqlalchemy)."""
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "cli.main", "--home", str(home), *args], cwd=ROOT,
                       env=_env(PYTHONPATH=str(ROOT), **env), capture_output=True, text=True, timeout=300)
    return r.returncode, r.stdout, re.search(r"\|\s*sqlalchemy$", r.stderr, re.M) is not None


def test_a_copied_home_or_another_database_named_is_not_served_by_the_desk_of_the_original(served, tmp_path):
    """A home copied (a backup restored beside it) while its desk runs carries desk.json along, naming
    a live desk of ANOTHER home with a token it accepts; a command line whose LOCKSTEP_DATABASE_URL
    names another database than the desk's. Either way the command must run here on what it names,
    not be handed to that desk (which would read and write the original)."""
    copy = tmp_path / "copy"
    shutil.copytree(served["home"], copy)
    assert (copy / "desk.json").exists()
    config = copy / "lockstep.toml"       # the restore points its config at its own database
    config.write_text(config.read_text(encoding="utf-8").replace(str(served["home"]), str(copy)), encoding="utf-8")
    before = dossiers(served["home"])
    code, text, here = _run(copy, "review", served["r2"], "--stage", "起草单位审核", "--return",
                            "--comment", "请修改", "--reason", "一、（二）：表述不清", "--as", "director", "--json")
    assert code == 0 and here, (code, text, here)
    for home, state in ((copy, "returned"), (served["home"], "in_review")):
        code, text, _ = _run(home, "gate", served["r2"], "--json")
        assert json.loads(text)["state"] == state, (home, text)
    assert dossiers(served["home"]) == before
    # The original home with the copy's database named in the environment: the copy's state, read here.
    code, text, here = _run(served["home"], "gate", served["r2"], "--json",
                            LOCKSTEP_DATABASE_URL=f"sqlite:///{copy / 'lockstep.db'}")
    assert here and json.loads(text)["state"] == "returned", text
    code, text, here = _run(served["home"], "gate", served["r2"], "--json")
    assert not here and json.loads(text)["state"] == "in_review", text      # and the desk still answers its own


def test_a_path_whose_dotdot_follows_a_symlink_names_the_file_the_kernel_names(served):
    """`link/../c.zip` with link -> real/sub is real/c.zip to the kernel (and to the command run here);
    made absolute lexically it would be ./c.zip, another bundle."""
    from samples.genhe import write_zip
    root = served["root"]
    (root / "real" / "sub").mkdir(parents=True)
    os.symlink(root / "real" / "sub", root / "link")
    write_zip(root / "real" / "c.zip", doc_number="根政办发〔2019〕71号")
    write_zip(root / "c.zip", doc_number="根政办发〔2019〕72号")
    code, text, imported, _ = lockstep(served["home"], "submit", "link/../c.zip", "--as", "drafter", "--json",
                                       cwd=root)
    assert code == 0, text
    assert "sqlalchemy" not in imported                    # the desk did it
    assert "71号" in text and "72号" not in text, text


def test_two_sign_offs_of_one_dossier_at_once_through_the_desk_sign_it_once(served):
    env = _env(PYTHONPATH=str(ROOT))
    argv = [sys.executable, "-m", "cli.main", "--home", str(served["home"]), "sign-off", served["r1"],
            "--as", "signer", "--json"]
    procs = [subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    answers = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        answers.append((p.returncode, json.loads(out)))
    codes = sorted(c for c, _ in answers)
    assert codes == [0, 1], answers
    refused = next(a for c, a in answers if c == 1)
    assert refused["signed"] is False and refused["problems"][0]["code"] != "internal_error", refused
    import sqlite3
    with sqlite3.connect(served["home"] / "lockstep.db") as db:
        signed = db.execute("select count(*) from events where name = 'dossier.signed_off' and dossier_id = ?",
                            (served["r1"],)).fetchone()[0]
    assert signed == 1


def test_reads_and_a_write_recorded_at_once_keep_their_own_output(served):
    """The desk records each request's printing in its own context: six gates and a submit at the same
    moment, each answer holds only its own command's lines."""
    from samples.genhe import write_zip
    root, info = served["root"], served["desk"]
    write_zip(root / "m.zip", doc_number="根政办发〔2019〕81号")
    alone = _post(info, "/api/flows/gate", {"args": [served["r2"]], "tz": os.environ.get("TZ")}).json()
    results: dict = {}
    start = threading.Barrier(7)

    def ask(key, path, args):
        start.wait()
        results[key] = _post(info, path, {"args": args, "tz": os.environ.get("TZ")}).json()

    threads = [threading.Thread(target=ask, args=(i, "/api/flows/gate", [served["r2"]])) for i in range(6)]
    threads.append(threading.Thread(target=ask, args=("submit", "/api/flows/submit",
                                                       [str(root / "m.zip"), "--as", "drafter"])))
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert results["submit"]["exit"] == 0, results["submit"]
    submitted = json.dumps(results["submit"], ensure_ascii=False)
    assert "已接收" in submitted and "签发条件" not in submitted.split("已接收")[0]
    for i in range(6):
        assert results[i] == alone, (i, results[i])


def test_the_hand_off_refuses_strangers_and_shapes_it_does_not_run(served, tmp_path):
    info = served["desk"]
    args = {"args": [served["r2"], "--as", "signer"], "tz": os.environ.get("TZ")}
    assert _post(info, "/api/flows/sign-off", args, headers={}).status_code == 401
    assert _post(info, "/api/flows/sign-off", args, token=info["token"][:-1] + "x").status_code == 401
    assert _post(info, "/api/flows/sign-off", args, headers={"Authorization": "Bearer 令牌".encode()}).status_code == 401
    assert _post(info, "/api/flows/sign-off", {"args": [1, 2], "tz": None}).status_code == 422
    for smuggled in (["--home", str(tmp_path), served["r2"], "--as", "signer"],
                     [served["r2"], "--as", "signer", f"--home={tmp_path}"],
                     [served["r2"], "--as", "signer", "--help"]):
        r = _post(info, "/api/flows/sign-off", {"args": smuggled, "tz": os.environ.get("TZ")})
        assert r.status_code == 200 and r.json()["exit"] == -1, (smuggled, r.text)
    code, text, _, _ = lockstep(served["home"], "gate", served["r2"], "--json")
    assert json.loads(text)["ready"] is True                    # nothing was signed


def test_a_desk_told_to_stop_mid_write_finishes_it_and_answers(served):
    """SIGTERM (systemd's stop, Ctrl+C's cousin) while the desk runs a submit it took: uvicorn stops
    listening, the write in hand is finished and answered (exit 0, the dossier once), then the desk
    exits and takes desk.json with it. Last of the desk's tests: it ends the module's desk."""
    import http.client
    import signal
    import time
    from urllib.parse import urlsplit

    from samples.genhe import write_zip
    root, info = served["root"], served["desk"]
    write_zip(root / "t.zip", doc_number="根政办发〔2019〕85号")
    before = dossiers(served["home"])
    url = urlsplit(info["url"])
    c = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    c.request("GET", "/api/health")                    # the connection accepted and served before the write
    c.getresponse().read()
    c.request("POST", "/api/flows/submit", body=json.dumps({"args": [str(root / "t.zip"), "--as", "drafter", "--json"],
                                                            "tz": os.environ.get("TZ")}).encode(),
              headers={"Authorization": f"Bearer {info['token']}", "Content-Type": "application/json"})
    time.sleep(0.3)                                     # the desk has read it and is at work (a submit: ~0.5 s)
    os.kill(info["pid"], signal.SIGTERM)
    r = c.getresponse()
    answer = json.loads(r.read())
    assert r.status == 200 and answer["exit"] == 0, answer
    assert json.loads("".join(v for k, v in answer["output"] if k == "write"))["accepted"] is True
    assert info["proc"].wait(60) == 0
    assert not (served["home"] / "desk.json").exists()
    assert len(dossiers(served["home"])) == len(before) + 1


# ------------------------------------------------------------------ the intake drain

def _zip(members: dict) -> bytes:
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_bundles_whose_manifest_breaks_the_reader_are_answered_once_in_the_drain_not_retried_forever(svc, tmp_path):
    """A bundle.json nested 100 000 deep (RecursionError), one naming a role as an object (unhashable),
    a 修改说明.json nested deep: intake raised, not refused, so the warm drain gave each bundle back as
    `storage_unavailable` and took it again every few minutes, never answering its submitter. Each is
    now read as a bad manifest (manifest_invalid / revision_note_invalid), and the drain answers every
    bundle of the busy period once, in one run."""
    from prefect.settings import PREFECT_API_URL

    from flows import pool as flows
    from flows.workpool import PoolSettings, WarmLoop, take_bundles
    from samples.genhe import policy_docx
    from services.dossiers.staged import new_batch, stage
    good = policy_docx(doc_number="根政办发〔2019〕93号")
    shapes = {"deep": {"bundle.json": b"[" * 100_000 + b"]" * 100_000, "a.docx": good},
              "object": {"bundle.json": b'{"files": {"a.docx": {"role": "policy"}}}', "a.docx": good},
              "note": {"修改说明.json": b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "a.docx": good}}
    files = []
    for name, members in shapes.items():
        files.append(tmp_path / f"{name}.zip")
        files[-1].write_bytes(_zip(members))
    batch = new_batch(svc.now())
    stage(svc, files, "drafter", batch)
    said: list[str] = []
    loop = WarmLoop(svc=svc, s=PoolSettings(api_url=PREFECT_API_URL.value().rstrip("/"), pool="province-test"),
                    name="g1", say=said.append)
    assert take_bundles(loop, flows.intake_drain_flow) == 3, said
    with svc.unit() as uow:
        jobs = uow.jobs.of("intake", batch)
    assert [(j.status, j.attempts) for j in jobs] == [("done", 1)] * 3, (said, [(j.status, j.last_error) for j in jobs])
    codes = [{p["code"] for p in j.result["problems"]} for j in jobs]
    assert "manifest_invalid" in codes[0] and "manifest_invalid" in codes[1], codes
    assert "revision_note_invalid" in codes[2], codes
    assert not any(c & {"storage_unavailable", "internal_error"} for c in codes), codes


def test_a_manifest_nested_near_the_recursion_limit_is_a_bad_manifest_not_a_crash(svc, tmp_path):
    """json.loads reads a bundle.json nested a little under Python's recursion limit; writing it back
    (the manifest is stored) then raised RecursionError (in a plain process, 990 deep: a 500 on the API,
    a bundle given back forever in the drain; under pytest's deeper stack the window falls elsewhere).
    No manifest is nested past 32: it is a bad manifest (warning manifest_invalid), files by their names."""
    import inspect

    from samples.genhe import policy_docx
    from services.dossiers.intake import intake_bundle
    room = sys.getrecursionlimit() - len(inspect.stack())
    for n, depth in enumerate((100, room - 20)):
        bundle = tmp_path / f"n{n}.zip"
        nested = b'{"extra": ' + b'{"a":' * depth + b"1" + b"}" * depth + b"}"
        bundle.write_bytes(_zip({"bundle.json": nested,
                                 "a.docx": policy_docx(doc_number=f"根政办发〔2019〕{94 + n}号")}))
        result = intake_bundle([bundle], "drafter", svc)
        assert result.accepted and "manifest_invalid" in {p.code for p in result.problems}, (depth, result.problems)
