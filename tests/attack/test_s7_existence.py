"""Existence never leaks (session 7, helper F): every route of the running app that takes a dossier
id, found by walking the FastAPI app's routes (so a route added later is covered without editing
this file), answers a person the rulebook does not let see a dossier exactly as it answers for a
missing one: same status, same body with the id replaced. The public site's routes are asked by
an anonymous client the same way for a dossier under review.

One home for the module: a 重大行政决策 at low risk and a 政策性文件, both under review (the 宣传部
reviewer, the gazette editor and another unit's drafter may not see them), and a signed, published
normative document (the gazette editor may see it; the 宣传部 reviewer and the other drafter may not).
The walk finds 34 dossier routes today; each is asked with a body an entitled person could send."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review import rules
from samples.genhe import write_zip
from services.dossiers.intake import intake_bundle
from services.home.context import open_services
from services.home.people import add_person
from services.publication.publish import publish
from services.review.actions import load, pipeline_for, record_decision, record_sign_off
from services.review.basics import person
from tests.support.homes import scratch_home

MISSING = "D1999-9999"
STRANGERS = ("publicity", "editor", "sfj_drafter")
DOSSIER_PARAMS = ("d", "dossier_id")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PASSWORD = "correct horse battery staple 7"

# Every field a desk form or an API body may read, with a value an entitled person could send, so
# that what refuses a stranger is the dossier's door and not the input.
FORM = {"stage": "publicity", "verdict": "approve", "comment": "同意", "reasons": "表述不清，请修改",
        "value": "主动公开", "disclosure": "主动公开", "reason": "经审查发现涉及不宜公开的内容，撤回公开",
        "emergency_reason": "防汛紧急部署，须在汛期前公布施行", "topic": "综合政务", "confirm": "1",
        "publish_at": "2030-01-01T09:00:00+08:00", "at": "2030-01-01T09:00", "opens": "2019-07-01",
        "closes": "2019-07-31", "comments": "张三\t建议明确办理时限\t2019-07-02", "text": "建议明确办理时限",
        "name": "张三", "contact": "", "decision": "采纳", "action": "accept", "finding": "F1",
        "meeting": "市政府常务会议", "session_number": "3", "held_on": "2019-06-01", "role": "graphic_interpretation",
        "version": "1", "answer": ""}
OTHER_PARAMS = {"n": "1", "number": "1", "notice": "1"}


def walk(routes, prefix: str = ""):
    """(methods, path) of every route, through included routers (fastapi 0.150's _IncludedRouter)."""
    for r in routes:
        if hasattr(r, "path"):
            yield frozenset(getattr(r, "methods", None) or ()), prefix + r.path
        elif hasattr(r, "original_router"):
            yield from walk(r.original_router.routes, prefix + (r.include_context.prefix or ""))


def dossier_routes(app) -> list[tuple[str, str]]:
    out = []
    for methods, path in walk(app.routes):
        names = re.findall(r"{(\w+)(?::\w+)?}", path)
        if any(n in DOSSIER_PARAMS for n in names) or path == "/site/consultations/{name}":
            out += [(m, path) for m in sorted(methods - {"HEAD"})]
    return out


@pytest.fixture(scope="module")
def world():
    from desk import auth
    from desk.app import create_app
    with scratch_home("lockstep-s7-exist-") as (home, base):
        add_person(home, "sfj_drafter", "根河市司法局", ["drafter"], None, actor="test")
        svc = open_services(home)
        major = intake_bundle([write_zip(base / "major.zip", kind="重大行政决策", doc_number="根政发〔2019〕71号")],
                              "drafter", svc).dossier
        light = intake_bundle([write_zip(base / "light.zip", kind="政策性文件", doc_number="根政办发〔2019〕72号")],
                              "drafter", svc).dossier
        signed = intake_bundle([write_zip(base / "signed.zip", doc_number="根政办发〔2019〕73号")],
                               "drafter", svc).dossier
        for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
            record_decision(svc, signed, stage, "approve", "同意", who)
        record_sign_off(svc, signed, "signer")
        assert publish(svc, signed).published
        for name in STRANGERS:
            auth.set_password(home.path, name, PASSWORD)
        app = create_app(home.path, "test-token")
        yield svc, app, {"major": major, "light": light, "signed": signed}


def _hidden_from(svc, who: str, d: str) -> bool:
    with svc.unit() as uow:
        row, view = load(uow, d)
        return rules.may_see(person(svc.config, who), d, row.drafting_unit, row.state,
                             pipeline_for(svc.config, view.current), view.current) is not None


def _sha(svc, d: str) -> str:
    with svc.unit() as uow:
        row = uow.dossiers.require(d)
        return uow.dossiers.version(d, row.current_version).files[0].sha256


class Asker:
    """One stranger on every surface: the desk signed in (with the session's form token), the API
    with a bearer token."""

    def __init__(self, app, svc, who: str):
        from desk import auth
        self.desk = TestClient(app, base_url="http://testserver", follow_redirects=False)
        r = self.desk.get("/login")
        token = CSRF.search(r.text).group(1)
        r = self.desk.post("/login", data={"name": who, "password": PASSWORD, "csrf": token})
        assert r.status_code in (200, 303), r.text
        self.csrf = CSRF.search(self.desk.get("/desk").text).group(1)
        self.api = TestClient(app, base_url="http://testserver", follow_redirects=False,
                              headers={"Authorization": f"Bearer {auth.issue_token(svc.home.path, who)}"})

    def ask(self, method: str, path: str, d: str, sha: str):
        url = path
        for name in DOSSIER_PARAMS:
            url = url.replace("{%s}" % name, d)
        url = url.replace("{name}", d + ".html")
        url = url.replace("{sha256}", sha)
        url = re.sub(r"{(\w+)(?::\w+)?}", lambda m: OTHER_PARAMS.get(m.group(1), "x"), url)
        client = self.api if url.startswith("/api/") else self.desk
        if method == "GET":
            return client.get(url)
        if url.startswith("/api/"):
            if url.endswith("/files"):
                return client.post(url, data={"role": "graphic_interpretation"},
                                   files=[("file", ("一图读懂.png", b"\x89PNG\r\n\x1a\nnot read", "image/png"))])
            return client.post(url, json={**FORM, "reasons": [FORM["reasons"]]})
        return client.post(url, data={**FORM, "csrf": self.csrf})


def said(response, d: str, sha: str) -> tuple[int, str]:
    text = response.text.replace(d, "<D>").replace(sha, "<SHA>")
    return response.status_code, text


def test_the_route_walk_finds_the_dossier_routes_of_every_surface(world):
    """The walk reaches the API, the desk's pages and the public consultation form (a walk that found
    none would make the test below pass vacuously)."""
    _, app, _ = world
    paths = {p for _, p in dossier_routes(app)}
    assert any(p.startswith("/api/v1/dossiers/{dossier_id}") for p in paths)
    assert "/desk/dossiers/{dossier_id}" in paths and "/desk/dossiers/{d}/consultation" in paths
    assert len(paths) >= 25, sorted(paths)


# (stranger, dossier): each stranger's role set meets the doors differently (a drafter of another unit
# passes the drafting office's role checks and reaches the dossier's door; the 宣传部 reviewer and the
# gazette editor pass a reviewer's or an editor's), on a dossier under review and a published one.
PAIRS = (("publicity", "major"), ("publicity", "signed"), ("sfj_drafter", "light"), ("sfj_drafter", "signed"),
         ("editor", "major"))


def test_every_dossier_route_answers_a_stranger_as_for_a_missing_dossier(world):
    """For each (stranger, dossier) of PAIRS and every route: the rulebook hides the dossier, and the
    answer equals the missing dossier's, status and body."""
    svc, app, dossiers = world
    routes = dossier_routes(app)
    leaks, askers, missing_of = [], {}, {}
    for who, key in PAIRS:
        d = dossiers[key]
        assert _hidden_from(svc, who, d), (who, key)
        asker = askers.get(who) or askers.setdefault(who, Asker(app, svc, who))
        sha = _sha(svc, d)
        for method, path in routes:
            if (who, method, path) not in missing_of:
                missing_of[who, method, path] = said(asker.ask(method, path, MISSING, sha), MISSING, sha)
            got = said(asker.ask(method, path, d, sha), d, sha)
            if got != missing_of[who, method, path]:
                leaks.append((who, key, method, path, got[0], missing_of[who, method, path][0], got[1][:300]))
    assert not leaks, "\n".join(map(str, leaks))


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.data())
def test_the_public_never_learns_which_dossiers_exist_through_the_site(world, data):
    """An anonymous client on the public routes that take a dossier id (the consultation notice, the
    comment form), for dossiers under review, signed, or missing: the same answer."""
    svc, app, dossiers = world
    public = [(m, p) for m, p in dossier_routes(app) if not p.startswith(("/desk", "/api"))]
    assert public
    method, path = data.draw(st.sampled_from(public))
    key = data.draw(st.sampled_from(sorted(dossiers)))
    c = TestClient(app, base_url="http://testserver", follow_redirects=False)
    d = dossiers[key]

    def go(x):
        url = path.replace("{name}", x + ".html")
        url = re.sub(r"{(\w+)(?::\w+)?}", lambda m: x if m.group(1) in DOSSIER_PARAMS else "1", url)
        return c.get(url) if method == "GET" else c.post(url, data=FORM)
    got, missing = go(d), go(MISSING)
    assert (got.status_code, got.text.replace(d, "<D>")) == (missing.status_code, missing.text.replace(MISSING, "<D>"))


