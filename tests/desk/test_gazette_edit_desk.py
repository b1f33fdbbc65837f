"""The desk's 移出本期 and 删除本期 on a draft gazette issue (issue 15 item 2), with CSRF; refusals shown
on the issue page. TestClient against the app on a real home."""
from __future__ import annotations

import datetime as dt

import pytest

from services.gazette import issues as gazette
from tests.desk.test_editor_pages import post
from tests.desk.test_pages import sign_in
from tests.storage.test_gazette_storage import signed_dossier

PAGE = "/desk/gazette/issues/2019-8"


@pytest.fixture
def draft(svc, tmp_path):
    d = signed_dossier(svc, tmp_path / "b", government=True, title="根河市森林草原防火管理办法")
    gazette.create_issue(svc, 2019, 8, "editor", total=120)
    gazette.add_items(svc, "2019-8", [d], "editor")
    return d


def test_an_editor_removes_an_item_then_deletes_the_empty_draft(desk, svc, draft):
    editor = sign_in(desk, "editor")
    page = editor.get(PAGE).text
    assert "移出本期" in page and "删除本期" not in page
    r = post(editor, f"{PAGE}/delete", {}, PAGE)                  # not empty yet
    assert r.status_code == 409 and "请先移出" in r.text
    r = editor.post(f"{PAGE}/remove", data={"dossier": draft})    # no CSRF token
    assert r.status_code in (400, 403)
    assert [i.dossier for i in gazette.show_issue(svc, "2019-8").items] == [draft]
    r = post(editor, f"{PAGE}/remove", {"dossier": "NO-SUCH"}, PAGE)
    assert r.status_code == 404 and "NO-SUCH" in r.text
    r = post(editor, f"{PAGE}/remove", {"dossier": draft}, PAGE)
    assert r.status_code == 200 and "稿件已移出本期" in r.text and "删除本期" in r.text
    assert [i.dossier_id for i in gazette.queue(svc)] == [draft]
    r = post(editor, f"{PAGE}/delete", {}, PAGE)
    assert r.status_code == 200 and str(r.url).endswith("/desk/gazette")
    assert gazette.list_issues(svc) == []


def test_a_non_editor_and_a_released_issue_are_refused(desk, svc, draft, tmp_path):
    drafter = sign_in(desk, "drafter")
    r = drafter.post(f"{PAGE}/remove", data={"dossier": draft})
    assert r.status_code == 403
    gazette.release_issue(svc, "2019-8", tmp_path / "out", "editor", dt.date(2019, 8, 30))
    editor = sign_in(desk, "editor")
    assert "移出本期" not in editor.get(PAGE).text
    r = post(editor, f"{PAGE}/remove", {"dossier": draft}, PAGE)
    assert r.status_code == 409 and "invalid_state" in r.text
    r = post(editor, f"{PAGE}/delete", {}, PAGE)
    assert r.status_code == 409 and "invalid_state" in r.text
    assert [i.dossier for i in gazette.show_issue(svc, "2019-8").items] == [draft]
