"""征求意见 on the desk (issue 14) and 网络征集 on the public site (issue 15 item 5), through the desk app
(TestClient) on a real initialised home: the drafting office opens the period, imports an export (twice: not
doubled), moderates online comments, records adoption and publishes the summary; the public form is offered
only in the period, needs its form token, is throttled with coded refusals and escapes what people type."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from services.dossiers.intake import intake_bundle
from tests.desk.test_pages import PASSWORD, csrf_of, sign_in

TOKEN = re.compile(r'name="form" value="([^"]+)"')
NUMBERS = iter(range(20, 99))


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One home and one desk app for the module (each test takes its own dossier): a home's setup and
    password hashing cost seconds on a busy machine."""
    from desk import auth
    from desk.app import create_app
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    home = Home(tmp_path_factory.mktemp("consult-pages") / "home")
    initialise(home)
    for name in ("drafter", "signer"):
        auth.set_password(home.path, name, PASSWORD)
    return create_app(home.path, "test-token"), open_services(Home(home.path))


@pytest.fixture
def desk(shared):
    return shared[0]


@pytest.fixture
def svc(shared):
    return shared[1]


@pytest.fixture
def major(svc, sample_zip):
    result = intake_bundle([sample_zip(kind="重大行政决策", doc_number=f"根政发〔2019〕{next(NUMBERS)}号")], "drafter", svc)
    assert result.accepted, result.problems
    return result.dossier


def today(svc) -> dt.date:
    return svc.now().astimezone().date()


def public_token(c, d: str) -> str:
    return TOKEN.search(c.get(f"/site/consultations/{d}.html").text).group(1)


def comment(c, d: str, text: str, name: str = "", contact: str = "", token: str | None = None, **kw):
    return c.post(f"/site/consultations/{d}/comments", follow_redirects=False,
                  data={"form": token if token is not None else public_token(c, d), "name": name, "contact": contact,
                        "text": text}, **kw)


def test_the_office_runs_the_consultation_from_the_desk(desk, svc, major, tmp_path):
    c = sign_in(desk, "drafter")
    page = c.get(f"/desk/dossiers/{major}")
    assert f'href="/desk/dossiers/{major}/consultation"' in page.text
    here = f"/desk/dossiers/{major}/consultation"
    assert "开始公开征求意见" in c.get(here).text
    # Too short without a reason: back to the form with the reason at the top, what was typed kept.
    r = c.post(here + "/open", data={"csrf": csrf_of(c, here), "opens": "2019-07-01", "closes": "2019-07-10"})
    assert r.status_code == 409 and "少于" in r.text and 'value="2019-07-10"' in r.text
    r = c.post(here + "/open", data={"csrf": csrf_of(c, here), "opens": "2019-07-01", "closes": "2019-07-10",
                                     "reason": "上级要求限期出台，缩短征求意见期"})
    assert r.status_code == 200 and "已开始公开征求意见" in r.text and "缩短理由" in r.text
    export = "姓名,意见,日期\n张三,建议延长申报期限,2019-07-03\n李四,<b>增加图解</b>,2019-07-05\n".encode("gbk")
    files = {"file": ("意见.csv", export, "text/csv")}
    r = c.post(here + "/import", data={"csrf": csrf_of(c, here)}, files=files)
    assert r.status_code == 200 and "意见已录入" in r.text and "&lt;b&gt;增加图解&lt;/b&gt;" in r.text
    r = c.post(here + "/import", data={"csrf": csrf_of(c, here)}, files=files)
    assert "其中 2 条此前已录入，未重复录入" in r.text and r.text.count('class="comment-text"') == 2
    # A letter typed in, the file input left empty (as a browser sends it).
    r = c.post(here + "/import", data={"csrf": csrf_of(c, here), "author": "赵六", "received_on": "2019-07-08",
                                       "text": "来信：建议公布咨询电话"}, files={"file": ("", b"", "application/octet-stream")})
    assert r.status_code == 200 and "来信：建议公布咨询电话" in r.text
    early = {"file": ("早.csv", "姓名,意见,日期\n王五,早到,2019-06-30\n".encode(), "text/csv")}
    r = c.post(here + "/import", data={"csrf": csrf_of(c, here)}, files=early)
    assert r.status_code == 400 and "早于征求意见开始日期" in r.text
    ids = re.findall(r'/consultation/comments/(\d+)/adopt', r.text)
    assert len(ids) == 3
    r = c.post(here + "/summary", data={"csrf": csrf_of(c, here)})
    assert r.status_code == 409 and "3 条意见未填写采纳情况" in r.text
    for n in ids:
        r = c.post(f"{here}/comments/{n}/adopt", data={"csrf": csrf_of(c, here), "adopted": "采纳", "response": "已采纳"})
        assert r.status_code == 200 and "已保存采纳情况" in r.text
    r = c.post(here + "/summary", data={"csrf": csrf_of(c, here)})
    assert r.status_code == 200 and "意见采纳情况已公布" in r.text and f"/site/consultations/{major}-summary.html" in r.text
    # Someone who may see the dossier but not act reads it, without forms; a step is refused to them.
    other = sign_in(desk, "signer")
    seen = other.get(here)
    assert seen.status_code == 200 and "不能办理" in seen.text and "/adopt" not in seen.text
    r = other.post(f"{here}/comments/{ids[0]}/adopt", data={"csrf": csrf_of(other), "adopted": "未采纳"})
    assert r.status_code == 403


