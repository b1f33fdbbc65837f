"""Decisions say what the reviewer meant (issue 11, item 7) and reason anchors leak nothing (item 8).

Through each surface a reviewer uses: the desk's pages (the real desk on a real home), the JSON API
and the command line. A return needs a reason, an approval carries none, a refused decision leaves
no 合法性审核意见书 behind, no form chooses for the person, a risk assessment of another policy blocks
the gate, and an anchor that matches nothing is refused without listing the policy's provisions,
after the person is known to be allowed to act."""
from __future__ import annotations

import io
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from desk import auth
from desk.app import create_app
from samples import genhe
from services.dossiers.intake import intake_bundle
from storage.tables import DecisionRow
from tests.desk.conftest import desk  # noqa: F401  (the real desk, every default person signed up)
from tests.desk.test_pages import csrf_of, sign_in

OTHER_POLICY = "根河市2018年政务公开工作要点"


# ---------------------------------------------------------------- helpers

def new_dossier(svc, tmp_path: Path, name: str = "b.zip", **members: bytes) -> str:
    files = genhe.bundle_files("complete")
    files.update(members)
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as zf:
        for member, data in files.items():
            zf.writestr(member, data)
    result = intake_bundle([path], "drafter", svc)
    assert result.accepted, result.problems
    return result.dossier


def at_legality(svc, tmp_path: Path) -> str:
    from services.review.actions import record_decision
    d = new_dossier(svc, tmp_path)
    record_decision(svc, d, "unit_check", "approve", "同意", "director")
    return d


def decisions(svc, d: str) -> list[DecisionRow]:
    with svc.session() as s:
        return list(s.scalars(select(DecisionRow).where(DecisionRow.dossier_id == d)))


def stored_objects(home) -> set[str]:
    """The stored 合法性审核意见书 docx files (other objects, such as cached page HTML, come and go)."""
    found = set()
    for p in (home.path / "objects").rglob("*"):
        if not p.is_file() or p.read_bytes()[:2] != b"PK":
            continue
        try:
            with zipfile.ZipFile(p) as z:
                if "合法性审核意见书" in z.read("docProps/core.xml").decode("utf-8", "replace"):
                    found.add(p.name)
        except (KeyError, zipfile.BadZipFile):
            continue
    return found


def opinions(svc) -> int:
    with svc.session() as s:
        return s.scalar(select(func.count()).select_from(DecisionRow).where(DecisionRow.opinion_number.is_not(None)))


def provision_texts() -> list[str]:
    """Every outline paragraph of the sample policy (its provisions), as a reader would quote them."""
    from documents.diff import paragraphs
    data = genhe.bundle_files("complete")[f"{genhe.DOC_NUMBER}.docx"]
    return [p.text[:10] for p in paragraphs("policy.docx", data) if p.anchor and len(p.text) >= 10]


class Form(HTMLParser):
    """The inputs, checked radios and selected options of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.radios: list[dict] = []
        self.selects: dict[str, list[dict]] = {}
        self._select: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "radio":
            self.radios.append(a)
        elif tag == "select":
            self._select = a.get("name")
            self.selects[self._select] = []
        elif tag == "option" and self._select is not None:
            self.selects[self._select].append(a)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def api(app, home, name: str) -> TestClient:
    return TestClient(app, base_url="http://testserver",
                      headers={"Authorization": f"Bearer {auth.issue_token(home.path, name)}"})


@pytest.fixture
def stranger(home):
    """A unit head of another unit: no role on the 政务服务局's dossiers."""
    home.add_person("stranger", "根河市人民政府办公室", ["unit_head"])
    return "stranger"


# ---------------------------------------------------------------- the review form (desk)

def test_review_form_preselects_no_verdict(desk, svc, tmp_path):
    d = new_dossier(svc, tmp_path)
    page = sign_in(desk, "director").get(f"/desk/dossiers/{d}/review")
    assert page.status_code == 200
    radios = [r for r in Form(page.text).radios if r.get("name") == "verdict"]
    assert {r["value"] for r in radios} == {"approve", "return"}
    assert not any("checked" in r for r in radios)


def test_review_form_without_a_verdict_returns_to_the_form_with_the_reason_and_what_was_typed(desk, svc, tmp_path):
    d = new_dossier(svc, tmp_path)
    director = sign_in(desk, "director")
    r = director.post(f"/desk/dossiers/{d}/decide", data={
        "csrf": csrf_of(director, f"/desk/dossiers/{d}/review"), "stage": "unit_check", "version": "1",
        "comment": "见理由", "anchor_1": "一、（一）", "text_1": "请写明牵头单位"})
    assert r.status_code == 400
    top = r.text.split("<h1>", 1)[0]
    assert "请选择“通过”或“退回”" in top
    assert 'value="请写明牵头单位"' in r.text and '<option value="一、（一）" selected>' in r.text
    assert not any("checked" in x for x in Form(r.text).radios)
    assert decisions(svc, d) == []


