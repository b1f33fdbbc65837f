"""Round 5's rules as properties (A1): random sequences of the new steps (网上意见审核, 采纳情况, 公报上移/下移
and 移到第N篇, 定时发布/取消, the clock moving and the sweep publishing what is due, 采纳情况公布) by random people
of the default config, checked after every step: nothing public that review.rules.is_public denies; an audit
event exactly when state changed; a draft issue's 序号 stay 1..n; online comments move only along
review.lifecycles.COMMENT_MODERATION. One home for the module, its clock a value the steps move forward."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from documents.problems import Refused
from review.lifecycles import COMMENT_MODERATION
from tests.desk.test_pages import PEOPLE

HOUR = dt.timedelta(hours=1)
NUMBERS = iter(range(500, 999))


@dataclasses.dataclass
class World:
    svc: object
    now: dt.datetime
    major: str
    comments: list
    issue: str
    items: list
    releases: list
    seen: dict            # comment id -> moderation last seen
    numbers: list         # register entries (of the issue's items)
    deliberating: str     # legality approved, the meeting to be recorded
    minutes: bytes

    def at(self):
        moment = self.now
        return dataclasses.replace(self.svc, now=lambda: moment)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from samples.genhe import write_zip
    from services.dossiers.intake import intake_bundle
    from services.gazette.issues import add_items, create_issue
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    from services.publication.publish import publish
    from services.review import consultation as cons
    from services.review.actions import record_decision, record_sign_off
    folder = tmp_path_factory.mktemp("round5-props")
    home = Home(folder / "home")
    initialise(home)
    svc = open_services(home)

    def new(kind="行政规范性文件", stages=("unit_check", "legality", "deliberation")) -> str:
        z = write_zip(folder / f"{next(NUMBERS)}.zip", kind=kind, doc_number=f"根政发〔2019〕{next(NUMBERS)}号")
        d = intake_bundle([z], "drafter", svc).dossier
        for stage, who in zip(stages, ("director", "reviewer", "secretary")):
            record_decision(svc, d, stage, "approve", "同意", who)
        return d
    today = svc.now().astimezone().date()
    major = new("重大行政决策", ())
    cons.open_consultation(svc, major, today, today + dt.timedelta(days=29), "drafter")
    comments = [cons.submit_online_comment(svc, major, None, None, f"网上意见{i}", f"198.51.100.{i}").comment
                for i in range(3)]
    items = []
    for _ in range(3):
        d = new()
        record_sign_off(svc, d, "signer")
        assert publish(svc, d, "signer").published
        items.append(d)
    issue = create_issue(svc, today.year, 7, "editor").issue
    add_items(svc, issue, items, "editor")
    releases = []
    for _ in range(2):
        d = new()
        record_sign_off(svc, d, "signer", publish_at=(svc.now() + 2 * HOUR).replace(microsecond=0))
        publish(svc, d, "signer")
        releases.append(d)
    seen = {c: "pending" for c in comments}
    from samples.genhe import policy_docx
    from storage.tables import RegisterEntryRow
    with svc.session() as s:
        numbers = [s.scalars(select(RegisterEntryRow.registration_number)
                             .where(RegisterEntryRow.dossier_id == d)).one() for d in items]
    deliberating = new(stages=("unit_check", "legality"))
    return World(svc, svc.now(), major, comments, issue, items, releases, seen, numbers, deliberating, policy_docx())


def state(svc) -> tuple[int, dict]:
    """(audit events, every other row a step could write)."""
    from storage import tables as t
    with svc.session() as s:
        events = s.scalar(select(func.count()).select_from(t.EventRow))
        rows = {}
        for table in (t.CommentRow, t.ConsultationRow, t.GazetteIssueItemRow, t.RegisterEntryRow, t.PageRow,
                      t.DossierRow, t.GazetteItemRow, t.DeliberationRow):
            cols = [c.key for c in table.__mapper__.column_attrs]
            rows[table.__table__.name] = sorted((tuple(str(getattr(r, c)) for c in cols)
                                                for r in s.scalars(select(table))), key=str)
        jobs = [(j.dossier_id, j.status, str(j.not_before)) for j in s.scalars(select(t.JobRow))]
        rows["jobs"] = sorted(jobs, key=str)
    return events, rows


people = st.sampled_from((*PEOPLE, "nobody"))


def by(right: str):
    """Half the time the person whose step it is, else anyone (the default config's people, or nobody)."""
    return st.one_of(st.just(right), people)


steps = st.one_of(
    st.tuples(st.just("moderate"), st.integers(0, 2), st.sampled_from(("accept", "reject", "pending", "")), by("drafter")),
    st.tuples(st.just("adopt"), st.integers(0, 2), st.sampled_from(("采纳", "部分采纳", "未采纳", "随便")), by("drafter")),
    st.tuples(st.just("move"), st.integers(0, 2), st.sampled_from((-1, 1)), by("editor")),
    st.tuples(st.just("move_to"), st.integers(0, 2), st.integers(0, 4), by("editor")),
    st.tuples(st.just("schedule"), st.integers(0, 1), st.integers(-10, 180), by("signer")),
    st.tuples(st.just("cancel"), st.integers(0, 1), st.sampled_from(("需要与新闻发布会同步发布", "短")), by("signer")),
    st.tuples(st.just("tick"), st.integers(0, 240), st.none(), st.none()),
    st.tuples(st.just("summary"), st.none(), st.none(), by("drafter")),
    st.tuples(st.just("file"), st.integers(0, 2), st.integers(-1, 1), by("editor")),
    st.tuples(st.just("repeal"), st.integers(0, 2), st.sampled_from(("上位法已修改，予以废止", "")), by("editor")),
    st.tuples(st.just("deliberate"), st.integers(0, 40), st.integers(-2, 1), by("secretary")),
    st.tuples(st.just("import"), st.integers(0, 3), st.integers(-1, 0), by("drafter")),
)


def run(w: World, step) -> bool:
    """The step through the services; True when taken, False when refused."""
    from services.gazette.issues import move_item
    from services.publication import schedule as sched
    from services.review import consultation as cons
    kind, a, b, who = step
    svc = w.at()
    try:
        if kind == "moderate":
            cons.moderate_comment(svc, w.major, w.comments[a], b, who, "理由")
        elif kind == "adopt":
            cons.decide_comment(svc, w.major, w.comments[a], b, "答复", who)
        elif kind == "move":
            move_item(svc, w.issue, w.items[a], who, step=b)
        elif kind == "move_to":
            move_item(svc, w.issue, w.items[a], who, to=b)
        elif kind == "schedule":
            sched.schedule(svc, w.releases[a], (w.now + dt.timedelta(minutes=b)).replace(microsecond=0), who)
        elif kind == "cancel":
            sched.cancel(svc, w.releases[a], b, who)
        elif kind == "tick":
            w.now += dt.timedelta(minutes=a)
            sched.publish_due(w.at())
        elif kind == "summary":
            cons.publish_summary(svc, w.major, who)
        elif kind == "file":
            from services.register.registrar import record_filing
            record_filing(svc, w.numbers[a], f"内备〔2026〕{a + 1}号", who, reported_to="呼伦贝尔市人民政府",
                          reported_on=w.now.astimezone().date() - dt.timedelta(days=b))
        elif kind == "repeal":
            from services.register.life import repeal
            repeal(svc, w.numbers[a], who, reason=b or None)
        elif kind == "deliberate":
            from services.review.deliberation import record_deliberation
            record_deliberation(svc, w.deliberating, meeting="市政府常务会议", session_number=a or None,
                                held_on=w.now.astimezone().date() + dt.timedelta(days=b), minutes_name="纪要.docx",
                                minutes=w.minutes, actor_name=who)
        elif kind == "import":
            day = w.now.astimezone().date() + dt.timedelta(days=b)
            cons.record_comments(svc, w.major, [{"author": "来信人", "text": f"来信{a}", "received_on": day.isoformat()}],
                                 who, "来信")
        return True
    except Refused:
        return False


def check(w: World, before, after, step, taken: bool) -> None:
    from services.publication import schedule as sched
    from services.publication.site import policy_index, policy_view
    from services.register.life import list_entries
    from storage import tables as t
    svc = w.at()
    # An audit event exactly when something changed (a refusal changes nothing).
    assert (after[0] != before[0]) == (after[1] != before[1]), (step, after[0] - before[0])
    if not taken:
        assert after == before, step
    # Nothing public that is_public denies: a release scheduled or held is on no public surface.
    listed = {p.dossier for p in policy_index(svc)}
    public_register = {e.dossier for e in list_entries(svc, public=True)}
    with svc.session() as s:
        for d in w.releases:
            now_state = sched.state_of(svc, d).state
            if now_state in ("scheduled", "held", "releasing"):
                assert policy_view(svc, d) is None and d not in listed, (step, d, now_state)
                assert s.scalar(select(func.count()).select_from(t.PageRow).where(t.PageRow.dossier_id == d)) == 0
                assert s.scalar(select(func.count()).select_from(t.RegisterEntryRow)
                                .where(t.RegisterEntryRow.dossier_id == d)) == 0
                assert d not in public_register
        # A draft issue's 序号: 1..n.
        positions = sorted(s.scalars(select(t.GazetteIssueItemRow.position)
                                     .where(t.GazetteIssueItemRow.issue_id == w.issue)))
        assert positions == list(range(1, len(w.items) + 1)), (step, positions)
        # Online comments move only along COMMENT_MODERATION.
        for c in s.scalars(select(t.CommentRow).where(t.CommentRow.id.in_(w.comments))):
            was, now_m = w.seen[c.id], c.moderation
            assert now_m in COMMENT_MODERATION.states, (step, now_m)
            if now_m != was:
                assert any(was in froms and to == now_m for froms, to in COMMENT_MODERATION.actions.values()), \
                    (step, was, now_m)
            w.seen[c.id] = now_m


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(steps, min_size=1, max_size=5))
def test_random_steps_by_random_people_keep_the_round_five_invariants(world, sequence):
    for step in sequence:
        before = state(world.svc)
        taken = run(world, step)
        check(world, before, state(world.svc), step, taken)