def test_the_public_form_takes_a_comment_the_office_moderates_it_and_only_accepted_ones_are_public(desk, svc, major):
    from fastapi.testclient import TestClient
    from services.review.consultation import open_consultation
    open_consultation(svc, major, today(svc), today(svc) + dt.timedelta(days=29), "drafter")
    public = TestClient(desk, base_url="http://testserver")
    page = public.get(f"/site/consultations/{major}.html")
    assert page.status_code == 200 and "在线提交意见" in page.text and 'name="text"' in page.text
    assert "Lockstep" not in page.text and "工作台" not in page.text
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/site/consultations" in cookie
    r = comment(public, major, '<script>alert("x")</script>我建议', name="钱七", contact="13800000000")
    assert r.status_code == 303 and r.headers["location"].endswith("?received=1#comment")
    assert "您的意见已收到" in public.get(r.headers["location"]).text
    r = comment(public, major, "广告：办证")
    # Without the form's token (another site's form, a forged post): refused, nothing stored.
    stranger = TestClient(desk, base_url="http://testserver")
    r = stranger.post(f"/site/consultations/{major}/comments", data={"form": "x" * 43, "text": "伪造"})
    assert r.status_code == 403 and "表单已失效" in r.text
    r = comment(public, major, "   ")
    assert r.status_code == 400 and "请填写意见内容" in r.text and "request_invalid" in r.text
    r = comment(public, major, "字" * 2001)
    assert r.status_code == 400 and "超过 2000 字" in r.text
    # Pending ones are nowhere public.
    listing = public.get("/site/consultations").text + public.get(f"/site/consultations/{major}.html").text
    assert "我建议" not in listing and "广告" not in listing and "13800000000" not in listing
    c = sign_in(desk, "drafter")
    queue = f"/desk/dossiers/{major}/consultation/moderation"
    text = c.get(queue).text
    assert "待审核（2 条）" in text and "&lt;script&gt;" in text and "<script>" not in text and "13800000000" in text
    first, second = re.findall(r'/consultation/comments/(\d+)/moderate', text)[::2]
    r = c.post(f"/desk/dossiers/{major}/consultation/comments/{first}/moderate",
               data={"csrf": csrf_of(c, queue), "action": "accept"})
    assert r.status_code == 200 and "已采用该网上意见" in r.text
    r = c.post(f"/desk/dossiers/{major}/consultation/comments/{second}/moderate",
               data={"csrf": csrf_of(c, queue), "action": "reject", "reason": "广告"})
    assert "待审核（0 条）" in r.text and "不予采用（不公开）" in r.text
    desk_page = c.get(f"/desk/dossiers/{major}/consultation").text
    assert "我建议" in desk_page and "广告：办证" not in desk_page          # the adoption table: accepted only
    with svc.unit() as uow:
        names = [e.name for e in uow.audit.history(major)]
    assert names.count("consultation.comment_moderated") == 2


