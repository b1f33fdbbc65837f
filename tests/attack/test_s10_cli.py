"""Attack (session 10, issue 14 "Everyone, command line"): the command line as a county office's clerks
use it, every command and subcommand enumerated from the application (cli.main.every_command), so a
command added later is attacked too. A typo or a wrong value is a coded Chinese answer (exit 0/1/2),
never a traceback, an internal_error or a hang; --json stdout is one JSON document; stages, roles and
statuses are taken and shown by their Chinese names; --help is Chinese and never cut, at 80 and 200
columns and with no terminal. In-process through typer's CliRunner (the tests run as root, so an
unreadable file is a FIFO or a dangling symlink, not chmod 000); a few real subprocesses for the desk."""
from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

# English that click, typer or Python print when a case was left unanswered.
ENGLISH = re.compile(r"Usage:|Missing (option|argument|parameter|command)|No such (option|command|file)|Invalid value|"
                     r"unexpected extra|Show this message|Try '|for help|Error:|Choose from|does not exist|"
                     r"is a (file|directory)\.|is not (readable|writable|one of|a valid)|Input should|requires an argument|"
                     r"Errno|Traceback|Aborted|\[default|\[required\]|<str>|<int>|<path>|<bool>")
# Commands whose body starts servers, workers, the workflow engine or the demo: only damage that click
# refuses before the body runs is tried on them (usage errors), never a value the body would act on.
ENGINE = {("serve",), ("worker",), ("scheduler",), ("demo",), ("deploy",), ("batch",), ("submit",), ("sign-off",),
          ("publish",), ("init",), ("backup",), ("restore",), ("gazette", "issue", "release"), ("notify", "send")}
# Who may do each command's work (the default config's people): the damage must reach the reading.
ACTOR = {"attach": "drafter", "consultation": "drafter", "deliberation": "secretary", "gazette": "editor",
         "register": "editor", "withhold": "signer", "review": "director", "disclosure": "director",
         "consistency": "reviewer", "notify": "drafter"}
OUTPUTS = {"out_dir", "to", "target", "workdir", "home", "gazette_out"}      # paths a command writes to


def leaves():
    import typer.main

    import cli.main
    command = typer.main.get_command(cli.main.every_command())

    def walk(c, path):
        if hasattr(c, "commands"):
            yield tuple(path), c, True
            for name, sub in c.commands.items():
                yield from walk(sub, [*path, name])
        else:
            yield tuple(path), c, False
    return [(p, c) for p, c, group in walk(command, []) if not group], \
           [(p, c) for p, c, group in walk(command, []) if group]


LEAVES, GROUPS = leaves()


def flat(text: str) -> str:
    return re.sub(r"[\s│╭╮╰╯─]", "", text)


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """An initialised home with one dossier (taken in without the workflow engine), and paths that are
    not what a command expects: a FIFO, a dangling symlink, a folder, a file named where a folder goes."""
    from samples.genhe import policy_docx, write_zip
    from services.dossiers.intake import intake_bundle
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    work = tmp_path_factory.mktemp("s10-cli")
    home = Home(work / "home")
    initialise(home)
    svc = open_services(home)
    d = intake_bundle([write_zip(work / "b.zip", "complete")], "drafter", svc).dossier
    (work / "p.docx").write_bytes(policy_docx())
    (work / "adir").mkdir()
    os.mkfifo(work / "fifo")
    os.symlink(work / "nowhere", work / "dangling")
    import typer.main
    import typer.testing

    import cli.main
    built = typer.main.get_command(cli.main.every_command())
    with pytest.MonkeyPatch.context() as mp:      # the runner builds the click command once, not per call (80 ms)
        mp.setattr(typer.testing, "_get_command", lambda app: built if app is cli.main.app else typer.main.get_command(app))
        yield {"home": home.path, "dossier": d, "work": work, "runner": CliRunner()}


