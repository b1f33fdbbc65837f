"""Brief H3 (session 12): an act or a non-public read under a disabled person, tried through every surface.

- The desk: a session of the person that is still on record after `lockstep users disable` (a sign-in
  racing the disable commits its session row after the disable deleted the others). Every route of the
  app, GET and POST (with the session's own CSRF value), answers that cookie exactly as it answers a
  stranger with no cookie; an enabled person's cookie is answered otherwise on most routes (the sweep
  reaches the guarded handlers).
- The API: a token of the person on record after the disable (`users token` racing it) is answered as no
  token on every /api/v1 route.
- The command line: `--as` a disabled person, for an act and for a read of their dossier.
- A worker: a batch intake staged by the person before the disable, run after it, records nothing.
"""
from __future__ import annotations

import secrets
import time

import pytest
from fastapi.testclient import TestClient

from documents.problems import Refused

from desk import auth
from tests.desk.test_pages import PASSWORD, PEOPLE, _login_csrf

DISABLED = "drafter"


def _routes(app):
    """(method, path template) of every route, included routers walked."""
    out = []

    def walk(routes, prefix=""):
        for r in routes:
            if hasattr(r, "path"):
                for m in sorted(getattr(r, "methods", None) or ()):
                    if m != "HEAD":
                        out.append((m, prefix + r.path))
            else:
                walk(r.original_router.routes, prefix + (getattr(r.include_context, "prefix", "") or ""))
    walk(app.routes)
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from desk.app import create_app
    from services.dossiers.intake import intake_bundle
    from services.gazette import issues as gazette
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    from samples.genhe import write_zip
    root = tmp_path_factory.mktemp("s12-h3-surfaces")
    home = Home(root / "home")
    initialise(home)
    for name in PEOPLE:
        auth.set_password(home.path, name, PASSWORD)
    svc = open_services(home)
    result = intake_bundle([write_zip(root / "a.zip", "complete", doc_number="根政办发〔2026〕501号")], DISABLED, svc)
    assert result.accepted, result.problems
    gazette.create_issue(svc, 2026, 3, "editor", total=10)
    app = create_app(home.path, "test-token")
    with svc.unit() as uow:
        row = uow.dossiers.require(result.dossier)
        title = row.title
        sha = uow.dossiers.version(row.id, row.current_version).files[0].sha256
    return {"home": home, "svc": svc, "app": app, "d": result.dossier, "title": title, "sha": sha, "root": root}


def _fill(path: str, w) -> str:
    values = {"d": w["d"], "dossier_id": w["d"], "n": "1", "issue_id": "2026-3", "number": "x", "sha256": w["sha"],
              "path": "index.html", "name": "x", "fmt": "csv", "notice": "1", "notice_id": "1", "year": "2026",
              "folder": "x", "action": "repeal"}
    for key, value in values.items():
        path = path.replace("{" + key + ":path}", value).replace("{" + key + "}", value)
    assert "{" not in path, path
    return path


def _session_on_record(svc, name: str, token: str, csrf: str) -> None:
    """The session row a sign-in racing the disable leaves: put back before every request (the desk drops
    a refused one)."""
    from storage.tables import DeskSessionRow
    with svc.unit() as uow:
        if uow.accounts.desk_session(auth.accounts.digest(token)) is None:
            now = time.time()
            uow.add(DeskSessionRow(digest=auth.accounts.digest(token), name=name, csrf=csrf, created=now,
                                   seen=now, expires=now + 3600))


def _token_on_record(svc, name: str, token: str) -> None:
    from storage.tables import ApiTokenRow
    with svc.unit() as uow:
        if uow.accounts.token(auth.accounts.digest(token)) is None:
            uow.add(ApiTokenRow(digest=auth.accounts.digest(token), name=name, created_at=uow.now()))


def _ask(c: TestClient, method: str, path: str, csrf: str, bearer: str | None = None):
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    if method == "GET":
        return c.get(path, follow_redirects=False, headers=headers)
    if path.startswith("/api/"):
        return c.post(path, json={}, follow_redirects=False, headers=headers)
    return c.post(path, data={"csrf": csrf}, follow_redirects=False, headers=headers)


def _answer(r) -> tuple[int, str]:
    return r.status_code, r.headers.get("location", "").split("?")[0]


