"""Random actions by random people on a real SQLite home (hypothesis), with random bundle metadata.

Whatever the sequence, after every step:
- no dossier is published without an approval, on its signed version, of every stage the law
  requires (an emergency sign-off skips only stages its kind marks skippable);
- no dossier whose disclosure is not public (不予公开, unknown, or withheld) is in any public output:
  a site page on disk, the public register, the gazette queue;
- no version of a dossier was made by a person of another unit;
- nobody decided on a dossier they submitted.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from documents.problems import Refused
from publishing import register
from review import rules
from review.gate import active_stages, approved_stages
from review.model import Version
from samples.genhe import write_zip
from services.home.context import initialise, open_services
from services.home.folder import Home
from services.dossiers.intake import intake_bundle
from services.home.people import add_person
from services.publication.publish import publish
from services.register.life import list_entries
from services.review.actions import load, pipeline_for, record_decision, record_sign_off
from storage.unit import Unit
from storage.repos.dossiers import Dossiers
from storage.tables import DecisionRow, DossierRow, GazetteItemRow, PageRow, VersionRow

PEOPLE = ("drafter", "director", "reviewer", "secretary", "signer", "editor", "publicity",
          "sfj_drafter", "sfj_head")
STAGES = ("unit_check", "legality", "deliberation", "publicity", "kind_check", "bogus")
REASON = "防汛紧急部署，须在汛期到来前公布施行"


def _with_manifest(path: Path, **changes) -> Path:
    with zipfile.ZipFile(path) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    manifest = json.loads(files["bundle.json"])
    manifest.update(changes)
    files["bundle.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    out = path.with_name(path.stem + "-m.zip")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in files.items():
            zf.writestr(n, data)
    return out


@pytest.fixture(scope="module")
def bundles():
    d = Path(tempfile.mkdtemp(prefix="lockstep-props-"))
    made = [
        write_zip(d / "normative.zip"),
        write_zip(d / "policy.zip", kind="政策性文件", doc_number="根政办发〔2019〕44号"),
        write_zip(d / "secret.zip", doc_number="根政办发〔2019〕45号", disclosure="（此件不予公开）"),
        write_zip(d / "unknown.zip", doc_number="根政办发〔2019〕46号", disclosure="公开属性：待定"),
        write_zip(d / "policy-secret.zip", kind="政策性文件", doc_number="根政办发〔2019〕47号",
                  disclosure="【本件不予公开】"),
    ]
    made.append(_with_manifest(write_zip(d / "blank.zip", doc_number="根政办发〔2019〕48号"), drafting_unit="\u3000"))
    made.append(_with_manifest(write_zip(d / "foreign.zip", doc_number="根政办发〔2019〕49号"),
                               drafting_unit="根河市司法局"))
    yield made
    shutil.rmtree(d, ignore_errors=True)


actions = st.one_of(
    st.tuples(st.just("submit"), st.sampled_from(PEOPLE), st.integers(0, 6)),
    st.tuples(st.just("decide"), st.sampled_from(PEOPLE), st.integers(0, 3), st.sampled_from(STAGES),
              st.sampled_from(["approve", "return"])),
    st.tuples(st.just("sign"), st.sampled_from(PEOPLE + ("signer",) * 6), st.integers(0, 3),
              st.sampled_from([None, "紧急", REASON])),
    st.tuples(st.just("disclose"), st.sampled_from(PEOPLE), st.integers(0, 3),
              st.sampled_from(["主动公开", "不予公开", "依申请公开"])),
    st.tuples(st.just("withhold"), st.sampled_from(PEOPLE + ("editor",) * 3), st.integers(0, 3)),
    # The rightful people approving every stage in order, so that walks reach sign-off and publication.
    st.tuples(st.just("advance"), st.just("-"), st.integers(0, 3)),
    st.tuples(st.just("advance"), st.just("-"), st.integers(0, 3)),
)
RIGHTFUL = {"unit_check": "director", "legality": "reviewer", "deliberation": "secretary", "publicity": "publicity", "kind_check": "reviewer"}


def _do(svc, action, bundles, dossiers: list[str]) -> None:
    kind, who = action[0], action[1]
    pick = (lambda i: dossiers[i % len(dossiers)] if dossiers else "D2019-0001")
    try:
        if kind == "submit":
            r = intake_bundle([bundles[action[2]]], who, svc)
            if r.accepted and r.dossier not in dossiers:
                dossiers.append(r.dossier)
        elif kind == "decide":
            reasons = [] if action[4] == "approve" else ["一、：表述不清，请修改后重新报送"]
            record_decision(svc, pick(action[2]), action[3], action[4], "意见", who, reasons)
        elif kind == "sign":
            record_sign_off(svc, pick(action[2]), who, action[3])
            publish(svc, pick(action[2]))
        elif kind == "disclose":
            from services.dossiers.disclosure import set_disclosure
            set_disclosure(svc, pick(action[2]), action[3], who, ground="《中华人民共和国政府信息公开条例》第十四条")
        elif kind == "advance":
            for stage, person in RIGHTFUL.items():
                try:
                    record_decision(svc, pick(action[2]), stage, "approve", "同意", person)
                except Refused:
                    pass
        elif kind == "withhold":
            from services.dossiers.withhold import withhold
            withhold(svc, pick(action[2]), "经审查发现涉及不宜公开的内容，撤回公开", who)
    except Refused:
        pass


def _check(svc) -> None:
    with svc.session() as s:
        rows = list(s.scalars(select(DossierRow)))
        public_entries = {e.dossier_id for e in register.entries(s, None, public=True)}
        assert len(list_entries(svc, public=True)) == len(public_entries)
        queued = {i.dossier_id for i in s.scalars(select(GazetteItemRow))}
        uow = Unit(s, store=lambda: svc.store, now=svc.now)     # the same transaction's repositories
        for row in rows:
            _, view = load(uow, row.id)
            versions = list(s.scalars(select(VersionRow).filter_by(dossier_id=row.id)))
            # A version of a dossier was made only by its drafting unit.
            assert all(v.submitted_by_unit == row.drafting_unit for v in versions), row.id
            # Nobody decided on a dossier they submitted.
            submitters = {v.submitted_by for v in versions}
            assert not [d for d in s.scalars(select(DecisionRow).filter_by(dossier_id=row.id))
                        if d.actor in submitters], row.id
            public = rules.is_public(row.disclosure, row.withheld_at is not None)
            if row.state in rules.PUBLISHED_STATES:
                version: Version = view.current
                pipeline = pipeline_for(svc.config, version)
                stages = active_stages(pipeline, version)
                done = approved_stages(version, Dossiers(s).decisions(row.id), stages)
                owed = [st.id for st in stages if st.id not in done]
                assert all(next(x for x in stages if x.id == o).skippable for o in owed), (row.id, owed)
                assert not owed or row.emergency_reason, (row.id, owed)
            if not public:
                assert row.id not in public_entries, row.id
                on_disk = [p.path for p in s.scalars(select(PageRow).filter_by(dossier_id=row.id))
                           if (svc.home.site / p.path).exists()]
                assert on_disk == [], (row.id, on_disk)
                if row.withheld_at is None:
                    assert row.id not in queued, row.id


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(st.lists(actions, min_size=6, max_size=14))
def test_random_people_doing_random_things_never_break_the_rules(bundles, steps):
    base = Path(tempfile.mkdtemp(prefix="lockstep-prop-home-"))
    try:
        home = Home(base / "home")
        initialise(home)
        add_person(home, "sfj_drafter", "根河市司法局", ["drafter"], None, actor="test")
        add_person(home, "sfj_head", "根河市司法局", ["unit_head"], None, actor="test")
        svc = open_services(home)
        dossiers: list[str] = []
        # Start from something worth attacking: a normative and a policy dossier under way.
        for first in (("submit", "drafter", 0), ("submit", "drafter", 1)):
            _do(svc, first, bundles, dossiers)
        for step in steps:
            _do(svc, step, bundles, dossiers)
            _check(svc)
        with svc.session() as s:     # what the walks reached (pytest --hypothesis-show-statistics)
            states = sorted({r.state for r in s.scalars(select(DossierRow))})
        event(f"states reached: {'/'.join(states)}")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_the_random_walk_can_reach_publication(bundles, tmp_path):
    """The property above is only worth something if its actions can publish: a fixed walk does."""
    home = Home(tmp_path / "home")
    initialise(home)
    svc = open_services(home)
    dossiers: list[str] = []
    for step in (("submit", "drafter", 1), ("decide", "director", 0, "unit_check", "approve"),
                 ("decide", "reviewer", 0, "kind_check", "approve"), ("sign", "signer", 0, None)):
        _do(svc, step, bundles, dossiers)
        _check(svc)
    with svc.session() as s:
        assert s.get(DossierRow, dossiers[0]).state in rules.PUBLISHED_STATES


# ------------------------------------------------------------------ who may know a dossier exists
#
# One home, built once: a 重大行政决策 at low and at 高 risk under review, and a signed, published
# normative document at low risk. Every configured role, a unit head and a drafter of other units
# then ask every surface that takes a dossier id. A person the rulebook does not let see a dossier
# must get exactly what a missing dossier gets (not_found): a refusal naming the dossier, its
# drafting unit or its state would tell them it exists. The 宣传部 reviewer sees a dossier only while
# its current version is 高 risk (the publicity stage is active only then: review/gate.active_stages).

KNOWERS = ("drafter", "director", "reviewer", "secretary", "signer", "editor", "publicity",
           "sfj_drafter", "xcb_head")
MISSING = "D1999-9999"
TOPIC = "综合政务"


def _expected_to_see(name: str, risk: str, state: str) -> bool:
    """The rule in words, written out here (not asked of the guard): the drafting unit (政务服务局),
    the signer, whoever acts on an active stage (单位审核 same unit, 合法性审核, 集体审议 always; 宣传部
    only at 高 risk), the gazette office once signed; nobody else."""
    if name in ("drafter", "director", "signer", "reviewer", "secretary"):
        return True
    if name == "publicity":
        return risk == "高"
    if name == "editor":
        return state in rules.SIGNED_STATES
    return False


@pytest.fixture(scope="module")
def known():
    """(svc, {key: (dossier id, risk)}, a picture to attach, the base dir)."""
    from services.review.actions import record_sign_off as sign
    base = Path(tempfile.mkdtemp(prefix="lockstep-known-"))
    try:
        home = Home(base / "home")
        initialise(home)
        add_person(home, "sfj_drafter", "根河市司法局", ["drafter"], None, actor="test")
        add_person(home, "xcb_head", "中共根河市委宣传部", ["unit_head"], None, actor="test")
        svc = open_services(home)
        low = intake_bundle([write_zip(base / "low.zip", kind="重大行政决策", doc_number="根政发〔2019〕31号")],
                            "drafter", svc).dossier
        high = intake_bundle([write_zip(base / "high.zip", kind="重大行政决策", doc_number="根政发〔2019〕32号",
                                        risk_level="高", response_plan=True)], "drafter", svc).dossier
        signed = intake_bundle([write_zip(base / "signed.zip", doc_number="根政办发〔2019〕33号")],
                               "drafter", svc).dossier
        for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
            record_decision(svc, signed, stage, "approve", "同意", who)
        sign(svc, signed, "signer")
        assert publish(svc, signed).published
        picture = base / "一图读懂.png"
        from samples.genhe import graphic_png
        picture.write_bytes(graphic_png() + b"\x00another")
        yield svc, {"low": (low, "低"), "high": (high, "高"), "signed": (signed, "低")}, picture, base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _surfaces(picture: Path, base: Path):
    """Every service that takes a dossier id and a person, with inputs it would accept from someone
    entitled (so that what refuses a stranger is the dossier's door, not the input)."""
    import datetime as dt

    from services.dossiers.access import access
    from services.dossiers.attach import attach
    from services.dossiers.disclosure import set_disclosure
    from services.dossiers.explained import explain, findings
    from services.dossiers.revision import check_answers
    from services.dossiers.withhold import withhold
    from services.publication.catalogue import set_topic
    from services.publication.schedule import cancel, schedule
    from services.review import consultation as c
    from services.review.actions import status
    from services.review.basics import person
    from services.review.deliberation import record_deliberation
    from services.review.opinions import anchor_reasons

    def door(svc, who, d):                 # the API's GET /dossiers/{d} and /gate, the desk's pages
        access(svc, person(svc.config, who), d)
        return status(svc, d)

    def download(svc, who, d):             # the desk's /files/{sha256}: may_download behind the door
        if why := access(svc, person(svc.config, who), d).why_not("download"):
            raise Refused(why)

    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30)
    return {
        "status": door,
        "download": download,
        "attach": lambda svc, who, d: attach(svc, d, picture, "graphic_interpretation", who),
        "new_version": lambda svc, who, d: intake_bundle([base / "low.zip"], who, svc, dossier_hint=d),
        "revision_answers": lambda svc, who, d: check_answers(svc, person(svc.config, who), d, []),
        "decide": lambda svc, who, d: record_decision(svc, d, "publicity", "approve", "同意", who),
        "sign_off": lambda svc, who, d: record_sign_off(svc, d, who),
        "disclosure": lambda svc, who, d: set_disclosure(svc, d, "主动公开", who),
        "withhold": lambda svc, who, d: withhold(svc, d, "经审查发现涉及不宜公开的内容，撤回公开", who),
        "topic": lambda svc, who, d: set_topic(svc, d, TOPIC, who),
        "schedule": lambda svc, who, d: schedule(svc, d, later, who),
        "cancel_schedule": lambda svc, who, d: cancel(svc, d, "发布时间需要重新安排，暂不发布", who),
        "opinion_reasons": lambda svc, who, d: anchor_reasons(svc, d, ["表述不清，请修改"],
                                                              person(svc.config, who), "legality"),
        "deliberation": lambda svc, who, d: record_deliberation(
            svc, d, meeting="市政府常务会议", session_number=3, held_on=dt.date(2019, 6, 1),
            minutes_name="纪要.docx", minutes=b"not read before the door", actor_name=who),
        "findings": lambda svc, who, d: findings(svc, d, who),
        "explain_finding": lambda svc, who, d: explain(svc, d, "F1", "解读与政策的表述一致，无需修改", who),
        "consultation": lambda svc, who, d: c.desk_consultation(svc, d, who),
        "consultation_open": lambda svc, who, d: c.open_consultation(svc, d, dt.date(2019, 7, 1),
                                                                     dt.date(2019, 7, 31), who),
        "consultation_comments": lambda svc, who, d: c.record_comments(
            svc, d, [{"author": "张三", "text": "建议明确办理时限", "received_on": "2019-07-02"}], who, "imported"),
        "consultation_adopt": lambda svc, who, d: c.decide_comment(svc, d, 1, "采纳", "已采纳", who),
        "consultation_moderate": lambda svc, who, d: c.moderate_comment(svc, d, 1, "accept", who),
        "consultation_summary": lambda svc, who, d: c.publish_summary(svc, d, who),
    }


