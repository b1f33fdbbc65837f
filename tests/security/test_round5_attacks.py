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
            out[table.__tablename__] = sorted((tuple(str(getattr(r, c)) for c in cols)
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
