"""The scheduled check's deadline notices (issue 14), mailed through a real SMTP server (aiosmtpd on
loopback, tests/support/smtp.py): one notice per person, dossier, stage and kind, however often the
check runs; the stages an emergency sign-off left open and the filing deadline tell their people too."""
from __future__ import annotations

import datetime as dt

import pytest

from review.clock import working_days_between
from services.dossiers.intake import intake_bundle
from services.home.context import open_services
from services.home.folder import Home
from services.home.notifications import deadline_notices, inbox, send_pending
from services.review.actions import record_decision, record_sign_off
from services.review.deadlines import compute
from tests.storage.test_notifications import ADDRESSES, configure
from tests.support.smtp import mailbox


@pytest.fixture
def box():
    with mailbox() as b:
        yield b


@pytest.fixture
def mailed(home, box):
    configure(home, box.port)
    return open_services(Home(home.path))


def due_of(svc, kind: str, dossier: str):
    [d] = [x for x in compute(svc) if x.kind == kind and x.dossier == dossier]
    return d


def three_left(svc, due: dt.date) -> dt.date:
    day = due - dt.timedelta(days=1)
    while working_days_between(day, due, svc.config.calendar) < 3:
        day -= dt.timedelta(days=1)
    return day


def kinds(svc, person: str) -> list[str]:
    return sorted(n.kind for n in inbox(svc, person))


def test_each_deadline_tells_each_person_once_per_stage_and_kind_whatever_the_days(mailed, box, sample_zip):
    svc = mailed
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    record_decision(svc, d, "unit_check", "approve", "同意", "director")
    due = due_of(svc, "legality_review", d).due
    soon = three_left(svc, due)
    assert deadline_notices(svc, soon).added == 1
    for day in (soon + dt.timedelta(days=1), due):               # still near, then due today: nothing new
        assert deadline_notices(svc, day).added == 0
    assert deadline_notices(svc, due + dt.timedelta(days=1)).added == 1
    for late in (2, 3, 10):                                      # overdue every day after: told once
        assert deadline_notices(svc, due + dt.timedelta(days=late)).added == 0
    assert kinds(svc, "reviewer") == ["due_soon", "overdue", "queue"]
    sent = send_pending(svc)
    assert sent.failed == [] and sent.retrying == []
    subjects = sorted(m.message["Subject"] for m in box.to(ADDRESSES["reviewer"]))
    assert len(subjects) == 3
    assert [s[:6] for s in subjects if s.startswith("【已逾期】")] == ["【已逾期】《"]
    [late] = [m for m in box.to(ADDRESSES["reviewer"]) if m.message["Subject"].startswith("【已逾期】")]
    body = late.message.get_content()
    assert "合法性审核期限" in body and "已逾期 1 个工作日" in body and f"/desk/dossiers/{d}/review" in body


def test_a_stage_an_emergency_sign_off_left_open_tells_its_deciders_when_near_and_when_overdue(mailed, box,
                                                                                                 sample_zip):
    svc = mailed
    d = intake_bundle([sample_zip(kind="政策性文件")], "drafter", svc).dossier
    record_decision(svc, d, "kind_check", "approve", "经认定不属于行政规范性文件", "reviewer")
    record_sign_off(svc, d, "signer", "防汛紧急部署，须在汛期前公布施行")
    due = due_of(svc, "retrospective", d).due
    found = deadline_notices(svc, three_left(svc, due))
    assert found.added == 1 and [(f["person"], f["stage"], f["kind"]) for f in found.found] == [
        ("director", "unit_check", "retrospective")]
    assert deadline_notices(svc, due + dt.timedelta(days=1)).added == 1
    assert deadline_notices(svc, due + dt.timedelta(days=2)).added == 0
    assert kinds(svc, "director").count("overdue") == 1 and kinds(svc, "signer").count("overdue") == 0
    send_pending(svc)
    subjects = [m.message["Subject"] for m in box.to(ADDRESSES["director"])]
    assert any(s.startswith("【已逾期】") and "起草单位审核" in s for s in subjects)
    record_decision(svc, d, "unit_check", "approve", "事后补审同意", "director")
    assert deadline_notices(svc, due + dt.timedelta(days=3)).added == 0      # reviewed: nobody is chased


def test_the_filing_deadline_tells_whoever_keeps_the_register(mailed, box, sample_zip):
    from services.publication.publish import publish
    svc = mailed
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        record_decision(svc, d, stage, "approve", "同意", who)
    record_sign_off(svc, d, "signer")
    publish(svc, d, "signer")
    due = due_of(svc, "filing", d).due
    assert deadline_notices(svc, three_left(svc, due)).added == 1
    assert deadline_notices(svc, due + dt.timedelta(days=1)).added == 1
    assert deadline_notices(svc, due + dt.timedelta(days=5)).added == 0
    [overdue] = [n for n in inbox(svc, "editor") if n.kind == "overdue"]
    assert (overdue.stage, overdue.link) == ("filing", "/desk/register")
    assert "报备期限" in overdue.body and "【已逾期】" in overdue.subject
    assert inbox(svc, "reviewer") == [] or all(n.stage != "filing" for n in inbox(svc, "reviewer"))
