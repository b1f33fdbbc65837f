"""In a real Chromium (issue 15 items 2 and 6): the draft issue page's 上移/下移 reorder its items; the
register entry's 废止 form will not go without its reason and the 我已核对，确认废止 box. Screenshots to
look at (the folder is printed; LOCKSTEP_SHOTS names another folder to copy them to)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.browser.conftest import PASSWORD
from tests.support.desk import running_desk


@pytest.fixture(scope="module")
def keeping_desk(tmp_path_factory):
    from desk import auth
    from services.gazette import issues as gazette
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    from services.register.life import list_entries
    from tests.storage.test_gazette_storage import in_force_dossier, signed_dossier
    root = tmp_path_factory.mktemp("g1-desk")
    home = Home(root / "home")
    initialise(home)
    svc = open_services(home)
    made = [signed_dossier(svc, root / str(n), "本办法自印发之日起施行。", government=True, title=title,
                           date_text=f"2019年8月{n + 5}日")
            for n, title in enumerate(("根河市森林草原防火管理办法", "根河市城市供热管理办法", "根河市农村牧区道路管理办法"))]
    gazette.create_issue(svc, 2019, 8, "editor", total=120)
    gazette.add_items(svc, "2019-8", made, "editor")
    kept = in_force_dossier(svc, root / "kept", government=True, title="根河市城乡规划管理办法")   # gazetted, valid today
    number = next(e.registration_number for e in list_entries(svc) if e.dossier == kept)
    auth.set_password(home.path, "editor", PASSWORD)
    with running_desk(home.path) as info:
        yield {"url": info["url"], "svc": svc, "made": made, "number": number}


def _signed_in(browser, url):
    context = browser.new_context(base_url=url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto("/login")
    page.fill("#name", "editor")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('登录')")
    return context, page


def _keep(shots: Path, name: str) -> None:
    if os.environ.get("LOCKSTEP_SHOTS"):
        Path(os.environ["LOCKSTEP_SHOTS"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(shots / name, Path(os.environ["LOCKSTEP_SHOTS"]) / name)


def test_up_and_down_reorder_a_draft_issue_in_the_browser(browser, keeping_desk, shots):
    from services.gazette.issues import show_issue
    svc, made = keeping_desk["svc"], keeping_desk["made"]
    context, page = _signed_in(browser, keeping_desk["url"])
    try:
        page.goto("/desk/gazette/issues/2019-8")
        assert page.locator("button:has-text('上移')").count() == 2
        assert page.locator("button:has-text('下移')").count() == 2
        row = page.locator("tr", has_text="根河市农村牧区道路管理办法")
        with page.expect_navigation():
            row.locator("button:has-text('上移')").click()
        assert "已调整稿件顺序" in page.content()
        assert [i.dossier for i in show_issue(svc, "2019-8").items] == [made[0], made[2], made[1]]
        page.screenshot(path=str(shots / "g1-draft-issue-order.png"), full_page=True)
        _keep(shots, "g1-draft-issue-order.png")
    finally:
        context.close()


def test_repeal_asks_for_a_reason_and_the_confirmation_box_in_the_browser(browser, keeping_desk, shots):
    from services.register.life import show
    number = keeping_desk["number"]
    context, page = _signed_in(browser, keeping_desk["url"])
    try:
        page.goto(f"/desk/register/{number}")
        page.fill("#reason", "上位法已废止，本办法不再适用")
        page.click("button:has-text('废止本文件')")          # the box is not ticked: the browser keeps the form
        assert page.url.endswith(f"/desk/register/{number}") and show(keeping_desk["svc"], number).status == "in_force"
        page.locator("#repeal-confirm").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "g1-repeal-confirmation.png"), full_page=True)
        _keep(shots, "g1-repeal-confirmation.png")
        page.check("#repeal-confirm")
        with page.expect_navigation():
            page.click("button:has-text('废止本文件')")
        assert "已废止" in page.content() and show(keeping_desk["svc"], number).status == "repealed"
    finally:
        context.close()