def _answer(surface, svc, who: str, d: str):
    """What the surface tells the person: None (done) or its problems, with the dossier id replaced
    by a placeholder (so that a hidden dossier's answer compares equal to a missing one's)."""
    try:
        surface(svc, who, d)
        return None
    except Refused as r:
        return [json.loads(p.model_dump_json().replace(d, "<D>")) for p in r.problems]


def _facts(svc, d: str) -> tuple[str, bool]:
    """(state, the guard's answer for each person) as the rulebook reads the stored dossier."""
    from services.review.basics import person
    with svc.unit() as uow:
        row, view = load(uow, d)
        pipeline = pipeline_for(svc.config, view.current)
        seen = {n: rules.may_see(person(svc.config, n), d, row.drafting_unit, row.state, pipeline, view.current)
                for n in KNOWERS}
    return row.state, seen


def test_a_person_who_may_not_see_a_dossier_is_told_what_a_missing_one_answers_on_every_surface(known):
    """宣传部 asking to set a low-risk dossier's 公开属性 was told “公开属性由起草单位…确定” (naming the
    drafting unit), where a missing dossier answers not_found: every surface now asks one guard."""
    svc, dossiers, picture, base = known
    surfaces = _surfaces(picture, base)
    leaks = []
    for key, (d, risk) in dossiers.items():
        state, seen = _facts(svc, d)
        for who in KNOWERS:
            assert (seen[who] is None) == _expected_to_see(who, risk, state), (who, key, seen[who])
            if seen[who] is None:
                continue
            assert seen[who].code == "not_found"
            for name, surface in surfaces.items():
                missing = _answer(surface, svc, who, MISSING)
                got = _answer(surface, svc, who, d)
                # (a surface that refuses by role before reading any dossier answers both alike: no leak)
                if got != missing:
                    leaks.append((who, key, name, got and got[0]["message"]))
    assert not leaks, "\n".join(map(str, leaks))


