"""The review queue, 待签发 and the deadline check read every open dossier at once
(services.review.actions.load_many) and keep the versions they built (storage/repos/dossiers.py
`_BUILT`): the answers must be the very ones the one-dossier path gives (`load` + `answer_in`,
`legality_due` without `many`), whatever was decided, returned, resubmitted or set, and a kept
version must never stand in for a newer one."""
from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from documents.problems import Refused
from services.dossiers.access import OPEN_STATES, desk_lists, waiting_for
from services.dossiers.intake import intake_bundle
from services.review.actions import answer_in, answer_of, load, load_many, record_decision
from services.review.deadlines import legality_due
from storage.repos import dossiers as dossiers_repo
from tests.cli.test_return_answers import REASONS
from tests.support.homes import scratch_home

STAGES = ("unit_check", "legality", "deliberation")
PEOPLE = ("drafter", "director", "reviewer", "secretary", "signer", "editor", "publicity")


def _bundle(folder, n: int, revised: int = 0, **kw):
    """Dossier n's bundle; `revised`: its n-th new version (the title amended: other files, the same 文号)."""
    from samples.genhe import write_zip
    title = f"根河市第{n}号批量队列测试办法" + (f"（第{revised}次修订）" if revised else "")
    return write_zip(folder / f"b{n}-{revised}.zip", "complete", doc_number=f"根政办发〔2018〕{n}号",
                     inner_title=title, **({"disclosure": ""} if n == 5 else {}), **kw)


REVISIONS = iter(range(1, 10_000))


def _resubmit(svc, folder, n: int, d: str) -> bool:
    """A new version of dossier d; False when intake refuses it (not returned: not in a state to take one)."""
    again = intake_bundle([_bundle(folder, n, revised=next(REVISIONS))], "drafter", svc, dossier_hint=d,
                          answers=["一、（二）=已补充时限"])
    assert again.dossier in (d, None), again
    return again.accepted


@contextmanager
def _home(database: str):
    """A scratch embedded home (SQLite), or one on a real PostgreSQL of its own (run as the postgres user)."""
    if database == "sqlite":
        with scratch_home("lockstep-queues-") as (home, base):
            yield home, base
        return
    from services.home.context import initialise
    from tests.support.homes import shared_home
    from tests.support.postgres import postgres_server
    with postgres_server() as pg, tempfile.TemporaryDirectory(prefix="lockstep-queues-pg-") as tmp:
        base = Path(tmp)
        home = shared_home(base / "home", pg.create_database("queues"), base / "objects")
        initialise(home)
        yield home, base


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request):
    """A home with dossiers in the states a queue meets: new, part-approved (the legality clock
    running), approved in full, returned and resubmitted with answers, a 公开属性 set by a person."""
    from services.dossiers.disclosure import set_disclosure
    from services.home.context import open_services
    with _home(request.param) as (home, base):
        svc = open_services(home)

        def submit(n: int) -> str:
            result = intake_bundle([_bundle(base, n)], "drafter", svc)   # n=5: 公开属性 unmarked, set below
            assert result.accepted, result.problems
            return result.dossier

        ids = [submit(n) for n in range(1, 6)]
        record_decision(svc, ids[1], "unit_check", "approve", "同意", "director")
        for stage, who in zip(STAGES, ("director", "reviewer", "secretary")):
            record_decision(svc, ids[2], stage, "approve", "同意", who)
        record_decision(svc, ids[3], "unit_check", "return", "请修改", "director", list(REASONS))
        assert _resubmit(svc, base, 4, ids[3])
        set_disclosure(svc, ids[4], "不予公开", "director", ground="涉及内部事务")
        yield svc, ids


def _same_answers(svc) -> int:
    """Every open dossier's gate and legality deadline, both ways; returns how many were compared."""
    with svc.reading() as uow:
        found = uow.dossiers.in_states(OPEN_STATES)
        many = load_many(uow, svc, found)
        for row in found:
            _, view = load(uow, row.id)
            assert many.views[row.id] == view
            assert answer_of(uow, svc, row, many) == answer_in(uow, svc, view)
            assert legality_due(uow, svc, row, many.today, many) == legality_due(uow, svc, row, many.today)
    return len(found)


def test_the_batched_answers_are_the_one_dossier_answers(world):
    svc, ids = world
    dossiers_repo._BUILT.clear()
    assert _same_answers(svc) == 5          # built now
    assert _same_answers(svc) == 5          # taken as built
    with svc.reading() as uow:
        many = load_many(uow, svc, uow.dossiers.in_states(OPEN_STATES))
        assert many.views[ids[3]].current.number == 2
        assert answer_of(uow, svc, next(r for r in many.rows if r.id == ids[2]), many).ready


def test_a_kept_version_never_stands_in_for_the_newer_one(world, tmp_path):
    svc, ids = world
    people = {p.name: p for p in svc.config.people}
    d = ids[0]
    before = {x["dossier"]: x["version"] for x in waiting_for(svc, people["director"])}
    assert before[d] == 1                   # version 1 built and kept
    record_decision(svc, d, "unit_check", "return", "请修改", "director", list(REASONS))
    assert _resubmit(svc, tmp_path, 1, d)
    after = {x["dossier"]: x for x in waiting_for(svc, people["director"])}
    assert after[d]["version"] == 2
    with svc.reading() as uow:
        _, view = load(uow, d)
        many = load_many(uow, svc, [uow.dossiers.require(d)])
        assert many.views[d].current == view.current and view.current.number == 2
    _same_answers(svc)


def test_forgetting_a_database_drops_its_kept_versions(world):
    from storage.unit import forget_database
    svc, _ = world
    waiting_for(svc, next(p for p in svc.config.people if p.name == "director"))
    mine = [k for k in dossiers_repo._BUILT if k[0] == str(svc.engine.url)]     # the password hidden
    assert mine
    forget_database(svc.engine.url.render_as_string(hide_password=False))
    assert not [k for k in dossiers_repo._BUILT if k in mine]


DECIDERS = (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary"))


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.integers(0, 4),
                          st.one_of(st.sampled_from(DECIDERS), st.tuples(st.sampled_from(STAGES), st.sampled_from(PEOPLE))),
                          st.sampled_from(("approve", "return", "return", "resubmit"))), min_size=1, max_size=4))
def test_random_decisions_by_random_people_keep_both_paths_equal(world, tmp_path_factory, steps):
    """Hostile: whatever random people decide or resubmit (some of it refused), the queue's batched
    answers and the one-dossier answers agree, and the queues list only open dossiers at their
    current version."""
    svc, ids = world
    for i, (stage, who), verdict in steps:
        try:
            if verdict == "resubmit":
                _resubmit(svc, tmp_path_factory.mktemp("r"), i + 1, ids[i])
            else:
                record_decision(svc, ids[i], stage, verdict, "随机", who, list(REASONS) if verdict == "return" else [])
        except Refused:
            pass                      # refused: not this person's stage, not in a state to resubmit
    _same_answers(svc)
    people = {p.name: p for p in svc.config.people}
    with svc.reading() as uow:
        current = {r.id: r.current_version for r in uow.dossiers.in_states(OPEN_STATES)}
    for who in PEOPLE:
        for item in waiting_for(svc, people[who]):
            assert current.get(item["dossier"]) == item["version"]
        _, to_sign = desk_lists(svc, people[who])
        assert {x["dossier"] for x in to_sign} <= set(current)

