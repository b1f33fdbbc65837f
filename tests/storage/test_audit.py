"""The audit chain detects a changed, removed or reordered event and says which."""
from __future__ import annotations

import json

from sqlalchemy import delete, update

from services.dossiers.intake import intake_bundle
from services.review.actions import record_decision
from storage.tables import EventRow


def three_events(svc, sample_zip) -> str:
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    record_decision(svc, d, "unit_check", "approve", "同意", "director")
    record_decision(svc, d, "legality", "approve", "同意", "reviewer")
    return d


def verify(cli) -> tuple[int, list[dict]]:
    r = cli("audit", "verify", "--json")
    return r.exit_code, json.loads(r.stdout)["findings"]


def test_an_untouched_chain_verifies(cli, svc, sample_zip):
    three_events(svc, sample_zip)
    assert verify(cli) == (0, [])


def test_a_forged_row_is_named(cli, svc, sample_zip):
    three_events(svc, sample_zip)
    with svc.session() as s:
        row = s.get(EventRow, 3)       # seq 1 records the home's config, 2 the submission
        row.payload = {**row.payload, "comment": "伪造的意见"}
    code, findings = verify(cli)
    assert code == 1 and [(f["seq"], f["problem"]) for f in findings] == [(3, "changed")]


def test_a_removed_row_is_named(cli, svc, sample_zip):
    three_events(svc, sample_zip)
    with svc.session() as s:
        s.execute(delete(EventRow).where(EventRow.seq == 3))
    code, findings = verify(cli)
    assert code == 1 and {(f["seq"], f["problem"]) for f in findings} == {(4, "removed"), (4, "reordered")}


def test_reordered_rows_are_named(cli, svc, sample_zip):
    three_events(svc, sample_zip)
    with svc.session() as s:
        s.execute(update(EventRow).where(EventRow.seq == 3).values(seq=99))
        s.execute(update(EventRow).where(EventRow.seq == 4).values(seq=3))
        s.execute(update(EventRow).where(EventRow.seq == 99).values(seq=4))
    code, findings = verify(cli)
    assert code == 1 and {f["seq"] for f in findings} == {3, 4}


def test_history_lists_the_dossier_events_in_order(cli, svc, sample_zip):
    d = three_events(svc, sample_zip)
    events = cli.json("history", d)["events"]
    assert [(e["event"], e["actor"]) for e in events] == [
        ("dossier.submitted", "drafter"), ("review.stage.decided", "director"), ("review.stage.decided", "reviewer")]
    assert "审核" in cli("history", d).stdout


def test_events_appended_together_link_and_number_as_one_by_one(cli, svc, sample_zip):
    """storage/audit.append_all (a gazette release dating its register entries): the same chain as
    appending each, the counter moved past them, and the next single append links on."""
    import datetime as dt

    from services.register.life import EntryDated
    from storage.tables import CounterRow
    three_events(svc, sample_zip)
    at = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.timezone.utc)
    events = [EntryDated(dossier_id=None, actor="editor", at=at, issue="2026-1", registration_number=f"R{n}",
                         effective_date=dt.date(2026, 12, 7)) for n in range(3)]
    with svc.unit() as uow:
        before = uow.audit.count()
        rows = uow.audit.append_all(events)
        assert [r.seq for r in rows] == [before + 1, before + 2, before + 3]
        uow.audit.append(events[0])
    with svc.session() as s:
        assert s.get(CounterRow, ("audit", 0)).value == before + 4
    assert verify(cli) == (0, [])