def run(office, *args: str, timeout: float = 30):
    """The command in this process, in a thread: a command blocked on a FIFO is released (its writer
    end opened and closed) and reported as a hang instead of stalling the suite."""
    box: dict = {}

    def go():
        box["r"] = office["runner"].invoke(__import__("cli.main").main.app, ["--home", str(office["home"]), *args],
                                           catch_exceptions=True, env={"COLUMNS": "200"})
    t = threading.Thread(target=go, daemon=True)
    t.start()
    t.join(timeout)
    hung = t.is_alive()
    if hung:
        try:
            os.close(os.open(office["work"] / "fifo", os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
        t.join(30)
    assert not hung, f"{args}: no answer in {timeout:.0f} s (blocked reading a FIFO?)"
    return box["r"]


def sound(r, args) -> None:
    """Invariants of any answer: exit 0/1/2, Chinese, no traceback, no internal fault; --json stdout is one
    JSON document, and a refusal (exit 1) names at least one coded problem in it."""
    shown = f"{args}\n{r.output}"
    assert r.exception is None or isinstance(r.exception, SystemExit), (shown, repr(r.exception))
    assert r.exit_code in (0, 1, 2), shown
    assert not ENGLISH.search(r.output), shown
    assert "internal_error" not in r.output, shown
    assert "/docs" not in r.output, shown            # the API's advice: a clerk at the command line has no /docs
    if r.exit_code:
        assert re.search(r"[\u4e00-\u9fff]", r.output), shown
    if "--json" in args and r.stdout.strip():
        doc = json.loads(r.stdout)
        if r.exit_code == 1:
            problems = doc.get("problems") or [p for f in doc.get("files", []) for p in f.get("problems", [])]
            assert problems and all(p["code"] and re.search(r"[\u4e00-\u9fff]", p["message"]) for p in problems), shown
    if r.exit_code == 2:
        assert "用法：" in r.output and "错误" in r.output, shown


def sample(p, office) -> str | None:
    """A value of the parameter's type that click takes."""
    t = p.type_descriptor
    if t.is_choice:
        first = list(t.choices)[0]
        return str(getattr(first, "value", first))
    if t.is_datetime:
        return "2026-12-10"
    if t.annotation is bool:
        return None
    if t.annotation is int:
        return "2026" if p.name == "year" else "1"
    if t.is_path or t.is_list and p.name in ("bundle", "files", "paths", "sources"):
        return str(office["work"] / ("adir" if p.name in OUTPUTS else "p.docx"))
    if p.name in ("dossier", "dossiers"):
        return office["dossier"]
    if p.name == "as_":
        return None
    if p.name == "stage":
        return "起草单位审核"
    if p.name == "role":
        return "风险评估" if "attach" in str(p) else "起草人员"
    return "1"


def argv(path, c, office, drop=None, replace=None) -> list[str]:
    """The command with every required parameter given a taken value (except `drop`), `replace` = (param, value)."""
    args, opts = [], []
    for p in c.params:
        if p.name == "help" or p is drop:
            continue
        if replace is not None and p is replace[0]:
            value = replace[1]
        elif p.required:
            value = sample(p, office) if p.name != "as_" else ACTOR.get(path[0], "drafter")
        else:
            continue
        if p.param_type_name == "argument":
            args.append(value)
        else:
            opts += [p.opts[0]] + ([] if value is None else [value])
    return [*path, *args, *opts]


# ---------------------------------------------------------------- 1. typos and wrong values

@pytest.mark.parametrize("path, c", LEAVES, ids=[" ".join(p) for p, _ in LEAVES])
def test_every_command_answers_usage_damage_in_chinese_with_exit_2(office, path, c):
    """An unknown option, each required parameter left out, a bad number, a bad date and a bad choice:
    a Chinese usage error on stderr, exit 2, and with --json also the one problem shape on stdout
    (request_invalid); never reaching the command's work."""
    assert any(p.name == "as_json" for p in c.params), f"{path}: no --json"
    cases = [[*argv(path, c, office), "--bogus"], [*argv(path, c, office), "--jsn"]]
    cases += [argv(path, c, office, drop=p) for p in c.params if p.required and p.name != "help"]
    for p in c.params:
        t = getattr(p, "type_descriptor", None)
        if t is None or p.name == "help":
            continue
        if t.is_choice:
            cases += [argv(path, c, office, replace=(p, "公开"))]
        elif t.is_datetime:
            cases += [argv(path, c, office, replace=(p, v)) for v in ("2026-13-01", "2026年2月30日", "12/10/2026", "明天")]
        elif t.annotation is int:
            cases += [argv(path, c, office, replace=(p, v)) for v in ("abc", "1.5", "99999999999999999999999")]
    for i, case in enumerate(cases):
        for args in [[*case, "--json"]] if i % 2 else [case]:      # each case once, text and --json in turn
            r = run(office, *args)
            sound(r, args)
            assert r.exit_code == 2, (args, r.output)
            if "--json" in args:          # README: with --json stdout holds one JSON document, a usage error's too
                [found] = json.loads(r.stdout)["problems"]
                assert found["code"] == "request_invalid", (args, r.stdout)
                assert flat(found["message"].split("：请按命令")[0]) in flat(r.stderr), (args, r.stdout, r.stderr)
                assert "用法" not in r.stdout and re.search(r"[\u4e00-\u9fff]", found["message"]), (args, r.stdout)
            else:
                assert r.stdout == "", (args, r.stdout)


def _dossier_commands():
    return [(p, c) for p, c in LEAVES if p not in ENGINE
            and any(q.name in ("dossier", "dossiers") and q.required for q in c.params)]


BAD_IDS = st.sampled_from(["D2026-001", "d2026-0001", "Ｄ２０２６－０００１", " D2026-0001 ", "", "D" * 3000,
                           "D2026-0001\n", "2026-0001", "D2026-00O1", "-D", "%s{}", "../../etc/passwd", "\u202eD2026",
                           "[/x]", "[bold]D"])


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(which=st.sampled_from(range(len(_dossier_commands()))), bad=BAD_IDS, as_json=st.booleans())
def test_an_unknown_dossier_id_is_a_coded_refusal_on_every_command_that_takes_one(office, which, bad, as_json):
    path, c = _dossier_commands()[which]
    d = next(q for q in c.params if q.name in ("dossier", "dossiers") and q.required)
    args = argv(path, c, office, replace=(d, bad)) + (["--json"] if as_json else [])
    r = run(office, *args)
    sound(r, args)
    assert r.exit_code in (1, 2), (args, r.output)


def _int_options():
    return [(p, c, q) for p, c in LEAVES for q in c.params
            if getattr(q, "type_descriptor", None) is not None and q.type_descriptor.annotation is int]


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(which=st.sampled_from(range(len(_int_options()))),
       number=st.one_of(st.integers(min_value=2**63, max_value=10**30), st.integers(max_value=-2**63, min_value=-10**30),
                        st.sampled_from(["70000", "65536", "-1"])))
def test_a_number_out_of_range_is_a_usage_error_or_a_coded_refusal_never_an_internal_fault(office, which, number):
    """diff --from, deliberation show --version, register search --limit, serve --port…: a number no
    database or socket takes is said in Chinese, not an OverflowError as internal_error."""
    path, c, q = _int_options()[which]
    if path in ENGINE and path != ("serve",):
        return
    args = [*argv(path, c, office, replace=(q, str(number))), "--json"]
    if path == ("serve",) and int(number) in range(0, 65536):
        return
    r = run(office, *args)
    sound(r, args)
    if path == ("serve",):
        assert r.exit_code == 2, (args, r.output)


# ---------------------------------------------------------------- 2. paths that are not what is expected

def _path_cases():
    found = []
    for path, c in LEAVES:
        for q in c.params:
            t = getattr(q, "type_descriptor", None)
            if t is None or not (t.is_path or q.name in ("bundle", "files", "paths", "sources")):
                continue
            if q.name in OUTPUTS and path not in ENGINE:
                found += [(path, c, q, kind) for kind in ("fifo", "dangling", "p.docx")]
            elif q.name not in OUTPUTS and path not in ENGINE - {("submit",)}:
                found += [(path, c, q, kind) for kind in ("fifo", "dangling", "adir", "nothere.docx")]
    return found


PATH_CASES = _path_cases()


@pytest.mark.parametrize("path, c, q, kind", PATH_CASES,
                         ids=[f"{' '.join(p)}-{q.name}-{k}" for p, _, q, k in PATH_CASES])
def test_a_path_that_is_a_fifo_a_dangling_link_or_the_wrong_kind_is_a_coded_answer_never_a_hang(
        office, path, c, q, kind, request):
    """Where a file is read: a FIFO (no writer: reading it would wait for ever), a dangling symlink, a folder,
    a missing file. Where a folder is written: a FIFO, a dangling symlink, a file. A coded problem
    naming the path (file_not_found…) or a usage error; never internal_error, never a hang."""
    if path == ("submit",):
        request.getfixturevalue("prefect_harness")
    target = str(office["work"] / kind)
    value = [target] if q.multiple else target
    args = [*argv(path, c, office, replace=(q, target if not isinstance(value, list) else value[0])), "--json"]
    if path == ("consultation", "comments"):
        args = [a for a in args if a not in ("--text", "--author")]
    r = run(office, *args, timeout=20)
    sound(r, args)
    assert r.exit_code in (1, 2), (args, r.output)


# ---------------------------------------------------------------- 3. help: Chinese, whole, at any width

def _texts(c) -> list[str]:
    """What a command's help must show in full: its options' and arguments' help, its commands' first paragraphs."""
    import inspect

    from rich.text import Text
    found = [p.help for p in c.params if getattr(p, "help", None) and not getattr(p, "hidden", False)]
    for sub in getattr(c, "commands", {}).values():
        if not sub.hidden and (sub.short_help or sub.help):
            found.append(inspect.cleandoc(sub.short_help or sub.help).split("\n\n")[0])
    return [flat(Text.from_markup(t.replace("\n", " ")).plain) for t in found]


@pytest.mark.parametrize("width", [80, 200, None])
def test_every_help_is_chinese_and_whole_at_80_and_200_columns_and_with_no_terminal(office, width, monkeypatch):
    """`--help` of the application, every group and every command: exit 0, no English of click's or
    typer's, and every option's help and every command's summary shown whole (folded, never cut with
    "…"), at the width the process takes from COLUMNS (80, 200) and with no terminal and no COLUMNS (120)."""
    import typer.rich_utils as ru

    from cli import zh
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("TERMINAL_WIDTH", raising=False)
    if width is not None:
        monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setattr(ru, "MAX_WIDTH", zh._width())         # what cli.zh sets as the process starts
    assert ru.MAX_WIDTH == (width or 120)
    for path, c in [((), None), *GROUPS[1:], *LEAVES]:
        r = office["runner"].invoke(__import__("cli.main").main.app, [*path, "--help"], catch_exceptions=False)
        assert r.exit_code == 0, (path, r.output)
        assert not ENGLISH.search(r.output), (path, r.output)
        assert "用法：" in r.output and "显示本帮助并退出。" in r.output, (path, r.output)
        assert max(map(len, r.output.splitlines())) <= ru.MAX_WIDTH, path
        shown = flat(r.output)
        command = c if c is not None else GROUPS[0][1]
        for text in _texts(command):
            assert text in shown, (path, width, text, r.output)


def test_help_through_the_real_command_at_80_columns_is_whole(tmp_path):
    """The same through `lockstep` in its own process (COLUMNS=80, output piped: no terminal)."""
    import subprocess
    import sys
    root = Path(__file__).resolve().parents[2]
    r = subprocess.run([sys.executable, "-m", "cli.main", "sign-off", "--help"], cwd=root, capture_output=True,
                       text=True, timeout=120, env={**os.environ, "COLUMNS": "80"})
    assert r.returncode == 0 and max(map(len, r.stdout.splitlines())) <= 80, r.stdout
    assert "紧急签发：跳过未完成的审核环节（须写明理由，事后补审）" in flat(r.stdout), r.stdout
    assert "…" not in r.stdout, r.stdout


# ---------------------------------------------------------------- 4. Chinese in, Chinese out

@pytest.mark.parametrize("words", [("register", "list"), ("register", "search", "根河")])
def test_a_register_status_is_taken_by_its_chinese_name_and_a_wrong_one_is_refused_listing_the_names(office, words):
    """`register list --status 现行有效` is in_force; a typo (有效的, in-force) was an empty register, exit 0:
    now a usage error listing the statuses by name."""
    for name in ("现行有效", "in_force", "已 废止"):
        r = run(office, *words, "--status", name, "--json")
        assert r.exit_code == 0 and "entries" in json.loads(r.stdout), (name, r.output)
    for typo in ("有效的", "in-force", "valid"):
        r = run(office, *words, "--status", typo)
        sound(r, [*words, typo])
        assert r.exit_code == 2, r.output
        assert f"没有台帐状态{typo}（可用：待施行、现行有效、已修改、已废止、已失效）" in flat(r.output), r.output
    r = run(office, *words, "--help")
    assert "in_force/" not in flat(r.output) and "现行有效" in r.output


# Ids that name a stage, a person's role or a material role and are no login name of the default config
# (drafter, signer and publicity are also people's login names, printed beside the role's name on purpose).
IDS = re.compile(r"(?<![\w/.-])(unit_check|legality|kind_check|unit_head|legal_reviewer|deliberation_secretary|"
                 r"gazette_editor|registrar|policy|interpretation_plan|interpretation_material|graphic_interpretation|"
                 r"risk_assessment|response_plan|drafting_note)(?![\w.-])")


@pytest.fixture(scope="module")
def returned(office):
    """A second dossier: 起草单位审核 approved, 合法性审核 returned with an anchored reason."""
    from samples.genhe import write_zip
    from services.dossiers.intake import intake_bundle
    from services.home.context import open_services
    from services.home.folder import Home
    from services.review.actions import record_decision
    svc = open_services(Home(office["home"]))
    d = intake_bundle([write_zip(office["work"] / "r.zip", doc_number="根政办发〔2019〕77号")], "drafter", svc).dossier
    record_decision(svc, d, "unit_check", "approve", "同意", "director")
    record_decision(svc, d, "legality", "return", "请修改", "reviewer", ["一、（二）：回应时限表述不清"])
    return d


def test_text_output_names_stages_roles_and_materials_in_chinese_never_by_id(office, returned):
    """Every read a clerk runs on a returned dossier, and the refusals they meet (a reviewer without the
    stage's role, an editor's work done by a drafter, the register's by an editor who is no registrar):
    the text names stages, roles and material roles by their Chinese names (--json keeps the ids)."""
    d = returned
    reads = [("gate", d), ("status", d), ("history", d), ("diff", d), ("consistency", "show", d, "--as", "reviewer"),
             ("deliberation", "show", d), ("consultation", "show", d), ("due",), ("users", "list"),
             ("notify", "list", "--as", "drafter"), ("register", "list"), ("gazette", "queue"),
             ("gazette", "issue", "list"), ("opinion", d, "--out", str(office["work"] / "op")),
             ("review", d, "--stage", "合法性审核", "--approve", "--as", "director"),
             ("review", d, "--stage", "集体审议", "--approve", "--as", "reviewer"),
             ("review", office["dossier"], "--stage", "合法性审核", "--approve", "--as", "reviewer"),   # 前置环节
             ("gazette", "issue", "new", "--year", "2026", "--number", "1", "--as", "drafter"),
             ("register", "expire", "--as", "drafter"), ("register", "amend", "R1", "--by", "x", "--as", "editor"),
             ("withhold", d, "--reason", "测试", "--as", "drafter"),
             ("attach", d, str(office["work"] / "p.docx"), "--role", "风险评估", "--as", "reviewer")]
    leaked = {}
    for args in reads:
        r = run(office, *args)
        sound(r, args)
        if found := IDS.findall(r.output):
            leaked[" ".join(args[:3])] = (sorted(set(found)), [x for x in r.output.splitlines() if IDS.search(x)][:3])
    assert not leaked, leaked
    gate = json.loads(run(office, "gate", d, "--json").stdout)        # JSON keeps the ids
    assert "legality" in {s["id"] for s in gate["stages"]}


# ---------------------------------------------------------------- 5. the same damage handed to a running desk

def test_damage_handed_to_a_running_desk_is_answered_as_here_and_leaves_the_desk_answering(tmp_path, prefect_harness):
    """With `lockstep serve` up for the home, gate/status/register list and submit/sign-off/attach/review
    go to the desk. A wrong id, a wrong stage, a wrong status, a missing option, an unknown person, and a
    FIFO named as the material (before the fix: read by the desk for ever, the command line waiting 600 s):
    each a coded Chinese answer, exit 1 or 2, --json one document; the desk still answers after. Real
    subprocesses (few: each costs a second here)."""
    import subprocess
    import sys
    import time

    from samples.genhe import write_zip
    from services.dossiers.intake import intake_bundle
    from services.home.context import initialise
    from services.home.folder import Home
    from tests.cli.test_writes_fast import _env, desk
    root = Path(__file__).resolve().parents[2]
    _, svc = initialise(Home(tmp_path / "home"))
    d = intake_bundle([write_zip(tmp_path / "b.zip")], "drafter", svc).dossier
    os.mkfifo(tmp_path / "材料.zip")
    cases = [(("gate", "D2026-001", "--json"), 1, "not_found"), (("status", "Ｄ２０２６－０００１"), 1, "not_found"),
             (("register", "list", "--status", "有效的"), 2, "没有台帐状态"),
             (("review", d, "--stage", "终审", "--approve", "--as", "director", "--json"), 2, "没有审核环节"),
             (("review", d, "--stage", "合法性审核", "--approve", "--as", "nobody", "--json"), 1, "unknown_person"),
             (("sign-off", "d2026-0001", "--as", "signer", "--json"), 1, "not_found"),
             (("attach", d, "--role", "风险评估", "--as", "drafter"), 2, "缺少参数"),
             (("submit", "材料.zip", "--as", "drafter", "--json"), 1, "file_not_found")]
    with desk(svc.home.path):
        for args, code, said in cases:
            started = time.monotonic()
            r = subprocess.run([sys.executable, "-m", "cli.main", "--home", str(svc.home.path), *args], cwd=tmp_path,
                               env=_env(PYTHONPATH=str(root)), capture_output=True, text=True, timeout=120)
            both = r.stdout + r.stderr
            assert (r.returncode, said in flat(both)) == (code, True), (args, both)
            assert not ENGLISH.search(both) and "internal_error" not in both, (args, both)
            if "--json" in args and r.stdout.strip():
                assert json.loads(r.stdout)["problems"][0]["code"], (args, r.stdout)
            assert time.monotonic() - started < 60, args
        r = subprocess.run([sys.executable, "-m", "cli.main", "--home", str(svc.home.path), "gate", d, "--json"],
                           cwd=tmp_path, env=_env(PYTHONPATH=str(root)), capture_output=True, text=True, timeout=120)
        assert r.returncode == 0 and json.loads(r.stdout)["dossier"] == d, r.stdout + r.stderr


def test_a_command_line_refusal_of_a_wrong_value_never_sends_the_clerk_to_the_api_docs(office):
    """request_invalid's general advice is the API's ("请按接口说明（/docs）填写"): on the command line a
    login name with a space, a reason too short, a 修改说明 in the wrong form are told how to write it
    without /docs, in text and in --json."""
    d = office["dossier"]
    for args in (("users", "add", "wang wu", "--unit", "司法局", "--role", "起草人员"),
                 ("consistency", "explain", d, "--finding", "1", "--reason", "短", "--as", "reviewer"),
                 ("submit", str(office["work"] / "p.docx"), "--dossier", d, "--answer", "乱写", "--as", "drafter")):
        for mode in ((), ("--json",)):
            r = run(office, *args, *mode)
            sound(r, [*args, *mode])
            assert r.exit_code == 1 and "request_invalid" in r.output, (args, r.output)
            if mode:
                [p] = json.loads(r.stdout)["problems"]
                assert "/docs" not in p["message"] and "接口" not in p["message"] and "-h" in p["message"], p


def test_an_argument_that_is_not_utf8_with_json_is_the_problem_shape_on_stdout(tmp_path):
    """A GBK terminal's bytes (lone surrogates in sys.argv) with --json: stdout is the one JSON document too."""
    import subprocess
    import sys
    root = Path(__file__).resolve().parents[2]
    bad = os.fsencode("D") + "测试".encode("gbk")
    r = subprocess.run([sys.executable, "-m", "cli.main", "--home", str(tmp_path / "h"), "gate", bad, "--json"],
                       cwd=root, capture_output=True, timeout=120)
    [found] = json.loads(r.stdout.decode("utf-8"))["problems"]
    assert r.returncode == 2 and found["code"] == "request_invalid" and "不是 UTF-8 编码" in found["message"], found
    assert "不是 UTF-8 编码" in r.stderr.decode("utf-8") and not (tmp_path / "h").exists()


def test_every_date_option_takes_the_three_forms_offices_write(office):
    """2026-12-10, 2026/12/10 and 2026年12月10日 reach every date option's command (never a usage error),
    whatever the command then answers; the time options (--at, --publish-at) read them as that day's 0:00."""
    from cli.gazette_cmds import parse_moment
    dated = [(p, c, q) for p, c in LEAVES if p not in ENGINE for q in c.params
             if getattr(q, "type_descriptor", None) is not None and q.type_descriptor.is_datetime]
    assert len(dated) >= 5, dated
    for path, c, q in dated:
        for form in ("2026-12-10", "2026/12/10", "2026年12月10日"):
            args = [*argv(path, c, office, replace=(q, form)), "--json"]
            r = run(office, *args)
            sound(r, args)
            assert r.exit_code in (0, 1), (args, r.output)
    assert {parse_moment(v, "--at") for v in ("2026-12-10", "2026/12/10", "2026年12月10日")} == {parse_moment("2026-12-10", "--at")}


def test_a_reviewers_words_or_an_id_that_look_like_rich_markup_are_printed_as_written(office):
    """A reason or comment with square brackets ("请改[/b]正文", "表述[/]不清") broke gate, status and history
    of that dossier (rich's MarkupError, printed as a traceback by the very error handler); so did an id
    typed with them (gate "[/x]"). Printed as written, exit 0 / 1. Terminal control characters in them
    (ESC sequences, BEL) were written raw to the clerk's terminal: shown as \\x1b instead."""
    from samples.genhe import write_zip
    from services.dossiers.intake import intake_bundle
    from services.home.context import open_services
    from services.home.folder import Home
    from services.review.actions import record_decision
    svc = open_services(Home(office["home"]))
    d = intake_bundle([write_zip(office["work"] / "m.zip", doc_number="根政办发〔2019〕78号")], "drafter", svc).dossier
    record_decision(svc, d, "unit_check", "return", "请改[/b]正文\x1b[2J\x1b]0;标题\x07", "director",
                    ["一、（二）：表述[/]不清\x1b[31m"])
    for args in (("gate", d), ("status", d), ("history", d)):
        r = run(office, *args)
        sound(r, args)
        assert r.exit_code == 0 and "Traceback" not in r.output, (args, r.output)
        # A reviewer's words never drive the clerk's terminal (clear the screen, retitle it): shown, not obeyed.
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", r.output), (args, repr(r.output))
        assert "请改[/b]正文" in r.output or "表述[/]不清" in r.output, (args, r.output)
    for bad in ("[/x]", "D[/]", "[bold]D2026-0001"):
        for args in (("gate", bad), ("status", bad), ("history", bad)):
            r = run(office, *args)
            sound(r, args)
            assert r.exit_code == 1 and bad in r.output, (args, r.output)
    for args in (("gate", "D\x1b[2J"), ("review", d, "--stage", "\x1b]0;x\x07终审", "--approve", "--as", "director")):
        r = run(office, *args)
        sound(r, args)
        assert r.exit_code in (1, 2) and "\x1b" not in r.output and "\\x1b" in r.output, (args, repr(r.output))
