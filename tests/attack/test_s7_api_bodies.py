"""The API's JSON bodies with a lone surrogate (session 7, helper F).

"\\ud800" is valid JSON and a valid Python str, but no database (and no UTF-8 page) can hold it: a decision's
comment carrying one answered 500. Every JSON route of the API, walked from the app (so a route added
later is covered), now answers in the API's problem shape (4xx; request_invalid for whoever may act),
and nothing is recorded."""
from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from samples.genhe import write_zip
from services.dossiers.intake import intake_bundle
from services.home.context import open_services
from storage.tables import EventRow
from tests.attack.test_s7_existence import FORM, walk
from tests.support.homes import scratch_home

UPLOADS = ("/api/v1/dossiers", "/api/v1/dossiers/{dossier_id}/files")       # multipart, not JSON


@pytest.fixture(scope="module")
def world():
    from desk import auth
    from desk.app import create_app
    with scratch_home("lockstep-s7-api-") as (home, base):
        svc = open_services(home)
        d = intake_bundle([write_zip(base / "a.zip", doc_number="根政办发〔2019〕91号")], "drafter", svc).dossier
        app = create_app(home.path, "test-token")

        def client(name):
            return TestClient(app, base_url="http://testserver", raise_server_exceptions=False,
                              headers={"Authorization": f"Bearer {auth.issue_token(home.path, name)}",
                                       "content-type": "application/json"})
        yield svc, app, client, d


def _events(svc) -> int:
    with svc.session() as s:
        return s.scalar(select(func.count()).select_from(EventRow))


def test_a_lone_surrogate_in_any_json_body_is_request_invalid_and_records_nothing(world):
    svc, app, client, d = world
    routes = [p for methods, p in walk(app.routes) if "POST" in methods and p.startswith("/api/v1/") and p not in UPLOADS]
    assert "/api/v1/dossiers/{dossier_id}/decisions" in routes
    body = {k: "\ud800" + v for k, v in FORM.items() if k != "version"}
    body["reasons"] = ["\ud800表述不清，请修改"]
    body["verdict"], body["stage"] = "approve", "unit_check"
    raw = json.dumps(body, ensure_ascii=True)          # \ud800 written as JSON writes it
    answers = {}
    for name in ("director", "signer", "editor"):
        c = client(name)
        for path in routes:
            before = _events(svc)
            r = c.post(re.sub(r"{dossier_id}", d, path), content=raw)
            answers[name, path] = r.status_code, r.json()["problems"][0]["code"]
            assert 400 <= r.status_code < 500, (name, path, r.status_code, r.text[:300])
            assert _events(svc) == before, (name, path)
    # whoever may act is told what is wrong with the body
    assert answers["director", "/api/v1/dossiers/{dossier_id}/decisions"] == (422, "request_invalid")
    assert answers["signer", "/api/v1/dossiers/{dossier_id}/sign-off"] == (422, "request_invalid")
    assert answers["editor", "/api/v1/dossiers/{dossier_id}/withhold"][0] in (409, 422)
    # the same body without the surrogate is read (some route answers other than 422 for it)
    clean = json.dumps({**body, **{k: v.replace("\ud800", "") for k, v in body.items() if isinstance(v, str)},
                        "reasons": []}, ensure_ascii=False).encode()
    r = client("director").post(f"/api/v1/dossiers/{d}/decisions", content=clean)
    assert r.status_code == 200, r.text
