"""The review page compares the version this reviewer last decided on with the current one, or any
two versions asked for (issue 14: "diffs against the version this reviewer last decided on (or any
two versions)"). TestClient against create_app on a real home; intake on the Prefect test server."""
from __future__ import annotations

import pytest

from tests.desk.test_pages import csrf_of, dossier_of, sign_in, upload
from tests.desk.test_review_pages import _policy_edited, bundle, policy_name

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _appended(doc) -> None:
    doc.add_paragraph("各地区、各部门要加强对本通知执行情况的督促检查。")


def _diff(page: str) -> str:
    return page.split('<h2 id="diff">', 1)[1].split("<h2>", 1)[0]


@pytest.fixture
def three_versions(desk, tmp_path):
    """v1 returned by the director; v2 edits 一、（一）; v3 adds a paragraph."""
    drafter = sign_in(desk, "drafter")
    d = dossier_of(upload(drafter, bundle(tmp_path, "v1.zip")))
    director = sign_in(desk, "director")
    r = director.post(f"/desk/dossiers/{d}/decide",
                      data={"csrf": csrf_of(director, f"/desk/dossiers/{d}/review"), "stage": "unit_check",
                            "version": "1", "verdict": "return", "anchor_1": "一、（一）", "text_1": "请写全"})
    assert r.status_code == 200, r.text
    upload(drafter, bundle(tmp_path, "v2.zip", **{policy_name(): _policy_edited}))
    upload(drafter, bundle(tmp_path, "v3.zip", **{policy_name(): lambda doc: (_policy_edited(doc), _appended(doc))}))
    return d, director


def test_a_reviewer_sees_every_change_since_the_version_they_decided_on(desk, three_versions):
    d, director = three_versions
    diff = _diff(director.get(f"/desk/dossiers/{d}/review").text)
    assert "第 1 版 → 第 3 版" in diff and "您上次在第 1 版上作出审核决定" in diff
    assert "<ins>全面</ins>" in diff                                   # v2's change is in it
    assert "督促检查" in diff                                           # and v3's
    # Someone who never decided sees the previous version against this one.
    other = _diff(sign_in(desk, "reviewer").get(f"/desk/dossiers/{d}/review").text)
    assert "第 2 版 → 第 3 版" in other and "您上次" not in other
    assert "<ins>全面</ins>" not in other and "督促检查" in other


def test_any_two_versions_can_be_compared_and_a_version_the_dossier_lacks_is_refused(desk, three_versions):
    d, director = three_versions
    diff = _diff(director.get(f"/desk/dossiers/{d}/review?old=2&new=1").text)
    assert "第 1 版 → 第 2 版" in diff and "<ins>全面</ins>" in diff and "督促检查" not in diff
    assert '<option value="1" selected>' in diff and '<option value="2" selected>' in diff
    same = _diff(director.get(f"/desk/dossiers/{d}/review?old=3&new=3").text)
    assert "所选的是同一版本" in same
    for bad in ("9", "0", "x", "1;drop"):
        r = director.get(f"/desk/dossiers/{d}/review", params={"old": bad})
        assert r.status_code == 404 and "not_found" in r.text and "本卷宗共 3 版" in r.text, (bad, r.text[:300])


def test_the_choice_of_versions_is_pure():
    from documents.problems import Refused
    from services.dossiers.versions import compared_pair
    assert compared_pair(3, None, None, None) == (2, 3)
    assert compared_pair(3, 1, None, None) == (1, 3)
    assert compared_pair(3, 1, None, "2") == (1, 2)
    assert compared_pair(3, 3, None, None) == (2, 3)                     # decided on the current one
    assert compared_pair(1, None, None, None) == (1, 1)
    assert compared_pair(3, None, "3", "1") == (1, 3)
    with pytest.raises(Refused):
        compared_pair(3, None, "4", None)
