"""The 政务公开 office's annual-report page in a real Chromium: the year chosen, 表二 as the official
form lays it out, the xlsx downloaded and read back; a drafter is refused. Screenshots to look at."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import PASSWORD
from tests.storage.test_annual_table import DEPT, at, published
from tests.support.desk import running_desk


@pytest.fixture(scope="module")
def office_desk(tmp_path_factory):
    """A home with three documents of 2019 (one repealed in 2019, one without its 一图读懂), served."""
    from desk import auth
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    from services.register import life
    root = tmp_path_factory.mktemp("annual-desk")
    home = Home(root / "home")
    initialise(home)
    svc = open_services(home)
    d = dt.date
    old = published(svc, root, d(2018, 6, 1), d(2018, 5, 28), "根河市第一号政务公开办法", n=1)
    new = published(svc, root, d(2019, 3, 1), d(2019, 2, 27), "根河市第二号政务公开办法", n=2)
    published(svc, root, d(2019, 5, 6), d(2019, 4, 30), "根河市第三号政务公开办法", n=3, organ=DEPT, graphic=False)
    at(svc, d(2019, 7, 1))
    life.repeal(svc, old, "editor", by=new)
    for name in ("editor", "drafter"):
        auth.set_password(home.path, name, PASSWORD)
    with running_desk(home.path) as info:
        yield info["url"]


def signed_in(browser, url: str, name: str):
    context = browser.new_context(base_url=url, locale="zh-CN", viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    page.goto("/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('登录')")
    return context, page


def test_the_office_sees_the_table_and_downloads_the_workbook(browser, office_desk, shots):
    from openpyxl import load_workbook
    context, page = signed_in(browser, office_desk, "editor")
    try:
        page.goto("/desk/register")
        with page.expect_navigation():
            page.click("text=年度报告数据（表二）")
        page.select_option("#year", "2019")
        with page.expect_navigation():
            page.click("button:has-text('查看')")
        page.screenshot(path=str(shots / "annual-report-2019.png"), full_page=True)
        rows = page.locator("table.form tr")
        texts = [" | ".join(rows.nth(i).locator("th, td").all_inner_texts()) for i in range(rows.count())]
        # 2019: made 2 (second, third), repealed 1 (first), in force at the end 2 (second, third).
        assert "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数" in texts
        assert "规章 | 0 | 0 | 0" in texts and "行政规范性文件 | 2 | 1 | 2" in texts
        assert "其中：有图文解读（图解）的 | 1 | 50.0%" in texts
        assert page.locator("th.item[colspan='4']").count() == 4          # 第二十条第（一）（五）（六）（八）项
        with page.expect_download() as d:
            page.click("text=下载 Excel 表格（XLSX）")
        assert d.value.suggested_filename.endswith(".xlsx") and "2019" in d.value.suggested_filename
        with open(d.value.path(), "rb") as f:
            ws = load_workbook(f).active
        assert [c.value for c in ws[7]] == ["行政规范性文件", 2, 1, 2]
        assert "A4:D4" in {str(m) for m in ws.merged_cells.ranges}
        doc = page.request.get("/desk/annual-report/2019.json").json()["table"]
        assert [(r["category"], r["本年制发件数"], r["本年废止件数"], r["现行有效件数"]) for r in doc["rows"]] \
            == [("规章", 0, 0, 0), ("行政规范性文件", 2, 1, 2)]
        assert page.request.get("/desk/annual-report/2019.csv").status == 404
        assert page.request.get("/desk/annual-report?year=19x9").status == 400
        # One unit: the 政务服务局 issued only the third.
        page.select_option("#unit", DEPT)
        with page.expect_navigation():
            page.click("button:has-text('查看')")
        page.screenshot(path=str(shots / "annual-report-2019-unit.png"), full_page=True)
        assert "行政规范性文件\t1\t0\t1" in page.inner_text("table.form")
    finally:
        context.close()


def test_a_drafter_may_not_see_the_annual_report(browser, office_desk):
    context, page = signed_in(browser, office_desk, "drafter")
    try:
        response = page.goto("/desk/annual-report?year=2019")
        assert response.status == 403 and "不是台帐管理员或公报编辑" in page.inner_text("main")
        assert page.request.get("/desk/annual-report/2019.xlsx").status == 403
        response = page.goto("/desk/annual-report?year=abc")
        assert response.status == 403            # refused before the year is read
    finally:
        context.close()
