"""Who acts next is told (issue 14): a notice in their desk inbox, written with the decision, and an
e-mail sent afterwards through a real SMTP server (aiosmtpd on loopback, tests/support/smtp.py)."""
from __future__ import annotations

import datetime as dt

import pytest
import tomlkit

from services.dossiers.intake import intake_bundle
from services.home.context import open_services
from services.home.folder import Home
from services.home.notifications import (NO_SERVER, deadline_notices, inbox, mark_read, send_pending, sweep,
                                         unread_count)
from services.review.actions import record_decision
from services.review.notify import after_submission
from tests.support.smtp import mailbox

ADDRESSES = {"drafter": "drafter@zwfw.genhe.gov.cn", "director": "director@zwfw.genhe.gov.cn",
             "reviewer": "reviewer@sfj.genhe.gov.cn", "signer": "mayor@genhe.gov.cn"}   # secretary: none


def configure(home: Home, port: int | None) -> None:
    """People's addresses, and [mail] pointing at the test server (none: no [mail] host)."""
    doc = tomlkit.parse(home.config_path.read_text(encoding="utf-8"))
    for p in doc["people"]:
        if p["name"] in ADDRESSES:
            p["email"] = ADDRESSES[p["name"]]
    if port is not None:
        mail = tomlkit.table()
        mail.update({"host": "127.0.0.1", "port": port, "from": "lockstep@genhe.gov.cn", "timeout": 5,
                     "desk_url": "https://desk.genhe.gov.cn"})
        doc["mail"] = mail
    home.config_path.write_text(tomlkit.dumps(doc), encoding="utf-8")


@pytest.fixture
def box():
    with mailbox() as b:
        yield b


@pytest.fixture
def mailed(home, box):
    configure(home, box.port)
    return open_services(Home(home.path))


def notices(svc, person):
    return inbox(svc, person)


def test_a_new_dossier_is_in_the_unit_heads_inbox_and_mailed_then_the_reviewers_after_the_unit_check(mailed, box,
                                                                                                  sample_zip):
    svc = mailed
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    [n] = notices(svc, "director")
    assert (n.kind, n.dossier_id, n.stage, n.mail_status) == ("queue", d, "unit_check", "pending")
    assert notices(svc, "reviewer") == [] and notices(svc, "drafter") == []      # not their turn yet
    assert send_pending(svc).sent == [n.id]
    [mail] = box.to(ADDRESSES["director"])
    msg = mail.message
    assert msg["Subject"].startswith("【待审核】") and "起草单位审核" in msg["Subject"]
    assert "https://desk.genhe.gov.cn/desk/dossiers/" in msg.get_content()
    record_decision(svc, d, "unit_check", "approve", "同意", "director")
    [q] = notices(svc, "reviewer")
    assert (q.kind, q.stage) == ("queue", "legality")
    send_pending(svc)
    [mail] = box.to(ADDRESSES["reviewer"])
    assert "合法性审核" in mail.message["Subject"] and d in mail.message.get_content()
    assert len(box.messages) == 2


def test_a_return_mails_the_submitter_once_with_the_reasons_in_chinese(mailed, box, sample_zip):
    svc = mailed
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    record_decision(svc, d, "unit_check", "approve", "同意", "director")
    record_decision(svc, d, "legality", "return", "请修改后再送审", "reviewer",
                    reasons=["二、（一）：依据不足，请补充上位法依据", "请补充起草说明"])
    send_pending(svc)
    [mail] = box.to(ADDRESSES["drafter"])
    raw_subject = next(line for line in mail.raw.split(b"\r\n") if line.startswith(b"Subject:"))
    assert raw_subject.isascii() and b"=?utf-8?" in raw_subject.lower()     # RFC 2047, UTF-8
    msg = mail.message
    assert msg["Subject"].startswith("【退回】") and "合法性审核" in msg["Subject"]
    assert msg.get_content_charset() == "utf-8"
    body = msg.get_content()
    assert "【二、（一）】依据不足，请补充上位法依据" in body and "2. 请补充起草说明" in body
    assert "审核意见：请修改后再送审" in body and "起草单位办理" in body
    assert "根河市 Lockstep 工作台" in str(msg["From"])
    [n] = [x for x in notices(svc, "drafter") if x.kind == "returned"]
    assert n.mail_status == "sent" and n.sent_at is not None
    # A rerun adds nothing and sends nothing: the notices are keyed, the sent ones settled.
    with svc.unit() as uow:
        row, view = uow.dossiers.view(d)
        after_submission(uow, svc, row, view, svc.now())
    before = len(box.messages)
    again = send_pending(svc, due_only=False)
    assert again.sent == [] and len(box.messages) == before
    assert len(box.to(ADDRESSES["drafter"])) == 1


def test_each_person_sees_only_their_own_notices_and_marks_only_their_own_read(mailed, sample_zip):
    svc = mailed
    intake_bundle([sample_zip()], "drafter", svc)
    [n] = notices(svc, "director")
    assert unread_count(svc, "director") == 1
    assert mark_read(svc, "reviewer", [n.id]) == 0           # not theirs: untouched
    assert unread_count(svc, "director") == 1
    assert mark_read(svc, "director") == 1
    assert unread_count(svc, "director") == 0 and notices(svc, "director")[0].read_at is not None


