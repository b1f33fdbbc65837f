"""定时发布 of a signed dossier (issue 15, item 1): the pages built, checked and stored at once, nothing
public before the moment (review.rules.is_public with release_at), public at the moment through the
sweep or the desk's clock, cancellable before it with a reason by a signer, audited."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import func, select

from documents.problems import Refused
from review.rules import is_public
from services.publication import schedule as sched
from services.publication.publish import INDEX_MARK, NUMBER_MARK, publish, publish_pending
from services.publication.site import page, policy_index, policy_view
from services.review.actions import record_sign_off
from storage.tables import DossierRow, EventRow, GazetteItemRow, JobRow, PageRow, RegisterEntryRow
from tests.storage.test_outbox import ready_dossier

HOUR = dt.timedelta(hours=1)


def at(svc, moment: dt.datetime):
    """The same home with its clock at `moment`."""
    return dataclasses.replace(svc, now=lambda: moment)


def counts(svc) -> tuple[int, int, int]:
    with svc.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (PageRow, RegisterEntryRow, GazetteItemRow))


def events(svc, d) -> list[str]:
    with svc.session() as s:
        return list(s.scalars(select(EventRow.name).where(EventRow.dossier_id == d).order_by(EventRow.seq)))


def test_is_public_says_not_yet_before_the_moment_and_fails_closed_without_a_clock():
    moment = dt.datetime(2026, 12, 10, 1, 0, tzinfo=dt.timezone.utc)
    assert not is_public("主动公开", release_at=moment, now=moment - dt.timedelta(seconds=1))
    assert is_public("主动公开", release_at=moment, now=moment)
    assert not is_public("主动公开", release_at=moment)                       # no clock: not public
    assert not is_public("不予公开", release_at=moment, now=moment + HOUR)      # the moment adds nothing
    assert not is_public("主动公开", True, release_at=moment, now=moment + HOUR)


def test_a_scheduled_release_is_built_at_once_but_nothing_is_public_until_its_moment(svc, sample_zip):
    d = ready_dossier(svc, sample_zip())
    moment = (svc.now() + HOUR).replace(microsecond=0)
    record_sign_off(svc, d, "signer", publish_at=moment)
    done = publish(svc, d, "signer")                    # what the sign-off's caller runs
    assert not done.published and done.scheduled_at == moment and set(done.prepared) == {"policy", "interpretation"}
    prepared = {k: svc.store.get(sha).decode() for k, sha in done.prepared.items()}
    assert NUMBER_MARK in prepared["policy"] and INDEX_MARK in prepared["policy"]      # numbers taken at the moment
    assert moment.astimezone().strftime("%Y年%m月%d日 %H:%M") in prepared["policy"]   # the page says the moment
    # Nothing public: no page row or file, no register entry, no gazette item; the sweep leaves it alone.
    assert counts(svc) == (0, 0, 0) and not (svc.home.site / f"policies/{d}.html").exists()
    assert policy_view(svc, d) is None and policy_index(svc) == [] and page(svc, f"policies/{d}.html") is None
    assert publish_pending(svc).results == [] and sched.publish_due(svc) == []
    assert publish(svc, d, "signer").prepared == done.prepared          # asked again: the same pages, not rebuilt
    state = sched.state_of(svc, d)
    assert (state.state, state.state_name, state.moment) == ("scheduled", "定时发布", moment)
    # The moment comes: the desk's clock (publish_due) publishes it, with the prepared pages.
    later = at(svc, moment + dt.timedelta(seconds=30))
    [result] = sched.publish_due(later)
    assert result["published"] and result["index_number"] and result["registration_number"]
    with svc.session() as s:
        row = s.scalars(select(PageRow).where(PageRow.dossier_id == d, PageRow.kind == "policy")).one()
        assert sched.aware(row.released_at) == moment
        assert s.scalar(select(DossierRow.state).where(DossierRow.id == d)) == "registered"
    text = (svc.home.site / f"policies/{d}.html").read_text(encoding="utf-8")
    assert text == prepared["policy"].replace(NUMBER_MARK, result["registration_number"]).replace(
        INDEX_MARK, result["index_number"])
    assert policy_view(svc, d).published == moment.astimezone().date()
    assert sched.state_of(svc, d).state == "released"
    names = events(svc, d)
    assert names.index("publication.scheduled") < names.index("publication.prepared") < names.index("dossier.published")


def test_the_sweep_publishes_a_scheduled_release_whose_moment_has_come_even_if_never_prepared(svc, sample_zip):
    d = ready_dossier(svc, sample_zip())
    moment = (svc.now() + HOUR).replace(microsecond=0)
    record_sign_off(svc, d, "signer", publish_at=moment)       # the caller died before preparing
    assert publish_pending(svc).results == []
    done = publish_pending(at(svc, moment + HOUR)).results
    assert [r["dossier"] for r in done if r.get("published")] == [d]
    assert counts(svc) == (2, 1, 1)


def test_a_scheduled_release_is_cancelled_before_its_moment_with_a_reason_by_a_signer(svc, sample_zip):
    d = ready_dossier(svc, sample_zip())
    moment = (svc.now() + HOUR).replace(microsecond=0)
    record_sign_off(svc, d, "signer", publish_at=moment)
    publish(svc, d, "signer")
    for who, reason, code in (("signer", "太短", "request_invalid"), ("editor", "需要与新闻发布会同步发布", "not_permitted"),
                              ("drafter", "需要与新闻发布会同步发布", None)):
        with pytest.raises(Refused) as r:
            sched.cancel(svc, d, reason, who)
        assert code is None or r.value.problem.code == code
    with pytest.raises(Refused) as r:
        sched.cancel(at(svc, moment), d, "需要与新闻发布会同步发布", "signer")        # the moment has come
    assert r.value.problem.code == "invalid_state"
    state = sched.cancel(svc, d, "需要与新闻发布会同步发布，暂缓公开", "signer")
    assert state.state == "held" and "暂缓公开" in state.note
    assert "publication.schedule_cancelled" in events(svc, d)
    # Nothing happens at the moment: the job is held until a signer acts.
    assert publish_pending(at(svc, moment + HOUR)).results == [] and counts(svc) == (0, 0, 0)
    with pytest.raises(Refused) as r:
        sched.cancel(svc, d, "需要与新闻发布会同步发布", "signer")                   # nothing scheduled now
    assert r.value.problem.code == "invalid_state"
    # Scheduled again, for a later moment; then published at it.
    again = sched.schedule(svc, d, moment + 2 * HOUR, "signer")
    assert again.scheduled_at == moment + 2 * HOUR and not again.published
    assert publish_pending(at(svc, moment + HOUR)).results == []
    assert [r["published"] for r in publish_pending(at(svc, moment + 3 * HOUR)).results] == [True]


def test_a_moment_passed_is_refused_and_a_held_release_is_published_when_a_signer_asks(svc, sample_zip):
    d = ready_dossier(svc, sample_zip())
    with pytest.raises(Refused) as r:
        record_sign_off(svc, d, "signer", publish_at=svc.now() - HOUR)
    assert r.value.problem.code == "request_invalid"
    with svc.session() as s:                                    # refused as a whole: not signed
        assert s.scalar(select(DossierRow.state).where(DossierRow.id == d)) != "signed_off"
        assert s.scalar(select(func.count()).select_from(JobRow)) == 0
    record_sign_off(svc, d, "signer", publish_at=svc.now() + HOUR)
    sched.cancel(svc, d, "需要与新闻发布会同步发布", "signer")
    done = publish(svc, d, "signer")                            # lockstep publish D: now
    assert done.published and counts(svc) == (2, 1, 1)
    with pytest.raises(Refused) as r:
        sched.schedule(svc, d, svc.now() + HOUR, "signer")        # public already
    assert r.value.problem.code == "invalid_state"


def test_the_prepared_pages_are_named_for_storage_check_and_rebuilt_if_an_operator_removed_them(svc, sample_zip):
    from services.home.storage_check import check
    d = ready_dossier(svc, sample_zip())
    moment = (svc.now() + HOUR).replace(microsecond=0)
    record_sign_off(svc, d, "signer", publish_at=moment)
    prepared = publish(svc, d, "signer").prepared
    orphans = {o.what for o in check(svc).orphan_objects}
    assert not orphans & set(prepared.values())
    for sha in prepared.values():                 # removed all the same (by hand): built again at the moment
        svc.store.delete(sha)
    [done] = sched.publish_due(at(svc, moment + HOUR))
    assert done["published"] and (svc.home.site / f"policies/{d}.html").is_file()


def test_in_a_pool_home_a_scheduled_release_is_built_at_sign_off_and_the_moment_only_makes_it_public(svc, sample_zip):
    """A pool home's asking side (flows/on_pool.py publish): the pool takes no job before its moment, so
    the pages are built, checked and stored where the sign-off is asked, at once, as without a pool,
    not handed to the pool to wait (the server named here refuses connections: it is never asked)."""
    import socket
    import time
    from flows import on_pool
    from flows.workpool import PoolSettings
    from services.publication.publish import prepare_if_waiting
    d = ready_dossier(svc, sample_zip())
    assert prepare_if_waiting(svc, d, "signer") is None                  # not signed: nothing waits
    moment = (svc.now() + HOUR).replace(microsecond=0)
    record_sign_off(svc, d, "signer", publish_at=moment)
    with socket.socket() as s:                                           # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    pool = PoolSettings(api_url=f"http://127.0.0.1:{port}/api", pool="lockstep")
    started = time.monotonic()
    [answer] = on_pool.publish(svc.home.path, pool, [d], "signer", wait=30)
    assert time.monotonic() - started < on_pool.GRACE                   # not left waiting for a worker
    assert not answer.get("queued") and not answer["published"]
    assert sched.aware(dt.datetime.fromisoformat(answer["scheduled_at"])) == moment
    assert set(answer["prepared"]) == {"policy", "interpretation"}
    assert counts(svc) == (0, 0, 0) and policy_view(svc, d) is None      # nothing public
    assert prepare_if_waiting(svc, d, "signer").prepared == answer["prepared"]   # the same pages, kept
    # The moment: whoever runs it (here the desk's clock) only puts the prepared pages in place.
    [result] = sched.publish_due(at(svc, moment + dt.timedelta(seconds=30)))
    assert result["published"]
    text = (svc.home.site / f"policies/{d}.html").read_text(encoding="utf-8")
    prepared = svc.store.get(answer["prepared"]["policy"]).decode()
    assert text == prepared.replace(NUMBER_MARK, result["registration_number"]).replace(INDEX_MARK, result["index_number"])
    assert events(svc, d).count("publication.prepared") == 1
