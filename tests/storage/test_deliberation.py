"""集体审议 record (issue 14): the 常务会议 secretary records the meeting of a dossier version (name, 第N次,
date, minutes docx stored by sha256 with its text for search); the stage's approvers only; a stage
marked meeting_record is approved only with it; each record is an audited event; the search finds a
meeting by its minutes and shows only dossiers the person may see. Real SQLite and object folder."""
from __future__ import annotations

import datetime as dt
import hashlib
import io

import docx
import pytest

from documents.problems import Refused
from services.dossiers.intake import intake_bundle
from services.review.actions import record_decision
from services.review.deliberation import (deliberation_of, excerpt, minutes_of, record_deliberation,
                                          search_deliberations)

DELIBERATION_LINE = '{ id = "deliberation", name = "集体审议", roles = ["deliberation_secretary"], after = ["legality"] }'


def minutes_docx(*lines: str, table: list[list[str]] | None = None) -> bytes:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                t.cell(r, c).text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


MINUTES = minutes_docx("根河市人民政府第12次常务会议纪要", "会议审议并原则通过《根河市2019年政务公开工作要点》，"
                       "要求政务服务局按驯鹿养殖户意见修改第三条后印发。",
                       table=[["出席", "市长、副市长"], ["列席", "司法局局长"]])


@pytest.fixture
def required(home):
    """The home's 集体审议 stages need the meeting's record before approval (meeting_record = true)."""
    from services.home.context import open_services
    text = home.config_path.read_text(encoding="utf-8")
    assert DELIBERATION_LINE in text
    home.config_path.write_text(text.replace(DELIBERATION_LINE, DELIBERATION_LINE[:-2] + ", meeting_record = true }"),
                                encoding="utf-8")
    return open_services(home)


def before_deliberation(svc, sample_zip) -> str:
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    record_decision(svc, d, "unit_check", "approve", "同意", "director")
    record_decision(svc, d, "legality", "approve", "同意", "reviewer")
    return d


def record(svc, d, who="secretary", **kw):
    values = dict(meeting="市政府常务会议", session_number=12, held_on=dt.date(2026, 12, 1),
                  minutes_name="第12次常务会议纪要.docx", minutes=MINUTES, actor_name=who) | kw
    return record_deliberation(svc, d, **values)


def code_of(call) -> str:
    with pytest.raises(Refused) as refused:
        call()
    return refused.value.problem.code


def test_a_meeting_record_stage_is_approved_only_with_the_record(required, sample_zip):
    svc = required
    d = before_deliberation(svc, sample_zip)
    with pytest.raises(Refused) as refused:
        record_decision(svc, d, "deliberation", "approve", "同意", "secretary")
    assert refused.value.problem.code == "deliberation_record_missing"
    assert "集体审议" in refused.value.problem.message
    record_decision(svc, d, "deliberation", "return", "", "secretary", ["会议要求补充驯鹿养殖户意见"])  # a return needs none

    from services.review.actions import gate_answer
    assert gate_answer(svc, d).state == "returned"


def test_the_secretary_records_the_meeting_and_then_approves(required, sample_zip):
    svc = required
    d = before_deliberation(svc, sample_zip)
    shown = record(svc, d)
    assert (shown.meeting, shown.session_number, shown.held_on, shown.version) == ("市政府常务会议", 12,
                                                                                   dt.date(2026, 12, 1), 1)
    assert shown.words == "市政府常务会议第12次会议（2026年12月1日）"
    assert shown.minutes_sha256 == hashlib.sha256(MINUTES).hexdigest()
    assert svc.store.get(shown.minutes_sha256) == MINUTES                  # the minutes in the object store
    assert minutes_of(svc, d) == ("第12次常务会议纪要.docx", MINUTES)
    with svc.unit() as uow:
        row = uow.deliberations.for_version(d, 1)
        assert "原则通过《根河市2019年政务公开工作要点》" in row.minutes_text and "出席 市长、副市长" in row.minutes_text
        [event] = [e for e in uow.audit.history(d) if e.name == "review.deliberation.recorded"]
        assert event.actor == "secretary" and event.payload["session_number"] == 12
        assert event.payload["minutes_sha256"] == shown.minutes_sha256
    # corrected before the approval: one record per version, the correction audited too
    again = record(svc, d, session_number=13)
    assert again.session_number == 13 and deliberation_of(svc, d).session_number == 13
    event, answer = record_decision(svc, d, "deliberation", "approve", "同意", "secretary")
    assert event.verdict == "approve" and answer.ready
    # after the approval the record stays as it was approved
    assert code_of(lambda: record(svc, d, session_number=14)) == "invalid_state"
    with svc.unit() as uow:
        assert [e.payload["replaced"] for e in uow.audit.history(d)
                if e.name == "review.deliberation.recorded"] == [False, True]
        assert uow.audit.verify() == []


