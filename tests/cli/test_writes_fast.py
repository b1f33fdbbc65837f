"""Writes are fast with the desk up (issue 14): `submit` and `sign-off` (and `attach`, `review`) are run
by a desk serving the home, the command line importing only the standard library and printing what the
desk recorded (cli/fast.py WRITES, desk /api/flows/submit|sign-off|attach|review). Compared with the
same commands run here on a twin home with no desk: the same stdout, --json and exit code. A stopped
desk (SIGSTOP) is passed by within the health timeout and the write done here, once; a desk killed
(SIGKILL) after it did a write it took (an attach) leaves it done once and a coded problem, and a rerun works;
usage errors are click's Chinese ones, exit 2. Real `lockstep serve` on the session's Prefect server,
real SQLite homes, real CLI subprocesses.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.desk import stop

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "pydantic", "typer")
pytestmark = pytest.mark.usefixtures("prefect_harness")

# What each home is asked, in order: {a} a new bundle, {x} one the intake refuses, {r1}/{r2} ready dossiers.
WRITES = (("submit", "{a}", "--as", "drafter", "--json"),
          ("submit", "{a}", "--as", "drafter"),                 # the same bytes again: answered as a duplicate
          ("submit", "{x}", "--as", "drafter", "--json"),       # not a zip: refused, exit 1
          ("sign-off", "{r1}", "--as", "signer", "--json"),
          ("sign-off", "{r2}", "--as", "signer"),
          ("sign-off", "D2099-9999", "--as", "signer"),         # refused: exit 1
          ("sign-off", "{r1}", "--as", "signer"),               # already signed: refused, exit 1
          ("review", "{d}", "--stage", "起草单位审核", "--return", "--comment", "请修改",
           "--reason", "一、（二）：表述不清", "--as", "director"))


def _env(**extra: str) -> dict:
    from prefect.settings import PREFECT_API_URL
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "COLUMNS": "200"}
    env.pop("LOCKSTEP_TEST_CRASH_AT", None)
    return {**env, **extra}


@contextlib.contextmanager
def desk(home: Path, **extra: str):
    """`lockstep serve` for home on the session's Prefect server; desk.json's contents once it listens."""
    log = home.parent / f"desk-{time.monotonic_ns()}.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "cli.main", "--home", str(home), "serve", "--port", "0"],
                                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=_env(**extra))
    named = home / "desk.json"
    try:
        deadline = time.monotonic() + 180
        while not (named.exists() and json.loads(named.read_text() or "{}").get("pid") == proc.pid):
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield {**json.loads(named.read_text()), "proc": proc}
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGCONT)
        stop(proc)


def lockstep(home: Path, *args: str, cwd: Path = ROOT) -> tuple[int, str, set[str], float]:
    """Exit code, stdout, the top-level packages imported and the seconds taken of `lockstep` in its own process."""
    env = _env(PYTHONPROFILEIMPORTTIME="1", PYTHONPATH=str(ROOT))
    started = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "cli.main", "--home", str(home), *args], cwd=cwd, env=env,
                       capture_output=True, text=True, timeout=300)
    imported = {line.split("|")[-1].strip().split(".")[0] for line in r.stderr.splitlines()
                if line.startswith("import time:")}
    return r.returncode, r.stdout, imported, time.monotonic() - started


def here(home: Path, *args: str) -> tuple[int, str]:
    """Exit code and stdout of the command run in this process with no desk (CliRunner)."""
    from typer.testing import CliRunner

    from cli.main import app
    assert not (home / "desk.json").exists()
    r = CliRunner().invoke(app, ["--home", str(home), *args], catch_exceptions=False, env={"COLUMNS": "200"})
    return r.exit_code, r.stdout


def prepared(root: Path, ready: int = 2) -> dict:
    """A home with `ready` dossiers approved at every stage, and the bundles the writes submit."""
    from samples.genhe import policy_docx, write_zip
    from services.dossiers.intake import intake_bundle
    from services.home.context import initialise
    from services.home.folder import Home
    from services.review.actions import record_decision
    root.mkdir()
    _, svc = initialise(Home(root / "home"))
    signable = []
    for n in (41, 42)[:ready]:
        d = intake_bundle([write_zip(root / f"r{n}.zip", doc_number=f"根政办发〔2019〕{n}号")], "drafter", svc).dossier
        for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
            record_decision(svc, d, stage, "approve", "同意", who)
        signable.append(d)
    write_zip(root / "a.zip", doc_number="根政办发〔2019〕51号")
    (root / "x.zip").write_bytes(b"PK\x03\x04 not a zip")
    (root / "p.docx").write_bytes(policy_docx(doc_number="根政办发〔2019〕51号", body_variant=7))
    return {"root": root, "home": svc.home.path, **{f"r{i + 1}": d for i, d in enumerate(signable)}}


def dossiers(home: Path) -> list[tuple[str, int]]:
    import sqlite3
    with contextlib.closing(sqlite3.connect(home / "lockstep.db")) as db:
        return db.execute("select dossier_id, count(*) from versions group by dossier_id order by 1").fetchall()


# Times of day and the home's own path differ between the twin homes; nothing else may.
MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?")


def same(text: str, home: Path) -> str:
    return MOMENT.sub("<moment>", text.replace(str(home.parent), "<root>"))


@pytest.fixture(scope="module")
def twins(tmp_path_factory):
    """Each write run here on one home, then through a desk for its twin, in the same order."""
    work = tmp_path_factory.mktemp("writes-fast")
    local, fast = prepared(work / "local"), prepared(work / "fast")

    def args(h: dict, a: tuple[str, ...], relative: bool) -> tuple[str, ...]:
        where = {k: f"{k}.{s}" if relative else str(h["root"] / f"{k}.{s}") for k, s in (("a", "zip"), ("x", "zip"),
                                                                                          ("p", "docx"))}
        return tuple(x.format(r1=h["r1"], r2=h["r2"], d="D2026-0003", **where) for x in a)

    answers = {a: here(local["home"], *args(local, a, False)) for a in WRITES}
    # The last test kills this desk as it answers an `attach` (cli/fast.py run_write's crash point).
    with desk(fast["home"], LOCKSTEP_TEST_CRASH_AT="desk.write_done.attach") as info:
        desked = {a: lockstep(fast["home"], *args(fast, a, True), cwd=fast["root"]) for a in WRITES}
        yield {"local": local, "fast": fast, "answers": answers, "desked": desked, "desk": info}


def test_submit_and_sign_off_through_the_desk_print_what_they_print_here(twins):
    local, fast = twins["local"], twins["fast"]
    for a, (code, text) in twins["answers"].items():
        desk_code, desk_text, _, _ = twins["desked"][a]
        assert (desk_code, same(desk_text, fast["home"])) == (code, same(text, local["home"])), a
    codes = [twins["answers"][a][0] for a in WRITES]
    assert codes == [0, 0, 1, 0, 0, 1, 1, 0], codes
    assert json.loads(twins["answers"][WRITES[3]][1])["publication"]["published"] is True
    assert "已签发" in twins["answers"][WRITES[4]][1] and "相同材料此前已提交" in twins["answers"][WRITES[1]][1]
    assert "已退回" in twins["answers"][WRITES[7]][1]
    assert dossiers(local["home"]) == dossiers(fast["home"])      # the same writes, each once


def test_on_the_desk_path_the_command_line_imports_no_sqlalchemy_pydantic_or_typer(twins):
    for a, (_, _, imported, _) in twins["desked"].items():
        assert not imported & set(HEAVY), (a, sorted(imported & set(HEAVY)))


def test_usage_errors_are_click_s_chinese_messages_with_exit_2(twins):
    fast = twins["fast"]
    for a, said in ((("sign-off", fast["r1"]), "缺少选项 --as"),
                    (("sign-off", fast["r1"], "--as", "signer", "--publish-at", "明天"), "--publish-at 的值无效")):
        r = subprocess.run([sys.executable, "-m", "cli.main", "--home", str(fast["home"]), *a], cwd=fast["root"],
                           env=_env(PYTHONPATH=str(ROOT)), capture_output=True, text=True, timeout=300)
        assert r.returncode == 2 and said in r.stderr and "Traceback" not in r.stderr, (a, r.stderr)


def test_a_stopped_desk_is_passed_by_and_the_write_done_here_once(twins):
    """SIGSTOP: the desk accepts the connection and never answers; within the health timeout (3 s) the
    command runs here, and its flow work is not handed to that desk either."""
    import httpx
    fast, info = twins["fast"], twins["desk"]
    from samples.genhe import write_zip
    write_zip(fast["root"] / "s.zip", doc_number="根政办发〔2019〕61号")
    # Once a sweep asked now is answered, the desk holds no transaction open when it is stopped.
    httpx.post(info["url"] + "/api/flows/publication-sweep", timeout=120,
               headers={"Authorization": f"Bearer {info['token']}"}).raise_for_status()
    before = dossiers(fast["home"])
    os.kill(info["pid"], signal.SIGSTOP)
    try:
        code, text, imported, took = lockstep(fast["home"], "submit", "s.zip", "--as", "drafter", "--json",
                                              cwd=fast["root"])
    finally:
        os.kill(info["pid"], signal.SIGCONT)
    assert code == 0 and json.loads(text)["accepted"] is True, text
    assert "sqlalchemy" in imported                         # run here
    after = dossiers(fast["home"])
    assert len(after) == len(before) + 1 and (json.loads(text)["dossier"], 1) in after
    assert took < 60, took


def test_usage_and_time_zone_and_absent_paths_leave_the_write_to_the_command_line():
    """What the desk declines before it runs anything, and what the command line keeps for itself."""
    from cli.fast import _absolute, run_write
    tz = os.environ.get("TZ")
    assert run_write(Path("/nonexistent"), ("sign-off",), ["D", "--as", "signer"], "Asia/Tokyo" if tz != "Asia/Tokyo"
                     else "UTC", None)["exit"] == -1
    assert _absolute(("submit",), ["no-such.zip", "--as", "drafter"]) is None      # refused here, named as given
    assert _absolute(("submit",), [".", "--as", "drafter"]) is None                 # a name "." would not read the same
    assert _absolute(("attach",), ["D", str(ROOT / "README.md"), "--role", "政策文件", "--as", "d"])[1] == str(ROOT / "README.md")


def test_a_desk_killed_after_it_did_a_write_leaves_it_done_once_and_says_so(twins):
    """SIGKILL on the desk after the write, before its answer (LOCKSTEP_TEST_CRASH_AT=desk.write_done.attach):
    the command line prints a coded problem and does not run the write again; a rerun (now here, the
    desk gone) answers that the same file is already there. Last in this module: it ends the desk."""
    fast, info = twins["fast"], twins["desk"]
    versions = dict(dossiers(fast["home"]))
    code, text, imported, _ = lockstep(fast["home"], "attach", "D2026-0003", "p.docx", "--role", "政策文件",
                                       "--as", "drafter", "--json", cwd=fast["root"])
    info["proc"].wait(30)
    assert info["proc"].returncode == -signal.SIGKILL
    answer = json.loads(text)
    assert code == 1 and answer["ok"] is False and answer["problems"][0]["code"] == "internal_error", text
    assert "可能已经办理" in answer["problems"][0]["message"]
    assert not imported & set(HEAVY)                         # not run here after all
    assert dict(dossiers(fast["home"])) == {**versions, "D2026-0003": versions["D2026-0003"] + 1}   # once, by the desk
    code, text, _, _ = lockstep(fast["home"], "attach", "D2026-0003", "p.docx", "--role", "政策文件",
                                "--as", "drafter", "--json", cwd=fast["root"])
    again = json.loads(text)
    assert code == 0 and again["duplicate"] is True, text
    assert dict(dossiers(fast["home"]))["D2026-0003"] == versions["D2026-0003"] + 1


def test_the_desk_runs_only_the_commands_handed_to_it_and_never_one_that_prompts():
    """The write routes are exactly cli/fast.py WRITES; none of them asks at a terminal (a prompt on
    the desk would read the desk's stdin), and the desk declines anything else."""
    import inspect

    import cli.dossier_cmds
    from cli.fast import WRITES as HANDED, run_write
    assert set(HANDED) == {("submit",), ("sign-off",), ("attach",), ("review",)}
    source = inspect.getsource(cli.dossier_cmds)
    assert "prompt" not in source and "confirm(" not in source
    assert run_write(Path("/nonexistent"), ("publish",), ["--pending"], os.environ.get("TZ"), None)["exit"] == -1
    assert run_write(Path("/nonexistent"), ("submit",), ["--help"], os.environ.get("TZ"), None)["exit"] == -1


def test_the_lost_answer_is_the_one_problem_shape(tmp_path):
    """cli/fast.py builds it without pydantic or typer: it prints what cli.output.refuse prints."""
    import typer

    from cli.fast import LOST, lost
    from cli.output import recording, refuse
    from documents.problems import Refused, problem
    for as_json in (False, True):
        printed: list = []
        with recording(printed), pytest.raises(typer.Exit):
            refuse(Refused(problem("internal_error", LOST[0], advice=LOST[1])), as_json)
        assert lost(("submit",), ["x.zip", "--json"] if as_json else ["x.zip"]) == {"exit": 1, "output": printed}
