"""The rulebook's guards under random people and random facts (hypothesis): whatever comes in, a
guard allows an action only when the rule it names holds, and unknown input is refused."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from review import rules
from documents.models import DocumentMeta
from review.config import DEFAULT_CONFIG_TOML, ROLE_NAMES, Person, Pipeline, parse_config
from review.model import Version, VersionFile
from review.units import UnitBook, norm_unit, same_unit

CONFIG = parse_config(DEFAULT_CONFIG_TOML)
BOOK = CONFIG.unit_book
STATES = ("submitted", "in_review", "returned", "signed_off", "published", "registered", "", "bogus")
UNIT_TEXT = st.one_of(
    st.sampled_from([u.name for u in CONFIG.units] + [u.short for u in CONFIG.units if u.short]
                    + ["", " ", "\u3000", "局", "服务局", "\u3000局", "根河市政务服务局 ", "ＡＢＣ局", "abc局"]),
    st.text(max_size=12))
ROLES = st.lists(st.sampled_from(sorted(ROLE_NAMES) + ["", "admin", "root"]), max_size=4, unique=True)
NAMES = st.sampled_from(["drafter", "director", "reviewer", "signer", "editor", "x", ""])
people = st.builds(lambda n, u, r: Person(name=n, unit=u, roles=tuple(r)), NAMES, UNIT_TEXT, ROLES)
PIPELINES = st.sampled_from(CONFIG.pipelines)
SUBMITTERS = st.frozensets(NAMES, max_size=3)


@given(UNIT_TEXT, UNIT_TEXT)
def test_units_match_only_by_equality_and_never_when_blank(a, b):
    if same_unit(a, b):
        assert norm_unit(a) == norm_unit(b) != ""
    assert same_unit(a, b) == same_unit(b, a)
    assert not same_unit(a, "") and not same_unit(" ", a)


@given(UNIT_TEXT, UNIT_TEXT)
def test_configured_aliases_are_the_only_names_beyond_equality(a, b):
    if BOOK.same(a, b):
        ca, cb = BOOK.canonical(a) or norm_unit(a), BOOK.canonical(b) or norm_unit(b)
        assert norm_unit(ca) == norm_unit(cb) != ""
    assert BOOK.same(a, b) == BOOK.same(b, a)
    assert not BOOK.same(a, "\u3000")


@given(people, SUBMITTERS, UNIT_TEXT, PIPELINES, st.data())
def test_may_decide_allows_only_a_non_submitter_with_the_stages_role_and_unit(p, submitters, unit, pipeline, data):
    stage = data.draw(st.sampled_from(pipeline.stages))
    if rules.may_decide(p, submitters, unit, stage) is None:
        assert p.name not in submitters
        assert set(p.roles) & set(stage.roles)
        assert not stage.same_unit or (norm_unit(p.unit) == norm_unit(unit) != "")


def _version(risk: str | None, snapshot: Pipeline | None) -> Version:
    """A current version at a risk level (its 风险评估's conclusion; None: no assessment read)."""
    files = () if risk is None else (VersionFile(name="风险评估.docx", role="risk_assessment", sha256="0" * 64, size=1,
                                                 meta=DocumentMeta(file="风险评估.docx", sha256="0" * 64, size=1,
                                                                   risk_level=risk)),)
    return Version(dossier_id="D", number=1, fingerprint="f", kind="k", drafting_unit="u", submitted_by="s",
                   submitted_by_unit="u", files=files, pipeline=snapshot)


VERSIONS = st.one_of(st.none(), st.builds(_version, st.sampled_from([None, "低", "中", "高"]),
                                          st.one_of(st.none(), PIPELINES)))


def _acts_now(p, unit, pl, version) -> bool:
    """The person acts on a stage the version must pass: its own pipeline (snapshot) first, a
    conditional (高 risk) stage only at 高 risk, only unconditional ones when no version is known."""
    pl = version.pipeline if version is not None and version.pipeline is not None else pl
    high = version is not None and version.risk_level == "高"
    return pl is not None and any(rules.acts_on_stage(p, s, unit) for s in pl.stages
                                  if s.when == "always" or (s.when == "high_risk" and high))


@given(people, st.text(max_size=8), UNIT_TEXT, st.sampled_from(STATES), st.one_of(st.none(), PIPELINES), VERSIONS)
def test_may_see_allows_only_the_unit_a_stage_actor_a_signer_or_after_signing_the_editors(p, d, unit, state, pl,
                                                                                        version):
    if rules.may_see(p, d, unit, state, pl, version) is None:
        assert (same_unit(p.unit, unit)
                or _acts_now(p, unit, pl, version)
                or "signer" in p.roles
                or (state in rules.SIGNED_STATES and {"gazette_editor", "registrar"} & set(p.roles)))
    else:
        assert rules.may_see(p, d, unit, state, pl, version) == rules.not_found(d)


@given(st.sampled_from(CONFIG.pipelines), st.sampled_from(STATES), st.sampled_from([None, "低", "中", "高"]))
def test_the_publicity_reviewer_knows_of_a_dossier_only_while_its_current_version_is_high_risk(pl, state, risk):
    """The publicity stage is active only for a 高 risk version (review/gate.active_stages): its
    reviewer sees no other dossier of another unit, before signing or after, whatever pipeline is given."""
    publicity = CONFIG.person("publicity")
    for version in (_version(risk, None), _version(risk, pl)):
        seen = rules.may_see(publicity, "D1", "根河市政务服务局", state, pl, version)
        assert (seen is None) == (risk == "高" and any(s.id == "publicity" for s in pl.stages)), (pl.kind, risk)
        original = rules.may_download(publicity, "D1", "根河市政务服务局", state, pl, version, public=False)
        assert original == seen or (seen is None and original is None)


@given(people, st.text(max_size=8), UNIT_TEXT, st.sampled_from(STATES), st.one_of(st.none(), PIPELINES), VERSIONS)
def test_a_not_public_original_is_only_for_its_unit_reviewers_and_signer(p, d, unit, state, pl, version):
    if rules.may_download(p, d, unit, state, pl, version, public=False) is None:
        assert same_unit(p.unit, unit) or "signer" in p.roles or _acts_now(p, unit, pl, version)
        assert not ({"gazette_editor", "registrar"} >= set(p.roles) and p.roles and not same_unit(p.unit, unit))


@given(people, SUBMITTERS, PIPELINES, st.lists(st.sampled_from(["unit_check", "legality", "deliberation",
                                                                  "publicity", "bogus"]), unique=True),
       st.one_of(st.none(), st.text(max_size=30)))
def test_an_emergency_sign_off_skips_only_skippable_stages_with_a_sentence(p, submitters, pl, unapproved, reason):
    if rules.may_emergency_sign_off(p, submitters, pl, unapproved, reason) is None:
        specs = {s.id: s for s in pl.stages}
        assert all(u in specs and specs[u].skippable for u in unapproved)
        assert len("".join((reason or "").split())) >= rules.EMERGENCY_REASON_MIN
        assert "signer" in p.roles and p.name not in submitters


def test_the_law_has_no_bypass_in_the_default_config():
    for kind in ("行政规范性文件", "重大行政决策"):
        assert not [s.id for s in CONFIG.pipeline(kind).stages if s.skippable]
    assert [s.id for s in CONFIG.pipeline("政策性文件").stages if s.skippable] == ["unit_check"]


@given(st.one_of(st.none(), st.text(max_size=6), st.sampled_from(["主动公开", "依申请公开", "不予公开", "不公开"])),
       st.booleans())
def test_is_public_only_for_a_known_public_attribute_not_withheld(disclosure, withheld):
    assert rules.is_public(disclosure, withheld) == (disclosure in ("主动公开", "依申请公开") and not withheld)


@given(people, st.one_of(st.none(), UNIT_TEXT))
@settings(max_examples=300)
def test_a_declared_unit_is_accepted_only_when_it_names_the_persons_own_unit(p, declared):
    if rules.may_declare_unit(p, declared, BOOK) is None:
        assert declared is None or (norm_unit(declared) != "" and BOOK.same(declared, p.unit))


@given(people, UNIT_TEXT, st.sampled_from(STATES))
def test_a_version_comes_only_from_a_drafter_of_the_drafting_unit_while_open(p, unit, state):
    if rules.may_submit_version(p, unit, state) is None:
        assert "drafter" in p.roles and norm_unit(p.unit) == norm_unit(unit) != ""
        assert state in ("submitted", "in_review", "returned")


@given(people, st.sampled_from(STATES), st.booleans())
def test_only_editors_and_registrars_withhold_published_documents_once(p, state, withheld):
    if rules.may_withhold(p, state, withheld) is None:
        assert {"gazette_editor", "registrar"} & set(p.roles)
        assert state in ("published", "registered") and not withheld
