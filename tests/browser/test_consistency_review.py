"""解读与政策一致性 in a real browser (issue 16): the reviewer sees the finding after 问6's answer,
follows its link to the policy's 二、（三）, and marks it explained with a reason; the signer's page
then says how many are unexplained. Screenshots go with the journey's (the `shots` folder)."""
from __future__ import annotations

from services.home.context import open_services
from services.home.folder import Home
from tests.browser.conftest import PASSWORD
from tests.support.inconsistent import inconsistent_dossier

REASON = "解读依据机构改革后的新分工，并非笔误"


def _signed_in(browser, desk, name: str):
    context = browser.new_context(base_url=desk["url"], locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto("/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('登录')")
    return context, page


def test_the_reviewer_sees_the_finding_beside_its_answer_and_marks_it_explained(browser, desk, shots, tmp_path):
    svc = open_services(Home(desk["home"]))
    dossier = inconsistent_dossier(svc, tmp_path)
    context, page = _signed_in(browser, desk, "reviewer")
    try:
        page.goto(f"/desk/dossiers/{dossier}/review")
        assert "解读与政策一致性：2 处未说明" in page.inner_text("main")
        box = page.locator("aside.finding", has_text="市审计局牵头")
        box.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "consistency-1-review.png"), full_page=True)
        # The box sits inside the interpretation's document, right after 问6's answer.
        assert box.evaluate("b => b.closest('.doc') !== null && b.previousElementSibling.textContent.includes('市审计局牵头')")
        # Its link brings the policy's 二、（三） into view, highlighted.
        box.locator("a", has_text="二、（三）").click()
        target = page.locator(".doc :target")
        assert target.inner_text().startswith("（三）")
        assert target.evaluate("t => { const r = t.getBoundingClientRect(); const d = t.closest('.doc').getBoundingClientRect();"
                               " return r.top >= d.top - 1 && r.top < d.bottom; }")
        page.screenshot(path=str(shots / "consistency-2-provision.png"))
        box.locator("textarea[name=reason]").fill(REASON)
        box.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "consistency-3-form.png"))
        with page.expect_navigation():
            box.locator("button[type=submit]").click()
        text = page.inner_text("main")
        assert "解读与政策一致性：1 处未说明" in text and REASON in text
        page.locator("aside.finding.explained").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "consistency-4-explained.png"))
        page.locator("#consistency").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "consistency-4-summary.png"))
    finally:
        context.close()
    context, page = _signed_in(browser, desk, "signer")
    try:
        page.goto(f"/desk/dossiers/{dossier}/sign")
        assert "解读与政策一致性：1 处未说明" in page.inner_text("main")
        page.screenshot(path=str(shots / "consistency-5-sign.png"), full_page=True)
    finally:
        context.close()
