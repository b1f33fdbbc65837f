"""撤回公开 (issue 11, item 4): a published document leaves every public output, through the CLI and
the desk, with its reason recorded and audited; the released print edition stays as it was."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from desk import auth
from desk.app import create_app
from storage.tables import DossierRow, GazetteIssueRow
from tests.storage.test_gazette_storage import signed_dossier

PASSWORD = "correct horse 1"
PEOPLE = ("drafter", "director", "reviewer", "secretary", "signer", "editor", "publicity")
REASON = "该文件涉及的事项已另行依法处理，依据上级通知撤回公开"


def _facts(svc, dossier: str) -> tuple[str, str]:
    with svc.session() as s:
        row = s.get(DossierRow, dossier)
        return row.title, row.doc_number


def _released(cli, svc, tmp_path, *dossiers, year=2019, number=8, out: Path | None = None) -> str:
    issue = f"{year}-{number}"
    cli.json("gazette", "issue", "new", "--year", str(year), "--number", str(number), "--date", "2019-08-30",
             "--as", "editor")
    cli.json("gazette", "issue", "add", issue, *dossiers, "--as", "editor")
    cli.json("gazette", "issue", "release", issue, "--out", str(out or svc.home.path / "gazette"), "--as", "editor")
    return issue


def _texts(folder: Path) -> dict[str, str]:
    """Every file of a folder as text (pictures too, decoded loosely: a title never hides in them)."""
    return {str(p.relative_to(folder)): p.read_bytes().decode("utf-8", "replace")
            for p in folder.rglob("*") if p.is_file()}


def _leaks(folder: Path, *needles: str) -> list[str]:
    return [f"{path}: {n}" for path, text in _texts(folder).items() for n in needles if n and n in text]


def _print_record(svc, issue: str, folder: Path) -> tuple:
    with svc.session() as s:
        row = s.get(GazetteIssueRow, issue)
        record = (row.print_name, row.print_sha256, row.web_sha256, row.release_date, row.released_at)
    docx = folder / issue / record[0]
    return record, hashlib.sha256(docx.read_bytes()).hexdigest(), svc.store.get(record[2])


@pytest.fixture
def desk(home):
    for name in PEOPLE:
        auth.set_password(home.path, name, PASSWORD)
    return create_app(home.path, "test-token")


def sign_in(app, name: str) -> TestClient:
    from tests.desk.test_pages import sign_in as desk_sign_in
    return desk_sign_in(app, name, PASSWORD)


def test_withholding_takes_the_document_off_the_site_the_gazette_web_edition_and_search(cli, svc, tmp_path):
    d = signed_dossier(svc, tmp_path / "b")
    kept = signed_dossier(svc, tmp_path / "b")
    title, number = _facts(svc, d)
    issue = _released(cli, svc, tmp_path, d, kept)
    gazette = svc.home.path / "gazette"
    # A 更正启事 in a later issue naming the document, released before it is withheld.
    cli.json("gazette", "issue", "new", "--year", "2019", "--number", "10", "--date", "2019-09-30", "--as", "editor")
    cli.json("gazette", "correction", "add", "2019-10", "--corrects", issue, "--dossier", d,
             "--text", f"《{title}》第二条中“30日”应为“15日”。", "--as", "editor")
    cli.json("gazette", "issue", "add", "2019-10", signed_dossier(svc, tmp_path / "b"), "--as", "editor")
    cli.json("gazette", "issue", "release", "2019-10", "--out", str(gazette), "--as", "editor")
    assert _leaks(svc.home.site, title, number) and _leaks(gazette / issue / "html", title, number)
    assert _leaks(gazette / "2019-10" / "html", title)
    before = _print_record(svc, issue, gazette)
    pictures = [p for p in (gazette / issue / "html" / "assets").iterdir()]
    assert pictures

    done = cli.json("withhold", d, "--reason", REASON, "--as", "editor")
    assert done["ok"] is True and done["reason"] == REASON and set(done["issues"]) == {issue, "2019-10"}

    assert _leaks(svc.home.site, title, number) == []
    assert not (svc.home.site / "policies" / f"{d}.html").exists()
    for folder in (gazette / issue / "html", gazette / "2019-10" / "html"):
        assert _leaks(folder, title, number) == []
    assert _leaks(gazette / "2019-10" / "html", d) == []          # the notice names no dossier either
    notice = (gazette / issue / "html" / "items" / f"{d}.html").read_text(encoding="utf-8")
    assert "该文件已撤回公开" in notice and "年" in notice
    feed = json.loads((gazette / issue / "html" / "feed.json").read_text(encoding="utf-8"))
    assert [i["id"] for i in feed["items"]] == [kept]
    assert d not in (gazette / issue / "html" / "index.html").read_text(encoding="utf-8")
    shown = "".join(_texts(gazette / issue / "html").values())
    assert all(p.exists() == (p.name in shown) for p in pictures)      # only the kept item's pictures stay
    # The kept document is still there, whole.
    assert _leaks(gazette / issue / "html", _facts(svc, kept)[0])
    # The print edition's record and file are byte for byte what was released.
    assert _print_record(svc, issue, gazette) == before
    # Gazette and register searches never answer it, by title or number.
    for text in (title, number):
        assert cli.json("gazette", "search", text)["items"] == []
        assert cli.json("register", "search", text)["entries"] == []
    audit = cli.json("audit", "verify")
    assert audit["ok"] is True


def test_a_withheld_items_pictures_leave_the_editions_assets(cli, svc, tmp_path):
    d = signed_dossier(svc, tmp_path / "b")
    issue = _released(cli, svc, tmp_path, d)
    assets = svc.home.path / "gazette" / issue / "html" / "assets"
    assert any(assets.iterdir())
    cli.json("withhold", d, "--reason", REASON, "--as", "editor")
    assert not assets.exists() or not any(assets.iterdir())
    assert not (svc.home.site / "assets").exists() or not any((svc.home.site / "assets").iterdir())


def test_an_issue_released_to_another_folder_is_revised_when_named(cli, svc, tmp_path):
    d = signed_dossier(svc, tmp_path / "b")
    title, number = _facts(svc, d)
    elsewhere = tmp_path / "elsewhere"
    issue = _released(cli, svc, tmp_path, d, out=elsewhere)
    assert _leaks(elsewhere / issue / "html", title, number)
    done = cli.json("withhold", d, "--reason", REASON, "--gazette-out", str(elsewhere), "--as", "editor")
    assert done["folders"] == [str(elsewhere / issue / "html")]
    assert _leaks(elsewhere / issue / "html", title, number) == []
    with svc.session() as s:                                # the print edition, the record, is as released
        row = s.get(GazetteIssueRow, issue)
        assert hashlib.sha256((elsewhere / issue / row.print_name).read_bytes()).hexdigest() == row.print_sha256


def test_withholding_needs_a_gazette_editor_or_registrar(cli, svc, tmp_path):
    d = signed_dossier(svc, tmp_path / "b")
    for who in ("drafter", "reviewer", "signer", "director"):
        refused = cli.json("withhold", d, "--reason", REASON, "--as", who, code=1)
        assert [p["code"] for p in refused["problems"]] == ["not_permitted"], who
    assert cli.json("register", "search", _facts(svc, d)[0])["entries"]


def test_a_second_withhold_is_invalid_state(cli, svc, tmp_path):
    d = signed_dossier(svc, tmp_path / "b")
    cli.json("withhold", d, "--reason", REASON, "--as", "editor")
    again = cli.json("withhold", d, "--reason", REASON, "--as", "editor", code=1)
    assert [p["code"] for p in again["problems"]] == ["invalid_state"]


def test_the_reason_is_a_sentence(cli, svc, tmp_path):
    d = signed_dossier(svc, tmp_path / "b")
    short = cli.json("withhold", d, "--reason", " 撤 回 公 开 理 由 短 ", "--as", "editor", code=1)
    assert [p["code"] for p in short["problems"]] == ["request_invalid"]
    assert cli("withhold", d, "--as", "editor").exit_code == 2          # no --reason at all


def test_a_dossier_not_published_cannot_be_withheld(cli, svc, tmp_path, sample_zip):
    from services.dossiers.intake import intake_bundle
    result = intake_bundle([sample_zip("complete", doc_number="根政办发〔2019〕77号")], "drafter", svc)
    refused = cli.json("withhold", result.dossier, "--reason", REASON, "--as", "editor", code=1)
    # The editor may not even see an unsigned dossier: answered as a missing one.
    assert [p["code"] for p in refused["problems"]] in (["not_found"], ["invalid_state"])
    with svc.session() as s:
        assert s.get(DossierRow, result.dossier).withheld_at is None


def test_the_desk_withholds_and_its_public_routes_answer_404(desk, svc, tmp_path, cli):
    d = signed_dossier(svc, tmp_path / "b")
    kept = signed_dossier(svc, tmp_path / "b")
    title, number = _facts(svc, d)
    issue = _released(cli, svc, tmp_path, d, kept)
    public = TestClient(desk, base_url="http://testserver")
    assert public.get(f"/site/policies/{d}.html").status_code == 200
    entry = cli.json("register", "search", title)["entries"][0]["registration_number"]
    assert public.get(f"/register/{entry}").status_code == 200

    drafter = sign_in(desk, "drafter")
    page = drafter.get(f"/desk/dossiers/{d}").text
    assert "撤回公开" not in page or f"/desk/dossiers/{d}/withhold" not in page
    editor = sign_in(desk, "editor")
    page = editor.get(f"/desk/dossiers/{d}")
    assert f"/desk/dossiers/{d}/withhold" in page.text
    from tests.desk.test_pages import CSRF
    token = CSRF.search(page.text).group(1)
    short = editor.post(f"/desk/dossiers/{d}/withhold", data={"csrf": token, "reason": "太短"})
    assert short.status_code == 400
    done = editor.post(f"/desk/dossiers/{d}/withhold", data={"csrf": token, "reason": REASON})
    assert done.status_code == 200 and "已撤回公开" in done.text and REASON in done.text

    missing = public.get("/site/policies/D2099-0001.html")
    for path in (f"/site/policies/{d}.html", f"/site/interpretations/{d}.html", f"/register/{entry}"):
        r = public.get(path)
        assert r.status_code == 404, path
        assert title not in r.text and number not in r.text
    assert public.get(f"/site/policies/{d}.html").text.count("网站上没有这一页") == missing.text.count("网站上没有这一页")
    for path in (f"/register?q={title}", f"/register?q={number}", "/register?status=all"):
        assert entry not in public.get(path).text, path              # (the search box echoes the query)
    for path in (f"/gazette/{issue}/web/index.html", f"/gazette/{issue}/web/feed.json",
                 f"/gazette/{issue}/web/items/{d}.html", f"/gazette/{issue}/web/interpretations/{d}.html"):
        r = public.get(path)
        assert title not in r.text and number not in r.text, path
    assert "该文件已撤回公开" in public.get(f"/gazette/{issue}/web/items/{d}.html").text
    assert _facts(svc, kept)[0] in public.get(f"/gazette/{issue}/web/index.html").text
    # The print edition (the record, unchanged) is not handed to the public while it carries it.
    with svc.session() as s:
        print_name = s.get(GazetteIssueRow, issue).print_name
    assert public.get(f"/gazette/{issue}/{print_name}").status_code == 404
    hits = editor.get("/desk/gazette/search", params={"number": number}).text
    assert title not in hits and f"/gazette/{issue}/web/items/{d}.html" not in hits
    # Registrars still see the entry, with the reason.
    manage = editor.get(f"/desk/register/{entry}")
    assert manage.status_code == 200 and "撤回公开" in manage.text and REASON in manage.text
    assert cli.json("audit", "verify")["ok"] is True


def test_the_api_withholds_and_then_answers_not_found_to_the_public(desk, home, svc, tmp_path, cli):
    d = signed_dossier(svc, tmp_path / "b")
    title, _ = _facts(svc, d)
    entry = cli.json("register", "search", title)["entries"][0]["registration_number"]
    api = TestClient(desk, base_url="http://testserver")

    def call(name: str, method: str, path: str, **kw):
        token = auth.issue_token(home.path, name)
        return api.request(method, f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"}, **kw)

    assert call("drafter", "GET", f"/register/{entry}").status_code == 200
    refused = call("drafter", "POST", f"/dossiers/{d}/withhold", json={"reason": REASON})
    assert refused.status_code == 403 and refused.json()["problems"][0]["code"] == "not_permitted"
    short = call("editor", "POST", f"/dossiers/{d}/withhold", json={"reason": "太短了"})
    assert short.status_code == 422 and short.json()["problems"][0]["code"] == "request_invalid"
    done = call("editor", "POST", f"/dossiers/{d}/withhold", json={"reason": REASON})
    assert done.status_code == 200, done.text
    assert done.json()["reason"] == REASON and done.json()["withheld_by"] == "editor"
    again = call("editor", "POST", f"/dossiers/{d}/withhold", json={"reason": REASON})
    assert again.status_code == 409 and again.json()["problems"][0]["code"] == "invalid_state"
    # The public (anyone but the registrar) no longer finds the entry; the registrar does, with the reason.
    assert call("drafter", "GET", f"/register/{entry}").status_code == 404
    assert entry not in call("drafter", "GET", "/register").text
    kept = call("editor", "GET", f"/register/{entry}").json()
    assert kept["withheld_reason"] == REASON
