"""定时发布 killed at its moment (issue 15 item 1, with issue 12's guarantees): the process making a
scheduled release public dies by SIGKILL after staging its pages and before its commit. Nothing is
public then (no page row, no page in place, no register entry); the next tick of the desk's clock
(publish_due) publishes it exactly once, at the scheduled moment, with the pages prepared ahead; the
sweep then removes the killed run's temporary files and publishes nothing more."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from services.publication import schedule as sched
from services.publication.publish import publish, publish_pending
from services.review.actions import record_sign_off
from storage.tables import PageRow, RegisterEntryRow
from tests.storage.test_outbox import ready_dossier

ROOT = Path(__file__).resolve().parents[2]


def _count(svc, table) -> int:
    with svc.session() as s:
        return s.scalar(select(func.count()).select_from(table))


def test_a_scheduled_release_killed_at_its_moment_is_published_once_by_the_next_tick(svc, sample_zip):
    d = ready_dossier(svc, sample_zip())
    moment = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=2)).replace(microsecond=0)
    record_sign_off(svc, d, "signer", publish_at=moment)
    prepared = publish(svc, d, "signer").prepared
    assert prepared and _count(svc, PageRow) == 0
    time.sleep(max(0.0, (moment - dt.datetime.now(dt.timezone.utc)).total_seconds()) + 0.2)
    code = ("from services.home.context import open_services; from services.home.folder import Home; "
            "from services.publication.schedule import publish_due; import sys, pathlib; "
            "print(publish_due(open_services(Home(pathlib.Path(sys.argv[1])))))")
    p = subprocess.run([sys.executable, "-c", code, str(svc.home.path)], cwd=ROOT, capture_output=True, text=True,
                       timeout=120, env={**os.environ, "LOCKSTEP_TEST_CRASH_AT": "publish.before_commit"})
    assert p.returncode == -signal.SIGKILL, p.stderr[-2000:]
    site = svc.home.site
    assert _count(svc, PageRow) == 0 and _count(svc, RegisterEntryRow) == 0
    assert not (site / f"policies/{d}.html").exists()
    assert list(site.rglob(".tmp-*"))                       # staged, never placed
    [done] = sched.publish_due(svc)                         # the clock's next tick
    assert done["published"] and not done.get("already")
    with svc.session() as s:
        row = s.scalars(select(PageRow).where(PageRow.dossier_id == d, PageRow.kind == "policy")).one()
        assert sched.aware(row.released_at) == moment
    assert (site / f"policies/{d}.html").is_file() and _count(svc, RegisterEntryRow) == 1
    assert sched.publish_due(svc) == []
    swept = publish_pending(svc, stale_after=dt.timedelta(0))
    # The killed run's staged files: the same bytes as the rows committed since (the numbers it had taken
    # were given back and taken again), so put in place over them, or removed; none left either way.
    assert swept.results == [] and (swept.placed or swept.removed) and not list(site.rglob(".tmp-*"))
    assert _count(svc, PageRow) == 2 and _count(svc, RegisterEntryRow) == 1
