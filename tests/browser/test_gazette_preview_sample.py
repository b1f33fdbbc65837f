"""The preview of a draft issue in a real Chromium: every page marked 样稿 (banner, watermark, title).
A screenshot to look at."""
from __future__ import annotations

import pytest

from tests.browser.conftest import PASSWORD
from tests.support.desk import running_desk


@pytest.fixture(scope="module")
def preview_desk(tmp_path_factory):
    from desk import auth
    from services.gazette import issues as gazette
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    from tests.storage.test_gazette_storage import signed_dossier
    root = tmp_path_factory.mktemp("preview-desk")
    home = Home(root / "home")
    initialise(home)
    svc = open_services(home)
    d = signed_dossier(svc, root / "b", government=True, title="根河市森林草原防火管理办法")
    gazette.create_issue(svc, 2019, 8, "editor", total=120)
    gazette.add_items(svc, "2019-8", [d], "editor")
    auth.set_password(home.path, "editor", PASSWORD)
    with running_desk(home.path) as info:
        yield info["url"]


def test_the_preview_is_marked_sample_in_the_browser(browser, preview_desk, shots):
    context = browser.new_context(base_url=preview_desk, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto("/login")
        page.fill("#name", "editor")
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.click("button:has-text('登录')")
        page.goto("/desk/gazette/issues/2019-8/preview/web/index.html")
        assert page.title().startswith("【样稿】")
        banner = page.locator(".lockstep-sample")
        assert banner.is_visible() and "样稿" in banner.inner_text()
        box = banner.bounding_box()
        assert box and box["y"] <= 1 and box["width"] > 600          # across the top of the page
        page.screenshot(path=str(shots / "gazette-preview-sample.png"), full_page=False)
        link = page.locator("a[href^='items/']").first
        with page.expect_navigation():
            link.click()
        assert page.title().startswith("【样稿】") and page.locator(".lockstep-sample").is_visible()
        page.screenshot(path=str(shots / "gazette-preview-sample-item.png"), full_page=False)
    finally:
        context.close()
