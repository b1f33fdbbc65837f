"""The hostile stranger, the busy clerk and the curious public against the rulebook (issue 11).

Each attack comes in by the surface a person would use (the HTTP API, the desk's pages, the public
routes, the command line) on a real SQLite home; the rule it proves names each test. Attacks that
the rulebook already held and that another file in tests/security/ covers are not repeated here."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import docx
import pytest
from fastapi.testclient import TestClient

from desk import auth
from desk.app import create_app
from samples import genhe
from services.dossiers.intake import intake_bundle
from services.dossiers.withhold import withheld_of
from storage.tables import DossierRow

pytestmark = pytest.mark.usefixtures("prefect_harness")

# Ten characters that are no words: zero-width, invisible letters, emoji, punctuation.
INVISIBLE_REASONS = ("\u200b" * 10, "\u2060" * 10, "\ufeff" * 10, "\u3164" * 10, "😀" * 10, "。" * 10,
                     "\u200b" * 9 + "急")


def api(app, home, name: str) -> TestClient:
    return TestClient(app, base_url="http://testserver",
                      headers={"Authorization": f"Bearer {auth.issue_token(home.path, name)}"})


def test_an_emergency_or_withhold_reason_counts_only_written_characters(home, svc, sample_zip):
    """紧急签发 with ten zero-width spaces (or emoji, or 。) as its reason skipped 起草单位审核 and
    published; a reason is a sentence of at least ten written characters, on sign-off and withhold."""
    d = intake_bundle([sample_zip(kind="政策性文件", doc_number="根政办发〔2019〕44号")], "drafter", svc).dossier
    from services.review.actions import record_decision
    record_decision(svc, d, "kind_check", "approve", "经认定不属于行政规范性文件", "reviewer")
    app = create_app(home.path, "test-token")
    signer, editor = api(app, home, "signer"), api(app, home, "editor")
    for reason in INVISIBLE_REASONS:
        r = signer.post(f"/api/v1/dossiers/{d}/sign-off", json={"emergency_reason": reason})
        assert r.status_code == 403 and r.json()["problems"][0]["code"] == "not_permitted", (reason, r.text)
    assert signer.get(f"/api/v1/dossiers/{d}").json()["state"] == "in_review"     # not signed
    r = signer.post(f"/api/v1/dossiers/{d}/sign-off", json={"emergency_reason": "防汛紧急部署，须在汛期前公布施行"})
    assert r.status_code == 200, r.text
    for reason in INVISIBLE_REASONS:
        r = editor.post(f"/api/v1/dossiers/{d}/withhold", json={"reason": reason})
        assert r.status_code == 422 and r.json()["problems"][0]["code"] == "request_invalid", (reason, r.text)
    assert withheld_of(svc, d) is None


def _policy_with(where: str, mark: str) -> bytes:
    """The sample bundle, its policy (marked （此件主动公开） in the 附注 position) also carrying
    `mark` above its title, in a table cell after its text, or in its header or footer."""
    files = genhe.bundle_files("complete")
    name = next(n for n in files if n.startswith(genhe.DOC_NUMBER[:4]) and n.endswith(".docx"))
    document = docx.Document(io.BytesIO(files[name]))
    if where == "above the title":
        document.paragraphs[0].insert_paragraph_before(mark)
    elif where == "in the header":
        document.sections[0].header.paragraphs[0].text = mark
    elif where == "in the footer":
        document.sections[0].footer.paragraphs[0].text = mark
    else:
        document.add_table(rows=1, cols=1).cell(0, 0).text = mark
    out = io.BytesIO()
    document.save(out)
    files[name] = out.getvalue()
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as zf:
        for member, data in files.items():
            zf.writestr(member, data)
    return zipped.getvalue()


@pytest.mark.parametrize("where", ["above the title", "in a table cell", "in the header", "in the footer"])
@pytest.mark.parametrize("mark", ["此件不予公开", "（本件不予公开）", "公开属性：不予公开"])
def test_a_not_public_marking_outside_the_note_position_is_never_read_as_public(home, svc, where, mark):
    """A policy saying （此件主动公开） in its 附注 and 此件不予公开 above its title (or in a table cell)
    was read as 主动公开 and would be published: a not-public marking counts wherever it stands
    (the header and footer included)."""
    drafter = api(create_app(home.path, "test-token"), home, "drafter")
    r = drafter.post("/api/v1/dossiers", files=[("files", ("b.zip", _policy_with(where, mark), "application/zip"))])
    assert r.status_code == 200, r.text
    with svc.session() as s:
        assert s.get(DossierRow, r.json()["dossier"]).disclosure == "不予公开"


def _consulted(cli, sample_zip, number: int, **kw) -> tuple[str, Path]:
    d = cli.json("submit", sample_zip(kind="重大行政决策", doc_number=f"根政发〔2019〕{number}号", **kw),
                 "--as", "drafter")["dossier"]
    if kw.get("disclosure"):
        cli.json("disclosure", "set", d, "主动公开", "--as", "director")
    opened = cli.json("consultation", "open", d, "--from", "2019-07-01", "--to", "2019-07-31", "--as", "drafter")
    notice = Path(opened["notice"])
    assert notice.is_file()
    return d, notice


def test_a_consultation_leaves_the_site_when_a_new_version_is_marked_not_public(cli, sample_zip, home):
    """A major decision consulted while 主动公开, then resubmitted marked 不予公开: its notice (the
    draft's full text) stayed in the public site folder and its adoption summary could still be
    published. The consultation's pages are public outputs, decided by is_public too."""
    d, notice = _consulted(cli, sample_zip, 9)
    r = cli("submit", sample_zip(kind="重大行政决策", doc_number="根政发〔2019〕9号", disclosure="（此件不予公开）",
                                 body_variant=3), "--dossier", d, "--as", "drafter", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["version"] == 2, r.output
    assert not notice.exists()
    assert not list((home.path / "site").rglob("*.html"))
    r = cli("consultation", "summary", d, "--as", "drafter", "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["problems"][0]["code"] == "not_public", r.output
    assert not list((home.path / "site").rglob("*.html"))


def test_a_consultation_leaves_the_site_when_a_person_sets_the_dossier_not_public(cli, sample_zip):
    d, notice = _consulted(cli, sample_zip, 10, disclosure="公开属性：待定")
    cli.json("disclosure", "set", d, "不予公开", "--ground", "《中华人民共和国政府信息公开条例》第十四条",
             "--as", "director")
    assert not notice.exists()


BODY = "各乡镇办事处、各部门要结合实际"          # a sentence of the sample policy's text


def test_the_review_page_shows_a_not_public_dossiers_text_only_to_whom_may_download_it(home, svc, sample_zip):
    """The gazette office may not download a signed 不予公开 original (may_download), yet its review
    page showed the policy's full text: the page is refused as the download is, and the dossier
    page offers neither the review page nor the file links."""
    from services.review.actions import record_decision, record_sign_off
    from tests.desk.test_pages import PASSWORD, PEOPLE, sign_in
    d = intake_bundle([sample_zip(disclosure="（此件不予公开）")], "drafter", svc).dossier
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        record_decision(svc, d, stage, "approve", "同意", who)
    record_sign_off(svc, d, "signer")
    for name in PEOPLE:
        auth.set_password(home.path, name, PASSWORD)
    app = create_app(home.path, "test-token")
    editor = sign_in(app, "editor")
    page = editor.get(f"/desk/dossiers/{d}")
    assert page.status_code == 200
    assert f"/desk/dossiers/{d}/files/" not in page.text and f"/desk/dossiers/{d}/review" not in page.text
    review = editor.get(f"/desk/dossiers/{d}/review")
    assert review.status_code == 403 and BODY not in review.text
    for name in ("drafter", "reviewer", "signer"):          # its drafting unit, its reviewers, its signer
        c = sign_in(app, name)
        assert BODY in c.get(f"/desk/dossiers/{d}/review").text, name
        assert f"/desk/dossiers/{d}/files/" in c.get(f"/desk/dossiers/{d}").text, name


@pytest.mark.parametrize("reason", ["\u200b", "。", "\u3164", "😀", "一、（二）：\u200b", "\ufeff \u200b"])
def test_a_return_whose_reasons_have_no_words_is_refused_and_issues_no_opinion(home, svc, sample_zip, reason):
    """A 合法性审核 return whose only reason was a zero-width space (or 。, or an emoji) was recorded
    with a numbered 合法性审核意见书 saying nothing: a reason has words in it."""
    from services.review.actions import record_decision
    from storage.tables import DecisionRow
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    record_decision(svc, d, "unit_check", "approve", "同意", "director")
    reviewer = api(create_app(home.path, "test-token"), home, "reviewer")
    r = reviewer.post(f"/api/v1/dossiers/{d}/decisions",
                      json={"stage": "legality", "verdict": "return", "comment": "", "reasons": [reason]})
    assert r.status_code == 422 and r.json()["problems"][0]["code"] == "request_invalid", r.text
    with svc.session() as s:
        assert [x.stage for x in s.query(DecisionRow).filter_by(dossier_id=d)] == ["unit_check"]


@pytest.mark.parametrize("comment", ["内容合法。请修改后重新\u200b报送", "请修改后重新\u2060提交", "重新-送审"])
def test_an_approval_asking_for_the_document_back_is_refused_however_the_words_are_split(home, svc, sample_zip,
                                                                                        comment):
    """An approval whose comment says 重新报送 is refused; a zero-width character between the words
    slipped one through, and a 合法性审核意见书 said both 内容合法 and 请修改后重新报送."""
    from services.review.actions import record_decision
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    record_decision(svc, d, "unit_check", "approve", "同意", "director")
    reviewer = api(create_app(home.path, "test-token"), home, "reviewer")
    r = reviewer.post(f"/api/v1/dossiers/{d}/decisions",
                      json={"stage": "legality", "verdict": "approve", "comment": comment})
    assert r.status_code == 422 and r.json()["problems"][0]["code"] == "request_invalid", r.text


def test_not_public_needs_a_ground_in_words_not_invisible_characters(home, svc, sample_zip):
    d = intake_bundle([sample_zip(disclosure="公开属性：待定")], "drafter", svc).dossier
    director = api(create_app(home.path, "test-token"), home, "director")
    for ground in ("\u200b" * 4, "……。。", "\u3164" * 4):
        r = director.post(f"/api/v1/dossiers/{d}/disclosure", json={"value": "不予公开", "ground": ground})
        assert r.status_code == 422 and r.json()["problems"][0]["code"] == "request_invalid", r.text
    r = director.post(f"/api/v1/dossiers/{d}/disclosure", json={"value": "不予公开", "ground": "政府信息公开条例第十四条"})
    assert r.status_code == 200, r.text


def test_an_api_decision_names_the_version_it_read_and_never_lands_on_a_newer_one(home, svc, sample_zip):
    """A drafter resubmits just before the review system posts its approval: the approval landed on
    a version nobody read. As on the review page, a decision naming the version it read is refused
    (409 invalid_state) when the dossier has moved on."""
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    director = api(create_app(home.path, "test-token"), home, "director")
    read = director.get(f"/api/v1/dossiers/{d}").json()["version"]
    assert intake_bundle([sample_zip(body_variant=7)], "drafter", svc, dossier_hint=d).version == read + 1
    body = {"stage": "unit_check", "verdict": "approve", "comment": "同意", "version": read}
    r = director.post(f"/api/v1/dossiers/{d}/decisions", json=body)
    assert r.status_code == 409 and r.json()["problems"][0]["code"] == "invalid_state", r.text
    assert director.get(f"/api/v1/dossiers/{d}").json()["decisions"] == []
    r = director.post(f"/api/v1/dossiers/{d}/decisions", json={**body, "version": read + 1})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("name", ["drafter\u200b", "drafter ", "ｄｒａｆｔｅｒ", "Drafter", "dra\u00adfter", " director"])
def test_no_second_account_looks_like_a_person_already_there(cli, name):
    """`lockstep users add "drafter\\u200b"` (or ｄｒａｆｔｅｒ, Drafter) made a second account that
    `users list` shows as drafter: one clerk could submit as one and decide as the other."""
    r = cli("users", "add", name, "--unit", "根河市政务服务局", "--role", "unit_head", "--json")
    assert r.exit_code == 1, r.output
    assert json.loads(r.stdout)["problems"][0]["code"] in ("not_permitted", "request_invalid")
    assert name not in [p["name"] for p in cli.json("users", "list")["users"]]


def test_the_site_serves_only_the_published_versions_pictures(home, svc, sample_zip, tmp_path):
    """/site/assets/<sha256>.png served a picture of any version of a published dossier: an earlier
    draft's 一图读懂, replaced before sign-off and never released, was public to whoever had its hash."""
    import hashlib

    from services.dossiers.attach import attach
    from services.publication.publish import publish
    from services.review.actions import record_decision, record_sign_off
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    draft = genhe.bundle_files("complete")["一图读懂.png"]
    final = tmp_path / "一图读懂.png"
    final.write_bytes(draft + b"\x00final")            # bytes after IEND: the same picture, another file
    assert attach(svc, d, final, "graphic_interpretation", "drafter").accepted
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        record_decision(svc, d, stage, "approve", "同意", who)
    record_sign_off(svc, d, "signer")
    assert publish(svc, d).published
    public = TestClient(create_app(home.path, "test-token"), base_url="http://testserver")
    assert public.get(f"/site/assets/{hashlib.sha256(final.read_bytes()).hexdigest()}.png").status_code == 200
    assert public.get(f"/site/assets/{hashlib.sha256(draft).hexdigest()}.png").status_code == 404


@pytest.mark.parametrize("mark", ["（此件不予\u200b公开）", "公开属性：不\u00ad予公开", "【本件\u2060不公开】"])
def test_a_not_public_marking_split_by_an_invisible_character_still_says_not_public(home, svc, sample_zip, mark):
    """（此件不予\\u200b公开） shows 此件不予公开 but was read as an unknown attribute, which the unit's
    head could then set to 主动公开: a zero-width character does not change what a marking says."""
    d = intake_bundle([sample_zip(disclosure=mark)], "drafter", svc).dossier
    with svc.session() as s:
        assert s.get(DossierRow, d).disclosure == "不予公开"
    director = api(create_app(home.path, "test-token"), home, "director")
    r = director.post(f"/api/v1/dossiers/{d}/disclosure", json={"value": "主动公开"})
    assert r.status_code == 409 and r.json()["problems"][0]["code"] in ("not_public", "invalid_state"), r.text