def test_the_form_is_throttled_per_client_with_a_coded_refusal(desk, svc, major):
    from fastapi.testclient import TestClient
    from services.review.consultation import open_consultation
    open_consultation(svc, major, today(svc), today(svc) + dt.timedelta(days=29), "drafter")
    public = TestClient(desk, base_url="http://testserver")
    token = public_token(public, major)
    for i in range(5):
        assert comment(public, major, f"第{i}条意见", token=token).status_code == 303
    r = comment(public, major, "第6条意见", token=token)
    assert r.status_code == 429 and "too_many_requests" in r.text and "10 分钟内最多提交 5 条" in r.text
    assert "第6条意见" in r.text                               # what was typed is kept
    again = comment(public, major, "第0条意见", token=token)     # the same words again: kept once
    assert again.status_code in (303, 429)
    # A body past the form's cap, or not a plain form, stops there: 413, nothing stored.
    big = public.post(f"/site/consultations/{major}/comments", content=b"text=" + b"x" * 70_000,
                      headers={"content-type": "application/x-www-form-urlencoded"})
    assert big.status_code == 413 and "过长" in big.text
    assert public.post(f"/site/consultations/{major}/comments", json={"text": "x"}).status_code == 413
    from services.review.consultation import view
    assert view(svc, major).pending == 5


def test_the_form_is_not_offered_before_or_after_the_period_and_a_post_is_refused(desk, svc, major, sample_zip):
    from fastapi.testclient import TestClient
    from services.review.consultation import open_consultation
    start = today(svc) + dt.timedelta(days=2)
    open_consultation(svc, major, start, start + dt.timedelta(days=29), "drafter")
    public = TestClient(desk, base_url="http://testserver")
    page = public.get(f"/site/consultations/{major}.html")
    assert page.status_code == 200 and 'name="text"' not in page.text and "尚未开始接收意见" in page.text
    r = comment(public, major, "早了", token="y" * 43, cookies={"lockstep_comment": "y" * 43})
    assert r.status_code == 409 and "invalid_state" in r.text
    past = intake_bundle([sample_zip(kind="重大行政决策", doc_number=f"根政发〔2019〕{next(NUMBERS)}号")], "drafter",
                         svc).dossier
    open_consultation(svc, past, dt.date(2019, 7, 1), dt.date(2019, 7, 31), "drafter")
    page = public.get(f"/site/consultations/{past}.html")
    assert 'name="text"' not in page.text and "已于 2019年07月31日 结束" in page.text
    r = comment(public, past, "晚了", token="y" * 43, cookies={"lockstep_comment": "y" * 43})
    assert r.status_code == 409 and "不再接收意见" in r.text
    missing = public.get("/site/consultations/D2019-9999.html")
    assert missing.status_code == 404
    assert comment(public, "D2019-9999", "x", token="y" * 43).content == missing.content


def test_the_moderation_queue_shows_20_a_page_with_the_pending_count_and_returns_to_its_page(desk, svc, major):
    from services.review.consultation import CommentRow, open_consultation
    open_consultation(svc, major, today(svc), today(svc) + dt.timedelta(days=29), "drafter")
    with svc.unit() as uow:                  # 45 online comments waiting (the form's throttle aside)
        c = uow.review.consultation(major)
        for i in range(45):
            uow.add(CommentRow(consultation_id=c.id, author="匿名", text=f"排队意见{i:02d}", source="online",
                               moderation="pending", received_on=today(svc), submitted_at=svc.now()))
    c = sign_in(desk, "drafter")
    queue = f"/desk/dossiers/{major}/consultation/moderation"
    first = c.get(queue).text
    assert "待审核（45 条）" in first and "第 1 / 3 页（第 1–20 条，共 45 条）" in first
    assert first.count('<li id="c') == 20 and "排队意见00" in first and "排队意见20" not in first
    assert f'href="{queue}?page=2&amp;decided=1#queue" rel="next"' in first and 'rel="prev"' not in first
    last = c.get(queue + "?page=3").text
    assert last.count('<li id="c') == 5 and "排队意见44" in last and 'rel="next"' not in last
    assert c.get(queue + "?page=99").text.count('<li id="c') == 5             # past the end: the last page
    assert c.get(queue + "?page=x").text.count('<li id="c') == 20             # not a number: the first
    # Deciding one on page 2 comes back to page 2, one fewer waiting.
    second = c.get(queue + "?page=2").text
    n = re.findall(r'/consultation/comments/(\d+)/moderate', second)[0]
    assert 'name="page" value="2"' in second
    r = c.post(f"/desk/dossiers/{major}/consultation/comments/{n}/moderate", follow_redirects=False,
               data={"csrf": csrf_of(c, queue), "action": "reject", "reason": "重复", "page": "2", "decided": "1"})
    assert r.status_code == 303 and r.headers["location"].endswith("/moderation?page=2&decided=1&done=rejected")
    back = c.get(r.headers["location"]).text
    assert "待审核（44 条）" in back and "第 2 / 3 页" in back and "已审核（1 条）" in back and "已不予采用" in back
    # A refused step shows the page it came from with the reason at the top.
    r = c.post(f"/desk/dossiers/{major}/consultation/comments/{n}/moderate",
               data={"csrf": csrf_of(c, queue), "action": "approve", "page": "3", "decided": "1"})
    assert r.status_code == 400 and "请选择“采用”或“不予采用”" in r.text and "第 3 / 3 页" in r.text
    # Someone who may see it reads the queue without the buttons.
    other = sign_in(desk, "signer")
    seen = other.get(queue).text
    assert "待审核（44 条）" in seen and "/moderate" not in seen