def test_a_disabled_persons_session_and_token_on_record_are_answered_as_a_stranger_on_every_route(world):
    from services.home.accounts import disable_person, enable_person
    svc, app, w = world["svc"], world["app"], world
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    token = auth.TOKEN_PREFIX + secrets.token_urlsafe(32)
    disable_person(svc, DISABLED, "admin")
    try:
        stranger = TestClient(app, base_url="http://testserver")
        disabled = TestClient(app, base_url="http://testserver", cookies={auth.SESSION_COOKIE: cookie})
        control = TestClient(app, base_url="http://testserver")
        r = control.post("/login", data={"name": "director", "password": PASSWORD, "csrf": _login_csrf(control)})
        assert r.status_code == 200 and "您好" in r.text
        control_csrf = auth.Sessions.for_home(w["home"].path).get(control.cookies[auth.SESSION_COOKIE]).csrf
        control_token = auth.issue_token(w["home"].path, "director")

        differs, answered = [], []
        routes = [(m, p) for m, p in _routes(app) if not p.startswith("/api/flows") and p not in ("/login", "/logout")]
        assert len(routes) > 60
        for method, template in routes:
            path = _fill(template, w)
            api = path.startswith("/api/")
            want = _answer(_ask(stranger, method, path, "x"))
            _session_on_record(svc, DISABLED, cookie, csrf)
            _token_on_record(svc, DISABLED, token)
            r = _ask(disabled, method, path, csrf, token if api else None)
            got = _answer(r)
            if got != want:
                differs.append((method, template, want, got, r.text[:200]))
            if r.status_code == 200 and method == "GET":
                assert w["title"] not in r.text or w["title"] in stranger.get(path).text, (method, template)
            seen = _answer(_ask(control, method, path, control_csrf, control_token if api else None))
            if seen != want:
                answered.append(template)
        assert differs == [], differs
        assert len(answered) > 30, answered         # the sweep reached the handlers a session opens
        with svc.unit() as uow:
            events = [e.actor for e in uow.audit.history(w["d"])]
        assert events.count(DISABLED) == 1          # the submission, nothing since
    finally:
        enable_person(svc, DISABLED, "admin")


def test_the_command_line_as_a_disabled_person_records_nothing(world, tmp_path):
    """The command line's reads are the operator's (no --as); every act --as the disabled person is refused."""
    from services.home.accounts import disable_person, enable_person
    from samples.genhe import write_zip
    from tests.conftest import Cli
    svc, w = world["svc"], world
    cli = Cli(w["home"].path)
    again = write_zip(tmp_path / "v2.zip", "complete", doc_number="根政办发〔2026〕501号",
                      inner_title="根河市政务公开工作要点（修改稿）")
    disable_person(svc, DISABLED, "admin")
    try:
        for args in (("disclosure", "set", w["d"], "主动公开", "--as", DISABLED),
                     ("submit", str(again), "--dossier", w["d"], "--as", DISABLED),
                     ("attach", w["d"], str(again), "--role", "policy", "--as", DISABLED)):
            r = cli(*args)
            assert r.exit_code != 0 and "已停用" in r.output, (args, r.output)
    finally:
        enable_person(svc, DISABLED, "admin")
    with svc.unit() as uow:
        assert [e.actor for e in uow.audit.history(w["d"])].count(DISABLED) == 1


def test_a_batch_staged_by_a_person_disabled_before_the_worker_runs_it_records_nothing(world, tmp_path):
    from services.dossiers import staged
    from services.home.accounts import disable_person, enable_person
    from samples.genhe import write_zip
    svc = world["svc"]
    batch = staged.new_batch(svc.now())
    staged.stage(svc, [write_zip(tmp_path / "b.zip", "complete", doc_number="根政办发〔2026〕502号")], DISABLED, batch)
    with svc.unit() as uow:
        before = uow.audit.count()
    disable_person(svc, DISABLED, "admin")
    try:
        staged.run_staged(svc, batch, limit=5, worker="test")
        state = staged.state(svc, batch)
        assert state.finished
        with svc.unit() as uow:
            assert uow.audit.count() == before + 1      # the disable only
        [answer] = state.answers.values()
        assert not answer.get("accepted") and "已停用" in str(answer), answer
    finally:
        enable_person(svc, DISABLED, "admin")


def test_a_publication_the_worker_runs_for_a_signer_disabled_meanwhile_is_not_recorded_under_them(svc, tmp_path):
    """The sign-off's publish job names the signer; the signer is disabled before a worker runs it (and
    before a 定时发布 falls due): the worker records nothing under the signer — the job fails as
    unknown_person (已停用), listed by `lockstep due` — and the operator's `lockstep publish` publishes it
    under the operator's name. (Reported: the worker no longer publishes a signed document by itself.)"""
    import datetime as dt

    from services.dossiers.intake import intake_bundle
    from services.home.accounts import disable_person
    from services.publication.publish import publish, publish_job, publish_pending, waiting
    from services.publication.schedule import publish_due
    from services.review.actions import record_decision, record_sign_off, status
    from samples.genhe import write_zip

    def signed(n: int, at=None) -> str:
        d = intake_bundle([write_zip(tmp_path / f"{n}.zip", "complete", doc_number=f"根政办发〔2019〕{n}号")],
                          "drafter", svc).dossier
        for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
            record_decision(svc, d, stage, "approve", "同意", who)
        record_sign_off(svc, d, "signer", publish_at=at)
        return d

    now = svc.now()
    svc.now = lambda: now                         # one moment: the scheduled one is due when asked below
    d = signed(601)
    later = signed(602, at=now + dt.timedelta(minutes=5))
    jobs = {j.dossier_id: j for j in waiting(svc)}
    assert {jobs[d].actor, jobs[later].actor} == {"signer"}
    disable_person(svc, "signer", "admin")

    with pytest.raises(Exception) as refused:
        publish_job(svc, jobs[d].id)
    assert "已停用" in str(refused.value)
    svc.now = lambda: now + dt.timedelta(minutes=6)
    [due] = publish_due(svc)
    assert due["published"] is False and due["problems"][0]["code"] == "unknown_person", due
    assert publish_pending(svc).results == []
    assert {j.dossier_id: j.status for j in waiting(svc)} == {d: "failed", later: "failed"}
    with svc.unit() as uow:
        assert [e.name for e in uow.audit.history(d) if e.actor == "signer"] == ["dossier.signed_off"]
        assert [e.name for e in uow.audit.history(later) if e.actor == "signer"][-1] != "publication.published"
    assert status(svc, d).state == "signed_off"

    assert publish(svc, d).published                # the operator at the machine
    with svc.unit() as uow:
        published = [e for e in uow.audit.history(d) if e.name.endswith("published")]
    assert published and published[-1].actor != "signer"


