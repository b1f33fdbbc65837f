"""通知 on the desk (issue 14): each person's inbox, the unread count in the nav, only one's own."""
from __future__ import annotations

import re

from services.dossiers.intake import intake_bundle
from services.home.context import open_services
from services.review.actions import record_decision
from tests.desk.test_pages import csrf_of, sign_in


def test_the_inbox_shows_a_person_their_own_notices_with_the_unread_count_in_the_nav(desk, home, sample_zip):
    svc = open_services(home)
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    director = sign_in(desk, "director")
    home_page = director.get("/desk").text
    assert re.search(r'href="/inbox">通知<span class="unread-count"[^>]*>1</span>', home_page)
    page = director.get("/inbox").text
    assert "【待审核】" in page and d in page and "（1 条未读）" in page and "邮件：" in page
    reviewer = sign_in(desk, "reviewer")
    assert d not in reviewer.get("/inbox").text and "没有通知" in reviewer.get("/inbox").text
    notice = re.search(r'action="/inbox/(\d+)/open"', page).group(1)
    # Another person's notice: not opened, not marked; back to one's own inbox.
    r = reviewer.post(f"/inbox/{notice}/open", data={"csrf": csrf_of(reviewer, "/inbox")}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/inbox"
    assert "（1 条未读）" in director.get("/inbox").text
    r = director.post(f"/inbox/{notice}/open", data={"csrf": csrf_of(director, "/inbox")}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/desk/dossiers/{d}/review"
    assert "未读" not in director.get("/inbox").text
    assert 'class="unread-count"' not in director.get("/desk").text


def test_a_return_is_in_the_drafters_inbox_with_its_reasons_and_all_can_be_marked_read(desk, home, sample_zip):
    svc = open_services(home)
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    record_decision(svc, d, "unit_check", "return", "请修改", "director", reasons=["一、（二）：回应时限表述不清"])
    drafter = sign_in(desk, "drafter")
    page = drafter.get("/inbox").text
    assert "【退回】" in page and "【一、（二）】回应时限表述不清" in page and "未登记电子邮箱" in page
    r = drafter.post("/inbox/read", data={"csrf": csrf_of(drafter, "/inbox")}, follow_redirects=False)
    assert r.status_code == 303
    assert "未读" not in drafter.get("/inbox").text
    assert drafter.post("/inbox/read", data={"csrf": "wrong"}).status_code == 403