def test_only_the_stages_approvers_record_and_a_stranger_learns_nothing(required, sample_zip):
    svc = required
    d = before_deliberation(svc, sample_zip)
    assert code_of(lambda: record(svc, d, who="drafter")) == "not_permitted"
    assert code_of(lambda: record(svc, d, who="reviewer")) == "not_permitted"
    assert code_of(lambda: record(svc, d, who="editor")) == "not_found"     # may not see it: as a missing one
    assert code_of(lambda: record(svc, "D2099-9999")) == "not_found"
    assert deliberation_of(svc, d) is None


def test_an_incomplete_record_or_minutes_that_are_not_a_docx_are_refused(required, sample_zip):
    svc = required
    d = before_deliberation(svc, sample_zip)
    assert code_of(lambda: record(svc, d, meeting="  ")) == "deliberation_record_missing"
    assert code_of(lambda: record(svc, d, session_number=0)) == "deliberation_record_missing"
    future = svc.now().astimezone().date() + dt.timedelta(days=1)
    assert code_of(lambda: record(svc, d, held_on=future)) == "deliberation_record_missing"
    assert code_of(lambda: record(svc, d, minutes=None)) == "deliberation_record_missing"
    assert code_of(lambda: record(svc, d, minutes=b"not a zip", minutes_name="纪要.docx")) == "not_docx"
    assert code_of(lambda: record(svc, d, minutes_name="纪要.pdf")) == "not_docx"
    assert deliberation_of(svc, d) is None
    shown = record(svc, d, session_number=None)             # a meeting without a number (专题会议)
    assert shown.words == "市政府常务会议（2026年12月1日）"


def test_the_search_finds_a_meeting_by_its_minutes_for_those_who_may_see_it(required, sample_zip):
    svc = required
    d = before_deliberation(svc, sample_zip)
    record(svc, d)
    [hit] = search_deliberations(svc, "驯鹿养殖户", "secretary")
    assert hit.dossier == d and hit.title and "驯鹿养殖户" in hit.excerpt
    assert [h.dossier for h in search_deliberations(svc, "常务会议", "signer")] == [d]
    assert [h.dossier for h in search_deliberations(svc, "100%_", "secretary")] == []     # not wildcards
    assert search_deliberations(svc, "驯鹿养殖户", "editor") == []          # may not see the dossier
    assert code_of(lambda: search_deliberations(svc, "  ", "secretary")) == "request_invalid"


def test_without_meeting_record_the_default_pipeline_approves_as_before(svc, sample_zip):
    d = before_deliberation(svc, sample_zip)
    event, answer = record_decision(svc, d, "deliberation", "approve", "同意", "secretary")
    assert event.verdict == "approve" and answer.ready


def test_excerpt_shows_the_minutes_around_the_hit():
    text = "甲" * 100 + "驯鹿" + "乙" * 100
    shown = excerpt(text, "驯鹿", around=5)
    assert shown == "…甲甲甲甲甲驯鹿乙乙乙乙乙…"
    assert excerpt("abc", "x") == ""


def test_on_postgresql_the_record_its_correction_and_the_search_hold(pg_url, tmp_path, monkeypatch, sample_zip):
    """The same on a real PostgreSQL: one row per version (a correction updates it), the date column,
    the LIKE search with its escapes, the approval after the record."""
    from services.home import context
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    monkeypatch.setenv("LOCKSTEP_DATABASE_URL", pg_url)
    home = Home(tmp_path / "home")
    initialise(home)
    text = home.config_path.read_text(encoding="utf-8")
    home.config_path.write_text(text.replace(DELIBERATION_LINE, DELIBERATION_LINE[:-2] + ", meeting_record = true }"),
                                encoding="utf-8")
    svc = open_services(home)
    try:
        assert svc.engine.dialect.name == "postgresql"
        d = before_deliberation(svc, sample_zip)
        assert code_of(lambda: record_decision(svc, d, "deliberation", "approve", "同意", "secretary")) \
            == "deliberation_record_missing"
        record(svc, d)
        assert record(svc, d, held_on=dt.date(2026, 11, 30)).held_on == dt.date(2026, 11, 30)
        with svc.unit() as uow:
            assert len(uow.deliberations.of_dossier(d)) == 1
        assert [h.dossier for h in search_deliberations(svc, "驯鹿养殖户", "secretary")] == [d]
        assert search_deliberations(svc, "100%_", "secretary") == []
        event, answer = record_decision(svc, d, "deliberation", "approve", "同意", "secretary")
        assert answer.ready
    finally:
        context._engines.pop(pg_url, None)
        svc.engine.dispose()
