"""Notification mail when the SMTP server is away (issue 14): the notice is given back with a note and
tried again later, a bounded number of times; the decision it belongs to is never held up or undone."""
from __future__ import annotations

import datetime as dt

import pytest

from services.dossiers.intake import intake_bundle
from services.home.context import open_services
from services.home.folder import Home
from services.home.notifications import MAX_ATTEMPTS, inbox, send_pending
from tests.storage.test_notifications import ADDRESSES, configure
from tests.support.smtp import mailbox


@pytest.fixture
def box():
    with mailbox() as b:
        yield b


def test_smtp_down_gives_the_mail_back_to_retry_and_it_is_sent_once_the_server_is_back(home, box, sample_zip):
    configure(home, box.port)
    svc = open_services(Home(home.path))
    box.stop()                                                   # the mail server is away
    d = intake_bundle([sample_zip()], "drafter", svc)
    assert d.accepted                                            # the submission does not wait on mail
    down = send_pending(svc)
    [back] = down.retrying
    assert down.sent == [] and back["attempts"] == 1 and "无法连接邮件服务器" in back["note"]
    [n] = inbox(svc, "director")
    assert n.mail_status == "pending" and n.next_attempt_at is not None and "连接被拒绝" in n.note
    assert send_pending(svc).retrying == []                      # not due yet: the sweep waits
    box.start()
    later = svc.now() + dt.timedelta(minutes=2)
    svc.now = lambda: later                                      # the next try falls due
    up = send_pending(svc)
    assert up.sent == [n.id]
    [mail] = box.to(ADDRESSES["director"])
    assert mail.message["Subject"].startswith("【待审核】")
    [n] = inbox(svc, "director")
    assert (n.mail_status, n.attempts, n.note) == ("sent", 2, None)
    assert send_pending(svc, due_only=False).sent == [] and len(box.messages) == 1


def test_a_mail_that_keeps_faulting_is_failed_after_bounded_tries_and_sent_when_asked_again(home, box, sample_zip):
    configure(home, box.port)
    svc = open_services(Home(home.path))
    box.stop()
    intake_bundle([sample_zip()], "drafter", svc)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        result = send_pending(svc, due_only=False)               # `lockstep notify send`: now
        assert len(result.retrying if attempt < MAX_ATTEMPTS else result.failed) == 1
    [n] = inbox(svc, "director")
    assert n.mail_status == "failed" and n.attempts == MAX_ATTEMPTS and "不再自动重试" in n.note
    assert send_pending(svc, due_only=False).failed == []        # left alone until a person asks
    box.start()
    assert send_pending(svc, retry_failed=True).sent == [n.id]
    assert len(box.to(ADDRESSES["director"])) == 1


def test_a_recipient_the_server_refuses_for_good_is_failed_at_once(home, box, sample_zip):
    configure(home, box.port)
    box.refuse[ADDRESSES["director"]] = "550 5.1.1 无此用户"
    svc = open_services(Home(home.path))
    intake_bundle([sample_zip()], "drafter", svc)
    result = send_pending(svc)
    [failed] = result.failed
    assert "550" in failed["note"] and result.retrying == []
    assert inbox(svc, "director")[0].mail_status == "failed"


def test_a_sender_killed_after_the_server_took_a_mail_sends_it_again_with_the_same_message_id(home, box, sample_zip):
    """At least once: `lockstep notify send` killed (SIGKILL) between the server's 250 and the row's
    sent mark leaves the notice held by a dead process; the next sender claims it at once and sends
    it again, as the same message (Message-ID), and never a third time."""
    import os
    import subprocess
    import sys
    from pathlib import Path
    configure(home, box.port)
    svc = open_services(Home(home.path))
    intake_bundle([sample_zip()], "drafter", svc)
    root = Path(__file__).resolve().parents[2]
    killed = subprocess.run([sys.executable, "-m", "cli.main", "--home", str(home.path), "notify", "send", "--json"],
                            cwd=root, env={**os.environ, "LOCKSTEP_TEST_CRASH_AT": "notify.sent_unrecorded"},
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -9, killed.stderr
    [first] = box.to(ADDRESSES["director"])
    [n] = inbox(svc, "director")
    assert n.mail_status == "sending"                            # held by a process that is gone
    assert send_pending(svc).sent == [n.id]                      # claimed again at once: its holder died
    again = box.to(ADDRESSES["director"])
    assert len(again) == 2 and again[1].message["Message-ID"] == first.message["Message-ID"]
    assert send_pending(svc, due_only=False).sent == [] and len(box.messages) == 2
    assert inbox(svc, "director")[0].mail_status == "sent"
