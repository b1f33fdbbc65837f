"""Gazette item and 更正启事 numbers under a crowd (issue 12, item 2): taken from locking counters in
the transaction that adds the row, never `max + 1`.

Threads adding at once, on real SQLite and real PostgreSQL, end with unique, gap-free numbers; a
transaction that rolls back gives its number back; a home whose rows were numbered by an older
Lockstep (no counter row yet) continues after them.
"""
from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import delete, select

from services.gazette.corrections import add_correction, remove_correction
from services.gazette.issues import create_issue, show_issue
from storage import audit
from storage.repos.gazette import ITEM_SEQUENCE, NOTICE_SEQUENCE
from storage.tables import CounterRow, DossierRow, GazetteCorrectionRow, GazetteIssueRow, GazetteItemRow
from tests.storage.conftest import db_svc, pg, pg_url  # noqa: F401  (real SQLite and PostgreSQL homes)

THREADS, EACH = 6, 3
AT = dt.datetime(2026, 12, 7, tzinfo=dt.timezone.utc)


def _together(work, n: int = THREADS) -> list:
    """Run work(i) for i in 0..n-1 on n threads released at the same moment."""
    start = threading.Barrier(n, timeout=30)

    def one(i):
        start.wait()
        return work(i)
    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


@pytest.fixture
def issues(db_svc):  # noqa: F811
    """2019-8 out (marked released as test data: correcting needs a released issue, nothing more);
    2019-9 … 2019-14 drafts, one per editor thread."""
    svc = db_svc
    create_issue(svc, 2019, 8, "editor", total=120)
    with svc.session() as s:
        s.get(GazetteIssueRow, "2019-8").status = "released"
    drafts = [create_issue(svc, 2019, 9 + i, "editor").issue for i in range(THREADS)]
    return svc, drafts


def _notice_ids(svc) -> list[int]:
    with svc.session() as s:
        return sorted(s.scalars(select(GazetteCorrectionRow.id)))


def test_notices_added_at_once_have_unique_gap_free_numbers(issues):
    svc, drafts = issues

    def editor(i):
        return [add_correction(svc, drafts[i], "2019-8", f"第{i}位编辑的第{k}条更正。", "editor").notice
                for k in range(EACH)]
    taken = [n for numbers in _together(editor) for n in numbers]
    assert sorted(taken) == list(range(1, THREADS * EACH + 1))
    assert _notice_ids(svc) == sorted(taken)
    for i, issue in enumerate(drafts):          # each notice in the issue that asked for it
        assert {c.text for c in show_issue(svc, issue).corrections} == {f"第{i}位编辑的第{k}条更正。"
                                                                        for k in range(EACH)}
    with svc.session() as s:
        assert audit.verify(s) == []


def test_several_editors_on_one_issue_each_get_their_own_number(issues):
    svc, drafts = issues
    taken = _together(lambda i: add_correction(svc, drafts[0], "2019-8", f"更正{i}。", "editor").notice, 4)
    assert sorted(taken) == [1, 2, 3, 4]
    assert sorted(c.notice for c in show_issue(svc, drafts[0]).corrections) == [1, 2, 3, 4]


def test_a_refused_or_rolled_back_notice_gives_its_number_back(issues):
    svc, drafts = issues
    assert add_correction(svc, drafts[0], "2019-8", "更正一。", "editor").notice == 1
    with pytest.raises(RuntimeError):
        with svc.unit() as uow:
            assert uow.gazette.next_notice_number() == 2
            raise RuntimeError("the transaction fails after taking its number")
    assert add_correction(svc, drafts[0], "2019-8", "更正二。", "editor").notice == 2


def test_a_removed_number_is_not_reused_and_an_older_home_continues_after_its_rows(issues):
    svc, drafts = issues
    for text in ("一。", "二。", "三。"):
        add_correction(svc, drafts[0], "2019-8", text, "editor")
    remove_correction(svc, 3, "editor")
    assert add_correction(svc, drafts[0], "2019-8", "四。", "editor").notice == 4
    with svc.session() as s:                     # as an older Lockstep left it: rows, no counter
        s.execute(delete(CounterRow).where(CounterRow.sequence == NOTICE_SEQUENCE))
    assert add_correction(svc, drafts[0], "2019-8", "五。", "editor").notice == 5
    assert _notice_ids(svc) == [1, 2, 4, 5]


def test_items_added_at_once_have_unique_gap_free_numbers(db_svc):  # noqa: F811
    """What publication does for each signed dossier (services/publication/publish.py): the item's
    number is taken from the counter in the transaction that adds it. Some transactions fail after
    taking one; their numbers are taken again by the next."""
    svc = db_svc
    with svc.session() as s:                     # one dossier to hang the items on (test data)
        s.add(DossierRow(id="D2026-0001", kind="normative", title="根河市办法", drafting_unit="根河市司法局",
                         state="published", current_version=1, created_at=AT, updated_at=AT))
    failed = []

    def publisher(i):
        mine = []
        for k in range(EACH):
            try:
                def add():
                    with svc.unit() as uow:
                        n = uow.gazette.next_item_number()
                        uow.add(GazetteItemRow(id=n, dossier_id="D2026-0001", fingerprint=f"{i}-{k}".ljust(64, "0"),
                                               title="根河市办法", doc_number=None, organ=None, signed_date=None,
                                               policy_page="p", interpretation_page="i", status="queued",
                                               queued_at=AT))
                        uow.flush()
                        if k == 1 and i % 2:
                            raise RuntimeError("fails after taking its number")
                        return n
                mine.append(svc.retrying(add))
            except RuntimeError:
                failed.append((i, k))
        return mine
    taken = [n for numbers in _together(publisher) for n in numbers]
    kept = THREADS * EACH - len(failed)
    assert failed and sorted(taken) == list(range(1, kept + 1))
    with svc.session() as s:
        assert sorted(s.scalars(select(GazetteItemRow.id))) == sorted(taken)
        assert s.get(CounterRow, (ITEM_SEQUENCE, 0)).value == kept
