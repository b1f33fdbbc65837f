"""网络征集 and 征求意见 in a real browser (issues 14 and 15 item 5), against the desk's app served by uvicorn on
loopback as `lockstep serve` serves it (same create_app, proxy headers off; in this process, so no workflow
engine warms for pages that run no flow, which keeps this module well under a minute): a resident comments on the public notice page (Chinese, escaped, name optional); the drafting
office moderates it on the desk, records its adoption; and a bounded burst of 200 concurrent submissions from
25 clients (behind a trusted proxy) keeps the per-client throttle exactly, stores no double and loses nothing.
Screenshots go to /work/shots/C1 (or the session's screenshot folder)."""
from __future__ import annotations

import contextlib
import datetime as dt
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.browser.conftest import PASSWORD

TOKEN = re.compile(r'name="form" value="([^"]+)"')
XSS = '<img src=x onerror="document.title=\'pwned\'">'


@pytest.fixture(scope="module")
def served(tmp_path_factory, sample_zip_module):
    from desk import auth
    from services.dossiers.intake import intake_bundle
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    from services.review.consultation import open_consultation, record_comments
    home = Home(tmp_path_factory.mktemp("consult") / "home")
    initialise(home)
    text = home.config_path.read_text(encoding="utf-8")
    home.config_path.write_text(text.replace("trusted_proxies = []", 'trusted_proxies = ["127.0.0.1"]'), encoding="utf-8")
    auth.set_password(home.path, "drafter", PASSWORD)
    svc = open_services(Home(home.path))
    d = intake_bundle([sample_zip_module(kind="重大行政决策", doc_number="根政发〔2019〕9号")], "drafter", svc).dossier
    start = svc.now().astimezone().date()
    open_consultation(svc, d, start - dt.timedelta(days=2), start + dt.timedelta(days=27), "drafter")
    record_comments(svc, d, [{"author": "张三", "text": "建议把申报期限延长到60日", "received_on": str(start)}],
                    "drafter", "信函")
    with served_app(home.path) as url:
        yield {"url": url, "home": home.path, "dossier": d, "svc": svc}


