"""Consultation comments (issue 14 "Consultation from the desk", issue 15 item 5 "网络征集") on real SQLite:
imports are not doubled and refuse comments dated before the period; online comments are throttled per
client and site-wide, wait in moderation, and only accepted ones reach the adoption table and the summary."""
from __future__ import annotations

import datetime as dt
import json
import threading

import pytest

from documents.problems import Refused
from review.consultation import OnlineLimits
from services.review import consultation as cons

MINUTE = dt.timedelta(minutes=1)


def code_of(call) -> str:
    with pytest.raises(Refused) as e:
        call()
    return e.value.problem.code


NUMBERS = iter(range(100, 199))


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """One home for the module (each test takes its own dossier and consultation): a home's setup costs
    seconds on a busy machine."""
    from services.home.context import initialise
    from services.home.folder import Home
    h = Home(tmp_path_factory.mktemp("consultation") / "home")
    initialise(h)
    return h


@pytest.fixture(scope="module")
def svc(home):
    from services.home.context import open_services
    return open_services(home)


def new_major(svc, sample_zip) -> str:
    from services.dossiers.intake import intake_bundle
    result = intake_bundle([sample_zip(kind="重大行政决策", doc_number=f"根政发〔2019〕{next(NUMBERS)}号")],
                           "drafter", svc)
    assert result.accepted, result.problems
    return result.dossier


@pytest.fixture
def major(svc, sample_zip):
    return new_major(svc, sample_zip)


def opened(svc, d, opens: dt.date, closes: dt.date):
    return cons.open_consultation(svc, d, opens, closes, "drafter")


def today(svc) -> dt.date:
    return svc.now().astimezone().date()


def test_importing_the_same_export_twice_does_not_double_its_comments(svc, major, tmp_path):
    opened(svc, major, dt.date(2019, 7, 1), dt.date(2019, 7, 31))
    export = tmp_path / "意见.csv"
    export.write_text("姓名,意见,日期\n张三,建议延长申报期限,2019-07-03\n李四,增加图解,2019年7月5日\n"
                      "张三,建议延长申报期限,2019-07-03\n", encoding="utf-8")
    first = cons.record_comments(svc, major, cons.read_comments_file(export), "drafter", export.name)
    assert first.comments == 2 and first.duplicates == 1          # a row repeated in the file counts once
    again = cons.record_comments(svc, major, cons.read_comments_file(export), "drafter", export.name)
    assert again.comments == 2 and again.duplicates == 3
    # Spaces do not make a different comment; another day does.
    more = cons.record_comments(svc, major, [{"author": "张 三", "text": "建议延长 申报期限", "received_on": "2019/7/3"},
                                             {"author": "张三", "text": "建议延长申报期限", "received_on": "2019-07-09"}],
                                "drafter", "录入")
    assert more.comments == 3 and more.duplicates == 1
    with svc.unit() as uow:
        recorded = [e for e in uow.audit.history(major) if e.name == "consultation.comments_recorded"]
    assert [e.payload["count"] for e in recorded] == [2, 1]       # nothing recorded, nothing audited


def test_an_imported_comment_loses_invisible_characters_and_is_not_a_new_comment_for_them(svc, major, tmp_path):
    """A zero-width space or a direction mark in an export neither hides in the stored text nor makes
    a copy of a recorded comment look new; a row that is only invisible characters has no content."""
    opened(svc, major, dt.date(2019, 7, 1), dt.date(2019, 7, 31))
    export = tmp_path / "意见.csv"
    export.write_text("姓名,意见,日期\n张三,建议延长申报期限,2019-07-03\n"
                      "张\u200b三,建议\u202e延长\u200d申报期限\ufeff,2019-07-03\n", encoding="utf-8")
    got = cons.record_comments(svc, major, cons.read_comments_file(export), "drafter", export.name)
    assert (got.comments, got.duplicates) == (1, 1)
    with svc.unit() as uow:
        texts = [c.text for c in uow.review.comments(uow.review.consultation(major).id)]
    assert texts == ["建议延长申报期限"]
    blank = tmp_path / "空.csv"
    blank.write_text("姓名,意见,日期\n王五,\u200b\u200c\u2066,2019-07-04\n", encoding="utf-8")
    with pytest.raises(Refused) as e:
        cons.read_comments_file(blank)
    assert e.value.problem.code == "manifest_invalid"