@settings(max_examples=50, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sampled_from(KNOWERS), st.sampled_from(["low", "high", "signed"]), st.data())
def test_whoever_may_see_a_dossier_never_hears_that_it_is_missing(known, who, key, data):
    """Random people on random surfaces: the answer is the surface's own (done, or a refusal of
    the action) and never not_found for the dossier when the guard lets the person see it; when it
    does not, exactly a missing dossier's answer."""
    svc, dossiers, picture, base = known
    surfaces = _surfaces(picture, base)
    name = data.draw(st.sampled_from(sorted(surfaces)))
    d, risk = dossiers[key]
    state, seen = _facts(svc, d)
    assert (seen[who] is None) == _expected_to_see(who, risk, state)
    got = _answer(surfaces[name], svc, who, d)
    event(f"{name}: {'done' if got is None else got[0]['code']}")
    if seen[who] is None:
        assert got is None or got[0]["message"] != rules.not_found("<D>").message, (who, key, name, got)
    else:
        assert got == _answer(surfaces[name], svc, who, MISSING), (who, key, name, got)


def _api_calls(picture: Path):
    """The API's routes that take a dossier id, with bodies an entitled person could send."""
    png = ("一图读懂.png", picture.read_bytes(), "image/png")
    return {
        "GET status": lambda c, d: c.get(f"/api/v1/dossiers/{d}"),
        "GET gate": lambda c, d: c.get(f"/api/v1/dossiers/{d}/gate"),
        "GET consistency": lambda c, d: c.get(f"/api/v1/dossiers/{d}/consistency"),
        "POST decisions": lambda c, d: c.post(f"/api/v1/dossiers/{d}/decisions",
                                              json={"stage": "publicity", "verdict": "approve", "comment": "同意"}),
        "POST sign-off": lambda c, d: c.post(f"/api/v1/dossiers/{d}/sign-off", json={}),
        "POST disclosure": lambda c, d: c.post(f"/api/v1/dossiers/{d}/disclosure", json={"value": "主动公开"}),
        "POST withhold": lambda c, d: c.post(f"/api/v1/dossiers/{d}/withhold",
                                             json={"reason": "经审查发现涉及不宜公开的内容，撤回公开"}),
        "POST explained": lambda c, d: c.post(f"/api/v1/dossiers/{d}/consistency/explained",
                                              json={"finding": "F1", "reason": "解读与政策的表述一致，无需修改"}),
        "POST files": lambda c, d: c.post(f"/api/v1/dossiers/{d}/files", data={"role": "graphic_interpretation"},
                                          files=[("file", png)]),
    }


