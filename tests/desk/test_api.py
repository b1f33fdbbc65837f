"""The desk's JSON API for other systems (issue 5, "API"): per-person tokens, the same checks and
coded problems as the pages and the command line, an OpenAPI description.

FastAPI's TestClient against create_app on a real initialised home; flow work (intake,
publication) runs on the session's Prefect test server."""
from __future__ import annotations

import hashlib

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from desk import api, auth
from desk.flowwork import FlowWork
from desk.app import create_app
from tests.support.registration import registered

pytestmark = pytest.mark.usefixtures("prefect_harness")

PEOPLE = ("drafter", "director", "reviewer", "secretary", "signer", "editor", "publicity")
STAGES = (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary"))


class Api:
    """One client per person, each sending its own token."""

    def __init__(self, app: FastAPI, home) -> None:
        self.app, self.home = app, home
        self.tokens = {name: auth.issue_token(home.path, name) for name in PEOPLE}

    def __call__(self, name: str | None) -> TestClient:
        headers = {"Authorization": f"Bearer {self.tokens[name]}"} if name else {}
        return TestClient(self.app, base_url="http://testserver", headers=headers)


@pytest.fixture
def desk(home) -> Api:
    return Api(create_app(home.path, "test-token"), home)


def submit(c: TestClient, *paths, **fields):
    files = [("files", (p.name, p.read_bytes(), "application/zip")) for p in paths]
    return c.post("/api/v1/dossiers", files=files, data=fields)


def approve_all(desk: Api, d: str) -> None:
    for stage, who in STAGES:
        c = desk(who)
        assert [i["stage"] for i in c.get("/api/v1/queue").json()["items"] if i["dossier"] == d] == [stage]
        r = c.post(f"/api/v1/dossiers/{d}/decisions", json={"stage": stage, "verdict": "approve",
                                                            "comment": "同意"})
        assert r.status_code == 200, r.text
        assert r.json()["decision"]["stage"] == stage
        assert d not in [i["dossier"] for i in c.get("/api/v1/queue").json()["items"]]


def codes(r) -> list[str]:
    return [p["code"] for p in r.json()["problems"]]


# ---------------------------------------------------------------- the whole path

def test_submit_review_sign_off_refused_then_signed_after_attach_and_the_register_shows_it(desk, sample_zip):
    from samples.genhe import RISK_NAME, bundle_files
    r = submit(desk("drafter"), sample_zip("missing-risk"))
    assert r.status_code == 200, r.text
    sub = r.json()
    d = sub["dossier"]
    assert sub["ok"] is True and sub["accepted"] is True and sub["new_dossier"] is True
    assert "risk_assessment_missing" in [b["code"] for b in sub["gate"]["blocking"]]
    approve_all(desk, d)
    legality = desk("signer").get(f"/api/v1/dossiers/{d}").json()["decisions"][1]
    assert legality["reasons"] == [] and legality["opinion_number"]

    refused = desk("signer").post(f"/api/v1/dossiers/{d}/sign-off")
    assert refused.status_code == 409
    doc = refused.json()
    assert (doc["ok"], doc["signed"], doc["ready"]) == (False, False, False)
    assert codes(refused) == [b["code"] for b in doc["blocking"]] == ["risk_assessment_missing"]

    risk = bundle_files("complete")[RISK_NAME]
    r = desk("drafter").post(f"/api/v1/dossiers/{d}/files", data={"role": "risk_assessment"},
                             files={"file": (RISK_NAME, risk, "application/octet-stream")})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2
    gate = desk("signer").get(f"/api/v1/dossiers/{d}/gate").json()
    assert {b["code"] for b in gate["blocking"]} == {"stage_not_approved"}      # the new version voids approvals
    assert {b["stage"] for b in gate["blocking"]} == {"unit_check", "legality", "deliberation"}

    approve_all(desk, d)
    assert desk("signer").get(f"/api/v1/dossiers/{d}/gate").json()["ready"] is True
    signed = desk("signer").post(f"/api/v1/dossiers/{d}/sign-off")
    assert signed.status_code == 200, signed.text
    pub = signed.json()["publication"]
    assert signed.json()["signed"] is True and pub["published"] is True
    number = pub["registration_number"]
    assert number == registered(1)

    # The sample names no 施行日期: 待施行 until the gazette issue carrying it is out.
    listed = desk("signer").get("/api/v1/register", params={"status": "pending"}).json()["entries"]
    assert [e["registration_number"] for e in listed] == [number]
    assert desk("signer").get("/api/v1/register", params={"status": "repealed"}).json()["entries"] == []
    entry = desk("editor").get(f"/api/v1/register/{number}").json()
    assert (entry["dossier"], entry["status"], entry["effective_date"]) == (d, "pending", None)
    assert desk("drafter").get(f"/api/v1/dossiers/{d}").json()["state"] in ("published", "registered")


def test_a_resubmission_of_the_same_bytes_is_a_duplicate_not_a_new_version(desk, sample_zip):
    z = sample_zip()
    first = submit(desk("drafter"), z).json()
    again = submit(desk("drafter"), z).json()
    assert again["duplicate"] is True and (again["dossier"], again["version"]) == (first["dossier"], first["version"])


def test_an_emergency_sign_off_skips_only_skippable_stages_with_a_reason_but_never_missing_material(desk, sample_zip):
    reason = "防汛紧急部署，须在汛期到来前施行"
    missing = submit(desk("drafter"), sample_zip("missing-risk", kind="政策性文件")).json()["dossier"]
    r = desk("signer").post(f"/api/v1/dossiers/{missing}/sign-off", json={"emergency_reason": reason})
    assert r.status_code == 409 and "risk_assessment_missing" in codes(r)
    normative = submit(desk("drafter"), sample_zip(doc_number="根政办发〔2019〕39号")).json()["dossier"]
    r = desk("signer").post(f"/api/v1/dossiers/{normative}/sign-off", json={"emergency_reason": reason})
    assert r.status_code == 403 and codes(r) == ["not_permitted"] and "合法性审核" in r.text
    d = submit(desk("drafter"), sample_zip(kind="政策性文件", doc_number="根政办发〔2019〕40号")).json()["dossier"]
    r = desk("signer").post(f"/api/v1/dossiers/{d}/sign-off", json={"emergency_reason": "防汛紧急"})
    assert r.status_code == 403 and codes(r) == ["not_permitted"]           # not a sentence
    r = desk("signer").post(f"/api/v1/dossiers/{d}/sign-off", json={"emergency_reason": reason})
    assert r.status_code == 403 and codes(r) == ["not_permitted"] and "类别认定" in r.text   # never skipped
    r = desk("reviewer").post(f"/api/v1/dossiers/{d}/decisions", json={"stage": "kind_check", "verdict": "approve",
                                                                      "comment": "经认定不属于行政规范性文件"})
    assert r.status_code == 200, r.text
    r = desk("signer").post(f"/api/v1/dossiers/{d}/sign-off", json={"emergency_reason": reason})
    assert r.status_code == 200, r.text
    assert r.json()["signed_off"]["reason"] == reason
    assert r.json()["signed_off"]["skipped_stages"] == ["unit_check"]
    assert r.json()["publication"]["published"] is True


def test_a_sign_off_with_publish_at_tomorrow_is_signed_and_scheduled_but_not_public(desk, svc, sample_zip):
    """定时发布 on the API (issue 15): publish_at read as the command line reads --publish-at; a date alone
    is 0:00 local time; the pages are built at once, nothing is public before the moment."""
    import datetime as dt
    from services.publication.schedule import state_of
    from services.publication.site import policy_view
    from services.review.deadlines import compute
    schema = desk(None).get("/openapi.json").json()["components"]["schemas"]["SignOffIn"]["properties"]["publish_at"]
    assert {x.get("format") for x in schema["anyOf"]} == {"date-time", "date", None}
    d = submit(desk("drafter"), sample_zip()).json()["dossier"]
    approve_all(desk, d)
    bad = desk("signer").post(f"/api/v1/dossiers/{d}/sign-off", json={"publish_at": "明天上午"})
    assert bad.status_code == 422 and codes(bad) == ["request_invalid"] and "不是可识别的时间" in bad.text
    passed = desk("signer").post(f"/api/v1/dossiers/{d}/sign-off", json={"publish_at": "2020-01-01T09:00:00+08:00"})
    assert passed.status_code == 422 and codes(passed) == ["request_invalid"] and "已过" in passed.text
    assert desk("signer").get(f"/api/v1/dossiers/{d}").json()["state"] == "in_review"       # neither signed it
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    r = desk("signer").post(f"/api/v1/dossiers/{d}/sign-off", json={"publish_at": tomorrow.isoformat()})
    assert r.status_code == 202, r.text
    doc = r.json()
    moment = dt.datetime.combine(tomorrow, dt.time()).astimezone()
    assert doc["ok"] is True and doc["signed"] is True and doc["problems"] == []
    pub = doc["publication"]
    assert pub["published"] is False and dt.datetime.fromisoformat(pub["scheduled_at"]) == moment
    assert set(pub["prepared"]) == {"policy", "interpretation"}                    # built and stored now
    # Not public now (the one is_public, with the moment): no policy page, no register entry.
    assert policy_view(svc, d) is None and desk(None).get(f"/site/policies/{d}.html").status_code == 404
    assert desk("signer").get("/api/v1/register").json()["entries"] == []
    assert desk("signer").get(f"/api/v1/dossiers/{d}").json()["state"] == "signed_off"
    # Listed as scheduled: its release state and the due list.
    assert (state_of(svc, d).state, state_of(svc, d).moment) == ("scheduled", moment)
    [listed] = [x for x in compute(svc) if x.kind == "publication" and x.dossier == d]
    assert listed.period == "定时发布" and listed.due == tomorrow


def test_a_return_carries_its_anchored_reasons(desk, sample_zip):
    d = submit(desk("drafter"), sample_zip()).json()["dossier"]
    r = desk("director").post(f"/api/v1/dossiers/{d}/decisions", json={
        "stage": "unit_check", "verdict": "return", "comment": "请修改", "reasons": ["一、（二）：表述不清"]})
    assert r.status_code == 200 and r.json()["decision"]["verdict"] == "return"
    assert r.json()["decision"]["reasons"][0]["anchor"] == "一、（二）"
    assert desk("drafter").get(f"/api/v1/dossiers/{d}").json()["state"] == "returned"


# ---------------------------------------------------------------- who may call what

def test_a_missing_or_unknown_token_is_401_not_permitted(desk):
    for headers in ({}, {"Authorization": "Bearer lst_nope"}, {"Authorization": "Basic ZHJhZnRlcjp4"},
                    {"Authorization": "Bearer test-token"}):          # the hand-off token is not a person's
        r = TestClient(desk.app).get("/api/v1/queue", headers=headers)
        assert r.status_code == 401 and codes(r) == ["not_permitted"]
        assert r.headers["www-authenticate"] == "Bearer" and "lockstep users token" in r.json()["problems"][0]["message"]


def test_each_call_is_checked_against_role_and_unit_like_the_pages(desk, sample_zip):
    d = submit(desk("drafter"), sample_zip()).json()["dossier"]
    refusals = [
        desk("reviewer").post("/api/v1/dossiers", files=[("files", ("a.zip", b"PK", "application/zip"))]),
        desk("reviewer").post(f"/api/v1/dossiers/{d}/decisions", json={"stage": "unit_check", "verdict": "approve"}),
        desk("drafter").post(f"/api/v1/dossiers/{d}/decisions", json={"stage": "unit_check", "verdict": "approve"}),
        desk("drafter").post(f"/api/v1/dossiers/{d}/sign-off"),
        desk("drafter").get("/api/v1/queue"),
    ]
    for r in refusals:
        assert r.status_code == 403 and codes(r) == ["not_permitted"], r.text
        assert r.json()["ok"] is False
    # Whoever has no role on a dossier is told it does not exist, exactly as for a missing one.
    missing = desk("editor").get("/api/v1/dossiers/D2019-9999")
    for r in (desk("editor").get(f"/api/v1/dossiers/{d}"), desk("editor").get(f"/api/v1/dossiers/{d}/gate")):
        assert r.status_code == 404 and codes(r) == ["not_found"], r.text
    assert desk("editor").get(f"/api/v1/dossiers/{d}").text.replace(d, "X") == missing.text.replace("D2019-9999", "X")
    desk.home.add_person("judy", "根河市司法局", ["drafter"])              # a drafter of another unit
    judy = TestClient(desk.app, headers={"Authorization": f"Bearer {auth.issue_token(desk.home.path, 'judy')}"})
    r = judy.post(f"/api/v1/dossiers/{d}/files", data={"role": "other"},
                  files={"file": ("说明.txt", "说明".encode(), "text/plain")})
    assert r.status_code == 404 and codes(r) == ["not_found"] and "政务服务局" not in r.text
    r = desk("drafter").get("/api/v1/dossiers/2019-9999")
    assert r.status_code == 404 and codes(r) == ["not_found"]


def test_a_person_removed_from_the_config_loses_access_with_their_token(desk):
    text = desk.home.config_path.read_text(encoding="utf-8")
    desk.home.config_path.write_text(text.replace('name = "publicity"', 'name = "publicity2"'), encoding="utf-8")
    assert desk("publicity").get("/api/v1/me").status_code == 401


def test_a_new_token_replaces_the_old_and_only_hashes_are_stored(desk):
    old = desk.tokens["signer"]
    assert desk("signer").get("/api/v1/me").json()["roles"] == ["signer"]
    new = auth.issue_token(desk.home.path, "signer")
    from tests.support.accounts import stored_secrets
    stored = stored_secrets(desk.home.path)             # in the database (issue 13), not desk-users.json
    assert new not in stored and hashlib.sha256(new.encode()).hexdigest() in stored
    r = TestClient(desk.app).get("/api/v1/me", headers={"Authorization": f"Bearer {old}"})
    assert r.status_code == 401


def test_the_hand_off_token_still_opens_the_flow_api_and_a_persons_token_does_not(desk):
    ok = TestClient(desk.app).post("/api/flows/intake", json={"requests": []},
                                   headers={"Authorization": "Bearer test-token"})
    assert ok.status_code == 200 and ok.json() == {"results": []}
    assert desk("drafter").post("/api/flows/intake", json={"requests": []}).status_code == 401


# ---------------------------------------------------------------- bad requests

def test_an_upload_over_the_limit_is_refused_with_bundle_too_large_413(home):
    app = FastAPI()
    app.include_router(api.routes(home.path, FlowWork(home.path), max_upload=10_000))
    c = TestClient(app, headers={"Authorization": f"Bearer {auth.issue_token(home.path, 'drafter')}"})
    r = c.post("/api/v1/dossiers", files=[("files", ("big.zip", b"x" * 20_000, "application/zip"))])
    assert r.status_code == 413 and codes(r) == ["bundle_too_large"]

    def chunks():                                  # no Content-Length: the streamed body is cut off at the limit
        yield b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.zip\"\r\n\r\n"
        for _ in range(20):
            yield b"x" * 1000
    r = c.post("/api/v1/dossiers", content=chunks(), headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert r.status_code == 413 and codes(r) == ["bundle_too_large"]


def test_unreadable_empty_and_malformed_requests_have_coded_problems(desk, sample_zip):
    c = desk("drafter")
    r = c.post("/api/v1/dossiers", content=b"{}", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and codes(r) == ["bundle_unreadable"]
    r = c.post("/api/v1/dossiers", data={"dossier": ""}, files={"x": ("", b"", "application/octet-stream")})
    assert r.status_code == 400 and codes(r) == ["bundle_empty"]
    r = c.post("/api/v1/dossiers", files=[("files", ("坏包.zip", b"not a zip at all", "application/zip"))])
    assert r.status_code == 422 and r.json()["accepted"] is False and "bundle_unreadable" in codes(r)
    d = submit(c, sample_zip()).json()["dossier"]
    r = c.post(f"/api/v1/dossiers/{d}/files", data={"role": "emperor"}, files={"file": ("a.txt", b"a", "text/plain")})
    assert r.status_code == 422 and codes(r) == ["manifest_invalid"]
    r = desk("director").post(f"/api/v1/dossiers/{d}/decisions", json={"stage": "unit_check", "verdict": "maybe"})
    assert r.status_code == 422 and codes(r) == ["request_invalid"] and "verdict" in r.json()["problems"][0]["message"]
    r = c.get("/api/v1/register", params={"status": "bogus"})
    assert r.status_code == 422 and codes(r) == ["request_invalid"]


# ---------------------------------------------------------------- the description

def test_openapi_describes_every_endpoint_in_chinese_with_response_models(desk):
    spec = TestClient(desk.app).get("/openapi.json").json()
    ours = {(path, method) for path, ops in spec["paths"].items() if path.startswith("/api/v1/") for method in ops}
    assert ours == {
        ("/api/v1/me", "get"), ("/api/v1/dossiers", "post"), ("/api/v1/dossiers/{dossier_id}/files", "post"),
        ("/api/v1/dossiers/{dossier_id}", "get"), ("/api/v1/dossiers/{dossier_id}/gate", "get"),
        ("/api/v1/dossiers/{dossier_id}/decisions", "post"), ("/api/v1/dossiers/{dossier_id}/sign-off", "post"),
        ("/api/v1/dossiers/{dossier_id}/disclosure", "post"), ("/api/v1/dossiers/{dossier_id}/withhold", "post"),
        ("/api/v1/dossiers/{dossier_id}/consistency", "get"),
        ("/api/v1/dossiers/{dossier_id}/consistency/explained", "post"),
        ("/api/v1/dossiers/{dossier_id}/consultation", "get"),
        ("/api/v1/queue", "get"), ("/api/v1/register", "get"), ("/api/v1/register/{number}", "get")}
    for path, method in ours:
        op = spec["paths"][path][method]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in op["summary"]), path
        assert "$ref" in op["responses"]["200"]["content"]["application/json"]["schema"], path
        assert op["responses"]["401"]["content"]["application/json"]["schema"]["$ref"].endswith("/ProblemsOut")
        assert op["security"], path
    upload = spec["paths"]["/api/v1/dossiers"]["post"]["requestBody"]["content"]
    assert upload["multipart/form-data"]["schema"]["properties"]["files"]["type"] == "array"
    assert "/login" not in spec["paths"]                          # the HTML pages stay out of the description
    assert not [p for p in spec["paths"] if p.startswith("/api/flows")]     # the CLI's hand-off, internal


def test_docs_is_a_plain_page_describing_every_operation_with_no_script(desk):
    spec = TestClient(desk.app).get("/openapi.json").json()
    page = TestClient(desk.app).get("/docs")
    assert page.status_code == 200 and "接口说明" in page.text and "<script" not in page.text
    for path, ops in spec["paths"].items():
        if path.startswith("/api/v1/"):
            for method, op in ops.items():
                assert f"{method.upper()} {path}" in page.text and op["summary"] in page.text
    assert "emergency_reason" in page.text and "紧急签发的理由" in page.text          # body fields, described
    assert TestClient(desk.app).get("/docs/swagger").status_code == 404     # no CDN script (issue 11)


def test_the_consultation_read_lists_pending_comments_apart_and_answers_a_stranger_as_a_missing_dossier(desk, sample_zip):
    """Brief C (session 7): GET /api/v1/dossiers/D/consultation is `lockstep consultation show --json` for the
    token's person: pending_comments (id, received time, text, name, contact) beside the counted comments,
    for whoever the rulebook lets see the dossier (rules.may_see), contacts for the drafting office only;
    anyone else: 404 as a missing dossier."""
    import datetime as dt

    from services.dossiers.intake import intake_bundle
    from services.home.context import open_services
    from services.review import consultation as cons
    svc = open_services(desk.home)
    d = intake_bundle([sample_zip(kind="重大行政决策")], "drafter", svc).dossier
    assert codes(desk("drafter").get(f"/api/v1/dossiers/{d}/consultation")) == ["consultation_not_started"]
    on = svc.now().astimezone().date()
    cons.open_consultation(svc, d, on, on + dt.timedelta(days=29), "drafter")
    a = cons.submit_online_comment(svc, d, "郑一", "13900000001", "建议延长申报时间", "10.4.0.1").comment
    cons.record_comments(svc, d, [{"author": "来信人", "text": "来信意见", "received_on": str(on)}], "drafter", "信函")
    r = desk("reviewer").get(f"/api/v1/dossiers/{d}/consultation")
    assert r.status_code == 200, r.text
    got = r.json()
    assert [(p["id"], p["text"], p["author"], p["contact"]) for p in got["pending_comments"]] == \
        [(a, "建议延长申报时间", "郑一", None)]         # the contact is the office's (rules.may_read_contacts)
    office = desk("drafter").get(f"/api/v1/dossiers/{d}/consultation").json()
    assert [p["contact"] for p in office["pending_comments"]] == ["13900000001"]
    assert got["pending_comments"][0]["received_at"] and (got["pending"], got["comments"]) == (1, 1)
    r = desk("publicity").get(f"/api/v1/dossiers/{d}/consultation")          # a low-risk one: not the 宣传部's
    assert r.status_code == 404 and codes(r) == ["not_found"]
    assert desk(None).get(f"/api/v1/dossiers/{d}/consultation").status_code == 401