def test_a_comment_dated_before_the_period_refuses_the_whole_import(svc, major):
    opened(svc, major, dt.date(2019, 7, 1), dt.date(2019, 7, 31))
    rows = [{"author": "王五", "text": "可以", "received_on": "2019-07-02"},
            {"author": "赵六", "text": "早到的意见", "received_on": "2019-06-30"}]
    with pytest.raises(Refused) as e:
        cons.record_comments(svc, major, rows, "drafter", "x.csv")
    assert e.value.problem.code == "request_invalid" and "第 2 条" in e.value.problem.message
    assert "早于征求意见开始日期" in e.value.problem.message
    assert cons.view(svc, major).comments == 0                    # all or nothing
    bad = [{"author": "王五", "text": "可以", "received_on": "七月二日"}]
    assert code_of(lambda: cons.record_comments(svc, major, bad, "drafter", "x.csv")) == "date_format"


def test_two_imports_at_once_record_each_comment_once(svc, major):
    opened(svc, major, dt.date(2019, 7, 1), dt.date(2019, 7, 31))
    rows = [{"author": f"人{i}", "text": f"意见{i}", "received_on": "2019-07-02"} for i in range(30)]
    errors = []

    def run():
        try:
            cons.record_comments(svc, major, rows, "drafter", "same.json")
        except Exception as e:     # noqa: BLE001 - reported below
            errors.append(e)
    threads = [threading.Thread(target=run) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == [] and cons.view(svc, major).comments == 30


def test_online_comments_wait_for_moderation_and_only_accepted_ones_reach_the_summary(svc, major):
    start = today(svc)
    opened(svc, major, start, start + dt.timedelta(days=29))
    a = cons.submit_online_comment(svc, major, "", "", "  建议增加线上办理渠道  ", "10.0.0.1")
    b = cons.submit_online_comment(svc, major, "钱七", "qq@example.cn", "<script>alert(1)</script>", "10.0.0.2")
    again = cons.submit_online_comment(svc, major, "", "", "建议增加线上办理渠道", "10.0.0.1")
    assert again.duplicate and again.comment == a.comment               # a double click is kept once
    v = cons.view(svc, major)
    assert (v.comments, v.pending, v.accepting) == (0, 2, True)
    first = next(x for x in v.items if x.id == a.comment)
    assert (first.author, first.text, first.source, first.moderation) == ("匿名", "建议增加线上办理渠道", "online", "pending")
    with svc.unit() as uow:
        client = uow.review.comment(a.comment).client
    assert len(client) == 64 and "10.0.0.1" not in client
    # A pending one cannot be decided; the office accepts one and leaves the other out, audited.
    assert code_of(lambda: cons.decide_comment(svc, major, a.comment, "采纳", "", "drafter")) == "invalid_state"
    assert code_of(lambda: cons.moderate_comment(svc, major, a.comment, "accept", "reviewer")) in ("not_permitted",
                                                                                                  "not_found")
    cons.moderate_comment(svc, major, a.comment, "accept", "drafter")
    v = cons.moderate_comment(svc, major, b.comment, "reject", "drafter", reason="与本决策无关")
    assert (v.comments, v.pending, v.rejected) == (1, 0, 1)
    cons.decide_comment(svc, major, a.comment, "部分采纳", "已在第五条增加网上办理", "drafter")
    with svc.unit() as uow:
        names = [e.name for e in uow.audit.history(major)]
    assert names.count("consultation.comment_moderated") == 2 and "consultation.comment_decided" in names


def test_the_summary_waits_for_moderation_and_leaves_out_rejected_comments(svc, major):
    past = today(svc) - dt.timedelta(days=40)
    opened(svc, major, past, past + dt.timedelta(days=29))
    with svc.unit() as uow:                         # online comments given while it was open
        c = uow.review.consultation(major)
        for text, state in (("公开接受的意见", "accepted"), ("广告内容", "rejected"), ("还没审的", "pending")):
            uow.add(cons.CommentRow(consultation_id=c.id, author="匿名", text=text, source="online",
                                    moderation=state, received_on=past, submitted_at=svc.now()))
    accepted = next(x.id for x in cons.view(svc, major).items if x.text == "公开接受的意见")
    pending = next(x.id for x in cons.view(svc, major).items if x.text == "还没审的")
    cons.decide_comment(svc, major, accepted, "采纳", "已采纳", "drafter")
    with pytest.raises(Refused) as e:
        cons.publish_summary(svc, major, "drafter")
    assert e.value.problem.code == "consultation_open" and "1 条网上意见尚未审核" in e.value.problem.message
    cons.moderate_comment(svc, major, pending, "reject", "drafter")
    v = cons.publish_summary(svc, major, "drafter")
    html = (svc.home.site / "consultations" / f"{major}-summary.html").read_text()
    assert "公开接受的意见" in html and "广告内容" not in html and "还没审的" not in html
    assert "共收到意见 1 条" in html
    assert code_of(lambda: cons.moderate_comment(svc, major, pending, "accept", "drafter")) == "invalid_state"
    assert code_of(lambda: cons.record_comments(svc, major, [{"text": "迟到"}], "drafter", "录入")) == "invalid_state"
    assert v.summary_published_at is not None


def test_the_form_takes_nothing_before_the_period_or_after_it(svc, major, sample_zip):
    start = today(svc) + dt.timedelta(days=3)
    opened(svc, major, start, start + dt.timedelta(days=29))
    with pytest.raises(Refused) as e:
        cons.submit_online_comment(svc, major, "", "", "早了", "10.0.0.1")
    assert e.value.problem.code == "invalid_state" and "尚未开始" in e.value.problem.message
    other = new_major(svc, sample_zip)
    opened(svc, other, dt.date(2019, 7, 1), dt.date(2019, 7, 31))
    with pytest.raises(Refused) as e:
        cons.submit_online_comment(svc, other, "", "", "晚了", "10.0.0.1")
    assert e.value.problem.code == "invalid_state" and "已于 2019年07月31日 结束" in e.value.problem.message
    assert code_of(lambda: cons.submit_online_comment(svc, "D2019-9999", "", "", "无此卷宗", "10.0.0.1")) == "not_found"
    assert cons.view(svc, major).items == cons.view(svc, other).items == []


def test_the_form_refuses_blank_and_overlong_comments(svc, major):
    opened(svc, major, today(svc), today(svc) + dt.timedelta(days=29))
    for name, contact, text in (("", "", "   "), ("", "", "字" * 2001), ("名" * 51, "", "好"), ("", "1" * 101, "好")):
        assert code_of(lambda: cons.submit_online_comment(svc, major, name, contact, text, "10.0.0.9")) == "request_invalid"
    assert cons.submit_online_comment(svc, major, "", "", "字" * 2000, "10.0.0.9").comment


def test_online_comments_are_throttled_per_client_and_site_wide(svc, major):
    opened(svc, major, today(svc), today(svc) + dt.timedelta(days=29))
    for i in range(5):
        cons.submit_online_comment(svc, major, "", "", f"第{i}条", "10.0.0.1")
    with pytest.raises(Refused) as e:
        cons.submit_online_comment(svc, major, "", "", "第6条", "10.0.0.1")
    assert e.value.problem.code == "too_many_requests" and "10 分钟内最多提交 5 条" in e.value.problem.message
    assert cons.submit_online_comment(svc, major, "", "", "别人的", "10.0.0.2").comment   # another client
    real = svc.now
    svc.now = lambda: real() + 11 * MINUTE                              # the window has passed
    try:
        assert cons.submit_online_comment(svc, major, "", "", "第6条", "10.0.0.1").comment
        small = OnlineLimits(site_wide=2)
        cons.submit_online_comment(svc, major, "", "", "a", "10.0.0.3", small)    # 2nd in this window
        assert code_of(lambda: cons.submit_online_comment(svc, major, "", "", "b", "10.0.0.4", small)) == \
            "too_many_requests"
        assert code_of(lambda: cons.submit_online_comment(svc, major, "", "", "c", "10.0.0.5",
                                                          OnlineLimits(pending=8))) == "too_many_requests"
    finally:
        svc.now = real
    assert cons.view(svc, major).pending == 8


def test_a_not_public_dossier_takes_no_online_comment(svc, major):
    opened(svc, major, today(svc), today(svc) + dt.timedelta(days=29))
    with svc.unit() as uow:
        uow.dossiers.get(major).disclosure = "不予公开"
    assert code_of(lambda: cons.submit_online_comment(svc, major, "", "", "x", "10.0.0.1")) == "not_found"
    assert cons.public_consultation(svc, major) is None


def test_the_json_export_and_the_desk_view(svc, major, tmp_path):
    opened(svc, major, dt.date(2019, 7, 1), dt.date(2019, 7, 31))
    export = tmp_path / "意见.json"
    export.write_text(json.dumps({"comments": [{"name": "孙八", "comment": "好", "date": "2019-07-10"}]}), "utf-8")
    cons.record_comments(svc, major, cons.read_comments_file(export), "drafter", export.name)
    seen = cons.desk_consultation(svc, major, "drafter")
    assert seen.may_act and seen.major_decision and seen.consultation.comments == 1
    assert not cons.desk_consultation(svc, major, "signer").may_act


def test_the_cli_says_how_many_rows_were_already_recorded_and_refuses_an_early_one(cli, svc, major, tmp_path):
    opened(svc, major, dt.date(2019, 7, 1), dt.date(2019, 7, 31))
    export = tmp_path / "意见.csv"
    export.write_text("姓名,意见,日期\n张三,建议延长申报期限,2019-07-03\n", encoding="utf-8")
    assert cli.json("consultation", "comments", major, "--file", export, "--as", "drafter")["duplicates"] == 0
    again = cli("consultation", "comments", major, "--file", export, "--as", "drafter")
    assert again.exit_code == 0 and "本次 1 条此前已录入，未重复录入" in again.stdout
    early = tmp_path / "早.csv"
    early.write_text("姓名,意见,日期\n李四,早到,2019-06-01\n", encoding="utf-8")
    r = cli("consultation", "comments", major, "--file", early, "--as", "drafter", "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["problems"][0]["code"] == "request_invalid"


# ------------------------------------------------------------------ brief C (session 6): the pieces issues 14/15 lacked

def test_a_comment_received_after_the_period_closed_refuses_the_whole_import(svc, major, tmp_path):
    opened(svc, major, dt.date(2019, 7, 1), dt.date(2019, 7, 31))
    export = tmp_path / "晚.csv"
    export.write_text("姓名,意见,日期\n王五,按期的意见,2019-07-31\n赵六,无日期的来信,\n孙七,晚到的意见,2019年8月1日\n",
                      encoding="utf-8")
    with pytest.raises(Refused) as e:
        cons.record_comments(svc, major, cons.read_comments_file(export), "drafter", export.name)
    p = e.value.problem
    assert p.code == "request_invalid" and "第 3 条" in p.message and "2019-08-01" in p.message
    assert "征求意见期已于 2019年07月31日 结束" in p.message
    v = cons.view(svc, major)
    assert v.comments == 0 and v.items == []                      # the rows before it were not kept either
    with svc.unit() as uow:
        assert not [x for x in uow.audit.history(major) if x.name == "consultation.comments_recorded"]
    # The closing day itself is in the period; a row without a date is not checked against it.
    export.write_text("姓名,意见,日期\n王五,按期的意见,2019-07-31\n赵六,无日期的来信,\n", encoding="utf-8")
    assert cons.record_comments(svc, major, cons.read_comments_file(export), "drafter", export.name).comments == 2


def test_the_cli_moderates_an_online_comment_by_english_or_chinese_name(cli, svc, major):
    opened(svc, major, today(svc), today(svc) + dt.timedelta(days=29))
    a = cons.submit_online_comment(svc, major, "周九", "zhou@example.cn", "建议公开咨询电话", "10.1.0.1").comment
    b = cons.submit_online_comment(svc, major, "", "", "广告：代办证件", "10.1.0.2").comment
    c = cons.submit_online_comment(svc, major, "", "", "第三条意见", "10.1.0.3").comment
    cons.record_comments(svc, major, [{"author": "来信人", "text": "来信：延长期限", "received_on": str(today(svc))}],
                         "drafter", "信函")
    shown = cli("consultation", "show", major)
    assert shown.exit_code == 0, shown.output
    counted, queue = shown.stdout.split("待审核的网上意见（3 条", 1)   # the pending ones listed apart, after the rest
    assert "建议公开咨询电话" in queue and queue.count("[待审核]") == 3 and "来信：延长期限" not in queue
    assert "来信：延长期限" in counted and "建议公开咨询电话" not in counted and "网上意见待审核 3 条" in counted
    r = cli("consultation", "moderate", major, str(a), "通过", "--as", "drafter")
    assert r.exit_code == 0 and f"第 {a} 条网上意见：已采用" in r.stdout
    got = cli.json("consultation", "moderate", major, str(b), "不予采用", "--reason", "广告", "--as", "drafter")
    assert (got["comments"], got["pending"], got["rejected"]) == (2, 1, 1)
    assert cli.json("consultation", "moderate", major, str(c), "reject", "--as", "drafter")["pending"] == 0
    assert cli.json("consultation", "moderate", major, str(c), "驳回", "--as", "drafter")["rejected"] == 2  # again: as it was
    # Not the drafting unit's: refused (1); not an online comment, or not this dossier's: not_found (1).
    r = cli("consultation", "moderate", major, str(c), "accept", "--as", "signer", "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["problems"][0]["code"] == "not_permitted"
    letter = next(x.id for x in cons.view(svc, major).items if x.source == "imported")
    r = cli("consultation", "moderate", major, str(letter), "采用", "--as", "drafter", "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["problems"][0]["code"] == "not_found"
    # An action nobody knows: usage (2), naming the valid ones.
    r = cli("consultation", "moderate", major, str(a), "同意", "--as", "drafter")
    assert r.exit_code == 2 and "采用" in r.output and "不予采用" in r.output
    with svc.unit() as uow:
        moderated = [e.payload for e in uow.audit.history(major) if e.name == "consultation.comment_moderated"]
    assert [(m["comment_id"], m["moderation"], m.get("reason")) for m in moderated] == \
        [(a, "accepted", None), (b, "rejected", "广告"), (c, "rejected", None)]    # the second 驳回: nothing


def test_the_moderation_queue_is_read_a_page_at_a_time(svc, major):
    opened(svc, major, today(svc) - dt.timedelta(days=1), today(svc) + dt.timedelta(days=28))
    with svc.unit() as uow:
        c = uow.review.consultation(major)
        for i in range(45):
            uow.add(cons.CommentRow(consultation_id=c.id, author="匿名", text=f"排队意见{i:02d}", source="online",
                                    moderation="accepted" if i % 9 == 0 else "pending", received_on=today(svc),
                                    submitted_at=svc.now()))
    with svc.unit() as uow:
        c = uow.review.consultation(major)
        assert uow.review.online_count(c.id, ("pending",)) == 40
        page2 = uow.review.online_page(c.id, ("pending",), 20, 20)
        assert [x.text for x in page2] == [f"排队意见{i:02d}" for i in range(45) if i % 9][20:40]
        assert uow.review.online_page(c.id, ("accepted", "rejected"), 20, 0)[0].text == "排队意见00"
    q = cons.moderation_page(svc, major, "drafter", page=2)
    assert (q.pending.total, q.pending.pages, q.pending.page, len(q.pending.items)) == (40, 2, 2, 20)
    assert (q.pending.first, q.pending.last, q.decided.total, q.may_act) == (21, 40, 5, True)
    assert cons.moderation_page(svc, major, "drafter", page=99).pending.page == 2      # past the end: the last
    assert not cons.moderation_page(svc, major, "signer").may_act                       # sees, cannot act


def test_online_comments_lose_invisible_characters_before_they_are_checked_and_stored(svc, major):
    opened(svc, major, today(svc), today(svc) + dt.timedelta(days=29))
    got = cons.submit_online_comment(svc, major, "\u202e张\u200b三\u2066", "\ufeff138\u20600000\u200d0000",
                                     "建议\u202e延长\u202c期限\u200b。\r\n第二行\x07", "10.2.0.1")
    kept = next(x for x in cons.view(svc, major).items if x.id == got.comment)
    assert (kept.author, kept.contact, kept.text) == ("张三", "13800000000", "建议延长期限。\n第二行")
    again = cons.submit_online_comment(svc, major, "", "", "建议延长期限。\n第二行", "10.2.0.1")
    assert again.duplicate and again.comment == got.comment         # the same words once cleaned: kept once
    for text in ("\u200b\u202e\u2066\ufeff", " \u200f\n\t\x00 "):
        with pytest.raises(Refused) as e:
            cons.submit_online_comment(svc, major, "", "", text, "10.2.0.2")
        assert e.value.problem.code == "request_invalid" and "请填写意见内容" in e.value.problem.message
    # The length cap counts what is left: 2000 字 wrapped in invisible characters is taken.
    assert cons.submit_online_comment(svc, major, "", "", "\u200b" * 50 + "字" * 2000 + "\u202e", "10.2.0.3").comment


def test_consultation_show_lists_the_pending_comments_apart_naming_people_only_to_one_who_may_see_them(cli, svc, major):
    """Brief C (session 7): `consultation show --json` has `pending_comments` (id, received time, text) beside
    the adoption list, and the text output counts 待审核 N 条. Names and contacts: only with --as a person the
    rulebook lets see the dossier (rules.may_see); without --as none; one who may not see it: not_found (1)."""
    opened(svc, major, today(svc), today(svc) + dt.timedelta(days=29))
    shown = cli("consultation", "show", major)
    assert shown.exit_code == 0 and "网上意见待审核 0 条" in shown.stdout and "待审核的网上意见" not in shown.stdout
    a = cons.submit_online_comment(svc, major, "吴十", "wu@example.cn", "建议公布办理进度", "10.3.0.1").comment
    b = cons.submit_online_comment(svc, major, "", "", "建议简化材料", "10.3.0.2").comment
    cons.record_comments(svc, major, [{"author": "来信人", "text": "来信意见", "received_on": str(today(svc))}],
                         "drafter", "信函")
    plain = cli.json("consultation", "show", major)
    assert [(p["id"], p["text"], p["author"], p["contact"]) for p in plain["pending_comments"]] == \
        [(a, "建议公布办理进度", None, None), (b, "建议简化材料", None, None)]
    assert plain["pending_comments"][0]["received_at"] and plain["pending"] == 2 and plain["comments"] == 1
    assert "wu@example.cn" not in json.dumps(plain, ensure_ascii=False)
    assert "吴十" not in json.dumps(plain, ensure_ascii=False)          # not in the items either
    office = cli.json("consultation", "show", major, "--as", "drafter")
    assert [(p["author"], p["contact"]) for p in office["pending_comments"]] == [("吴十", "wu@example.cn"), ("匿名", None)]
    legal = cli.json("consultation", "show", major, "--as", "reviewer")["pending_comments"]
    assert [p["id"] for p in legal] == [a, b]
    # The 司法局 reviewer may see the dossier, but a commenter's contact is for the office's reply only
    # (rules.may_read_contacts): the name, never the contact, on every read the reviewer has.
    assert [(p["author"], p["contact"]) for p in legal] == [("吴十", None), ("匿名", None)]
    assert [x.contact for x in cons.moderation_page(svc, major, "reviewer").pending.items] == [None, None]
    assert [x.contact for x in cons.moderation_page(svc, major, "drafter").pending.items] == ["wu@example.cn", None]
    r = cli("consultation", "show", major, "--as", "publicity", "--json")       # a low-risk one: not the 宣传部's
    assert r.exit_code == 1 and json.loads(r.stdout)["problems"][0]["code"] == "not_found"
    text = cli("consultation", "show", major).stdout
    assert "网上意见待审核 2 条" in text and "待审核的网上意见（2 条" in text and "wu@example.cn" not in text
    assert "加 --as 人员 查看提出人和联系方式" in text
    named = cli("consultation", "show", major, "--as", "drafter").stdout
    assert "吴十，wu@example.cn" in named and "加 --as" not in named
    # Taken by the office: out of the pending list, into the adoption list.
    cons.moderate_comment(svc, major, a, "accept", "drafter")
    after = cli.json("consultation", "show", major)
    assert [p["id"] for p in after["pending_comments"]] == [b] and after["comments"] == 2
    assert next(x for x in after["items"] if x["id"] == a)["author"] == "吴十"     # accepted: named as in the summary
    table = {who: {x.id: x.contact for x in cons.desk_consultation(svc, major, who).table.items}
             for who in ("reviewer", "drafter")}
    assert table == {"reviewer": {a: None, **{k: None for k in table["drafter"] if k != a}},
                     "drafter": {**table["drafter"], a: "wu@example.cn"}}
