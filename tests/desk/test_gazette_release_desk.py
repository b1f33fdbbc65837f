"""The desk's 出版本期 (issue 15 item 1): confirmed on the server, scheduled or at once, cancelled with a
reason; the preview marked 样稿 on every page. TestClient against the app on a real home."""
from __future__ import annotations

import datetime as dt

import pytest

from services.gazette import issues as gazette
from tests.desk.test_editor_pages import post
from tests.desk.test_pages import client, csrf_of, sign_in
from tests.storage.test_gazette_storage import signed_dossier

PAGE = "/desk/gazette/issues/2019-8"


@pytest.fixture
def draft(svc, tmp_path):
    d = signed_dossier(svc, tmp_path / "b", government=True, title="根河市森林草原防火管理办法")
    gazette.create_issue(svc, 2019, 8, "editor", total=120)
    gazette.add_items(svc, "2019-8", [d], "editor")
    return d


def _later() -> str:
    """A moment two days from now, as the form's datetime-local field sends it (local time)."""
    return (dt.datetime.now() + dt.timedelta(days=2)).replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")


def test_release_is_refused_on_the_server_without_the_confirmation(desk, svc, draft):
    editor = sign_in(desk, "editor")
    page = editor.get(PAGE).text
    assert "我已核对，确认出版" in page and 'name="confirm"' in page and "定时出版" in page
    r = post(editor, f"{PAGE}/release", {"date": "2019-08-30"}, PAGE)       # the box not ticked (no JS here)
    assert r.status_code == 400 and "我已核对，确认出版" in r.text
    assert gazette.show_issue(svc, "2019-8").status == "draft"
    r = post(editor, f"{PAGE}/release", {"date": "2019-08-30", "confirm": "yes"}, PAGE)
    assert r.status_code == 200 and "已出版" in r.text
    assert gazette.show_issue(svc, "2019-8").status == "released"
    # Released: the public search finds it (the scheduled test below shows it does not before its moment).
    found = client(desk).get("/gazette/search", params={"text": "森林草原防火"})
    assert found.status_code == 200 and "检索结果（1 条）" in found.text and "2019年第8期" in found.text


def test_a_scheduled_release_is_hidden_from_the_public_until_its_moment_and_cancelled_with_a_reason(desk, svc, draft):
    editor = sign_in(desk, "editor")
    at = _later()
    r = post(editor, f"{PAGE}/release", {"at": at, "confirm": "yes"}, PAGE)
    assert r.status_code == 200 and "已定时出版" in r.text and "取消定时出版" in r.text, r.text[-2000:]
    view = gazette.show_issue(svc, "2019-8")
    assert view.status == "scheduled" and view.web_sha256 in r.text
    assert view.release_date == dt.date.fromisoformat(at[:10])
    # Nobody outside sees it: the served editions answer 404 for the public and the gazette list omits it.
    public = client(desk)
    assert public.get("/gazette/2019-8/web/index.html").status_code == 404
    assert public.get("/gazette/2019-8/html/index.html").status_code == 404
    assert public.get("/gazette/2019-8/web/feed.json").status_code == 404          # the feed neither
    assert "2019年第8期" not in public.get("/gazette").text
    found = public.get("/gazette/search", params={"text": "森林草原防火"})
    assert found.status_code == 200 and "2019年第8期" not in found.text              # the public search neither

    # A person who is not a gazette editor may not cancel it.
    drafter = sign_in(desk, "drafter")
    r = drafter.post(f"{PAGE}/cancel", data={"csrf": csrf_of(drafter), "reason": "稿件需要重新核对，暂缓出版"})
    assert r.status_code == 403 and gazette.show_issue(svc, "2019-8").status == "scheduled"
    r = post(editor, f"{PAGE}/cancel", {"reason": "改期"}, PAGE)                # too short
    assert r.status_code == 400 and "不少于 10 个字" in r.text
    r = post(editor, f"{PAGE}/cancel", {"reason": "稿件需要重新核对，暂缓出版本期"}, PAGE)
    assert r.status_code == 200 and "已取消定时出版" in r.text
    assert gazette.show_issue(svc, "2019-8").status == "draft"


def test_a_non_editor_cannot_schedule(desk, svc, draft):
    drafter = sign_in(desk, "drafter")
    r = drafter.post(f"{PAGE}/release", data={"csrf": csrf_of(drafter), "at": _later(), "confirm": "yes"})
    assert r.status_code == 403 and gazette.show_issue(svc, "2019-8").status == "draft"


def test_every_preview_page_is_marked_sample(desk, svc, draft):
    editor = sign_in(desk, "editor")
    index = editor.get(f"{PAGE}/preview/web/index.html")
    assert index.status_code == 200
    assert "<title>【样稿】" in index.text and "样稿 · 未出版，仅供核对" in index.text
    import re
    for link in sorted(set(re.findall(r'href="([^"#:]+\.html)"', index.text)))[:5]:
        page = editor.get(f"{PAGE}/preview/web/{link}")
        assert page.status_code == 200 and "【样稿】" in page.text and "lockstep-sample" in page.text, link
