"""Round 5 as a stranger would try it (A1): a scheduled web release seen early on any public surface; the
new desk steps (征求意见, 网上意见审核, 集体审议, 公报上移/下移, 台帐废止/报备, 定时发布/取消) taken by the wrong
person, without a form token or signed out; the public comment form fed hostile bodies. Every refusal is
coded and stores nothing (rows and audit events counted before and after). One home for the module; the
desk app through the TestClient; the clock moved by scheduling a moment seconds ahead."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import time
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.desk.test_pages import PASSWORD, PEOPLE, csrf_of, sign_in

CODE = re.compile(r'class="code">([a-z_]+)<')
FORM = re.compile(r'name="form" value="([^"]+)"')
NUMBERS = iter(range(300, 999))
HOUR = dt.timedelta(hours=1)
# A drafter of another unit (司法局): the default config has none, so the module adds one.
OUTSIDER = '\n[[people]]\nname = "outsider"\ndisplay = "司法局起草人"\nunit = "根河市司法局"\nroles = ["drafter"]\n'


@dataclasses.dataclass
class World:
    app: object
    svc: object
    home: object
    clients: dict

    def who(self, name: str) -> TestClient:
        if name not in self.clients:
            self.clients[name] = sign_in(self.app, name)
        return self.clients[name]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from desk import auth
    from desk.app import create_app
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    home = Home(tmp_path_factory.mktemp("round5-attacks") / "home")
    initialise(home)
    with open(home.config_path, "a", encoding="utf-8") as f:
        f.write(OUTSIDER)
    for name in (*PEOPLE, "outsider"):
        auth.set_password(home.path, name, PASSWORD)
    return World(create_app(home.path, "test-token"), open_services(Home(home.path)), home, {})


def number() -> str:
    return f"根政发〔2019〕{next(NUMBERS)}号"


def intake(world, sample_zip, kind: str = "行政规范性文件") -> tuple[str, str]:
    from services.dossiers.intake import intake_bundle
    doc = number()
    result = intake_bundle([sample_zip(kind=kind, doc_number=doc)], "drafter", world.svc)
    assert result.accepted, result.problems
    return result.dossier, doc


def approved(world, sample_zip, stages=("unit_check", "legality", "deliberation")) -> tuple[str, str]:
    from services.review.actions import record_decision
    d, doc = intake(world, sample_zip)
    who = {"unit_check": "director", "legality": "reviewer", "deliberation": "secretary"}
    for stage in stages:
        record_decision(world.svc, d, stage, "approve", "同意", who[stage])
    return d, doc


def published(world, sample_zip) -> tuple[str, str]:
    from services.publication.publish import publish
    from services.review.actions import record_sign_off
    d, doc = approved(world, sample_zip)
    record_sign_off(world.svc, d, "signer")
    assert publish(world.svc, d, "signer").published
    return d, doc


def scheduled(world, sample_zip, at: dt.datetime) -> tuple[str, str]:
    from services.publication.publish import publish
    from services.review.actions import record_sign_off
    d, doc = approved(world, sample_zip)
    record_sign_off(world.svc, d, "signer", publish_at=at)
    done = publish(world.svc, d, "signer")
    assert not done.published and done.scheduled_at == at
    return d, doc


def snapshot(svc) -> dict:
    """Every row a new desk step could write, column by column."""
    from storage import tables as t
    out = {}
    with svc.session() as s:
        for table in (t.EventRow, t.ConsultationRow, t.CommentRow, t.DeliberationRow, t.GazetteIssueItemRow,
                      t.GazetteIssueRow, t.RegisterEntryRow, t.JobRow, t.PageRow, t.DossierRow, t.DecisionRow):
            cols = [c.key for c in table.__mapper__.column_attrs]
            out[table.__table__.name] = sorted((tuple(str(getattr(r, c)) for c in cols)
                                               for r in s.scalars(select(table))), key=str)
    return out


# ---------------------------------------------------------------- is_public: a scheduled release


def public_text(world, d: str, doc: str, token: str) -> dict[str, str]:
    """Every surface a stranger (or a person with only a token) can read, by name."""
    anon = TestClient(world.app, base_url="http://testserver")
    texts = {}
    for path in ("/site/", "/site/consultations", f"/site/policies/{d}.html", f"/site/interpretations/{d}.html",
                 f"/site/consultations/{d}.html", f"/site/consultations/{d}-summary.html", "/gazette",
                 f"/gazette/search?number={quote(doc)}", f"/gazette/search?text={quote(doc)}",
                 "/gazette/search?text=%E9%80%9A%E7%9F%A5"):
        r = anon.get(path)
        assert r.status_code < 500, (path, r.status_code)
        # a search page says back what was asked in its boxes: that is not a leak
        texts[path] = re.sub(r'value="[^"]*"', "", r.text) if r.status_code == 200 else ""
    api = {"authorization": f"Bearer {token}"}
    texts["api /register"] = anon.get("/api/v1/register", headers=api).text
    # the static site (register pages, feeds, sitemap, whatever is written there)
    site = world.home.site
    if site.exists():
        for f in site.rglob("*"):
            if f.is_file() and f.suffix in (".html", ".xml", ".json", ".csv", ".txt", ".rss", ".atom"):
                texts[f"file {f.relative_to(site)}"] = f.read_text(encoding="utf-8", errors="replace")
    # a desk person with no registrar role sees the register as the public does
    publicity = world.who("publicity")
    for path in ("/desk/register", "/desk/register/export.csv"):
        r = publicity.get(path)
        texts[f"publicity {path}"] = r.text if r.status_code == 200 else ""
    return texts


def leaks(texts: dict[str, str], d: str, doc: str) -> list[str]:
    return [k for k, v in texts.items() if d in v or doc in v]


@pytest.fixture(scope="module")
def api_token(world):
    from desk import auth
    return auth.issue_token(world.home.path, "publicity") if hasattr(auth, "issue_token") else _token(world)


def _token(world) -> str:
    from tests.conftest import Cli
    r = Cli(world.home.path).json("users", "token", "publicity")
    return r.get("token") or next(v for v in r.values() if isinstance(v, str) and v.startswith("lst_"))


def test_a_scheduled_release_is_on_no_public_surface_before_its_moment_and_on_them_after(world, sample_zip, api_token):
    from services.publication import schedule as sched
    later = (world.svc.now() + HOUR).replace(microsecond=0)
    d, doc = scheduled(world, sample_zip, later)
    assert leaks(public_text(world, d, doc, api_token), d, doc) == []
    # The sweep and the desk's clock leave it alone before the moment.
    assert sched.publish_due(world.svc) == []
    assert leaks(public_text(world, d, doc, api_token), d, doc) == []
    # Moved to a moment seconds ahead: still nothing until the moment, then everywhere it belongs.
    soon = (world.svc.now() + dt.timedelta(seconds=3)).replace(microsecond=0) + dt.timedelta(seconds=1)
    sched.schedule(world.svc, d, soon, "signer")
    assert leaks(public_text(world, d, doc, api_token), d, doc) == [] or world.svc.now() >= soon
    time.sleep(max(0.0, (soon - world.svc.now()).total_seconds()) + 0.2)
    assert leaks(public_text(world, d, doc, api_token), d, doc) == []     # due, not yet published: not public
    [done] = sched.publish_due(world.svc)
    assert done["published"]
    after = public_text(world, d, doc, api_token)
    assert d in after[f"/site/policies/{d}.html"] or doc in after[f"/site/policies/{d}.html"]
    assert d in after["/site/"]
    assert done["registration_number"] in after["api /register"]


def test_a_cancelled_release_never_appears_even_long_after_its_moment(world, sample_zip, api_token):
    from services.publication import schedule as sched
    from services.publication.publish import publish_pending
    later = (world.svc.now() + HOUR).replace(microsecond=0)
    d, doc = scheduled(world, sample_zip, later)
    sched.cancel(world.svc, d, "需要与新闻发布会同步发布，暂缓公开", "signer")
    far = dataclasses.replace(world.svc, now=lambda: later + 48 * HOUR)
    assert sched.publish_due(far) == []
    assert [r for r in publish_pending(far).results if r.get("dossier") == d] == []
    assert leaks(public_text(world, d, doc, api_token), d, doc) == []
    assert sched.state_of(world.svc, d).state == "held"


# ---------------------------------------------------------------- identity: every new desk step


@dataclasses.dataclass
class Stage:
    major: str            # consultation open, one imported and one online (pending) comment
    fresh_major: str      # no consultation yet
    imported: int
    online: int
    deliberating: str     # legality approved, the meeting not yet recorded
    issue: str            # a draft gazette issue of two items
    items: list
    number: str           # a register entry
    scheduled: str        # a release set for an hour ahead
    held: str             # a release cancelled, waiting


@pytest.fixture(scope="module")
def stage(world, tmp_path_factory):
    from samples.genhe import write_zip
    from services.gazette.issues import add_items, create_issue
    from services.publication import schedule as sched
    from services.review import consultation as cons
    folder = tmp_path_factory.mktemp("round5-bundles")

    def zips(kind="行政规范性文件", **kw):
        return write_zip(folder / f"{next(NUMBERS)}.zip", kind=kind, **kw)
    svc = world.svc
    today = svc.now().astimezone().date()
    major, _ = intake(world, zips, "重大行政决策")
    cons.open_consultation(svc, major, today, today + dt.timedelta(days=29), "drafter")
    cons.record_comments(svc, major, [{"author": "张三", "text": "建议延长申报期限", "received_on": today.isoformat()}],
                         "drafter", "来信")
    online = cons.submit_online_comment(svc, major, "李四", None, "网上意见：增加图解", "198.51.100.7").comment
    with svc.session() as s:
        from storage.tables import CommentRow
        imported = s.scalars(select(CommentRow.id).where(CommentRow.source == "imported")).first()
    fresh_major, _ = intake(world, zips, "重大行政决策")
    deliberating, _ = approved(world, zips, ("unit_check", "legality"))
    a, _ = published(world, zips)
    b, _ = published(world, zips)
    year = today.year
    issue = create_issue(svc, year, 40, "editor").issue
    add_items(svc, issue, [a, b], "editor")
    with svc.session() as s:
        from storage.tables import RegisterEntryRow
        number = s.scalars(select(RegisterEntryRow.registration_number).where(RegisterEntryRow.dossier_id == a)).one()
    later = (svc.now() + HOUR).replace(microsecond=0)
    scheduled_d, _ = scheduled(world, zips, later)
    held, _ = scheduled(world, zips, later)
    sched.cancel(svc, held, "需要与新闻发布会同步发布，暂缓公开", "signer")
    return Stage(major, fresh_major, imported, online, deliberating, issue, [a, b], number, scheduled_d, held)


def minutes_docx() -> bytes:
    from samples.genhe import policy_docx
    return policy_docx()


def steps(st: Stage, today: dt.date) -> dict:
    """name: (path, fields, files or None, who may, who may not)."""
    later = (dt.datetime.now() + 2 * HOUR).strftime("%Y-%m-%dT%H:%M")
    c = f"/desk/dossiers/{st.major}/consultation"
    return {
        "consultation open": (f"/desk/dossiers/{st.fresh_major}/consultation/open",
                              {"opens": today.isoformat(), "closes": (today + dt.timedelta(days=40)).isoformat()},
                              None, "drafter", ("outsider", "director", "reviewer", "signer")),
        "consultation import": (f"{c}/import", {"author": "王五", "text": "来信：建议公布咨询电话",
                                                "received_on": today.isoformat()},
                                {"file": ("", b"", "application/octet-stream")}, "drafter",
                                ("outsider", "director", "reviewer")),
        "consultation adopt": (f"{c}/comments/{st.imported}/adopt", {"adopted": "采纳", "response": "已采纳"}, None,
                               "drafter", ("outsider", "director", "editor")),
        "consultation moderate": (f"{c}/comments/{st.online}/moderate", {"action": "accept"}, None, "drafter",
                                  ("outsider", "director", "publicity")),
        "consultation summary": (f"{c}/summary", {}, None, None, ("outsider", "director", "signer")),
        "deliberation record": (f"/desk/dossiers/{st.deliberating}/deliberation",
                                {"meeting": "市政府常务会议", "session_number": "12", "held_on": today.isoformat()},
                                {"minutes": ("纪要.docx", minutes_docx(), "application/octet-stream")}, "secretary",
                                ("drafter", "signer", "outsider", "reviewer")),
        "gazette move": (f"/desk/gazette/issues/{st.issue}/move", {"dossier": st.items[0], "direction": "down"}, None,
                         "editor", ("drafter", "signer", "secretary")),
        "register file": (f"/desk/register/{quote(st.number)}/file",
                          {"filing_number": "内备〔2026〕3号", "reported_to": "呼伦贝尔市人民政府",
                           "reported_on": today.isoformat()}, None, "editor", ("drafter", "signer", "outsider")),
        "register repeal": (f"/desk/register/{quote(st.number)}/repeal",
                            {"reason": "上位法已修改，本文件予以废止", "confirm": "yes"}, None, None,
                            ("drafter", "signer", "publicity")),
        "release schedule": (f"/desk/dossiers/{st.held}/release/schedule", {"at": later, "confirm": "yes"}, None,
                             "signer", ("drafter", "editor", "outsider")),
        "release cancel": (f"/desk/dossiers/{st.scheduled}/release/cancel",
                           {"reason": "需要与新闻发布会同步发布，暂缓公开"}, None, "signer", ("drafter", "editor", "director")),
    }


def post(c: TestClient, path: str, fields: dict, files, csrf: str | None):
    data = dict(fields) if csrf is None else {**fields, "csrf": csrf}
    return c.post(path, data=data, files=files, follow_redirects=False) if files else \
        c.post(path, data=data, follow_redirects=False)


def refused_coded(r, *codes: str) -> str:
    assert r.status_code in (400, 403, 404, 409), (r.status_code, r.text[:300])
    found = CODE.findall(r.text)
    assert found and set(found) & set(codes), (r.status_code, found, r.text[-600:])
    return found[0]


STEP_NAMES = ("consultation open", "consultation import", "consultation adopt", "consultation moderate",
              "consultation summary", "deliberation record", "gazette move", "register file", "register repeal",
              "release schedule", "release cancel")


@pytest.mark.parametrize("name", STEP_NAMES)
def test_a_new_desk_step_is_refused_to_the_wrong_person_without_its_token_and_signed_out(world, stage, name):
    path, fields, files, allowed, wrong = steps(stage, world.svc.now().astimezone().date())[name]
    before = snapshot(world.svc)
    for who in wrong:                                        # another unit, or no role for it
        c = world.who(who)
        r = post(c, path, fields, files, csrf_of(c))
        refused_coded(r, "not_permitted", "not_found")
        assert snapshot(world.svc) == before, (name, who)
    someone = allowed or "drafter"
    c = world.who(someone)
    refused_coded(post(c, path, fields, files, None), "not_permitted")                  # no token
    refused_coded(post(c, path, fields, files, "A" * 43), "not_permitted")              # a made-up one
    other = world.who("publicity")
    refused_coded(post(c, path, fields, files, csrf_of(other)), "not_permitted")        # another person's
    old = sign_in(world.app, someone)                                                   # a session now over
    stale = csrf_of(old)
    old.post("/logout", data={"csrf": stale})
    refused_coded(post(c, path, fields, files, stale), "not_permitted")
    anon = TestClient(world.app, base_url="http://testserver")
    r = post(anon, path, fields, files, "A" * 43)
    assert r.status_code in (303, 401, 403) and (r.status_code != 303 or r.headers["location"].startswith("/login"))
    assert snapshot(world.svc) == before, name
    if allowed:                                               # and the right person can: the attacks were real
        r = post(c, path, fields, files, csrf_of(c))
        assert r.status_code in (200, 303), (name, r.status_code, CODE.findall(r.text), r.text[-800:])
        assert snapshot(world.svc) != before, name


# ---------------------------------------------------------------- the public comment form, fed hostile bodies


@pytest.fixture(scope="module")
def open_major(world, tmp_path_factory):
    """Two majors in their comment period (a token taken on one is tried on the other)."""
    from samples.genhe import write_zip
    from services.review import consultation as cons
    folder = tmp_path_factory.mktemp("round5-form")
    today = world.svc.now().astimezone().date()
    out = []
    for _ in range(2):
        d, _ = intake(world, lambda kind, **kw: write_zip(folder / f"{next(NUMBERS)}.zip", kind=kind, **kw), "重大行政决策")
        cons.open_consultation(world.svc, d, today, today + dt.timedelta(days=29), "drafter")
        out.append(d)
    return out


def online_rows(svc) -> int:
    from sqlalchemy import func

    from storage.tables import CommentRow
    with svc.session() as s:
        return s.scalar(select(func.count()).select_from(CommentRow).where(CommentRow.source == "online"))


def fresh_public(world, d: str, ip: str = "testclient") -> tuple[TestClient, str]:
    c = TestClient(world.app, base_url="http://testserver", client=(ip, 50000))
    return c, FORM.search(c.get(f"/site/consultations/{d}.html").text).group(1)


def test_hostile_bodies_on_the_public_form_get_coded_refusals_never_a_500_and_nothing_raw(world, open_major):
    d, other = open_major
    url = f"/site/consultations/{d}/comments"
    c, token = fresh_public(world, d, "203.0.113.10")
    before = online_rows(world.svc)
    form = "application/x-www-form-urlencoded"
    script = '<script>alert(1)</script>'
    attacks = {
        "huge declared": dict(content=b"text=x", headers={"content-type": form, "content-length": "99999999"}),
        "huge body": dict(content=b"form=" + token.encode() + b"&text=" + b"x" * 200_000, headers={"content-type": form}),
        "multipart": dict(data={"form": token, "text": "x"}, files={"f": ("a.txt", b"x", "text/plain")}),
        "json": dict(json={"form": token, "text": "x"}),
        "text/plain": dict(content=f"form={token}&text=x".encode(), headers={"content-type": "text/plain"}),
        "no content type": dict(content=f"form={token}&text=x".encode()),
        "bad utf-8": dict(content=b"form=" + token.encode() + b"&text=\xff\xfe\xc0", headers={"content-type": form}),
        "many fields": dict(content="&".join(f"k{i}=v" for i in range(5000)).encode(), headers={"content-type": form}),
        "no token": dict(data={"text": script, "name": script}),
        "empty token": dict(data={"form": "", "text": script}),
        "other's cookie token": dict(data={"form": "Z" * 43, "text": script}),
        "10k name": dict(data={"form": token, "name": script + "名" * 10_000, "text": "意见"}),
        "10k contact": dict(data={"form": token, "contact": script * 500, "text": "意见"}),
        "2001 chars": dict(data={"form": token, "text": script + "字" * 2001}),
        "only controls": dict(data={"form": token, "text": "\x00\x01\x02\u0007 \t\r\n"}),
        "only spaces": dict(data={"form": token, "text": "\u3000 \u00a0"}),
        "repeated keys": dict(content=f"form={token}&form=x&text=a&text=".encode(), headers={"content-type": form}),
    }
    for name, kw in attacks.items():
        r = c.post(url, follow_redirects=False, **kw)
        assert r.status_code < 500, (name, r.status_code)
        if r.status_code == 303:
            continue            # taken (a tidy body after all): checked below for what it stored
        assert r.status_code in (400, 403, 409, 413, 429), (name, r.status_code)
        assert script not in r.text and "<script>alert" not in r.text, name
        assert re.search(r"request_invalid|too_many_requests|invalid_state|not_permitted", r.text), (name, r.text[-500:])
    taken = online_rows(world.svc) - before
    # only the repeated-keys and the spaces-only ones could be taken at all; none of the refused ones stored anything
    assert taken <= 2, taken
    # A token a browser got on another consultation's page, posted with a cookie of its own: refused.
    _, foreign = fresh_public(world, other, "203.0.113.11")
    mine, _ = fresh_public(world, d, "203.0.113.12")
    r = mine.post(url, data={"form": foreign, "text": "跨页的表单"}, follow_redirects=False)
    assert r.status_code == 403 and "request_invalid" in r.text
    assert online_rows(world.svc) - before == taken


def test_unicode_tricks_and_script_are_stored_as_typed_minus_controls_and_escaped_everywhere(world, open_major):
    d = open_major[0]
    c, token = fresh_public(world, d, "203.0.113.20")
    tricky = "\u202e<img src=x onerror=alert(1)>\u200b\ufeff&lt;b&gt;\u2028行\u0000政"
    r = c.post(f"/site/consultations/{d}/comments", follow_redirects=False,
               data={"form": token, "name": "\u202e管理员\u202c", "contact": '"><svg onload=alert(1)>', "text": tricky})
    assert r.status_code == 303, r.text[-500:]
    drafter = world.who("drafter")
    queue = drafter.get(f"/desk/dossiers/{d}/consultation/moderation").text
    assert "<img src=x" not in queue and "<svg onload" not in queue and "&lt;img src=x" in queue
    assert "\x00" not in queue
    for page in (f"/site/consultations/{d}.html", "/site/consultations"):
        text = TestClient(world.app, base_url="http://testserver").get(page).text
        assert "onerror" not in text and "管理员" not in text              # pending: nowhere public


def test_a_forwarded_for_header_does_not_buy_more_comments_than_the_throttle_allows(world, open_major):
    d = open_major[1]
    c, token = fresh_public(world, d, "203.0.113.30")
    codes = []
    for i in range(7):
        r = c.post(f"/site/consultations/{d}/comments", follow_redirects=False,
                   headers={"x-forwarded-for": f"10.9.{i}.{i}"}, data={"form": token, "text": f"第{i}条：换个地址再来"})
        codes.append(r.status_code)
    assert codes[:5] == [303] * 5 and codes[5:] == [429, 429], codes


# ---------------------------------------------------------------- the operator's side: access log and /healthz


def test_a_path_a_stranger_types_cannot_forge_a_line_or_a_field_in_the_access_log(world, tmp_path):
    from desk.app import create_app
    log = tmp_path / "access.log"
    c = TestClient(create_app(world.home.path, "test-token", access_log=log), base_url="http://testserver")
    forged = "2026-12-07T04:00:00+00:00 10.0.0.1 signer POST /desk/register/GHDR-2026-0001/repeal 303 0 1.0"
    assert c.get("/site/x%0A" + quote(forged) + "%0D").status_code == 404
    assert c.get("/site/y%1b[31mred%e2%80%ae%e2%80%a8%c2%85z").status_code == 404
    assert c.get("/site/" + quote("意见征集 2019")).status_code == 404
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3, lines
    for line in lines:
        assert len(line.split(" ")) == 8, line                     # time client person method path status bytes ms
        assert not any(ch in line for ch in "\x1b\u202e\u2028\x85\r"), repr(line)
    assert lines[0].split(" ")[2] == "-" and "signer" not in lines[0].split(" ")[:4]
    assert "/site/意见征集%202019" in lines[2]                     # Chinese stays readable


def test_healthz_names_the_failing_part_by_code_and_never_a_secret_host_or_path(tmp_path):
    import tomlkit

    from desk.app import create_app
    from services.home.context import initialise
    from services.home.folder import Home
    home = Home(tmp_path / "home")
    initialise(home)
    c = TestClient(create_app(home.path, "test-token"), base_url="http://testserver")
    assert c.get("/healthz").json() == {"ok": True, "database": {"ok": True}, "storage": {"ok": True}}
    doc = tomlkit.parse(home.config_path.read_text(encoding="utf-8"))
    doc["storage"]["objects"] = "s3://AKIDLEAK:SECRETLEAK@127.0.0.1:1/bucket?secure=false"
    home.config_path.write_text(tomlkit.dumps(doc), encoding="utf-8")
    r = c.get("/healthz")
    assert r.status_code == 503 and r.json()["storage"] == {"ok": False, "code": "storage_unavailable"}
    doc["storage"]["database"] = "postgresql+psycopg://leakuser:DBPASSLEAK@127.0.0.1:1/db"
    home.config_path.write_text(tomlkit.dumps(doc), encoding="utf-8")
    r = c.get("/healthz")
    assert r.status_code == 503 and r.json()["database"] == {"ok": False, "code": "database_unavailable"}
    for page in ("/healthz", "/site/", "/site/consultations", "/gazette", "/login"):
        text = c.get(page).text
        assert "LEAK" not in text and "127.0.0.1" not in text and str(home.path) not in text, page


# ---------------------------------------------------------------- 集体审议: the minutes stay behind the dossier's door


def test_minutes_are_found_downloaded_and_shown_only_to_those_who_may_see_the_dossier(world, sample_zip):
    from samples.genhe import policy_docx
    from services.review.deliberation import record_deliberation
    d, _ = approved(world, sample_zip, ("unit_check", "legality"))
    marker = "绝密议题甲乙丙"
    minutes = policy_docx(title=f'<script>alert(1)</script>{marker}会议纪要')
    record_deliberation(world.svc, d, meeting="市政府常务会议", session_number=21,
                        held_on=world.svc.now().astimezone().date(), minutes_name="纪要.docx", minutes=minutes,
                        actor_name="secretary")
    seen = world.who("secretary").get(f"/desk/deliberations?q={quote(marker)}").text
    assert d in seen and marker in seen and "<script>alert(1)" not in seen          # found, and escaped
    for who in ("outsider", "publicity"):
        c = world.who(who)
        hits = c.get(f"/desk/deliberations?q={quote(marker)}")
        assert hits.status_code == 200 and d not in hits.text and "alert(1)" not in hits.text, who
        wild = c.get("/desk/deliberations?q=%25").text + c.get("/desk/deliberations?q=_").text
        assert d not in wild and marker not in wild, who                             # LIKE wildcards find nothing extra
        r = c.get(f"/desk/dossiers/{d}/deliberation/minutes")
        assert r.status_code == 404 and marker not in r.text, who
        r = c.get(f"/desk/dossiers/{d}/review")
        assert r.status_code in (403, 404) and marker not in r.text, who
    anon = TestClient(world.app, base_url="http://testserver")
    r = anon.get(f"/desk/dossiers/{d}/deliberation/minutes", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_the_consultation_pages_open_only_to_those_who_may_open_the_dossier(world, sample_zip):
    from services.review import consultation as cons
    d, _ = intake(world, sample_zip, "重大行政决策")                      # low risk: no 宣传部 stage
    today = world.svc.now().astimezone().date()
    cons.open_consultation(world.svc, d, today, today + dt.timedelta(days=29), "drafter")
    cons.submit_online_comment(world.svc, d, "周八", "13912345678", "住址：某小区3号楼", "198.51.100.99")
    for who in ("publicity", "outsider", "editor"):
        c = world.who(who)
        door = c.get(f"/desk/dossiers/{d}").status_code
        assert door == 404, who
        for page in (f"/desk/dossiers/{d}/consultation", f"/desk/dossiers/{d}/consultation/moderation"):
            r = c.get(page)
            assert r.status_code == door and "13912345678" not in r.text and "某小区" not in r.text, (who, page)
    assert "13912345678" in world.who("drafter").get(f"/desk/dossiers/{d}/consultation/moderation").text


# ---------------------------------------------------------------- races: moves, and a cancel against the sweep


def test_concurrent_moves_keep_the_issue_numbered_1_to_n_with_one_event_per_move(world, stage):
    import threading

    from documents.problems import Refused
    from services.gazette.issues import move_item
    from storage.tables import EventRow, GazetteIssueItemRow

    def positions():
        with world.svc.session() as s:
            return sorted(s.scalars(select(GazetteIssueItemRow.position)
                                    .where(GazetteIssueItemRow.issue_id == stage.issue)))

    def moves():
        with world.svc.session() as s:
            return len(list(s.scalars(select(EventRow.seq).where(EventRow.name == "gazette.issue.item_moved"))))
    n, before = len(positions()), moves()
    done = []

    def mover(d, steps):
        for step in steps:
            try:
                move_item(world.svc, stage.issue, d, "editor", step=step)
                done.append(1)
            except Refused:
                pass
    threads = [threading.Thread(target=mover, args=(d, [1, -1, 1, -1])) for d in stage.items]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert positions() == list(range(1, n + 1))
    assert done and moves() - before == len(done)   # a step of one place always moves: one event per move taken


def test_a_cancel_racing_the_sweep_at_the_moment_never_leaves_a_held_release_public(world, sample_zip):
    import threading

    from documents.problems import Refused
    from services.publication import schedule as sched
    from services.publication.site import policy_view
    from storage.tables import PageRow
    moment = (world.svc.now() + HOUR).replace(microsecond=0)
    d, _ = scheduled(world, sample_zip, moment)
    just_before = dataclasses.replace(world.svc, now=lambda: moment - dt.timedelta(milliseconds=1))
    at_moment = dataclasses.replace(world.svc, now=lambda: moment + dt.timedelta(milliseconds=1))
    outcome = {}

    def cancel():
        try:
            sched.cancel(just_before, d, "需要与新闻发布会同步发布，暂缓公开", "signer")
            outcome["cancel"] = True
        except Refused as r:
            outcome["cancel"] = r.problem.code

    def sweep():
        outcome["sweep"] = [r for r in sched.publish_due(at_moment) if r.get("dossier") == d]
    threads = [threading.Thread(target=cancel), threading.Thread(target=sweep)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    state = sched.state_of(at_moment, d).state
    with world.svc.session() as s:
        pages = len(list(s.scalars(select(PageRow.id).where(PageRow.dossier_id == d))))
    if state == "held":
        assert outcome["cancel"] is True and pages == 0 and policy_view(at_moment, d) is None, outcome
    else:
        assert state == "released" and outcome["cancel"] is not True and pages > 0, (state, outcome)


# ---------------------------------------------------------------- users enable: nothing from before comes back


def test_a_disabled_person_enabled_again_gets_back_no_session_password_or_token(world):
    from desk import auth
    from documents.problems import Refused
    from services.home.folder import Home
    from services.home.people import disable_person, enable_person
    home = Home(world.home.path)
    c = world.who("outsider")
    token = auth.issue_token(home.path, "outsider")
    api = {"authorization": f"Bearer {token}"}
    assert c.get("/api/v1/me", headers=api).status_code == 200
    assert disable_person(home, "outsider", "admin")["already"] is False
    assert c.get("/desk", follow_redirects=False).status_code == 303                # signed out at once
    assert c.get("/api/v1/me", headers=api).status_code == 401
    try:                                                 # a password given while disabled opens nothing
        auth.set_password(home.path, "outsider", "while disabled 9")
    except Refused:
        pass
    r = TestClient(world.app, base_url="http://testserver").post(
        "/login", data={"name": "outsider", "password": "while disabled 9"}, follow_redirects=False)
    assert "您好" not in r.text
    assert enable_person(home, "outsider", "admin")["already"] is False
    assert enable_person(home, "outsider", "admin")["already"] is True
    with pytest.raises(Refused) as r:
        enable_person(home, "nobody-here", "admin")
    assert r.value.problem.code == "unknown_person"
    assert c.get("/desk", follow_redirects=False).status_code == 303                # the old session stays over
    assert c.get("/api/v1/me", headers=api).status_code == 401                      # the old token stays dead
    for old in (PASSWORD, "while disabled 9"):
        assert not auth.verify_password(home.path, "outsider", old), old
    auth.set_password(home.path, "outsider", "a new one 42")
    assert auth.verify_password(home.path, "outsider", "a new one 42")
    auth.set_password(home.path, "outsider", PASSWORD)           # as the module's other tests expect
    world.clients.pop("outsider", None)


# ---------------------------------------------------------------- 废止 needs its confirmation; 主题分类 behind the door


def test_repeal_without_its_confirmation_or_a_reason_stores_nothing(world, stage):
    editor = world.who("editor")
    path = f"/desk/register/{quote(stage.number)}/repeal"
    before = snapshot(world.svc)
    for fields in ({"reason": "上位法已修改，本文件予以废止"}, {"reason": "上位法已修改，本文件予以废止", "confirm": "on"},
                   {"reason": "", "confirm": "yes"}, {"reason": "废", "confirm": "yes"},
                   {"reason": "上位法已修改", "confirm": "yes", "by": "GHDR-1999-9999"}):
        page = f"/desk/register/{quote(stage.number)}"
        r = editor.post(path, data={**fields, "csrf": csrf_of(editor, page)}, follow_redirects=False)
        assert r.status_code in (400, 404, 409), (fields, r.status_code)
        assert snapshot(world.svc) == before, fields


def test_the_topic_form_answers_a_stranger_as_for_a_missing_dossier(world, sample_zip):
    d, _ = intake(world, sample_zip)                                 # low risk: the 宣传部 has no stage in it
    before = snapshot(world.svc)
    for who in ("publicity", "outsider"):
        c = world.who(who)
        assert c.get(f"/desk/dossiers/{d}").status_code == 404, who
        r = c.post(f"/desk/dossiers/{d}/topic", data={"csrf": csrf_of(c), "topic": "科技、教育"}, follow_redirects=False)
        missing = c.post("/desk/dossiers/D2019-9999/topic", data={"csrf": csrf_of(c), "topic": "科技、教育"},
                         follow_redirects=False)
        assert (r.status_code, CODE.findall(r.text)) == (missing.status_code, CODE.findall(missing.text)), who
    assert snapshot(world.svc) == before


def test_the_published_summary_shows_accepted_comments_escaped_and_never_a_contact_or_a_rejected_one(world, sample_zip):
    from services.review import consultation as cons
    d, _ = intake(world, sample_zip, "重大行政决策")
    cons.open_consultation(world.svc, d, dt.date(2019, 7, 1), dt.date(2019, 7, 31), "drafter")
    then = dataclasses.replace(world.svc, now=lambda: dt.datetime(2019, 7, 10, 2, 0, tzinfo=dt.timezone.utc))
    typed = [("<b>甲</b>", "13700000001", "<script>alert('a')</script>建议甲"),
             ("乙", "yi@example.org", "广告乙：办证刻章"),
             ("丙", "13700000003", "建议丙：\u202e反向文字")]
    ids = [cons.submit_online_comment(then, d, n, c, t, f"192.0.2.{i}").comment for i, (n, c, t) in enumerate(typed)]
    cons.moderate_comment(world.svc, d, ids[0], "accept", "drafter")
    cons.moderate_comment(world.svc, d, ids[1], "reject", "drafter", "广告")
    cons.moderate_comment(world.svc, d, ids[2], "accept", "drafter")
    cons.decide_comment(world.svc, d, ids[0], "采纳", "已采纳", "drafter")
    cons.decide_comment(world.svc, d, ids[2], "未采纳", "<i>理由</i>", "drafter")
    cons.publish_summary(world.svc, d, "drafter")
    anon = TestClient(world.app, base_url="http://testserver")
    page = anon.get(f"/site/consultations/{d}-summary.html")
    assert page.status_code == 200 and "建议甲" in page.text and "建议丙" in page.text
    assert "广告乙" not in page.text and "<script>alert" not in page.text and "<i>理由</i>" not in page.text
    for contact in ("13700000001", "yi@example.org", "13700000003"):
        assert contact not in page.text
    stored = (world.home.site / f"consultations/{d}-summary.html")
    if stored.exists():
        raw = stored.read_text(encoding="utf-8")
        assert "广告乙" not in raw and "<script>alert" not in raw and "13700000001" not in raw
    # After the summary, moderation and adoption are closed: refused, nothing stored.
    before = snapshot(world.svc)
    from documents.problems import Refused
    for step in (lambda: cons.moderate_comment(world.svc, d, ids[1], "accept", "drafter"),
                 lambda: cons.decide_comment(world.svc, d, ids[0], "未采纳", "改了", "drafter")):
        with pytest.raises(Refused) as r:
            step()
        assert r.value.problem.code == "invalid_state"
    assert snapshot(world.svc) == before


def test_a_comment_of_another_consultation_or_an_item_of_another_issue_is_not_found_through_this_one(world, stage,
                                                                                                  open_major):
    from services.review import consultation as cons
    theirs = cons.submit_online_comment(world.svc, open_major[1], None, None, "别处的意见", "192.0.2.200").comment
    drafter, editor = world.who("drafter"), world.who("editor")
    here = f"/desk/dossiers/{stage.major}/consultation"
    before = snapshot(world.svc)
    for path, fields in ((f"{here}/comments/{theirs}/moderate", {"action": "accept"}),
                         (f"{here}/comments/{theirs}/adopt", {"adopted": "采纳"}),
                         (f"{here}/comments/99999999/moderate", {"action": "reject"}),
                         (f"{here}/comments/-1/adopt", {"adopted": "采纳"})):
        r = drafter.post(path, data={**fields, "csrf": csrf_of(drafter)}, follow_redirects=False)
        assert r.status_code in (404, 422) or refused_coded(r, "not_found"), (path, r.status_code)
        assert "别处的意见" not in r.text
    r = editor.post(f"/desk/gazette/issues/{stage.issue}/move",
                    data={"dossier": stage.major, "direction": "up", "csrf": csrf_of(editor)}, follow_redirects=False)
    refused_coded(r, "not_found")
    r = editor.post("/desk/gazette/issues/GZ-1999-99/move",
                    data={"dossier": stage.items[0], "direction": "up", "csrf": csrf_of(editor)}, follow_redirects=False)
    assert r.status_code == 404
    assert snapshot(world.svc) == before


def test_the_same_adoption_recorded_twice_writes_one_event(world, sample_zip):
    from services.review import consultation as cons
    from storage.tables import EventRow
    d, _ = intake(world, sample_zip, "重大行政决策")
    today = world.svc.now().astimezone().date()
    cons.open_consultation(world.svc, d, today, today + dt.timedelta(days=29), "drafter")
    cons.record_comments(world.svc, d, [{"author": "张三", "text": "建议", "received_on": today.isoformat()}], "drafter", "来信")
    with world.svc.session() as s:
        from storage.tables import CommentRow, ConsultationRow
        n = s.scalars(select(CommentRow.id).join(ConsultationRow, ConsultationRow.id == CommentRow.consultation_id)
                      .where(ConsultationRow.dossier_id == d)).one()

    def decided() -> int:
        with world.svc.session() as s:
            return len(list(s.scalars(select(EventRow.seq).where(EventRow.dossier_id == d,
                                                                 EventRow.name.like("%decided%")))))
    for _ in range(2):                                   # a double click
        cons.decide_comment(world.svc, d, n, "采纳", "已采纳", "drafter")
    assert decided() == 1
    cons.decide_comment(world.svc, d, n, "部分采纳", "已采纳", "drafter")
    cons.decide_comment(world.svc, d, n, "部分采纳", None, "drafter")           # no new reply: the old one stands
    assert decided() == 2