# ------------------------------------------------------------------ the command line, walked the same way

# What a CLI argument or option is given, by its parameter name, so that the dossier's door answers.
CLI_VALUES = {"stage": "publicity", "comment": "1", "reason": "经审查发现涉及不宜公开的内容，撤回公开",
              "role": "graphic_interpretation", "finding": "F1", "meeting": "市政府常务会议", "held_on": "2019-06-01",
              "value": "主动公开", "start": "2019-07-01", "end": "2019-07-31", "adopted": "采纳", "action": "accept",
              "text": "建议明确办理时限", "author": "张三"}
# submit and gazette commands take a dossier only as an option of other work. (publish's --as naming a
# configured person asks the dossier's door too: services/publication/publish.py `_door`.)
CLI_LEFT_OUT = ("submit", "gazette")


def cli_commands():
    """(path, click command) of every command taking a dossier and a person (--as)."""
    import typer

    from cli.main import app

    def walk(c, path=()):
        if hasattr(c, "commands"):
            for name, sub in c.commands.items():
                yield from walk(sub, (*path, name))
        else:
            yield path, c
    for path, c in walk(typer.main.get_command(app)):
        names = {p.name for p in c.params}
        if "dossier" in names and "as_" in names and path[0] not in CLI_LEFT_OUT:
            yield path, c


