"""Deadlines on the working-day clock, found from the records (DESIGN.md rule 10)."""
from __future__ import annotations

import datetime as dt

import pytest

from review.clock import Period, add_period
from services.review.deadlines import compute, record_reminders, reminders
from services.dossiers.intake import intake_bundle
from services.publication.publish import publish
from services.review.actions import record_decision, record_sign_off, today


def by_kind(items, kind):
    return [d for d in items if d.kind == kind]


def test_the_legality_clock_starts_when_the_unit_check_is_approved(svc, sample_zip):
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    assert by_kind(compute(svc), "legality_review") == []          # not yet at the justice bureau
    record_decision(svc, d, "unit_check", "approve", "同意", "director")
    [due] = by_kind(compute(svc), "legality_review")
    start = today(svc)
    assert (due.start, due.due, due.period) == (start, add_period(start, Period.parse("15个工作日")).due, "15个工作日")
    assert compute(svc, due.due)[0].status == "due_today"
    assert by_kind(compute(svc, due.due + dt.timedelta(days=1)), "legality_review")[0].status == "overdue"
    record_decision(svc, d, "legality", "approve", "同意", "reviewer")
    assert by_kind(compute(svc), "legality_review") == []           # done: the clock stops


def test_the_filing_deadline_runs_from_publication_until_filed(svc, sample_zip):
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        record_decision(svc, d, stage, "approve", "同意", who)
    record_sign_off(svc, d, "signer")
    publish(svc, d, "signer")
    [due] = by_kind(compute(svc), "filing")
    assert due.due == add_period(today(svc), Period.parse("30日")).due


def test_the_scheduled_check_records_each_reminder_once(svc, sample_zip):
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    record_decision(svc, d, "unit_check", "approve", "同意", "director")
    late = compute(svc)[0].due + dt.timedelta(days=3)
    assert [r.status for r in record_reminders(svc, late)] == ["overdue"]
    record_reminders(svc, late)
    assert [(r.kind, r.status) for r in reminders(svc)] == [("legality_review", "overdue")]


@pytest.mark.usefixtures("prefect_harness")
def test_due_record_runs_the_deadline_flow_and_due_lists_the_reminders(cli, svc, sample_zip):
    from flows.deadlines import deadlines_flow
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    record_decision(svc, d, "unit_check", "approve", "同意", "director")
    assert deadlines_flow(str(svc.home.path)) == []                 # nothing due yet today
    listed = cli.json("due")
    assert [x["kind"] for x in listed["due"]] == ["legality_review"] and listed["reminders"] == []
    assert "合法性审核期限" in cli("due").stdout


def test_recording_the_filing_stops_its_clock_and_is_audited(cli, svc, sample_zip):
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        record_decision(svc, d, stage, "approve", "同意", who)
    record_sign_off(svc, d, "signer")
    number = publish(svc, d, "signer").registration_number
    entry = cli.json("register", "list")["entries"][0]
    assert entry["legality_opinion"].startswith("根司合审") and entry["filed_at"] is None
    r = cli("register", "file", number, "--number", "呼备〔2019〕8号", "--reported-to", "呼伦贝尔市人民政府",
            "--as", "reviewer", "--json")
    assert r.exit_code == 1
    cli.json("register", "file", number, "--number", "呼备〔2019〕8号", "--reported-to", "呼伦贝尔市人民政府", "--as", "editor")
    assert by_kind(compute(svc), "filing") == []
    assert cli.json("history", d)["events"][-1]["event"] == "register.filed"
    again = cli("register", "file", number, "--number", "x", "--reported-to", "呼伦贝尔市人民政府", "--as", "editor", "--json")
    assert again.exit_code == 1
