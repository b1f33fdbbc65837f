"""待施行 on real SQLite: the release dates the entry in its own transaction, the scheduled check
(services.register.life.take_effect_due, what flows/deadlines.py runs) moves it on the day, once,
audited; an amendment recorded while it waits is kept."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from services.gazette import issues as gazette
from services.register import life as life
from services.review.deadlines import compute
from storage.tables import EventRow
from tests.storage.test_gazette_storage import signed_dossier

UTC = dt.timezone.utc


def at(svc, day: dt.date) -> None:
    svc.now = lambda: dt.datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


def entry(svc, dossier: str) -> life.EntryView:
    return next(e for e in life.list_entries(svc) if e.dossier == dossier)


def released(svc, tmp_path, dossiers: list[str], day: dt.date) -> None:
    gazette.create_issue(svc, day.year, 8, "editor")
    gazette.add_items(svc, f"{day.year}-8", dossiers, "editor")
    gazette.release_issue(svc, f"{day.year}-8", tmp_path / "out", "editor", day)


def test_release_dates_a_pending_entry_and_the_scheduled_check_moves_it_on_the_day_once(svc, tmp_path):
    at(svc, dt.date(2019, 8, 6))
    d = signed_dossier(svc, tmp_path)
    e = entry(svc, d)
    assert (e.status, e.effective_date, e.valid_until, e.evaluation_due) == ("pending", None, None, None)
    assert life.take_effect_due(svc, dt.date(2030, 1, 1)) == []          # no date yet: nothing moves it

    released(svc, tmp_path, [d], dt.date(2019, 8, 30))                  # released ahead of its date
    e = entry(svc, d)
    assert (e.status, e.effective_date, e.valid_until) == ("pending", dt.date(2019, 8, 30), dt.date(2024, 8, 29))
    assert life.take_effect_due(svc, dt.date(2019, 8, 29)) == []
    [moved] = life.take_effect_due(svc, dt.date(2019, 8, 30))
    assert (moved.dossier, moved.status, moved.status_name) == (d, "in_force", "现行有效")
    assert life.take_effect_due(svc, dt.date(2019, 8, 31)) == []         # once
    with svc.session() as s:
        names = [r.name for r in s.scalars(select(EventRow).where(EventRow.dossier_id == d).order_by(EventRow.seq))]
    assert names[-2:] == ["register.dated", "register.took_effect"]


def test_release_on_a_day_already_come_puts_it_in_force_in_the_same_transaction(svc, tmp_path):
    at(svc, dt.date(2019, 9, 2))
    d = signed_dossier(svc, tmp_path)
    released(svc, tmp_path, [d], dt.date(2019, 8, 30))
    e = entry(svc, d)
    assert (e.status, e.effective_date) == ("in_force", dt.date(2019, 8, 30))


def test_a_stated_later_date_is_kept_when_the_issue_comes_out_earlier(svc, tmp_path):
    at(svc, dt.date(2019, 8, 6))
    d = signed_dossier(svc, tmp_path, "本办法自2019年9月1日起施行。")
    assert (entry(svc, d).status, entry(svc, d).effective_date) == ("pending", dt.date(2019, 9, 1))
    released(svc, tmp_path, [d], dt.date(2019, 8, 30))
    assert entry(svc, d).effective_date == dt.date(2019, 9, 1)
    assert [e.dossier for e in life.take_effect_due(svc, dt.date(2019, 9, 1))] == [d]


def test_an_amendment_recorded_while_pending_is_kept_when_it_takes_effect(svc, tmp_path):
    at(svc, dt.date(2019, 8, 6))
    old = signed_dossier(svc, tmp_path)
    new = signed_dossier(svc, tmp_path, "本通知自印发之日起施行。")
    life.amend(svc, entry(svc, old).registration_number, entry(svc, new).registration_number, "editor")
    assert entry(svc, old).status == "pending"                           # not in force before its issue
    released(svc, tmp_path, [old], dt.date(2019, 8, 30))
    life.take_effect_due(svc, dt.date(2019, 8, 30))
    assert entry(svc, old).status == "amended"


def test_a_pending_entry_is_due_for_filing_but_not_for_evaluation(svc, tmp_path):
    at(svc, dt.date(2019, 8, 6))
    d = signed_dossier(svc, tmp_path)
    kinds = {x.kind for x in compute(svc, dt.date(2019, 10, 1)) if x.dossier == d}
    assert "filing" in kinds and "evaluation" not in kinds and "expiry" not in kinds