def test_every_cli_command_taking_a_dossier_and_a_person_answers_a_stranger_as_for_a_missing_dossier(world, tmp_path):
    from typer.testing import CliRunner

    from cli.main import app
    svc, _, dossiers = world
    picture = tmp_path / "一图读懂.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\nnot read")
    runner, asked, leaks = CliRunner(), 0, []
    for path, c in cli_commands():
        def argv(d):
            args, opts = [], []
            for p in c.params:
                if p.name in ("as_json", "as_"):
                    continue
                if p.name == "dossier":
                    value = d
                elif p.required:
                    value = str(picture) if p.name in ("file", "minutes") else CLI_VALUES.get(p.name, "x")
                else:
                    continue
                if p.param_type_name == "argument":
                    args.append(value)
                elif getattr(p, "is_flag", False):
                    opts.append(p.opts[0])
                else:
                    opts += [p.opts[0], value]
            return ["--home", str(svc.home.path), *path, *args, *opts, "--as", "publicity", "--json"]
        d = dossiers["major"]
        got = runner.invoke(app, argv(d))
        missing = runner.invoke(app, argv(MISSING))
        asked += 1
        if (got.exit_code, got.output.replace(d, "<D>")) != (missing.exit_code, missing.output.replace(MISSING, "<D>")):
            leaks.append((" ".join(path), got.exit_code, got.output[:200]))
    assert asked >= 12
    assert not leaks, "\n".join(map(str, leaks))
