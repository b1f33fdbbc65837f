"""索引号, 主题分类 and 定时发布 in a real browser (issue 15, items 1 and 4), against `lockstep serve` in its own
process: a public policy page shows its 索引号 and 主题分类; a dossier scheduled for later is 404 on the
public site until then, and its desk page shows the scheduled state with the cancel form; cancelling
there with a reason leaves it signed and held. Screenshots go to the printed folder (and to
/work/shots/G2 when that folder exists) to be looked at."""
from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from pathlib import Path

import pytest

from tests.browser.conftest import PASSWORD

PREFIX = "11150785MB0123456X"


def _with_prefix(toml: str) -> str:
    """lockstep.toml with the [site] 索引号 prefix set (the default file has the table, with it blank)."""
    if "\n[site]" in toml:
        return toml.replace('index_prefix = ""', f'index_prefix = "{PREFIX}"', 1)
    return toml + f'\n[site]\nindex_prefix = "{PREFIX}"\n'


def _ready(svc, path) -> str:
    from services.dossiers.intake import intake_bundle
    from services.review.actions import record_decision
    d = intake_bundle([path], "drafter", svc).dossier
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        record_decision(svc, d, stage, "approve", "同意", who)
    return d


@pytest.fixture(scope="module")
def release_site(tmp_path_factory):
    from desk import auth
    from samples.genhe import write_zip
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    from services.publication.catalogue import set_topic
    from services.publication.publish import publish
    from services.review.actions import record_sign_off
    folder = tmp_path_factory.mktemp("release")
    home = Home(folder / "home")
    initialise(home)
    toml = home.path / "lockstep.toml"
    toml.write_text(_with_prefix(toml.read_text(encoding="utf-8")), encoding="utf-8")
    for name in ("drafter", "signer"):
        auth.set_password(home.path, name, PASSWORD)
    svc = open_services(home)
    public = _ready(svc, write_zip(folder / "a.zip", doc_number="根政办发〔2019〕36号"))
    set_topic(svc, public, "综合政务", "drafter")
    record_sign_off(svc, public, "signer")
    assert publish(svc, public, "signer").published
    later = _ready(svc, write_zip(folder / "b.zip", doc_number="根政办发〔2019〕37号", inner_title="根河市政务服务事项办理规定"))
    moment = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    record_sign_off(svc, later, "signer", publish_at=moment)
    assert publish(svc, later, "signer").scheduled_at == moment
    with desk_in_thread(home.path) as url:
        yield {"url": url, "public": public, "later": later, "moment": moment}


@contextlib.contextmanager
def desk_in_thread(home: Path):
    """The desk's app (create_app, as `lockstep serve` makes it) under uvicorn on a loopback port, in a
    thread of this process: these pages run no flow, so no workflow engine is started for them."""
    import socket
    import threading
    import time

    import uvicorn

    from desk.app import create_app
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(home, "test-token"), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the desk did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def _keep(shots: Path, name: str) -> None:
    mine = Path("/work/shots/G2")
    if mine.is_dir():
        shutil.copy(shots / name, mine / name)


def test_the_policy_page_shows_its_index_number_and_topic_and_a_scheduled_one_is_not_public(browser, release_site, shots):
    context = browser.new_context(base_url=release_site["url"], locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        assert page.goto(f"/site/policies/{release_site['public']}.html").status == 200
        year = dt.date.today().year
        assert page.inner_text("#index-number") == f"{PREFIX}/{year}-00001"
        assert page.inner_text("#topic") == "综合政务"
        page.screenshot(path=str(shots / "g2-policy-index-topic.png"))
        _keep(shots, "g2-policy-index-topic.png")
        assert page.goto("/site/").status == 200
        assert f"{PREFIX}/{year}-00001" in page.inner_text("#policies ~ table") and "综合政务" in page.content()
        page.screenshot(path=str(shots / "g2-site-home.png"), full_page=True)
        _keep(shots, "g2-site-home.png")
        # Scheduled for later: not public anywhere yet.
        assert page.goto(f"/site/policies/{release_site['later']}.html").status == 404
        page.goto("/site/")
        assert "根河市政务服务事项办理规定" not in page.content()
    finally:
        context.close()


def test_the_desk_shows_the_scheduled_release_and_cancels_it_with_a_reason(browser, release_site, shots):
    context = browser.new_context(base_url=release_site["url"], locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto("/login")
        page.fill("#name", "signer")
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.click("button:has-text('登录')")
        page.goto(f"/desk/dossiers/{release_site['later']}")
        panel = page.inner_text("#web-release")
        when = release_site["moment"].astimezone().strftime("%Y年%m月%d日 %H:%M")
        assert "定时发布" in panel and when in panel, panel
        page.locator("#web-release").screenshot(path=str(shots / "g2-desk-scheduled.png"))
        page.screenshot(path=str(shots / "g2-desk-scheduled-page.png"), full_page=True)
        _keep(shots, "g2-desk-scheduled.png")
        _keep(shots, "g2-desk-scheduled-page.png")
        page.fill("#release-cancel-reason", "需与新闻发布会同步发布，暂缓公开")
        with page.expect_navigation():
            page.click("#release-cancel button")
        panel = page.inner_text("#web-release")
        assert "待发布（未定时）" in panel and "暂缓公开" in panel, panel
        assert page.locator("#release-schedule").count() == 1          # may be scheduled again
        page.locator("#web-release").screenshot(path=str(shots / "g2-desk-held.png"))
        _keep(shots, "g2-desk-held.png")
        assert page.goto(f"/site/policies/{release_site['later']}.html").status == 404
    finally:
        context.close()
