"""The register's life on real SQLite: numbering, dates fixed at publication, amend / repeal /
expire chains with links both ways, the due list, the gazette issue, the annual figures."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from documents.problems import Refused
from publishing import register_rules as rules
from services.register import life as life
from services.review.deadlines import compute
from services.register.report import annual
from storage.tables import EventRow
from tests.storage.test_gazette_storage import gazetted, lately, mark_not_public, signed_dossier

UTC = dt.timezone.utc
ON_SIGNING = "本通知自印发之日起施行。"      # 施行日期 = 成文日期: in force once an issue out that day carries it


def at(svc, day: dt.date) -> None:
    """Publish (and act) at noon on `day`: the history the figures are computed from."""
    svc.now = lambda: dt.datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


def number_of(svc, dossier: str) -> str:
    return next(e.registration_number for e in life.list_entries(svc) if e.dossier == dossier)


def codes(call) -> list[str]:
    with pytest.raises(Refused) as r:
        call()
    return [p.code for p in r.value.problems]


def test_registration_numbers_are_gap_free_per_year_of_registration_not_of_the_document(svc, tmp_path):
    # 统一登记、统一编号 (issue 15 item 6e): the register numbers in the year it registers; a 2019
    # document registered in 2026 is GHDR-2026-…, its 发文字号 keeps 〔2019〕.
    for day, date_text in ((dt.date(2025, 12, 30), "2019年8月5日"), (dt.date(2025, 12, 31), "2020年3月2日"),
                           (dt.date(2026, 1, 2), "2019年9月2日"), (dt.date(2026, 3, 1), "2026年2月1日"),
                           (dt.date(2026, 3, 2), "2019年10月8日")):
        at(svc, day)
        signed_dossier(svc, tmp_path, date_text=date_text)
    entries = life.list_entries(svc)
    assert [e.registration_number for e in entries] == ["GHDR-2025-0001", "GHDR-2025-0002", "GHDR-2026-0001",
                                                        "GHDR-2026-0002", "GHDR-2026-0003"]
    assert [e.signed_date.year for e in entries] == [2019, 2020, 2019, 2026, 2019]


def test_the_effective_date_is_read_from_the_policy_and_validity_runs_five_years(svc, tmp_path):
    d = signed_dossier(svc, tmp_path, "本办法自2019年9月1日起施行。")
    e = life.show(svc, number_of(svc, d))
    assert (e.effective_date, e.valid_until, e.evaluation_due) == (dt.date(2019, 9, 1), dt.date(2024, 8, 31),
                                                                  dt.date(2024, 2, 29))


def test_a_provisional_document_is_valid_two_years_from_its_effective_date(svc, tmp_path):
    at(svc, dt.date(2019, 8, 20))
    d = signed_dossier(svc, tmp_path, "本办法自2019年8月20日起施行。", title="根河市政务公开暂行办法")
    e = life.show(svc, number_of(svc, d))
    assert (e.effective_date, e.valid_until) == (dt.date(2019, 8, 20), dt.date(2021, 8, 19))


def test_amending_links_both_entries_and_marks_the_old_one_amended_and_audited(svc, tmp_path):
    dossiers = [signed_dossier(svc, tmp_path, ON_SIGNING, date_text=lately()) for _ in range(2)]
    gazetted(svc, tmp_path, *dossiers)                  # in force: the gazette carried them (rule 7)
    old, new = (number_of(svc, d) for d in dossiers)
    life.amend(svc, old, new, "editor")
    a, b = life.show(svc, old), life.show(svc, new)
    assert (a.status, a.amended_by, b.status, b.amends) == ("amended", [new], "in_force", [old])
    with svc.session() as s:
        event = s.scalars(select(EventRow).order_by(EventRow.seq.desc())).first()
    assert (event.name, event.dossier_id, event.payload["by"]) == ("register.amended", a.dossier, new)
    assert codes(lambda: life.amend(svc, old, new, "editor")) == ["invalid_state"]     # recorded once


def test_repealing_marks_the_entry_repealed_with_its_repealing_document_and_refuses_twice(svc, tmp_path):
    dossiers = [signed_dossier(svc, tmp_path, ON_SIGNING) for _ in range(2)]
    gazetted(svc, tmp_path, *dossiers)                                                          # both in force
    old, new = (number_of(svc, d) for d in dossiers)
    life.amend(svc, old, new, "editor")
    e = life.repeal(svc, old, "editor", by=new)
    assert (e.status, e.repealed_by, e.amended_by) == ("repealed", new, [new])
    assert codes(lambda: life.repeal(svc, old, "editor", reason="again")) == ["invalid_state"]
    assert codes(lambda: life.amend(svc, old, new, "editor")) == ["invalid_state"]
    assert codes(lambda: life.amend(svc, new, old, "editor")) == ["invalid_state"]   # a repealed one amends nothing


def test_a_repeal_may_give_a_reason_instead_of_a_document(svc, tmp_path):
    n = number_of(svc, signed_dossier(svc, tmp_path))
    e = life.repeal(svc, n, "editor", reason="上位法已废止")
    assert (e.status, e.repealed_by, e.repeal_reason) == ("repealed", None, "上位法已废止")


def test_register_changes_need_the_registrar_role_and_a_known_entry(svc, tmp_path):
    n = number_of(svc, signed_dossier(svc, tmp_path))
    assert codes(lambda: life.repeal(svc, n, "reviewer", reason="x")) == ["not_permitted"]
    assert codes(lambda: life.repeal(svc, "GHDR-2019-9999", "editor", reason="x")) == ["not_found"]
    assert codes(lambda: life.amend(svc, n, "GHDR-2019-9999", "editor")) == ["not_found"]
    assert codes(lambda: life.expire(svc, dt.date(2030, 1, 1), "nobody")) == ["unknown_person"]


def test_entries_past_their_validity_expire_once_and_then_cannot_change(svc, tmp_path):
    at(svc, dt.date(2019, 8, 20))
    d = signed_dossier(svc, tmp_path, "本办法自2019年8月20日起施行。", title="根河市政务公开试行办法")
    assert life.expire_due(svc, dt.date(2021, 8, 20)) == []           # never in force: no issue carried it
    gazetted(svc, tmp_path, d)                                         # valid to 2021-08-19
    n = number_of(svc, d)
    assert life.expire_due(svc, dt.date(2021, 8, 19)) == []
    [e] = life.expire(svc, dt.date(2021, 8, 20), "editor")
    assert (e.registration_number, e.status) == (n, "expired")
    assert life.expire_due(svc, dt.date(2022, 1, 1)) == []
    assert codes(lambda: life.repeal(svc, n, "editor", reason="x")) == ["invalid_state"]


def test_the_evaluation_is_listed_as_due_six_months_before_expiry(svc, tmp_path):
    d = signed_dossier(svc, tmp_path, "本办法自2019年9月1日起施行。")
    gazetted(svc, tmp_path, d)
    kinds = lambda on: {x.kind: x for x in compute(svc, on) if x.dossier == d}
    assert "evaluation" not in kinds(dt.date(2023, 12, 1))
    due = kinds(dt.date(2024, 2, 29))["evaluation"]
    assert (due.due, due.status) == (dt.date(2024, 2, 29), "due_today")
    assert kinds(dt.date(2024, 2, 29))["expiry"].due == dt.date(2024, 8, 31)
    life.repeal(svc, number_of(svc, d), "editor", reason="已评估，决定废止")
    assert "evaluation" not in kinds(dt.date(2024, 3, 1))


def test_an_unfiled_entry_is_listed_overdue_thirty_days_after_publication(svc, tmp_path):
    at(svc, dt.date(2019, 8, 20))
    d = signed_dossier(svc, tmp_path)
    [filing] = [x for x in compute(svc, dt.date(2019, 10, 1)) if x.kind == "filing" and x.dossier == d]
    assert filing.status == "overdue"


def test_the_gazette_issue_shows_once_the_issue_is_released(svc, tmp_path):
    from services.gazette import issues as gazette
    d = signed_dossier(svc, tmp_path)
    n = number_of(svc, d)
    issue = gazette.create_issue(svc, 2019, 8, "editor", total=120).issue
    gazette.add_items(svc, issue, [d], "editor")
    assert life.show(svc, n).gazette_issue is None                     # a draft issue is not publication
    gazette.release_issue(svc, issue, tmp_path / "out", "editor", dt.date(2019, 8, 30))
    e = life.show(svc, n)
    assert (e.gazette_issue, e.gazette_page) == ("2019年第8期（总第120期）", f"items/{d}.html")


def test_a_not_public_dossier_is_left_out_of_public_outputs(svc, tmp_path):
    hidden, shown = signed_dossier(svc, tmp_path), signed_dossier(svc, tmp_path)
    mark_not_public(svc, hidden)
    assert [e.dossier for e in life.list_entries(svc, public=True)] == [shown]


def test_the_annual_figures_come_from_a_constructed_history(svc, tmp_path):
    at(svc, dt.date(2018, 6, 1))
    first = signed_dossier(svc, tmp_path, ON_SIGNING, date_text="2018年5月28日")
    gazetted(svc, tmp_path, first)                      # each in force on its 成文日期, its issue out that day
    first = number_of(svc, first)
    at(svc, dt.date(2019, 3, 1))
    second = signed_dossier(svc, tmp_path, ON_SIGNING, date_text="2019年2月26日")
    third = signed_dossier(svc, tmp_path, ON_SIGNING, date_text="2019年2月27日")
    gazetted(svc, tmp_path, second, third)
    second, third = number_of(svc, second), number_of(svc, third)
    at(svc, dt.date(2019, 7, 1))
    life.amend(svc, second, third, "editor")
    life.repeal(svc, first, "editor", by=third)
    at(svc, dt.date(2020, 2, 1))
    life.repeal(svc, second, "editor", reason="清理")
    y2019, y2020 = annual(svc, 2019), annual(svc, 2020)
    assert [y2019.value(k) for k in ("made", "amended", "repealed", "in_force")] == [2, 1, 1, 2]
    assert [y2020.value(k) for k in ("made", "repealed", "in_force")] == [0, 1, 1]
    # The samples carry a Q&A and a 一图读懂, and Lockstep releases both pages together.
    assert [y2019.value(k) for k in ("interpreted_share", "graphic_share", "released_together_share")] \
        == [100.0, 100.0, 100.0]
    assert rules.STATUS_NAMES[life.show(svc, first).status] == "已废止"


def test_a_page_of_the_register_is_read_newest_first_and_is_the_whole_registers_head(svc, tmp_path):
    """The public register list reads a page (newest_entries: statuses and LIMIT in the query), never
    the whole register: the same entries, in the same order, as the whole register filtered and cut,
    for each filter of the page, public or not; a 不予公开 dossier's entry is never in a public page."""
    numbers = [number_of(svc, signed_dossier(svc, tmp_path, ON_SIGNING)) for _ in range(6)]
    life.amend(svc, numbers[0], numbers[1], "editor")
    life.repeal(svc, numbers[2], "editor", reason="上位法已废止")
    hidden = life.show(svc, numbers[5]).dossier
    mark_not_public(svc, hidden)
    for public in (True, False):
        whole = list(reversed(life.list_entries(svc, public=public)))
        for statuses in (rules.IN_FORCE, ("repealed",), ("amended",), None):
            for limit in (1, 2, 10):
                page = life.newest_entries(svc, statuses, limit, public=public)
                assert [e.registration_number for e in page] == \
                    [e.registration_number for e in whole if statuses is None or e.status in statuses][:limit]
        assert (hidden in {e.dossier for e in life.newest_entries(svc, None, 10, public=public)}) is not public
