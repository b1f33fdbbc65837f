"""解读与政策一致性 on the desk (issue 16): the review page shows each finding after the
interpretation answer it concerns, linking to the policy provision; a reviewer marks it explained
there or through the API; the sign page tells the signer how many are unexplained."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from desk import auth
from desk.app import create_app
from tests.desk.test_pages import PASSWORD, PEOPLE, csrf_of, sign_in
from tests.support.inconsistent import inconsistent_dossier

REASON = "解读依据的是机构改革后的新分工，并非笔误"


@pytest.fixture
def app(home):
    for name in PEOPLE:
        auth.set_password(home.path, name, PASSWORD)
    return create_app(home.path, "test-token")


@pytest.fixture
def dossier(svc, tmp_path):
    return inconsistent_dossier(svc, tmp_path)


def _organ_id(svc, dossier) -> str:
    from services.dossiers.explained import findings
    return next(f.id for f in findings(svc, dossier).findings if f.kind == "organ")


def test_the_review_page_shows_each_finding_beside_its_answer_with_the_policy_provision_linked(app, svc, dossier):
    c = sign_in(app, "reviewer")
    page = c.get(f"/desk/dossiers/{dossier}/review").text
    assert "解读与政策一致性：2 处未说明" in page
    fid = _organ_id(svc, dossier)
    box = re.search(rf'<aside class="finding" id="finding-{fid}">(.*?)</aside>', page, re.S).group(1)
    assert "解读 问6" in box and "‘市审计局牵头’" in box and "‘市政务服务局牵头’" in box
    link = re.search(r'<a href="#(prov-\d+)">二、（三）</a>', box).group(1)
    # The link's target is the policy's heading 二、（三）; the box stands right after 问6's answer.
    assert re.search(rf'<p id="{link}">（三）', page), "the policy provision carries the anchor"
    # In the full texts (the 逐条对照 table above them quotes the answer too, without findings).
    answer = page.index("市审计局牵头）", page.index('<details class="fulltext"'))
    assert 0 < page.index(f'id="finding-{fid}"') - answer < 2000
    assert 'action="/desk/dossiers/%s/consistency/explain"' % dossier in box
    # The coverage notes: first-level provisions no answer addresses.
    assert "解读未涉及的政策条款" in page and "三、聚焦政策落实，深化重点领域信息公开：解读中没有对应内容" in page


def test_a_reviewer_marks_a_finding_explained_on_the_page(app, svc, dossier):
    c = sign_in(app, "reviewer")
    fid = _organ_id(svc, dossier)
    path = f"/desk/dossiers/{dossier}/consistency/explain"
    short = c.post(path, data={"csrf": csrf_of(c), "finding": fid, "reason": "笔误"})
    assert short.status_code == 400 and "说明未保存" in short.text and "不少于 10 个字" in short.text
    stale = c.post(path, data={"csrf": csrf_of(c), "finding": "0" * 16, "reason": REASON})
    assert stale.status_code == 422 and "没有编号为" in stale.text
    r = c.post(path, data={"csrf": csrf_of(c), "finding": fid, "reason": REASON})
    assert r.status_code == 200, r.text
    assert "解读与政策一致性：1 处未说明" in r.text
    box = re.search(rf'<aside class="finding explained" id="finding-{fid}">(.*?)</aside>', r.text, re.S).group(1)
    assert REASON in box and "<form" not in box
    assert c.post(path, data={"finding": fid, "reason": REASON}).status_code == 403      # no csrf


def test_no_form_for_whoever_may_not_explain_and_the_drafter_is_refused(app, svc, dossier):
    fid = _organ_id(svc, dossier)
    drafter = sign_in(app, "drafter")
    page = drafter.get(f"/desk/dossiers/{dossier}/review").text
    assert f'id="finding-{fid}"' in page and "/consistency/explain" not in page
    r = drafter.post(f"/desk/dossiers/{dossier}/consistency/explain",
                     data={"csrf": csrf_of(drafter), "finding": fid, "reason": REASON})
    assert r.status_code == 403 and "提交了本卷宗" in r.text
    signer = sign_in(app, "signer")
    assert "/consistency/explain" not in signer.get(f"/desk/dossiers/{dossier}/review").text
    from services.dossiers.explained import findings
    assert findings(svc, dossier).unexplained == 2


def test_the_sign_page_says_how_many_are_unexplained(app, svc, dossier):
    from services.dossiers.explained import explain
    explain(svc, dossier, _organ_id(svc, dossier), REASON, "reviewer")
    page = sign_in(app, "signer").get(f"/desk/dossiers/{dossier}/sign").text
    assert "解读与政策一致性：1 处未说明" in page and "已说明 1 处" in page


# ------------------------------------------------------------------ the API


def _api(app, home, name: str) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {auth.issue_token(home.path, name)}"})


def test_api_lists_findings_and_marks_one_explained(app, home, svc, dossier):
    reviewer = _api(app, home, "reviewer")
    r = reviewer.get(f"/api/v1/dossiers/{dossier}/consistency")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["unexplained"] == 2 and body["may_explain"] is True and len(body["notes"]) == 3
    organ = next(f for f in body["findings"] if f["kind"] == "organ")
    assert (organ["anchor"], organ["policy_anchor"], organ["explained"]) == ("问6", "二、（三）", False)
    path = f"/api/v1/dossiers/{dossier}/consistency/explained"
    r = reviewer.post(path, json={"finding": organ["id"], "reason": REASON})
    assert r.status_code == 200, r.text
    assert r.json()["finding"]["explained_by"] == "reviewer" and r.json()["unexplained"] == 1
    again = reviewer.get(f"/api/v1/dossiers/{dossier}/consistency").json()
    assert [f["explained"] for f in again["findings"] if f["id"] == organ["id"]] == [True]
    assert reviewer.post(path, json={"finding": organ["id"], "reason": REASON}).status_code == 409


def test_api_refusals(app, home, svc, dossier):
    fid = _organ_id(svc, dossier)
    path = f"/api/v1/dossiers/{dossier}/consistency/explained"
    cases = [("drafter", {"finding": fid, "reason": REASON}, 403, "not_permitted"),
             ("signer", {"finding": fid, "reason": REASON}, 403, "not_permitted"),
             ("reviewer", {"finding": fid, "reason": "太短了"}, 422, "request_invalid"),
             ("reviewer", {"finding": "nope", "reason": REASON}, 404, "not_found"),
             ("reviewer", {"finding": fid, "reason": "\u200b" * 12}, 422, "request_invalid"),
             ("reviewer", {"finding": fid}, 422, "request_invalid"),
             ("editor", {"finding": fid, "reason": REASON}, 404, "not_found")]     # may not see it: "no such dossier"
    for name, body, status, code in cases:
        r = _api(app, home, name).post(path, json=body)
        assert (r.status_code, r.json()["problems"][0]["code"]) == (status, code), (name, r.text)
    assert TestClient(app).get(f"/api/v1/dossiers/{dossier}/consistency").status_code == 401
    assert _api(app, home, "editor").get(f"/api/v1/dossiers/{dossier}/consistency").status_code == 404
    r = _api(app, home, "reviewer").get("/api/v1/dossiers/D2099-0001/consistency")
    assert (r.status_code, r.json()["problems"][0]["code"]) == (404, "not_found")
    assert _api(app, home, "reviewer").get(f"/api/v1/dossiers/{dossier}/consistency").json()["unexplained"] == 2
