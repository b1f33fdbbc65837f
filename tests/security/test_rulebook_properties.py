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
STAGES = ("unit_check", "legality", "deliberation", "publicity", "bogus")
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
RIGHTFUL = {"unit_check": "director", "legality": "reviewer", "deliberation": "secretary", "publicity": "publicity"}


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
                 ("sign", "signer", 0, None)):
        _do(svc, step, bundles, dossiers)
        _check(svc)
    with svc.session() as s:
        assert s.get(DossierRow, dossiers[0]).state in rules.PUBLISHED_STATES
