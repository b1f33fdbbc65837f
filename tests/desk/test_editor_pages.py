"""The gazette editors', registrars' and public register pages, and the operator's link (issue 5).

FastAPI's TestClient on a real initialised home. Published dossiers are made with the services
directly (tests/storage/test_gazette_storage.signed_dossier): no Prefect is needed here.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from urllib.parse import quote

import docx
import pytest

from desk.pages_operator import prefect_runs_url
from services.gazette import issues as gazette
from services.register.life import list_entries
from tests.desk.test_pages import client, csrf_of, sign_in
from tests.storage.test_gazette_storage import in_force_dossier, mark_not_public, signed_dossier

LATE = "本办法自2019年9月1日起施行。"


def number_of(svc, dossier: str) -> str:
    return next(e.registration_number for e in list_entries(svc) if e.dossier == dossier)


def mark_public_again(svc, dossier: str) -> None:
    from storage.tables import DossierRow
    with svc.session() as s:
        s.get(DossierRow, dossier).disclosure = "主动公开"


def post(c, path: str, data: dict, form_page: str):
    return c.post(path, data={"csrf": csrf_of(c, form_page), **data})


# ---------------------------------------------------------------- gazette editor

def test_an_editor_previews_a_draft_issue_in_both_editions_and_nothing_is_stored(desk, svc, tmp_path):
    government = signed_dossier(svc, tmp_path / "b", government=True, title="根河市森林草原防火管理办法")
    gazette.create_issue(svc, 2019, 9, "editor", planned=None)
    gazette.add_items(svc, "2019-9", [government], "editor")
    editor = sign_in(desk, "editor")
    page = editor.get("/desk/gazette/issues/2019-9")
    assert "预览电子版样稿" in page.text
    index = editor.get("/desk/gazette/issues/2019-9/preview/web/index.html")
    assert index.status_code == 200 and "森林草原防火管理办法" in index.text
    item = re.search(r'href="(items/[^"]+\.html)"', index.text).group(1)
    assert "森林草原防火管理办法" in editor.get(f"/desk/gazette/issues/2019-9/preview/web/{item}").text
    copy = editor.get("/desk/gazette/issues/2019-9/preview.docx")
    assert copy.status_code == 200 and quote("样稿-公报2019年第9期.docx") in copy.headers["content-disposition"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(copy.content)).paragraphs)
    assert "森林草原防火管理办法" in text
    view = gazette.show_issue(svc, "2019-9")
    assert view.status == "draft" and view.print_sha256 is None and view.web_sha256 is None
    assert sign_in(desk, "drafter").get("/desk/gazette/issues/2019-9/preview.docx").status_code == 403
    assert editor.get("/desk/gazette/issues/2019-9/preview/web/nothing.html").status_code == 404

def test_an_editor_opens_adds_is_refused_with_codes_releases_and_previews_both_editions(desk, svc, home, tmp_path):
    government = signed_dossier(svc, tmp_path / "b", government=True, title="根河市森林草原防火管理办法")
    late = signed_dossier(svc, tmp_path / "b", LATE)
    secret = signed_dossier(svc, tmp_path / "b")
    mark_not_public(svc, secret)
    editor = sign_in(desk, "editor")
    board = editor.get("/desk/gazette")
    assert board.status_code == 200 and "公报编辑" in board.text and "待刊稿件（3）" in board.text
    assert government in board.text and late in board.text

    r = post(editor, "/desk/gazette/issues", {"year": "2019", "number": "9", "total": "120",
                                               "planned": "2019-09-15"}, "/desk/gazette")
    assert r.status_code == 200 and r.url.path == "/desk/gazette/issues/2019-9"
    assert "公报2019年第9期（总第120期）" in r.text and "编排中" in r.text
    page = "/desk/gazette/issues/2019-9"

    # Refused together, each with its item and its reason in Chinese; nothing is added.
    r = editor.post(f"{page}/add", data={"csrf": csrf_of(editor, page), "dossier": [government, late, secret]})
    assert r.status_code == 409
    assert "effective_before_gazette" in r.text and "施行日期早于公报出版日期" in r.text
    assert f"卷宗 {late}" in r.text and "2019年9月1日" in r.text
    assert "not_public" in r.text and "不予公开，不能刊登" in r.text and f"卷宗 {secret}" in r.text
    assert gazette.show_issue(svc, "2019-9").items == []
    assert r.text.count("未能编入，原因见上") == 2 and r.text.count(" checked>") == 1     # the others stay ticked

    r = editor.post(f"{page}/add", data={"csrf": csrf_of(editor, page), "dossier": [government]})
    assert r.status_code == 200 and "稿件已编入本期" in r.text and "【本级政府行政规范性文件】" in r.text
    r = post(editor, f"{page}/release", {"date": "2019-09-15", "confirm": "yes"}, page)
    assert r.status_code == 200 and "已出版" in r.text and "印刷版目录" in r.text
    view = gazette.show_issue(svc, "2019-9")
    assert view.status == "released" and view.print_sha256 in r.text and view.web_sha256 in r.text
    assert (home.path / "gazette" / "2019-9" / "html" / "index.html").is_file()   # under the home
    assert view.print_sha256[:16] in editor.get("/desk/gazette").text             # released list

    # The electronic edition from the stored content, its pages linked to each other.
    index = editor.get("/gazette/2019-9/web/index.html")
    assert index.status_code == 200 and "森林草原防火管理办法" in index.text
    assert "script-src 'none'" in index.headers["content-security-policy"]
    for link in (f"items/{government}.html", f"interpretations/{government}.html"):
        assert link in index.text and editor.get(f"/gazette/2019-9/web/{link}").status_code == 200
    asset = re.search(r'src="\.\./(assets/[^"]+)"',
                      editor.get(f"/gazette/2019-9/web/interpretations/{government}.html").text).group(1)
    assert editor.get(f"/gazette/2019-9/web/{asset}").headers["content-type"] == "image/png"
    assert editor.get("/gazette/2019-9/web/../../lockstep.toml").status_code == 404
    assert editor.get("/gazette/2019-9/web/nothing.html").status_code == 404

    # The print edition: the link the electronic edition gives, the fingerprinted bytes, a docx.
    href = re.search(r'href="\.\./([^"]+\.docx)"', index.text).group(1)
    printed = client(desk).get(f"/gazette/2019-9/{href}")
    assert printed.status_code == 200 and "attachment" in printed.headers["content-disposition"]
    assert hashlib.sha256(printed.content).hexdigest() == view.print_sha256
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(printed.content)).paragraphs)
    assert "森林草原防火管理办法" in text

    # Marked 不予公开 after release: off public view, the issue's record kept for its editors.
    mark_not_public(svc, government)
    for path in ("web/index.html", f"web/items/{government}.html", "web/feed.json", href):
        assert client(desk).get(f"/gazette/2019-9/{path}").status_code == 404, path
    assert editor.get("/gazette/2019-9/web/index.html").status_code == 200
    mark_public_again(svc, government)

    found = editor.get("/desk/gazette/search", params={"text": "森林草原", "from": "2019-01-01"})
    assert found.status_code == 200 and "检索结果（1）" in found.text and f"items/{government}.html" in found.text
    assert "起始日期不能晚于截止日期" in editor.get("/desk/gazette/search",
                                            params={"from": "2019-12-01", "to": "2019-01-01"}).text


def test_an_issue_needs_whole_numbers_and_a_draft_issue_has_no_editions_yet(desk):
    editor = sign_in(desk, "editor")
    r = post(editor, "/desk/gazette/issues", {"year": "二〇一九", "number": "1"}, "/desk/gazette")
    assert r.status_code == 400 and "年份应为" in r.text
    r = post(editor, "/desk/gazette/issues", {"year": "2019", "number": "1"}, "/desk/gazette")
    assert r.url.path == "/desk/gazette/issues/2019-1"
    again = post(editor, "/desk/gazette/issues", {"year": "2019", "number": "1"}, "/desk/gazette")
    assert again.status_code == 409 and "invalid_state" in again.text
    assert editor.get("/gazette/2019-1/web/index.html").status_code == 404
    r = post(editor, "/desk/gazette/issues/2019-1/add", {}, "/desk/gazette/issues/2019-1")
    assert r.status_code == 400 and "请先勾选" in r.text


def test_a_person_without_the_role_gets_403_not_permitted(desk):
    drafter = sign_in(desk, "drafter")
    assert "公报编辑" not in drafter.get("/desk").text and "台帐管理" not in drafter.get("/desk").text
    for path in ("/desk/gazette", "/desk/gazette/search", "/desk/gazette/issues/2019-1",
                 "/desk/register", "/desk/register/export.csv", "/desk/register/GHDR-2019-0001"):
        r = drafter.get(path)
        assert r.status_code == 403 and "not_permitted" in r.text, path
    r = drafter.post("/desk/gazette/issues", data={"csrf": csrf_of(drafter), "year": "2019", "number": "1"})
    assert r.status_code == 403
    r = drafter.post("/desk/register/GHDR-2019-0001/repeal", data={"csrf": csrf_of(drafter), "reason": "x"})
    assert r.status_code == 403
    assert client(desk).get("/desk/gazette").url.path == "/login"
    assert "公报编辑" in sign_in(desk, "editor").get("/desk").text


# ---------------------------------------------------------------- public register and registrars

def test_the_public_register_finds_a_chinese_substring_and_never_shows_a_not_public_dossier(desk, svc, tmp_path):
    # in force: carried by a released gazette issue, valid today (naming no 施行日期, it would be 待施行)
    shown = in_force_dossier(svc, tmp_path / "b", title="根河市城市供热管理办法")
    hidden = in_force_dossier(svc, tmp_path / "b", title="根河市内部保密工作规则")
    numbers = number_of(svc, shown), number_of(svc, hidden)
    mark_not_public(svc, hidden)
    public = client(desk)
    r = public.get("/register", params={"q": "供热"})
    assert r.status_code == 200 and numbers[0] in r.text and "城市供热" in r.text
    for params in ({}, {"status": "all"}, {"q": "保密工作"}, {"q": "根河市", "status": "all"}):
        r = public.get("/register", params=params)
        assert r.status_code == 200 and numbers[1] not in r.text and "内部保密工作规则" not in r.text, params
    assert public.get(f"/register/{numbers[0]}").status_code == 200
    r = public.get(f"/register/{numbers[1]}")
    assert r.status_code == 404 and "保密" not in r.text


def test_a_registrar_files_and_repeals_an_entry_and_the_public_page_shows_it_repealed(desk, svc, tmp_path):
    d = in_force_dossier(svc, tmp_path / "b", title="根河市城市供热管理办法")
    number = number_of(svc, d)
    registrar = sign_in(desk, "editor")                   # the default editor is the registrar too
    page = f"/desk/register/{number}"
    assert "台帐管理" in registrar.get("/desk").text and number in registrar.get("/desk/register").text
    r = registrar.post(f"{page}/repeal", data={"reason": "已被新办法取代"})
    assert r.status_code == 403 and "校验码" in r.text                    # CSRF
    r = post(registrar, f"{page}/repeal", {}, page)
    assert r.status_code == 400 and "废止理由" in r.text
    r = post(registrar, f"{page}/file", {"filing_number": "呼政备〔2019〕12号", "reported_to": "呼伦贝尔市人民政府"}, page)
    assert r.status_code == 200 and "已记录报备" in r.text and "呼政备〔2019〕12号" in r.text
    r = post(registrar, f"{page}/repeal", {"reason": "已被新办法取代", "confirm": "yes"}, page)
    assert r.status_code == 200 and "已废止" in r.text
    again = post(registrar, f"{page}/repeal", {"reason": "再废止一次", "confirm": "yes"}, page)
    assert again.status_code == 409

    public = client(desk)
    r = public.get(f"/register/{number}")
    assert r.status_code == 200 and "已废止" in r.text and "已被新办法取代" in r.text
    assert number not in public.get("/register").text                     # 现行有效 by default
    assert number in public.get("/register", params={"status": "repealed"}).text

    exported = registrar.get("/desk/register/export.csv")
    assert exported.status_code == 200 and exported.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][0] == "登记号" and rows[1][0] == number and "已废止" in rows[1]
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(registrar.get("/desk/register/export.xlsx").content))
    assert book.active.cell(2, 1).value == number


# ---------------------------------------------------------------- operators

def test_the_prefect_ui_link_follows_prefect_api_url():
    assert prefect_runs_url({}) is None
    assert prefect_runs_url({"PREFECT_API_URL": "http://10.0.0.5:4200/api"}) == "http://10.0.0.5:4200/runs"
    assert prefect_runs_url({"PREFECT_API_URL": "https://prefect.example.gov.cn/api/"}) == \
        "https://prefect.example.gov.cn/runs"
    assert prefect_runs_url({"PREFECT_API_URL": "javascript:alert(1)//api"}) is None
    assert prefect_runs_url({"PREFECT_API_URL": "http://a:4200/api",
                             "PREFECT_UI_URL": "http://ui.example:8080"}) == "http://ui.example:8080/runs"


@pytest.mark.parametrize("url", [None, "http://127.0.0.1:4200/api"])
def test_the_desk_home_links_the_flow_runs_only_when_a_prefect_server_is_named(desk, monkeypatch, url):
    monkeypatch.delenv("PREFECT_UI_URL", raising=False)
    if url:
        monkeypatch.setenv("PREFECT_API_URL", url)
    else:
        monkeypatch.delenv("PREFECT_API_URL", raising=False)
    text = sign_in(desk, "drafter").get("/desk").text
    assert ("运行状态" in text and 'href="http://127.0.0.1:4200/runs"' in text) is bool(url)
    assert ("运行状态" in text) is bool(url)


def test_an_editor_adds_and_removes_a_correction_notice_on_a_draft_issue_and_release_prints_it(desk, svc, home,
                                                                                             tmp_path):
    wrong = signed_dossier(svc, tmp_path / "b", title="根河市驯鹿养殖补贴管理办法")
    gazette.create_issue(svc, 2019, 8, "editor")
    gazette.add_items(svc, "2019-8", [wrong], "editor")
    gazette.release_issue(svc, "2019-8", home.path / "gazette", "editor")
    gazette.create_issue(svc, 2019, 9, "editor")
    editor = sign_in(desk, "editor")
    page = "/desk/gazette/issues/2019-9"
    form = editor.get(page)
    assert "刊登更正启事" in form.text and '<option value="2019-8">' in form.text

    r = post(editor, f"{page}/corrections", {"corrects": "2019-8", "dossier": wrong, "text": "   "}, page)
    assert r.status_code == 400 and "request_invalid" in r.text and "更正内容不能为空" in r.text
    r = post(editor, f"{page}/corrections", {"corrects": "2019-8", "dossier": "D1999-0001", "text": "有误。"}, page)
    assert r.status_code == 404 and "有误。" in r.text                  # the text is kept for another try
    assert sign_in(desk, "drafter").post(f"{page}/corrections", data={"corrects": "2019-8"}).status_code == 403

    r = post(editor, f"{page}/corrections", {"corrects": "2019-8", "dossier": "", "text": "第一次。"}, page)
    assert r.status_code == 200 and "更正启事已编入本期" in r.text
    first = gazette.show_issue(svc, "2019-9").corrections[0].notice
    r = post(editor, f"{page}/corrections/{first}/remove", {}, page)
    assert r.status_code == 200 and "更正启事已撤下" in r.text and gazette.show_issue(svc, "2019-9").corrections == []
    r = post(editor, f"{page}/corrections",
             {"corrects": "2019-8", "dossier": wrong, "text": "第三条“三十日”应为“二十日”。\n特此更正。"}, page)
    notice = gazette.show_issue(svc, "2019-9").corrections[0]
    assert notice.title in r.text and "撤下" in r.text

    preview = editor.get(f"{page}/preview/web/index.html")
    assert preview.status_code == 200 and notice.title in preview.text
    assert "“三十日”应为“二十日”" in editor.get(f"{page}/preview/web/corrections/{notice.notice}.html").text
    copy = docx.Document(io.BytesIO(editor.get(f"{page}/preview.docx").content))
    assert "特此更正。" in [p.text for p in copy.paragraphs]

    r = post(editor, f"{page}/release", {"date": "2019-09-30", "confirm": "yes"}, page)
    assert r.status_code == 200 and "已出版" in r.text and notice.title in r.text     # 印刷版目录 too
    assert f"corrections/{notice.notice}/remove" not in r.text
    web = editor.get(f"/gazette/2019-9/web/corrections/{notice.notice}.html")
    assert web.status_code == 200 and "特此更正。" in web.text
    link = re.search(r'id="corrected-link">原文：<a href="([^"]+)"', web.text).group(1)
    assert editor.get(f"/gazette/2019-9/web/corrections/{link}").status_code == 200  # the corrected item
    corrected = editor.get("/desk/gazette/issues/2019-8")
    assert "本期的更正" in corrected.text and notice.title in corrected.text
    found = editor.get("/desk/gazette/search", params={"text": "应为“二十日”"}).text
    assert "更正 <a href=\"/desk/gazette/issues/2019-8\">2019-8</a> 期" in found
    found = editor.get("/desk/gazette/search", params={"text": "驯鹿养殖补贴"}).text
    assert "已由 <a href=\"/desk/gazette/issues/2019-9\">2019-9</a> 期更正启事更正" in found