def _said(response, d: str) -> tuple[int, str]:
    return response.status_code, response.text.replace(d, "<D>")


def test_the_api_answers_a_dossier_its_caller_may_not_see_as_a_missing_one(known):
    """The same through the HTTP API with two people's tokens: the 宣传部 reviewer (sees only the 高
    risk dossier) and the gazette editor (sees only the signed one). 404 with a missing dossier's
    body exactly when the rulebook hides the dossier; otherwise never the missing dossier's 404."""
    from fastapi.testclient import TestClient

    from desk import auth
    from desk.app import create_app
    svc, dossiers, picture, _ = known
    app = create_app(svc.home.path, "test-token")
    calls = _api_calls(picture)
    for who in ("publicity", "editor"):
        c = TestClient(app, base_url="http://testserver",
                       headers={"Authorization": f"Bearer {auth.issue_token(svc.home.path, who)}"})
        missing = {name: _said(call(c, MISSING), MISSING) for name, call in calls.items()}
        for key, (d, risk) in dossiers.items():
            state, seen = _facts(svc, d)
            for name, call in calls.items():
                got = _said(call(c, d), d)
                if seen[who] is not None:
                    assert got == missing[name], (who, key, name, got)
                    assert got[0] in (403, 404), (who, key, name, got)
                else:
                    assert not (got[0] == 404 and "没有卷宗 <D>" in got[1]), (who, key, name, got)