def test_desk_return_without_reasons_is_refused(desk, svc, tmp_path):
    d = new_dossier(svc, tmp_path)
    director = sign_in(desk, "director")
    r = director.post(f"/desk/dossiers/{d}/decide", data={
        "csrf": csrf_of(director, f"/desk/dossiers/{d}/review"), "stage": "unit_check", "version": "1",
        "verdict": "return", "comment": "请修改后重新报送", "anchor_1": "一、（一）", "text_1": " "})
    assert r.status_code == 400 and "退回时须至少写明一条退回理由" in r.text
    assert "请修改后重新报送" in r.text                                       # the comment is kept
    assert decisions(svc, d) == []


def test_desk_approval_with_return_reasons_is_refused_and_no_opinion_is_stored(desk, svc, home, tmp_path):
    d = at_legality(svc, tmp_path)
    before, numbered = stored_objects(home), opinions(svc)
    reviewer = sign_in(desk, "reviewer")
    r = reviewer.post(f"/desk/dossiers/{d}/decide", data={
        "csrf": csrf_of(reviewer, f"/desk/dossiers/{d}/review"), "stage": "legality", "version": "1",
        "verdict": "approve", "comment": "同意", "reasons": "一、（一）：请写明牵头单位"})
    assert r.status_code == 400 and "通过时不能附退回理由" in r.text
    assert [x.stage for x in decisions(svc, d)] == ["unit_check"]
    assert stored_objects(home) == before and opinions(svc) == numbered


# ---------------------------------------------------------------- the API

def test_api_return_without_reasons_is_refused_and_no_opinion_is_stored(desk, svc, home, tmp_path):
    d = at_legality(svc, tmp_path)
    before = stored_objects(home)
    r = api(desk, home, "reviewer").post(f"/api/v1/dossiers/{d}/decisions", json={
        "stage": "legality", "verdict": "return", "comment": "请修改后重新报送", "reasons": ["  "]})
    assert r.status_code == 422 and r.json()["problems"][0]["code"] == "request_invalid"
    assert [x.stage for x in decisions(svc, d)] == ["unit_check"]
    assert stored_objects(home) == before and opinions(svc) == 0


def test_api_approval_with_return_reasons_is_refused(desk, svc, home, tmp_path):
    d = at_legality(svc, tmp_path)
    r = api(desk, home, "reviewer").post(f"/api/v1/dossiers/{d}/decisions", json={
        "stage": "legality", "verdict": "approve", "reasons": ["一、（一）：请写明牵头单位"]})
    assert r.status_code == 422 and r.json()["problems"][0]["code"] == "request_invalid"
    assert "通过时不能附退回理由" in r.json()["problems"][0]["message"]
    assert opinions(svc) == 0


def test_api_decision_needs_a_verdict(desk, svc, home, tmp_path):
    d = new_dossier(svc, tmp_path)
    r = api(desk, home, "director").post(f"/api/v1/dossiers/{d}/decisions", json={"stage": "unit_check"})
    assert r.status_code == 422 and r.json()["problems"][0]["code"] == "request_invalid"
    assert decisions(svc, d) == []


def test_api_unknown_anchor_lists_none_of_the_policys_provisions(desk, svc, home, tmp_path):
    d = at_legality(svc, tmp_path)
    r = api(desk, home, "reviewer").post(f"/api/v1/dossiers/{d}/decisions", json={
        "stage": "legality", "verdict": "return", "reasons": ["九、（九）：不存在的条款"]})
    assert r.status_code == 404
    message = r.json()["problems"][0]["message"]
    assert "未找到条款“九、（九）”" in message and "可用" not in message
    texts = provision_texts()
    assert texts and not any(t in r.text for t in texts)
    assert "二、（一）" not in message and "三、" not in message                 # no outline either


def test_api_unknown_anchor_from_a_stranger_answers_as_a_missing_dossier(desk, svc, home, tmp_path, stranger):
    d = new_dossier(svc, tmp_path)
    c = api(desk, home, stranger)
    body = {"stage": "unit_check", "verdict": "return", "reasons": ["九、（九）：不存在的条款"]}
    theirs = c.post(f"/api/v1/dossiers/{d}/decisions", json=body)
    missing = c.post("/api/v1/dossiers/GH-0000-9999/decisions", json=body)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["problems"][0]["code"] == missing.json()["problems"][0]["code"] == "not_found"
    assert theirs.json()["problems"][0]["message"] == missing.json()["problems"][0]["message"].replace("GH-0000-9999", d)
    assert "政务服务局" not in theirs.text and "九、（九）" not in theirs.text
    assert decisions(svc, d) == []


# ---------------------------------------------------------------- the command line

def test_cli_review_without_a_verdict_is_a_usage_error(cli, svc, tmp_path):
    d = new_dossier(svc, tmp_path)
    r = cli("review", d, "--stage", "unit_check", "--reason", "表述不清", "--as", "director")
    assert r.exit_code == 2
    assert decisions(svc, d) == []


