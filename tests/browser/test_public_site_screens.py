"""The public site in a real browser (issue 15, "the public side"): /site/, /gazette, a policy page
(amended, with its 有效性 and the link to the amending document), the gazette search and the 404
page, on a desktop and a phone width, served by `lockstep serve` in its own process on loopback.
Every page is saved as a screenshot (the folder is printed) to be looked at; the test itself checks
what a person would: the government's name, Chinese text laid out in a CJK face, nothing wider than
the window."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.support.desk import running_desk

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from services.gazette.issues import add_items, create_issue
    from services.gazette.release import release_issue
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    from services.register.life import amend
    from tests.storage.test_gazette_storage import lately, signed_dossier
    folder = tmp_path_factory.mktemp("public-site")
    home = Home(folder / "home")
    initialise(home)
    svc = open_services(home)
    # in force today: their 施行日期 a month ago, the day the issue carrying them came out (rule 7)
    old = signed_dossier(svc, folder / "b", f"本办法自{lately()}起施行。", title="根河市政务公开工作管理办法")
    new = signed_dossier(svc, folder / "b", f"本决定自{lately()}起施行。", title="根河市关于修改政务公开工作管理办法的决定")
    pending = signed_dossier(svc, folder / "b", title="根河市政府信息依申请公开办理规定")
    day = dt.date.today() - dt.timedelta(days=30)
    create_issue(svc, day.year, 8, "editor")
    add_items(svc, f"{day.year}-8", [old, new], "editor")
    release_issue(svc, f"{day.year}-8", folder / "gazette", "editor", day)
    with svc.unit() as uow:
        numbers = {d: uow.register.entry_for(d).registration_number for d in (old, new)}
    amend(svc, numbers[old], numbers[new], "editor")
    with running_desk(home.path) as info:
        yield {"url": info["url"], "old": old, "new": new, "pending": pending, "issue": f"{day.year}-8"}


def test_the_public_pages_read_well_on_a_desktop_and_a_phone(browser, site, shots):
    pages = {"site-home": "/site/", "gazette": "/gazette", "policy": f"/site/policies/{site['old']}.html",
             "interpretation": f"/site/interpretations/{site['old']}.html", "register": "/register",
             "search": "/gazette/search?text=%E6%94%BF%E5%8A%A1%E5%85%AC%E5%BC%80", "not-found": "/site/policies/D2019-9999.html"}
    for size, viewport in SIZES.items():
        context = browser.new_context(base_url=site["url"], locale="zh-CN", viewport=viewport)
        page = context.new_page()
        try:
            for name, path in pages.items():
                response = page.goto(path)
                assert response.status == (404 if name == "not-found" else 200), (name, response.status)
                page.screenshot(path=str(shots / f"{size}-{name}.png"), full_page=True)
                page.screenshot(path=str(shots / f"{size}-{name}-top.png"))         # the first screen, at full size
                assert page.inner_text("header.masthead").startswith("根河市人民政府"), name
                assert "Lockstep" not in page.content() and "工作台" not in page.content(), name
                # Nothing wider than the window (no sideways scrolling on a phone).
                wide = page.evaluate("document.documentElement.scrollWidth")
                assert wide <= viewport["width"], (size, name, wide)
                # The body text is set in a face that has the Chinese glyphs (a CJK font is installed).
                face = page.evaluate("getComputedStyle(document.querySelector('main')).fontFamily")
                assert "CJK" in face or "WenQuanYi" in face or "YaHei" in face, face
            page.goto(pages["policy"])
            validity = page.inner_text("#validity")
            assert validity == "已修改", validity
            page.click("#changes a")
            assert page.url.endswith(f"/site/policies/{site['new']}.html")
            page.goto("/gazette")
            year = site["issue"].split("-")[0]
            page.click(f"text={year}年第8期")
            assert page.url.endswith(f"/gazette/{site['issue']}/web/index.html")
        finally:
            context.close()