def test_the_adoption_table_shows_20_a_page_in_recorded_order_and_an_adoption_returns_to_its_page(desk, svc, major):
    """Brief C (session 7): the 征求意见 page reads its adoption table a page at a time (the moderation queue's
    size and pager), with 共 N 条，第 x/y 页; 序号 runs on across pages; past the last page is the last page."""
    from services.review.consultation import QUEUE_PAGE, CommentRow, open_consultation
    open_consultation(svc, major, today(svc), today(svc) + dt.timedelta(days=29), "drafter")
    with svc.unit() as uow:                  # 42 counted (imported, and one online accepted); 2 waiting, 2 not taken
        c = uow.review.consultation(major)
        for i in range(46):
            online = i % 10 == 5
            uow.add(CommentRow(consultation_id=c.id, author=f"来信人{i:02d}", text=f"表内意见{i:02d}",
                               source="online" if online else "imported",
                               moderation=("accepted" if i == 5 else "pending" if i < 30 else "rejected") if online else None,
                               received_on=today(svc), submitted_at=svc.now() if online else None))
    counted = [i for i in range(46) if i % 10 != 5 or i == 5]
    assert QUEUE_PAGE == 20 and len(counted) == 42
    c = sign_in(desk, "drafter")
    here = f"/desk/dossiers/{major}/consultation"
    first = c.get(here).text
    assert "意见采纳情况表<span class=\"muted\">（共 42 条，第 1/3 页）</span>" in first
    assert "第 1 / 3 页（第 1–20 条，共 42 条）" in first and "待审核 2 条" in first
    rows = re.findall(r'<tr id="c\d+"><td data-label="序号">(\d+)<br>.*?表内意见(\d+)', first, re.S)
    assert [(int(n), int(t)) for n, t in rows] == list(enumerate(counted[:20], 1))
    assert f'href="{here}?page=2#adoption" rel="next"' in first and 'rel="prev"' not in first
    last = c.get(here + "?page=3").text
    rows = re.findall(r'<td data-label="序号">(\d+)<br>.*?表内意见(\d+)', last, re.S)
    assert [(int(n), int(t)) for n, t in rows] == list(enumerate(counted, 1))[40:]
    assert 'rel="next"' not in last and f'href="{here}?page=2#adoption" rel="prev"' in last
    past = c.get(here + "?page=99")                                          # past the end: the last page
    assert past.status_code == 200 and re.findall(r'表内意见(\d+)', past.text) == re.findall(r'表内意见(\d+)', last)
    assert "第 1 / 3 页" in c.get(here + "?page=0").text and "第 1 / 3 页" in c.get(here + "?page=二").text
    # Recording an adoption on page 2 comes back to page 2 at that comment; a refused one shows page 2 again.
    second = c.get(here + "?page=2").text
    n = re.findall(r'/consultation/comments/(\d+)/adopt', second)[3]
    assert 'name="page" value="2"' in second
    r = c.post(f"{here}/comments/{n}/adopt", follow_redirects=False,
               data={"csrf": csrf_of(c, here), "adopted": "部分采纳", "response": "已吸收", "page": "2"})
    assert r.status_code == 303 and r.headers["location"].endswith(f"/consultation?page=2&done=adopted#c{n}")
    back = c.get(r.headers["location"]).text
    assert "第 2 / 3 页" in back and "已保存采纳情况" in back and "部分采纳 1 条" in back
    r = c.post(f"{here}/comments/{n}/adopt", data={"csrf": csrf_of(c, here), "adopted": "同意", "page": "2"})
    assert r.status_code in (400, 409) and "第 2 / 3 页" in r.text and 'id="refused"' in r.text
    # One page: no pager, the count alone.
    from services.review.consultation import desk_consultation
    assert desk_consultation(svc, major, "signer", page=7, size=50).table.pages == 1
