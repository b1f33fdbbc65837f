"""Disclosure fails closed (issue 11, item 3), through the surfaces it comes in by.

A policy marked not public in any of the wordings offices use is refused at publication and never
reaches the site, the register or the gazette; a marking nobody can place blocks the gate with
`disclosure_unknown` until the drafting unit's head or a signer sets the attribute (CLI, desk, API),
and nobody else can; setting it is audited and the chain still verifies; a resubmitted policy's own
marking wins, and what a document says is not public no person makes public."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from desk import auth
from desk.app import create_app
from storage.tables import DossierRow, EventRow, GazetteItemRow, PageRow, RegisterEntryRow
from tests.desk.test_pages import CSRF, PASSWORD, PEOPLE, csrf_of, sign_in

STAGES = (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary"))
# The head of another unit: a unit_head, but not of the drafting unit.
OTHER_HEAD = '\n[[people]]\nname = "justice_head"\nunit = "根河市司法局"\nroles = ["unit_head"]\n'


@pytest.fixture
def home2(home):
    home.config_path.write_text(home.config_path.read_text(encoding="utf-8") + OTHER_HEAD, encoding="utf-8")
    return home


def count(svc, table, **where) -> int:
    with svc.session() as s:
        return s.scalar(select(func.count()).select_from(table).filter_by(**where))


def submit(svc, path) -> str:
    """Intake as the desk and `lockstep submit` run it, without starting the workflow engine."""
    from services.dossiers.intake import intake_bundle
    result = intake_bundle([path], "drafter", svc)
    assert result.accepted, result.problems
    return result.dossier


def approve_all(cli, d: str) -> None:
    for stage, who in STAGES:
        cli.json("review", d, "--stage", stage, "--approve", "--as", who, "--comment", "同意")


def codes(answer: dict) -> list[str]:
    return [b["code"] for b in answer["blocking"]]


def set_cmd(cli, d: str, value: str, who: str, *extra: str):
    r = cli("disclosure", "set", d, value, "--as", who, *extra, "--json")
    return r.exit_code, json.loads(r.stdout) if r.stdout.strip().startswith("{") else r.output


def disclosure_events(svc, d: str) -> int:
    return count(svc, EventRow, dossier_id=d, name="dossier.disclosure_set")


# ---------------------------------------------------------------- not public never goes out

NOT_PUBLIC_WORDINGS = ["信息公开选项：不予公开", "【此件不予公开】", "（本件不予公开）",
                       "公开属性：不予公开（依据《中华人民共和国政府信息公开条例》第十四条）",
                       "（此件不公开）", "公开方式：不公开。", "公开属性：免予公开", "（此件不对外公开）"]


@pytest.mark.parametrize("mark", NOT_PUBLIC_WORDINGS)
def test_a_policy_marked_not_public_in_any_wording_never_reaches_a_public_output(svc, sample_zip, mark):
    from documents.problems import Refused
    from services.dossiers.intake import intake_bundle
    from services.publication.publish import publish
    from services.review.actions import record_decision, record_sign_off
    d = intake_bundle([sample_zip(disclosure=mark)], "drafter", svc).dossier
    with svc.session() as s:
        assert s.get(DossierRow, d).disclosure == "不予公开"
    for stage, who in STAGES:
        record_decision(svc, d, stage, "approve", "同意", who)
    record_sign_off(svc, d, "signer")
    with pytest.raises(Refused) as refused:
        publish(svc, d)
    assert refused.value.problem.code == "not_public"
    assert (count(svc, GazetteItemRow), count(svc, RegisterEntryRow), count(svc, PageRow)) == (0, 0, 0)
    assert not any(svc.home.site.rglob("*.html")) if svc.home.site.exists() else True


def test_a_not_public_document_cannot_be_set_public_by_anyone(cli, sample_zip, svc):
    d = submit(svc, sample_zip(disclosure="【此件不予公开】"))
    for who in ("director", "signer"):
        for value in ("主动公开", "依申请公开"):
            code, doc = set_cmd(cli, d, value, who)
            assert code == 1 and doc["problems"][0]["code"] == "not_public", doc
    with svc.session() as s:
        assert s.get(DossierRow, d).disclosure == "不予公开"
    assert disclosure_events(svc, d) == 0


def test_a_person_set_not_public_is_refused_at_publication(cli, sample_zip, svc):
    from documents.problems import Refused
    from services.publication.publish import publish
    from services.review.actions import record_sign_off
    d = submit(svc, sample_zip(disclosure="公开属性：待定"))
    approve_all(cli, d)
    code, doc = set_cmd(cli, d, "不予公开", "signer", "--ground", "《中华人民共和国政府信息公开条例》第十四条")
    assert code == 0 and doc["gate"]["ready"], doc
    record_sign_off(svc, d, "signer")
    with pytest.raises(Refused) as refused:
        publish(svc, d)
    assert refused.value.problem.code == "not_public"
    assert (count(svc, GazetteItemRow), count(svc, RegisterEntryRow), count(svc, PageRow)) == (0, 0, 0)


# ---------------------------------------------------------------- unknown blocks until set


@pytest.mark.parametrize("mark, found", [("公开属性：待定", "“公开属性：待定”"), ("公开方式：另行确定", "“公开方式：另行确定”"),
                                         ("（此件删减后公开）", "“（此件删减后公开）”"), ("", "未标注公开属性")])
def test_an_unknown_disclosure_blocks_sign_off_until_set_through_the_cli(cli, sample_zip, svc, mark, found):
    d = submit(svc, sample_zip(disclosure=mark))
    approve_all(cli, d)
    answer = cli.json("gate", d)
    assert codes(answer) == ["disclosure_unknown"]
    [b] = answer["blocking"]
    assert b["severity"] == "error" and found in b["message"] and "负责人或签发人" in b["message"]
    r = cli("sign-off", d, "--as", "signer", "--json")
    assert r.exit_code == 1 and "disclosure_unknown" in r.stdout
    code, doc = set_cmd(cli, d, "主动公开", "director")
    assert code == 0, doc
    assert (doc["disclosure"], doc["set_by"], doc["gate"]["ready"]) == ("主动公开", "director", True)
    assert cli.json("gate", d)["ready"] is True
    with svc.session() as s:
        row = s.get(DossierRow, d)
        assert (row.disclosure, row.disclosure_by) == ("主动公开", "director")


def test_setting_the_disclosure_is_audited_and_the_chain_verifies(cli, sample_zip, svc):
    d = submit(svc, sample_zip(disclosure="公开属性：待定"))
    code, doc = set_cmd(cli, d, "依申请公开", "signer")
    assert code == 0, doc
    with svc.session() as s:
        [e] = s.scalars(select(EventRow).filter_by(dossier_id=d, name="dossier.disclosure_set")).all()
        assert (e.actor, e.payload["value"], e.payload["marking"], e.payload["previous"]) == \
            ("signer", "依申请公开", "公开属性：待定", None)
    verified = cli("audit", "verify", "--json")
    assert verified.exit_code == 0, verified.output
    history = cli.json("status", d)["history"]
    assert "dossier.disclosure_set" in [h["event"] for h in history]


def test_not_public_needs_a_legal_ground(cli, sample_zip, svc):
    d = submit(svc, sample_zip(disclosure="公开属性：待定"))
    for extra in ((), ("--ground", "  "), ("--ground", "涉密")):
        code, doc = set_cmd(cli, d, "不予公开", "director", *extra)
        assert code == 1 and doc["problems"][0]["code"] == "request_invalid", doc
    assert disclosure_events(svc, d) == 0


def test_a_value_outside_the_three_attributes_is_a_usage_error(cli, sample_zip, svc):
    d = submit(svc, sample_zip(disclosure="公开属性：待定"))
    r = cli("disclosure", "set", d, "部分公开", "--as", "director")
    assert r.exit_code == 2
    assert disclosure_events(svc, d) == 0


@pytest.mark.parametrize("who, refused_with", [
    ("drafter", "not_permitted"), ("reviewer", "not_permitted"), ("secretary", "not_permitted"),
    ("publicity", ("not_permitted", "not_found")), ("editor", ("not_permitted", "not_found")),
    ("justice_head", ("not_permitted", "not_found")),
])
def test_only_the_drafting_units_head_or_a_signer_sets_the_disclosure(home2, cli, sample_zip, svc, who, refused_with):
    d = submit(svc, sample_zip(disclosure="公开属性：待定"))
    code, doc = set_cmd(cli, d, "主动公开", who)
    assert code == 1 and doc["problems"][0]["code"] in refused_with, doc
    with svc.session() as s:
        row = s.get(DossierRow, d)
        assert (row.disclosure, row.disclosure_by) == (None, None)
    assert disclosure_events(svc, d) == 0
    assert codes(cli.json("gate", d))[0] == "disclosure_unknown"


def test_the_disclosure_cannot_change_after_sign_off(cli, sample_zip, svc):
    from services.review.actions import record_sign_off
    d = submit(svc, sample_zip())
    approve_all(cli, d)
    record_sign_off(svc, d, "signer")
    code, doc = set_cmd(cli, d, "不予公开", "signer", "--ground", "《中华人民共和国政府信息公开条例》第十四条")
    assert code == 1 and doc["problems"][0]["code"] == "invalid_state"


# ---------------------------------------------------------------- a new version


def test_a_resubmitted_policys_own_marking_wins_and_clears_the_persons_setting(cli, sample_zip, svc):
    d = submit(svc, sample_zip(disclosure="公开属性：待定"))
    assert set_cmd(cli, d, "主动公开", "director")[0] == 0
    d2 = submit(svc, sample_zip(disclosure="信息公开选项：不予公开", body_variant=1))
    assert d2 == d
    with svc.session() as s:
        row = s.get(DossierRow, d)
        assert (row.disclosure, row.disclosure_by, row.current_version) == ("不予公开", None, 2)
    code, doc = set_cmd(cli, d, "主动公开", "director")
    assert code == 1 and doc["problems"][0]["code"] == "not_public"


def test_a_resubmission_without_a_placeable_marking_keeps_the_persons_setting(cli, sample_zip, svc):
    d = submit(svc, sample_zip(disclosure="公开属性：待定"))
    assert set_cmd(cli, d, "依申请公开", "signer")[0] == 0
    assert submit(svc, sample_zip(disclosure="", body_variant=1)) == d
    with svc.session() as s:
        row = s.get(DossierRow, d)
        assert (row.disclosure, row.disclosure_by, row.current_version) == ("依申请公开", "signer", 2)
    assert "disclosure_unknown" not in codes(cli.json("gate", d))


def test_a_marking_read_from_a_document_is_not_carried_to_a_version_without_one(cli, sample_zip, svc):
    d = submit(svc, sample_zip())
    assert submit(svc, sample_zip(disclosure="", body_variant=1)) == d
    with svc.session() as s:
        assert s.get(DossierRow, d).disclosure is None
    assert "disclosure_unknown" in codes(cli.json("gate", d))


# ---------------------------------------------------------------- the desk and the API


@pytest.fixture
def desk(home2):
    for name in (*PEOPLE, "justice_head"):
        auth.set_password(home2.path, name, PASSWORD)
    return create_app(home2.path, "test-token")


def unknown_dossier(svc, sample_zip) -> str:
    from services.dossiers.intake import intake_bundle
    return intake_bundle([sample_zip(disclosure="公开属性：待定")], "drafter", svc).dossier


@pytest.mark.parametrize("who", ["director", "signer"])
def test_the_desk_offers_the_disclosure_form_to_the_units_head_and_signers_and_it_sets_it(desk, svc, sample_zip, who):
    d = unknown_dossier(svc, sample_zip)
    c = sign_in(desk, who)
    page = c.get(f"/desk/dossiers/{d}").text
    assert f'action="/desk/dossiers/{d}/disclosure"' in page and "disclosure_unknown" in page
    r = c.post(f"/desk/dossiers/{d}/disclosure", data={"csrf": csrf_of(c, f"/desk/dossiers/{d}"), "value": "主动公开"})
    assert r.status_code == 200, r.text
    page = c.get(f"/desk/dossiers/{d}").text
    assert f'action="/desk/dossiers/{d}/disclosure"' not in page
    assert "确定公开属性为“主动公开”" in page
    with svc.session() as s:
        assert s.get(DossierRow, d).disclosure_by == who


@pytest.mark.parametrize("who", ["drafter", "reviewer", "secretary", "justice_head", "editor", "publicity"])
def test_the_desk_neither_shows_nor_accepts_the_disclosure_form_from_anyone_else(desk, svc, sample_zip, who):
    d = unknown_dossier(svc, sample_zip)
    c = sign_in(desk, who)
    page = c.get(f"/desk/dossiers/{d}")
    assert f'action="/desk/dossiers/{d}/disclosure"' not in page.text
    token = CSRF.search(c.get("/desk").text).group(1)
    r = c.post(f"/desk/dossiers/{d}/disclosure", data={"csrf": token, "value": "主动公开"})
    assert r.status_code in (403, 404)
    with svc.session() as s:
        assert s.get(DossierRow, d).disclosure_by is None
    assert disclosure_events(svc, d) == 0


def test_the_drafting_office_is_told_how_to_settle_an_unknown_disclosure(desk, svc, sample_zip):
    d = unknown_dossier(svc, sample_zip)
    page = sign_in(desk, "drafter").get(f"/desk/dossiers/{d}").text
    assert "“公开属性：待定”" in page and "怎么办：在政策文件成文日期之后标注" in page
    assert f'action="/desk/dossiers/{d}/disclosure"' not in page


def test_the_desk_refuses_a_disclosure_post_without_its_form_token(desk, svc, sample_zip):
    d = unknown_dossier(svc, sample_zip)
    c = sign_in(desk, "director")
    r = c.post(f"/desk/dossiers/{d}/disclosure", data={"csrf": "forged", "value": "主动公开"})
    assert r.status_code == 403
    assert disclosure_events(svc, d) == 0


def api(app, home, who: str) -> TestClient:
    c = TestClient(app, base_url="http://testserver")
    c.headers["Authorization"] = f"Bearer {auth.issue_token(home.path, who)}"
    return c


def test_the_api_sets_the_disclosure_with_the_same_guard(desk, home2, svc, sample_zip):
    d = unknown_dossier(svc, sample_zip)
    for who, status in (("drafter", 403), ("reviewer", 403), ("justice_head", 404)):
        r = api(desk, home2, who).post(f"/api/v1/dossiers/{d}/disclosure", json={"value": "主动公开"})
        assert r.status_code == status, (who, r.text)
        assert r.json()["ok"] is False
    assert disclosure_events(svc, d) == 0
    c = api(desk, home2, "director")
    r = c.post(f"/api/v1/dossiers/{d}/disclosure", json={"value": "部分公开"})
    assert r.status_code == 422 and r.json()["problems"][0]["code"] == "request_invalid"
    r = c.post(f"/api/v1/dossiers/{d}/disclosure", json={"value": "不予公开"})
    assert r.status_code == 422 and r.json()["problems"][0]["code"] == "request_invalid"
    r = c.post(f"/api/v1/dossiers/{d}/disclosure", json={"value": "主动公开"})
    assert r.status_code == 200, r.text
    assert r.json()["disclosure"] == "主动公开" and "disclosure_unknown" not in codes(r.json()["gate"])
