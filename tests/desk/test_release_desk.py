"""定时发布 and 主题分类 on the desk (issue 15): the sign page's 定时发布 field, the dossier page's web-release
panel (scheduled: the moment and the cancel form; held: the reason and the schedule form, with its
confirmation the server insists on), and the 主题分类 form for the drafting office."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.desk.test_pages import csrf_of, decide, dossier_of, sign_in, upload

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _later(hours: int) -> dt.datetime:
    return (dt.datetime.now() + dt.timedelta(hours=hours)).replace(second=0, microsecond=0)


def test_sign_with_a_moment_then_cancel_and_schedule_again_on_the_desk(desk, sample_zip):
    drafter = sign_in(desk, "drafter")
    d = dossier_of(upload(drafter, sample_zip()))
    page = f"/desk/dossiers/{d}"
    # 主题分类 by the drafting office, from the [site] list only.
    r = drafter.post(f"{page}/topic", data={"csrf": csrf_of(drafter, page), "topic": "娱乐"})
    assert r.status_code == 400 and "娱乐" in r.text
    r = drafter.post(f"{page}/topic", data={"csrf": csrf_of(drafter, page), "topic": "科技、教育"},
                     follow_redirects=False)
    assert r.status_code == 303
    assert 'id="topic">科技、教育<' in drafter.get(page).text
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        assert decide(sign_in(desk, who), d, stage).status_code == 200
    signer = sign_in(desk, "signer")
    assert 'name="publish_at"' in signer.get(f"{page}/sign").text
    moment = _later(2)
    r = signer.post(f"{page}/sign", data={"csrf": csrf_of(signer, f"{page}/sign"), "confirm": "yes",
                                          "publish_at": moment.strftime("%Y-%m-%dT%H:%M")})
    assert r.status_code == 200 and 'id="scheduled"' in r.text and moment.strftime("%Y年%m月%d日 %H:%M") in r.text
    assert signer.get(f"/site/policies/{d}.html").status_code == 404          # not before its moment
    text = signer.get(page).text
    assert 'id="web-release"' in text and "定时发布" in text and 'id="release-cancel"' in text
    # Cancel: a reason that is a sentence, by a signer only.
    assert drafter.get(page).text.count('id="release-cancel"') == 0
    r = drafter.post(f"{page}/release/cancel", data={"csrf": csrf_of(drafter, page), "reason": "需要与新闻发布会同步发布"})
    assert r.status_code == 403
    r = signer.post(f"{page}/release/cancel", data={"csrf": csrf_of(signer, page), "reason": "太短"})
    assert r.status_code == 400
    r = signer.post(f"{page}/release/cancel", data={"csrf": csrf_of(signer, page), "reason": "需要与新闻发布会同步发布"},
                    follow_redirects=False)
    assert r.status_code == 303
    text = signer.get(page).text
    assert "待发布（未定时）" in text and "需要与新闻发布会同步发布" in text and 'id="release-schedule"' in text
    # Schedule again: the confirmation is required by the server, not only the page.
    later = _later(3)                     # once: a minute may turn between the post and the check
    again = later.strftime("%Y-%m-%dT%H:%M")
    r = signer.post(f"{page}/release/schedule", data={"csrf": csrf_of(signer, page), "at": again})
    assert r.status_code == 400 and "我已核对，确认到时公开发布" in r.text
    r = signer.post(f"{page}/release/schedule", data={"csrf": csrf_of(signer, page), "at": again, "confirm": "yes"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert later.strftime("%Y年%m月%d日 %H:%M") in signer.get(page).text
    assert signer.get(f"/site/policies/{d}.html").status_code == 404
