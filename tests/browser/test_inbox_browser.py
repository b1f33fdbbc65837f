"""通知 in a real browser (issue 14), against `lockstep serve` in its own process: the desk's start
mails the notices decisions wrote while it was down (to a real SMTP server on loopback), and the
drafter's inbox shows the return with its reasons, the unread count in the nav. Screenshots saved."""
from __future__ import annotations

import time

from services.dossiers.intake import intake_bundle
from services.home.context import initialise, open_services
from services.home.folder import Home
from services.review.actions import record_decision
from tests.browser.conftest import PASSWORD
from tests.storage.test_notifications import ADDRESSES, configure
from tests.support.desk import running_desk
from tests.support.smtp import mailbox


def test_serve_mails_waiting_notices_at_start_and_the_inbox_shows_them_in_chromium(browser, tmp_path, sample_zip,
                                                                                shots):
    from desk import auth
    home = Home(tmp_path / "home")
    initialise(home)
    auth.set_password(home.path, "drafter", PASSWORD)
    with mailbox() as box:
        configure(home, box.port)
        svc = open_services(Home(home.path))
        d = intake_bundle([sample_zip()], "drafter", svc).dossier
        record_decision(svc, d, "unit_check", "return", "请按意见修改", "director",
                        reasons=["一、（二）：回应时限表述不清", "请补充起草说明"])
        assert box.messages == []                      # written with the decisions; nothing mailed yet
        with running_desk(home.path) as info:
            deadline = time.monotonic() + 60
            while not box.to(ADDRESSES["drafter"]) and time.monotonic() < deadline:
                time.sleep(0.3)
            [mail] = box.to(ADDRESSES["drafter"])
            assert mail.message["Subject"].startswith("【退回】")
            context = browser.new_context(base_url=info["url"], locale="zh-CN",
                                          viewport={"width": 1100, "height": 900})
            try:
                page = context.new_page()
                page.goto("/login")
                page.fill("#name", "drafter")
                page.fill("#password", PASSWORD)
                with page.expect_navigation():
                    page.click("button:has-text('登录')")
                assert page.inner_text(".unread-count") == "1"
                with page.expect_navigation():
                    page.click("header a[href='/inbox']")
                text = page.inner_text("main")
                assert "（1 条未读）" in text and "【退回】" in text and "【一、（二）】回应时限表述不清" in text
                assert "邮件：已发送" in text
                page.screenshot(path=str(shots / "inbox-drafter.png"), full_page=True)
                with page.expect_navigation():
                    page.click("button:has-text('查看并标为已读')")
                assert page.url.endswith(f"/desk/dossiers/{d}")
                assert page.locator(".unread-count").count() == 0
                page.goto("/inbox")
                page.screenshot(path=str(shots / "inbox-drafter-read.png"), full_page=True)
            finally:
                context.close()
    assert len(box.to(ADDRESSES["drafter"])) == 1