def test_cli_return_without_reasons_is_refused(cli, svc, home, tmp_path):
    d = at_legality(svc, tmp_path)
    before = stored_objects(home)
    r = cli.json("review", d, "--stage", "legality", "--return", "--comment", "请修改后重新报送",
                 "--as", "reviewer", code=1)
    assert r["problems"][0]["code"] == "request_invalid"
    assert stored_objects(home) == before and opinions(svc) == 0


def test_cli_approval_with_return_reasons_is_refused(cli, svc, home, tmp_path):
    d = at_legality(svc, tmp_path)
    before = stored_objects(home)
    r = cli.json("review", d, "--stage", "legality", "--approve", "--reason", "一、（一）：请写明牵头单位",
                 "--as", "reviewer", code=1)
    assert r["problems"][0]["code"] == "request_invalid"
    assert stored_objects(home) == before and opinions(svc) == 0


def test_cli_unknown_anchor_from_a_stranger_answers_as_a_missing_dossier(cli, svc, tmp_path, stranger):
    d = new_dossier(svc, tmp_path)
    r = cli.json("review", d, "--stage", "unit_check", "--return", "--reason", "九、（九）：不存在",
                 "--as", stranger, code=1)
    from review.rules import not_found
    assert r["problems"][0]["code"] == "not_found" and r["problems"][0]["message"] == not_found(d).message


def test_opinions_say_one_verdict_each(cli, svc, home, tmp_path):
    """The numbered opinions actually issued, read back with python-docx: an approval never asks for
    the document back, a return never says it is lawful."""
    d = at_legality(svc, tmp_path)
    cli.json("review", d, "--stage", "legality", "--return", "--reason", "二、（一）：依据不足", "--as", "reviewer")
    intake_bundle([genhe.write_zip(tmp_path / "v2.zip", body_variant=2)], "drafter", svc, d)
    from services.review.actions import record_decision
    record_decision(svc, d, "unit_check", "approve", "同意", "director")
    cli.json("review", d, "--stage", "legality", "--approve", "--comment", "同意", "--as", "reviewer")
    assert len(stored_objects(home)) == 2                 # the refusal checks above look for these
    exported = cli.json("opinion", d, "--out", tmp_path / "out")["opinions"]
    texts = {o["verdict"]: "".join(p.text for p in docx.Document(o["path"]).paragraphs) for o in exported}
    assert set(texts) == {"approve", "return"}
    assert "内容合法" in texts["approve"] and "请修改后重新报送" not in texts["approve"]
    assert "请修改后重新报送" in texts["return"] and "内容合法" not in texts["return"]
    assert "【二、（一）】依据不足" in texts["return"]


# ---------------------------------------------------------------- attaching a file (desk)

def test_attach_form_preselects_no_role(desk, svc, tmp_path):
    d = new_dossier(svc, tmp_path)
    page = sign_in(desk, "drafter").get(f"/desk/dossiers/{d}")
    assert page.status_code == 200
    options = Form(page.text).selects["role"]
    assert options[0]["value"] == "" and not any("selected" in o for o in options)


def test_attach_without_a_role_is_refused_and_nothing_changes(desk, svc, tmp_path):
    d = new_dossier(svc, tmp_path)
    drafter = sign_in(desk, "drafter")
    risk = genhe.risk_docx()
    r = drafter.post(f"/desk/dossiers/{d}/attach", data={"csrf": csrf_of(drafter, f"/desk/dossiers/{d}")},
                     files=[("file", ("舆情风险评估报告.docx", risk, "application/octet-stream"))])
    assert r.status_code == 400 and "请选择材料类别" in r.text and "政策文件" in r.text
    from services.review.actions import status
    assert status(svc, d).version == 1


# ---------------------------------------------------------------- a risk assessment of another policy

def test_risk_assessment_of_another_policy_blocks_the_gate(desk, svc, home, cli, tmp_path):
    d = new_dossier(svc, tmp_path, **{genhe.RISK_NAME: genhe.risk_docx(policy_title=OTHER_POLICY)})
    via_cli = cli.json("gate", d)
    assert "risk_assessment_mismatch" in [b["code"] for b in via_cli["blocking"]]
    via_api = api(desk, home, "drafter").get(f"/api/v1/dossiers/{d}/gate").json()
    mismatch = [b for b in via_api["blocking"] if b["code"] == "risk_assessment_mismatch"]
    assert len(mismatch) == 1 and OTHER_POLICY in mismatch[0]["message"]
    page = sign_in(desk, "drafter").get(f"/desk/dossiers/{d}")
    assert page.status_code == 200 and "risk_assessment_mismatch" in page.text and "评估报告须写明所评估的本政策文件" in page.text


def test_risk_assessment_of_this_policy_passes_the_risk_checks(cli, svc, tmp_path):
    d = new_dossier(svc, tmp_path)
    codes = [b["code"] for b in cli.json("gate", d)["blocking"]]
    assert "risk_assessment_mismatch" not in codes and "risk_assessment_missing" not in codes
