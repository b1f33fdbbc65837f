"""Brief H1 (session 12), item 4: a refused 集体审议 record stores no minutes (was: the object was stored
before the record's checks, an orphan until `storage check --repair`); a `lockstep deliberation record`
killed between storing the minutes and its commit leaves an orphan that `storage check` reports and
`--repair` removes, and the same command again records the meeting once. Real SQLite, real object
folder, a real subprocess killed with SIGKILL."""
from __future__ import annotations

import datetime as dt
import hashlib
import signal

import pytest

from documents.problems import Refused
from tests.faults.test_orphans import _clean_and_verified, lockstep
from tests.storage.test_deliberation import before_deliberation, minutes_docx, record


def test_a_refused_meeting_record_leaves_no_object_behind(svc, sample_zip):
    from services.review.actions import record_decision
    from services.review.deliberation import deliberation_of
    d = before_deliberation(svc, sample_zip)
    record(svc, d)
    record_decision(svc, d, "deliberation", "approve", "同意", "secretary")
    later = minutes_docx("根河市人民政府第13次常务会议纪要", "会议补充审议了第三条。")
    sha = hashlib.sha256(later).hexdigest()
    with pytest.raises(Refused) as refused:          # approved: the record is final
        record(svc, d, session_number=13, minutes=later, minutes_name="第13次常务会议纪要.docx")
    assert refused.value.problem.code == "invalid_state"
    assert not svc.store.exists(sha), "a refused record stored its minutes"
    with pytest.raises(Refused) as refused:          # the form was for another version
        record(svc, d, session_number=13, minutes=later, version=7)
    assert refused.value.problem.code == "invalid_state"
    assert not svc.store.exists(sha), "a refused record stored its minutes"
    assert deliberation_of(svc, d).session_number == 12
    _clean_and_verified(svc.home.path)


def test_a_meeting_record_killed_between_its_minutes_and_its_commit_is_reported_repaired_and_recorded_again(
        svc, sample_zip, tmp_path):
    from services.review.deliberation import deliberation_of
    home = svc.home.path
    d = before_deliberation(svc, sample_zip)
    minutes = tmp_path / "第12次常务会议纪要.docx"
    data = minutes_docx("根河市人民政府第12次常务会议纪要", "会议审议并原则通过。")
    minutes.write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    args = ("deliberation", "record", d, "--meeting", "市政府常务会议", "--session", "12",
            "--held-on", (dt.date.today() - dt.timedelta(days=1)).isoformat(), "--minutes", str(minutes),
            "--as", "secretary")

    code, _ = lockstep(home, *args, LOCKSTEP_TEST_CRASH_AT="deliberation.minutes_stored")
    assert code == -signal.SIGKILL
    assert deliberation_of(svc, d) is None                  # nothing committed
    assert svc.store.exists(sha)                            # the object was stored just before the kill
    code, report = lockstep(home, "storage", "check")
    assert code == 1 and [o["what"] for o in report["orphan_objects"]] == [sha], report
    code, repaired = lockstep(home, "storage", "check", "--repair", "--grace", "0")
    assert code == 0 and [o["removed"] for o in repaired["orphan_objects"]] == [True], repaired
    assert not svc.store.exists(sha)

    code, done = lockstep(home, *args)
    assert code == 0, done
    assert deliberation_of(svc, d).minutes_sha256 == sha and svc.store.exists(sha)
    _clean_and_verified(home)


def test_storage_check_repair_keeps_the_minutes_of_a_recorded_meeting(svc, sample_zip):
    """The record's minutes are named by its row (was not: `storage check` called them an orphan, and
    `--repair`, a backup or a restore removed a recorded meeting's minutes)."""
    from services.home.storage_check import check
    from services.review.deliberation import minutes_of
    d = before_deliberation(svc, sample_zip)
    shown = record(svc, d)
    report = check(svc, repair=True, grace_seconds=0)
    assert report.orphan_objects == [] and report.clean, report
    assert svc.store.exists(shown.minutes_sha256)
    assert minutes_of(svc, d)[0] == "第12次常务会议纪要.docx"
