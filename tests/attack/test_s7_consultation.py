"""Consultation and online comment as a stranger would try it (session 7, helper F).

- The desk's 导入意见 (an export of the website's comment box, CSV or JSON) fed a JSON file of another
  shape (a string, numbers, nulls, {"comments": 5}) answered 500 (AttributeError, TypeError); one with a
  lone surrogate escape (\\ud800, valid JSON) answered 500 when the database was asked to store it.
  Now manifest_invalid (a lone surrogate is dropped like any other character nobody can see), and
  nothing is stored.
- The public form's length cap counts characters, not bytes: exactly TEXT_MAX 字 of four-byte
  characters (𠀀) is taken; one more is refused.

One home for the module: a 重大行政决策 whose consultation is open today."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from review.consultation import TEXT_MAX
from samples.genhe import write_zip
from services.dossiers.intake import intake_bundle
from services.home.context import open_services
from storage.tables import CommentRow
from tests.support.homes import scratch_home

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
FORM = re.compile(r'name="form" value="([^"]+)"')
PASSWORD = "correct horse battery staple 7"


@pytest.fixture(scope="module")
def world():
    from desk import auth
    from desk.app import create_app
    from services.review import consultation as c
    with scratch_home("lockstep-s7-cons-") as (home, base):
        svc = open_services(home)
        d = intake_bundle([write_zip(base / "major.zip", kind="重大行政决策", doc_number="根政发〔2019〕81号")],
                          "drafter", svc).dossier
        today = dt.datetime.now().date()
        c.open_consultation(svc, d, today - dt.timedelta(days=1), today + dt.timedelta(days=40), "drafter")
        auth.set_password(home.path, "drafter", PASSWORD)
        app = create_app(home.path, "test-token")
        desk = TestClient(app, base_url="http://testserver", follow_redirects=False)
        token = CSRF.search(desk.get("/login").text).group(1)
        assert desk.post("/login", data={"name": "drafter", "password": PASSWORD, "csrf": token}).status_code in (200, 303)
        yield svc, app, desk, d


def _count(svc) -> int:
    with svc.session() as s:
        return s.scalar(select(func.count()).select_from(CommentRow))


@pytest.mark.parametrize("body", [b'"abc"', b'[1, 2]', b'{"comments": 5}', b'{"comments": {"text": "x"}}', b'[null]',
                                  b'[{"text": ["a", "b"]}]', b'[{"text": "\\ud800\\u5efa\\u8bae"}]'])
def test_an_import_file_of_another_shape_or_with_a_lone_surrogate_is_a_coded_refusal_storing_nothing(world, body):
    svc, _, desk, d = world
    before = _count(svc)
    csrf = CSRF.search(desk.get(f"/desk/dossiers/{d}/consultation").text).group(1)
    r = desk.post(f"/desk/dossiers/{d}/consultation/import", data={"csrf": csrf},
                  files=[("file", ("意见.json", body, "application/json"))])
    if b"ud800" in body:        # the surrogate dropped, the words kept: one comment, or a coded refusal
        assert r.status_code in (303, 400, 409, 422), (r.status_code, r.text[:300])
        with svc.session() as s:
            texts = [t for t in s.scalars(select(CommentRow.text))]
        assert all("\ud800" not in t for t in texts)
        return
    assert r.status_code in (400, 409, 422), (body, r.status_code, r.text[:300])
    assert re.search(r'class="code">manifest_invalid<', r.text), r.text[:500]
    assert _count(svc) == before


def _comment(app, d: str, text: str):
    anon = TestClient(app, base_url="http://testserver", follow_redirects=False,
                      headers={"x-forwarded-for": f"198.51.100.{len(text) % 250}"})
    page = anon.get(f"/site/consultations/{d}.html")
    assert page.status_code == 200, page.text[:300]
    return anon.post(f"/site/consultations/{d}/comments",
                     data={"form": FORM.search(page.text).group(1), "name": "", "contact": "", "text": text})


def test_the_comment_cap_counts_characters_not_bytes(world):
    """TEXT_MAX four-byte characters (𠀀, 16 KB as UTF-8, ~24 KB percent-encoded) are taken; TEXT_MAX + 1
    characters are refused with the count in 字; line breaks and invisible characters around them do
    not count."""
    svc, app, _, d = world
    before = _count(svc)
    r = _comment(app, d, "\u200b" + "𠀀" * TEXT_MAX + "\r\n")
    assert r.status_code == 303, r.text[:400]
    r = _comment(app, d, "建" * (TEXT_MAX + 1))
    assert r.status_code == 400 and f"超过 {TEXT_MAX} 字" in r.text, (r.status_code, r.text[:400])
    assert _count(svc) == before + 1


def test_a_client_rotating_ipv6_addresses_within_its_64_is_one_client_to_the_throttle(world):
    """Every IPv6 subscriber holds a whole /64 and may take a new address per request: each comment from
    a fresh address of 2001:db8:7:7::/64 counted as a new client, so one person could spend the whole
    site's budget (OnlineLimits.site_wide) and shut everyone else out. The throttle now counts an IPv6
    client by its /64 (and an IPv4-mapped address as its IPv4)."""
    from documents.problems import Refused
    from review.consultation import OnlineLimits
    from services.review.consultation import submit_online_comment
    svc, _, _, d = world
    limits = OnlineLimits()
    answers = []
    for i in range(limits.per_client + 1):
        try:
            submit_online_comment(svc, d, None, None, f"第{i}条：建议明确办理时限和材料清单", f"2001:db8:7:7::{i + 1:x}",
                                  limits)
            answers.append("ok")
        except Refused as r:
            answers.append(r.problem.code)
    assert answers == ["ok"] * limits.per_client + ["too_many_requests"], answers
    # another /64 is another client; ::ffff:198.51.100.9 is 198.51.100.9
    submit_online_comment(svc, d, None, None, "另一个网络的意见：建议公开办理进度", "2001:db8:7:8::1", limits)
    for i, address in enumerate(["198.51.100.9"] * limits.per_client + ["::ffff:198.51.100.9"]):
        try:
            submit_online_comment(svc, d, None, None, f"IPv4 第{i}条：建议增加办理渠道", address, limits)
            last = "ok"
        except Refused as r:
            last = r.problem.code
    assert last == "too_many_requests"