def test_a_person_without_an_address_is_told_in_the_inbox_only(mailed, box, sample_zip):
    svc = mailed
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    record_decision(svc, d, "unit_check", "approve", "同意", "director")
    record_decision(svc, d, "legality", "approve", "同意", "reviewer")
    [n] = notices(svc, "secretary")                           # 集体审议: the secretary has no e-mail
    assert (n.stage, n.mail_status, n.address) == ("deliberation", "skipped", None)
    assert "未登记电子邮箱" in n.note
    sent = send_pending(svc)
    assert all("secretary" not in m.recipients for m in box.messages)
    assert n.id not in sent.sent


def test_an_open_gate_tells_the_signer(mailed, box, sample_zip):
    svc = mailed
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        record_decision(svc, d, stage, "approve", "同意", who)
    [n] = notices(svc, "signer")
    assert n.kind == "sign" and n.subject.startswith("【待签发】")
    send_pending(svc)
    assert len(box.to(ADDRESSES["signer"])) == 1


def test_without_a_mail_server_notices_stay_in_the_inbox_and_mail_is_skipped_not_failed(home, sample_zip):
    configure(home, None)
    svc = open_services(Home(home.path))
    intake_bundle([sample_zip()], "drafter", svc)
    result = send_pending(svc)
    assert result.note == NO_SERVER and result.failed == [] and result.retrying == []
    [n] = notices(svc, "director")
    assert n.mail_status == "skipped" and n.note == NO_SERVER


def test_a_deadline_in_three_working_days_and_an_overdue_stage_are_told_once_per_stage_and_day(mailed, box,
                                                                                             sample_zip):
    from review.clock import working_days_between
    from services.review.deadlines import compute
    svc = mailed
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    record_decision(svc, d, "unit_check", "approve", "同意", "director")
    [due] = [x for x in compute(svc) if x.kind == "legality_review"]
    soon = due.due - dt.timedelta(days=1)
    while working_days_between(soon, due.due) < 3:
        soon -= dt.timedelta(days=1)
    assert working_days_between(soon, due.due) == 3
    first = deadline_notices(svc, soon)
    assert first.added == 1 and [f["person"] for f in first.found] == ["reviewer"]
    assert deadline_notices(svc, soon).added == 0             # the same day again: nothing new
    late = due.due + dt.timedelta(days=2)
    assert deadline_notices(svc, late).added == 1
    assert deadline_notices(svc, late).added == 0
    kinds = [n.kind for n in notices(svc, "reviewer")]
    assert sorted(kinds) == ["due_soon", "overdue", "queue"]
    send_pending(svc)
    subjects = sorted(m.message["Subject"] for m in box.to(ADDRESSES["reviewer"]))
    assert any(s.startswith("【即将到期】") and "还剩 3 个工作日" in s for s in subjects)
    assert any(s.startswith("【已逾期】") for s in subjects)
    assert len(subjects) == 3
    record_decision(svc, d, "legality", "approve", "同意", "reviewer")
    assert deadline_notices(svc, late + dt.timedelta(days=1)).added == 0      # done: nobody is chased


def test_two_senders_at_once_send_each_mail_once_on_sqlite_and_postgresql(db_svc, box, sample_zip):
    import threading
    configure(db_svc.home, box.port)
    svc = open_services(Home(db_svc.home.path))
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        record_decision(svc, d, stage, "approve", "同意", who)
    results = []
    senders = [threading.Thread(target=lambda: results.append(send_pending(open_services(Home(db_svc.home.path)))))
               for _ in range(2)]
    for t in senders:
        t.start()
    for t in senders:
        t.join(60)
    assert sorted(i for r in results for i in r.sent) == sorted(
        n.id for p in ("director", "reviewer", "signer") for n in notices(svc, p))
    assert sorted(m.recipients[0] for m in box.messages) == sorted(
        ADDRESSES[p] for p in ("director", "reviewer", "signer"))


def test_the_scheduled_checks_task_adds_deadline_notices_and_mails_them(mailed, box, sample_zip):
    from flows.deadlines import notify_next
    from services.review.deadlines import compute
    svc = mailed
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    record_decision(svc, d, "unit_check", "approve", "同意", "director")
    [due] = [x for x in compute(svc) if x.kind == "legality_review"]
    late = due.due + dt.timedelta(days=1)
    result = sweep(svc, late)
    assert result.deadlines.added == 1 and len(result.mail.sent) == 3     # director, reviewer, overdue
    again = notify_next.fn(str(svc.home.path))                            # today: not yet overdue
    assert again["deadlines"]["added"] == 0 and again["mail"]["sent"] == []
    assert [m.message["Subject"][:5] for m in box.to(ADDRESSES["reviewer"])].count("【已逾期】") == 1


def test_notices_are_written_in_the_deciding_transaction_and_undone_with_it(mailed, box, sample_zip):
    svc = mailed
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    with svc.unit() as uow:
        row, view = uow.dossiers.view(d)
    second = view.model_copy(update={"current": view.current.model_copy(update={"number": 2})})
    with pytest.raises(RuntimeError):
        with svc.unit() as uow:
            after_submission(uow, svc, row, second, svc.now())
            assert uow.notifications.has(f"queue:{d}:v2:unit_check:director")
            raise RuntimeError("the decision fails after its notices were written")
    assert [n.key for n in notices(svc, "director")] == [f"queue:{d}:v1:unit_check:director"]
    send_pending(svc)
    assert len(box.messages) == 1