def test_the_desk_shows_a_dossier_its_reader_may_not_see_as_the_chinese_404_of_a_missing_one(known):
    """The dossier page, its review page and a file's download link: the 宣传部 reviewer asking for a
    low-risk dossier gets the 404 page a missing dossier gets (not a 403 naming it); the 高 risk one
    opens and offers its files."""
    from desk import auth
    from desk.app import create_app
    from tests.desk.test_pages import PASSWORD, sign_in
    svc, dossiers, _, _ = known
    auth.set_password(svc.home.path, "publicity", PASSWORD)     # (the API test asks as the editor too)
    app = create_app(svc.home.path, "test-token")

    def shas(d: str) -> list[str]:
        with svc.unit() as uow:
            row = uow.dossiers.require(d)
            return [f.sha256 for f in uow.dossiers.version(d, row.current_version).files]

    pages = {"page": lambda c, d, sha: c.get(f"/desk/dossiers/{d}"),
             "review": lambda c, d, sha: c.get(f"/desk/dossiers/{d}/review"),
             "download": lambda c, d, sha: c.get(f"/desk/dossiers/{d}/files/{sha}")}
    for who in ("publicity",):
        c = sign_in(app, who)
        for key, (d, risk) in dossiers.items():
            state, seen = _facts(svc, d)
            sha = shas(d)[0]
            for name, page in pages.items():
                if seen[who] is not None:
                    r, missing = page(c, d, sha), page(c, MISSING, sha)
                    assert r.status_code == missing.status_code == 404, (who, key, name, r.status_code)
                    assert f"没有卷宗 {d}" in r.text and "根河市政务服务局" not in r.text, (who, key, name)
                    assert r.text.replace(d, "<D>") == missing.text.replace(MISSING, "<D>"), (who, key, name)
                elif name != "review":                # (the review page converts every document: not needed here)
                    r = page(c, d, sha)
                    assert f"没有卷宗 {d}" not in r.text, (who, key, name)
                    assert r.status_code == 200, (who, key, name, r.status_code)     # 高 risk, 主动公开
                    assert name != "page" or f"/desk/dossiers/{d}/files/{sha}" in r.text, (who, key)
