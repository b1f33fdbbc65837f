"""The order of a draft gazette issue under editors acting at once (issue 15 item 2), on real SQLite and
real PostgreSQL: adds racing for the next position each get their own (the issue's row_version makes
the later one run again), and moves racing with adds leave every item with a distinct position."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from services.gazette.issues import add_items, create_issue, move_item, show_issue
from storage import audit
from storage.tables import EventRow, GazetteIssueItemRow
from tests.storage.conftest import db_svc, pg, pg_url  # noqa: F401  (real SQLite and PostgreSQL homes)
from tests.storage.test_gazette_storage import signed_dossier

EDITORS = 3


def _together(work, n: int) -> list:
    start = threading.Barrier(n, timeout=30)

    def one(i):
        start.wait()
        return work(i)
    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def _positions(svc) -> list[int]:
    with svc.session() as s:
        return sorted(s.scalars(select(GazetteIssueItemRow.position).filter_by(issue_id="2019-8")))


def test_adds_and_moves_at_once_give_every_item_its_own_position(db_svc, tmp_path):  # noqa: F811
    svc = db_svc
    dossiers = [signed_dossier(svc, tmp_path / str(i), government=True, title=f"根河市第{i}号管理办法")
                for i in range(EDITORS + 1)]
    create_issue(svc, 2019, 8, "editor", total=120)
    add_items(svc, "2019-8", [dossiers[-1]], "editor")
    _together(lambda i: add_items(svc, "2019-8", [dossiers[i]], "editor"), EDITORS)
    assert _positions(svc) == list(range(1, EDITORS + 2))
    # Editors moving the first item down while others move the last one up: still a permutation.
    first = show_issue(svc, "2019-8").items[0].dossier
    last = show_issue(svc, "2019-8").items[-1].dossier
    _together(lambda i: move_item(svc, "2019-8", first if i % 2 else last, "editor", step=1 if i % 2 else -1), 2)
    assert _positions(svc) == list(range(1, EDITORS + 2))
    items = show_issue(svc, "2019-8").items
    assert sorted(i.dossier for i in items) == sorted(dossiers)
    with svc.session() as s:
        assert audit.verify(s) == []
        moved = [e.payload for e in s.scalars(select(EventRow).filter_by(name="gazette.issue.item_moved"))]
    assert len(moved) == 2        # none lost: each move ran on what the one before it committed
    order = [i.dossier for i in items]
    assert {first, last} <= set(order[1:-1])