@contextlib.contextmanager
def served_app(home: Path):
    """create_app under uvicorn on 127.0.0.1 (a real HTTP server, concurrent requests), stopped after."""
    import socket
    import threading

    import uvicorn

    from desk.app import create_app
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    server = uvicorn.Server(uvicorn.Config(create_app(home, "test-token"), log_level="warning", proxy_headers=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


@pytest.fixture(scope="module")
def sample_zip_module(tmp_path_factory):
    from samples.genhe import write_zip
    folder = tmp_path_factory.mktemp("zips")
    return lambda variant="complete", **kw: write_zip(folder / f"{variant}-{len(kw)}.zip", variant, **kw)


@pytest.fixture(scope="module")
def shotdir(shots) -> Path:
    return shot_folder("/work/shots/C1", shots)


@contextlib.contextmanager
def office_page(browser, url: str, name: str = "drafter"):
    """A Chromium page signed in to the desk as `name`; its context is closed after."""
    office = browser.new_context(base_url=url, locale="zh-CN", viewport={"width": 1100, "height": 900})
    try:
        page = office.new_page()
        page.goto("/login")
        page.fill("#name", name)
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.click("button:has-text('登录')")
        yield page
    finally:
        office.close()


def shot_folder(path: str, fallback: Path) -> Path:
    """A screenshot folder of this session's (made if missing), else the tests' own."""
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
        return Path(path)
    except OSError:
        return fallback


def test_a_resident_comments_and_the_office_moderates_and_adopts_it_in_chromium(browser, served, shotdir):
    d, url = served["dossier"], served["url"]
    public = browser.new_context(base_url=url, locale="zh-CN", viewport={"width": 1100, "height": 900})
    try:
        page = public.new_page()
        page.goto(f"/site/consultations/{d}.html")
        assert "在线提交意见" in page.inner_text("main") and "征求意见期" in page.inner_text("main")
        assert "正在征求意见" in page.inner_text("#open-now")
        page.screenshot(path=str(shotdir / "consultation-public-top.png"), full_page=False)
        page.fill("#c-name", "李四")
        page.fill("#c-contact", "lisi@example.cn")
        page.fill("#c-text", f"建议增加网上办理渠道。{XSS}")
        page.locator("#comment").scroll_into_view_if_needed()
        page.screenshot(path=str(shotdir / "consultation-public-form.png"), full_page=False)
        page.screenshot(path=str(shotdir / "consultation-public-form-full.png"), full_page=True)
        with page.expect_navigation():
            page.click("button:has-text('提交意见')")
        assert "您的意见已收到" in page.inner_text("#received")
        assert page.title() != "pwned" and "建议增加网上办理渠道" not in page.inner_text("main")   # pending: not public
        page.screenshot(path=str(shotdir / "consultation-public-received.png"), full_page=False)
    finally:
        public.close()

    with office_page(browser, url) as page:
        page.goto(f"/desk/dossiers/{d}")
        with page.expect_navigation():
            page.click("#consultation-link")
        assert "待审核 1 条" in page.inner_text("main")
        with page.expect_navigation():
            page.click("#moderation-link")
        queue = page.inner_text("#pending")
        assert "李四" in queue and "lisi@example.cn" in queue and "<img src=x" in queue     # shown as text
        assert page.title() != "pwned"
        page.screenshot(path=str(shotdir / "consultation-moderation-queue.png"), full_page=True)
        with page.expect_navigation():
            page.click("#pending button:has-text('采用')")
        assert "已采用该网上意见" in page.inner_text("#done")
        page.goto(f"/desk/dossiers/{d}/consultation")
        row = page.locator("tr", has_text="建议增加网上办理渠道")
        row.locator("select[name=adopted]").select_option("部分采纳")
        row.locator("input[name=response]").fill("已在第五条增加网上办理")
        with page.expect_navigation():
            row.locator("button:has-text('保存')").click()
        assert "已保存采纳情况" in page.inner_text("#done")
        assert "部分采纳 1 条" in page.inner_text("main")
        page.screenshot(path=str(shotdir / "consultation-desk.png"), full_page=True)


def test_a_burst_of_200_submissions_keeps_the_throttle_stores_no_double_and_loses_nothing(served):
    from services.review.consultation import view
    d, url = served["dossier"], served["url"]
    clients = [f"10.9.{i // 200}.{i % 200 + 1}" for i in range(25)]
    sessions = {}
    for ip in clients:                      # each client reads the page first: its form token and cookie
        c = httpx.Client(base_url=url, headers={"X-Forwarded-For": ip}, timeout=60)
        r = c.get(f"/site/consultations/{d}.html")
        assert r.status_code == 200
        sessions[ip] = (c, TOKEN.search(r.text).group(1))
    posts = [(ip, f"并发意见 {ip} 第{k}条") for k in range(8) for ip in clients]       # 200 in all

    def send(job):
        ip, text = job
        c, token = sessions[ip]
        r = c.post(f"/site/consultations/{d}/comments", data={"form": token, "text": text})
        return ip, text, r.status_code, ("too_many_requests" in r.text)

    try:
        with ThreadPoolExecutor(max_workers=40) as pool:
            results = list(pool.map(send, posts))
    finally:
        for c, _ in sessions.values():
            c.close()
    statuses = sorted({s for _, _, s, _ in results})
    assert set(statuses) <= {303, 429}, statuses
    assert all(coded for _, _, s, coded in results if s == 429)
    taken = {(ip, text) for ip, text, s, _ in results if s == 303}
    for ip in clients:                      # exactly five per client, whatever order they arrived in
        assert sum(1 for i, _ in taken if i == ip) == 5, ip
    stored = [x for x in view(served["svc"], d).items if x.source == "online" and x.text.startswith("并发意见")]
    assert len(stored) == len({x.text for x in stored}) == 125                    # no doubles
    assert {x.text for x in stored} == {text for _, text in taken}                # nothing lost, nothing extra


def test_the_moderation_queue_pages_20_at_a_time_and_a_decision_returns_to_its_page_in_chromium(browser, served, shots):
    """Brief C (session 6): the desk's 网上意见审核 reads 20 a page with 上一页/下一页 and the count waiting;
    deciding one on page 2 comes back to page 2. Screenshots go to /work/shots/consult (looked at)."""
    from services.review.consultation import CommentRow, moderation_page
    d, svc = served["dossier"], served["svc"]
    folder = shot_folder("/work/shots/consult", shots)
    now = svc.now()
    with svc.unit() as uow:                  # 25 more waiting (the burst test may have left its own)
        c = uow.review.consultation(d)
        for i in range(25):
            uow.add(CommentRow(consultation_id=c.id, author=f"居民{i:02d}", text=f"分页意见{i:02d}：建议在社区服务中心设置咨询窗口。",
                               contact=f"1390000{i:04d}", source="online", moderation="pending",
                               received_on=now.astimezone().date(), submitted_at=now))
    total = moderation_page(svc, d, "drafter").pending.total
    pages = -(-total // 20)
    assert total >= 25 and pages >= 2
    with office_page(browser, served["url"]) as page:
        page.goto(f"/desk/dossiers/{d}/consultation/moderation")
        assert f"待审核（{total} 条）" in page.inner_text("#queue")
        assert page.locator("#pending > li").count() == 20
        pager = page.locator("nav.pager-queue").first
        assert f"第 1 / {pages} 页（第 1–20 条，共 {total} 条）" in pager.inner_text()
        assert pager.locator("a.prev").count() == 0 and "上一页" in pager.inner_text()    # shown, not a link
        page.screenshot(path=str(folder / "moderation-page-1.png"), full_page=False)
        with page.expect_navigation():
            pager.locator("a:has-text('下一页')").click()
        assert "page=2" in page.url
        on_two = min(20, total - 20)
        assert page.locator("#pending > li").count() == on_two
        assert f"第 2 / {pages} 页" in page.locator("nav.pager-queue").first.inner_text()
        first = page.locator("#pending > li").first
        taken = first.locator(".comment-text").inner_text()
        with page.expect_navigation():
            first.locator("button:has-text('采用')").first.click()
        assert "已采用该网上意见" in page.inner_text("#done") and "page=2" in page.url
        assert f"待审核（{total - 1} 条）" in page.inner_text("#queue")
        assert taken not in page.inner_text("#pending")
        assert taken in page.inner_text("#decided ~ table")
        page.locator("nav.pager-queue").last.scroll_into_view_if_needed()
        page.screenshot(path=str(folder / "moderation-page-2-after-accept.png"), full_page=False)
        page.screenshot(path=str(folder / "moderation-page-2-full.png"), full_page=True)
        with page.expect_navigation():
            page.locator("nav.pager-queue").first.locator("a:has-text('上一页')").click()
        assert f"第 1 / {pages} 页" in page.locator("nav.pager-queue").first.inner_text()
        assert page.locator("#pending > li").count() == 20


def test_the_adoption_table_pages_20_at_a_time_and_an_adoption_returns_to_its_page_in_chromium(browser, served, shots):
    """Brief C (session 7): the 征求意见 page's 意见采纳情况表 reads 20 a page with the moderation queue's pager,
    共 N 条，第 x/y 页 in its heading and 序号 running on; recording an adoption on page 2 comes back to page 2
    at that row; ?page=99 is the last page. Screenshots go to /work/shots/consult7 (looked at)."""
    from services.review.consultation import CommentRow, desk_consultation
    d, svc = served["dossier"], served["svc"]
    folder = shot_folder("/work/shots/consult7", shots)
    with svc.unit() as uow:                  # 45 letters more (earlier tests of the module left a few counted)
        c = uow.review.consultation(d)
        for i in range(45):
            uow.add(CommentRow(consultation_id=c.id, author=f"来信人{i:02d}", source="imported",
                               text=f"表内意见{i:02d}：建议在第{i + 1}条中明确办理时限和责任单位。",
                               received_on=svc.now().astimezone().date()))
    total = desk_consultation(svc, d, "drafter").table.total
    pages = -(-total // 20)
    assert total >= 46 and pages >= 3
    with office_page(browser, served["url"]) as page:
        page.goto(f"/desk/dossiers/{d}/consultation")
        assert f"（共 {total} 条，第 1/{pages} 页）" in page.inner_text("#adoption")
        assert page.locator("#adoption-table tr[id^=c]").count() == 20
        pager = page.locator("nav.pager-adoption").first
        assert f"第 1 / {pages} 页（第 1–20 条，共 {total} 条）" in pager.inner_text()
        pager.scroll_into_view_if_needed()
        page.screenshot(path=str(folder / "adoption-page-1.png"), full_page=False)
        with page.expect_navigation():
            pager.locator("a:has-text('下一页')").click()
        assert "page=2" in page.url
        rows = page.locator("#adoption-table tr[id^=c]")
        assert rows.count() == 20 and rows.first.locator("td").first.inner_text().startswith("21")
        row = rows.nth(2)
        row_id = row.get_attribute("id")
        row.locator("select[name=adopted]").select_option("部分采纳")
        row.locator("input[name=response]").fill("已在第三条增加办理时限")
        with page.expect_navigation():
            row.locator("button:has-text('保存')").click()
        assert "已保存采纳情况" in page.inner_text("#done") and "page=2" in page.url and page.url.endswith(f"#{row_id}")
        assert f"第 2 / {pages} 页" in page.locator("nav.pager-adoption").first.inner_text()
        kept = page.locator(f"#{row_id}")
        assert kept.locator("select[name=adopted]").input_value() == "部分采纳"
        kept.scroll_into_view_if_needed()
        page.screenshot(path=str(folder / "adoption-page-2-after-adopt.png"), full_page=False)
        page.screenshot(path=str(folder / "adoption-page-2-full.png"), full_page=True)
        page.goto(f"/desk/dossiers/{d}/consultation?page=99")           # past the end: the last page
        assert f"第 {pages} / {pages} 页" in page.locator("nav.pager-adoption").first.inner_text()
        assert page.locator("#adoption-table tr[id^=c]").count() == total - 20 * (pages - 1)
        page.locator("nav.pager-adoption").last.scroll_into_view_if_needed()
        page.screenshot(path=str(folder / "adoption-last-page.png"), full_page=False)