def test_a_session_or_token_that_raced_the_disable_does_not_come_back_with_users_enable(svc):
    """The desk's sign-in checks the password (an enabled person) and then opens the session; `users token`
    checks the person and then stores the token. A `users disable` committing between the two leaves a
    session row and a token row of the disabled person (refused while disabled). `users enable` says a new
    password and token must be issued: neither the session nor the token from before works after it
    (was broken: both opened the desk and the API again)."""
    from services.home.accounts import disable_person, enable_person
    home = svc.home.path
    auth.set_password(home, DISABLED, PASSWORD)
    assert auth.verify_password(home, DISABLED, PASSWORD)       # the sign-in's first step: enabled
    disable_person(svc, DISABLED, "admin")
    sessions = auth.Sessions.for_home(home)
    cookie = sessions.create(DISABLED)                          # its second step, after the disable
    token = auth.issue_token(home, DISABLED)                    # `users token`, checked before the disable
    assert sessions.get(cookie) is None and auth.token_user(home, token) is None
    cookie = sessions.create(DISABLED)                          # (the refused look-up dropped the first)
    enable_person(svc, DISABLED, "admin")
    assert sessions.get(cookie) is None, "a session opened before the enable works again"
    assert auth.token_user(home, token) is None, "a token issued before the enable works again"
    fresh = auth.issue_token(home, DISABLED)                    # what enable asks for works
    assert auth.token_user(home, fresh) == DISABLED


@pytest.mark.parametrize("name", ["lockstep", "Lockstep", "ｌｏｃｋｓｔｅｐ", "lock-step"])
def test_no_person_may_take_the_name_the_machines_own_work_is_recorded_under(svc, name):
    """Sweeps and daily checks record their events as `lockstep` (services/publication/publish.py OPERATOR,
    services/register/life.py). A person of that name (`users add lockstep`) then disabled made the audit log
    refuse all of that work as a disabled person's (the publication sweep, expiry, 施行); enabled, their acts
    read as the machine's. Refused as a name no person may hold (was broken: added)."""
    from services.home.accounts import add_person
    unit = svc.config.person("drafter").unit
    with pytest.raises(Refused) as refused:
        add_person(svc, name, unit, ["drafter"], None, "admin")
    assert refused.value.problem.code == "not_permitted" and "署名" in refused.value.problem.message
    with svc.unit() as uow:
        assert uow.accounts.person(name) is None
    add_person(svc, "lockstep2", unit, ["drafter"], None, "admin")      # a name merely like it is a name


def test_a_session_or_token_that_raced_a_file_drop_does_not_come_back_when_the_file_names_the_person_again(svc):
    """The same for a person lockstep.toml drops (disabled by the file) and names again (enabled by it): a
    session or token stored after the drop by a sign-in or `users token` that checked the person before it
    does not open the desk or the API once the file names the person again."""
    import os

    import tomlkit

    from services.home.context import open_services
    home = svc.home
    auth.set_password(home.path, DISABLED, PASSWORD)
    assert auth.verify_password(home.path, DISABLED, PASSWORD)
    doc = tomlkit.parse(home.config_path.read_text(encoding="utf-8"))
    entry = next(p for p in doc["people"] if p["name"] == DISABLED)
    kept = tomlkit.dumps(doc)
    doc["people"].remove(entry)

    def write(text: str, bump: int) -> None:
        home.config_path.write_text(text, encoding="utf-8")
        st = home.config_path.stat()
        os.utime(home.config_path, (st.st_atime, st.st_mtime + bump))      # a new edit, whatever the clock
        home.__dict__.pop("config", None)
        home.__dict__.pop("raw", None)
        open_services(home)                                                 # the edit recorded

    write(tomlkit.dumps(doc), 10)
    with svc.unit() as uow:
        assert uow.accounts.person(DISABLED).disabled_at is not None
    sessions = auth.Sessions.for_home(home.path)
    cookie = sessions.create(DISABLED)          # the sign-in's second step, after the drop
    token = auth.issue_token(home.path, DISABLED)
    write(kept, 20)
    with svc.unit() as uow:
        assert uow.accounts.person(DISABLED).disabled_at is None
    assert sessions.get(cookie) is None, "a session stored while dropped works again"
    assert auth.token_user(home.path, token) is None, "a token stored while dropped works again"
