"""The public site (issue 15, "the public side"): /site/, the policy pages, /gazette and its search,
the register, the consultation notice, and the one Chinese 404 page, all in the government's own
template. FastAPI's TestClient against create_app on a real initialised home; dossiers are taken in,
signed and published with the services (no Prefect), gazette issues released the same way."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient

from desk.app import create_app
from publishing.register_rules import valid_until
from storage.tables import DossierRow
from tests.storage.test_gazette_storage import in_force_dossier, signed_dossier

IN_FORCE = "本办法自2019年9月1日起施行。"
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
def life_of(svc, dossier: str):
    from services.register.life import show
    return show(svc, entry_of(svc, dossier))


def public(home) -> TestClient:
    return TestClient(create_app(home.path, "test-token"), base_url="http://testserver")


def entry_of(svc, dossier: str) -> str:
    with svc.unit() as uow:
        return uow.register.entry_for(dossier).registration_number


def released(svc, tmp_path, issue: str, *dossiers: str, day: str = "2019-08-30") -> str:
    from services.gazette.issues import add_items, create_issue
    from services.gazette.release import release_issue
    year, number = (int(x) for x in issue.split("-"))
    create_issue(svc, year, number, "editor")
    add_items(svc, issue, list(dossiers), "editor")
    release_issue(svc, issue, tmp_path / "gazette", "editor", dt.date.fromisoformat(day))
    return issue


def make_not_public(svc, dossier: str, how: str) -> None:
    with svc.unit() as uow:
        row = uow.dossiers.get(dossier)
        if how == "withheld":
            row.withheld_at, row.withheld_by, row.withheld_reason = NOW, "editor", "测试：撤回公开的理由写满十个字"
        else:
            row.disclosure = {"null": None, "not_public": "不予公开", "garbage": "公开属性：待定"}[how]


def unpublished(svc, tmp_path) -> str:
    """A dossier taken in and in review: never published."""
    import zipfile

    from services.dossiers.intake import intake_bundle
    from samples.genhe import bundle_files
    path = tmp_path / "draft.zip"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in bundle_files("complete", doc_number="根政办发〔2019〕77号",
                                       inner_title="根河市未发布的办法").items():
            z.writestr(name, data)
    result = intake_bundle([path], "drafter", svc)
    assert result.accepted, result.problems
    return result.dossier


# ---------------------------------------------------------------- /site/ and the policy page

def test_the_site_home_lists_published_policies_newest_first_with_number_dates_and_validity(svc, home, tmp_path):
    first = in_force_dossier(svc, tmp_path / "b", title="根河市甲项管理办法")      # gazetted, valid today
    second = signed_dossier(svc, tmp_path / "b", title="根河市乙项管理办法")       # names no date: 待施行
    r = public(home).get("/site/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    text = r.text
    assert text.index("根河市乙项管理办法") < text.index("根河市甲项管理办法")          # newest first
    rows = re.findall(r"<tr><td><a href=\"(/site/policies/[^\"]+)\">([^<]+)</a></td>(.*?)</tr>", text, re.S)
    by_title = {re.search(r"《(.+)》", title).group(1): (href, rest) for href, title, rest in rows}
    href, rest = by_title["根河市甲项管理办法"]
    assert href == f"/site/policies/{first}.html"
    assert "根政办发〔2019〕" in rest and life_of(svc, first).effective_date.isoformat() in rest and "现行有效" in rest
    assert "待施行" in by_title["根河市乙项管理办法"][1] and "待定" in by_title["根河市乙项管理办法"][1]
    assert NOW.astimezone().strftime("%Y") in rest or re.search(r"\d{4}-\d{2}-\d{2}", rest)   # 发布日期
    assert public(home).get("/site", follow_redirects=False).headers["location"] == "/site/"
    assert second


def test_a_policy_page_shows_effective_date_validity_and_links_the_document_that_amended_it(svc, home, tmp_path):
    from services.register.life import amend, repeal
    old = in_force_dossier(svc, tmp_path / "b", title="根河市丙项管理办法")
    new = in_force_dossier(svc, tmp_path / "b", title="根河市修改丙项管理办法的决定")
    c = public(home)
    page = c.get(f"/site/policies/{old}.html")
    assert page.status_code == 200
    facts = page.text[page.text.index('id="facts"'):page.text.index("</h1>")]
    effective = life_of(svc, old).effective_date
    until = valid_until(effective, "根河市丙项管理办法")
    for label, value in (("施行日期", effective.isoformat()), ("有效期至", until.isoformat()), ("有 效 性", "现行有效"),
                         ("发布机构", "根河市人民政府办公室"), ("文　　号", "根政办发〔2019〕")):
        assert re.search(f"{label}</div><div[^>]*>(<strong>)?(<a [^>]+>)?{re.escape(value)}", facts), (label, facts)
    assert 'id="changes"' not in page.text
    assert f'href="/site/interpretations/{old}.html"' in page.text         # 政策解读, linked
    assert "政务公开" in page.text and '<div class="doc">' in page.text     # the released text itself
    amend(svc, entry_of(svc, old), entry_of(svc, new), "editor")
    page = c.get(f"/site/policies/{old}.html").text
    assert re.search(r'id="validity"[^>]*><strong>已修改</strong>', page)
    changes = page[page.index('id="changes"'):]
    assert f'href="/site/policies/{new}.html"' in changes and "根河市修改丙项管理办法的决定" in changes
    assert f'href="/site/policies/{old}.html"' in c.get(f"/site/policies/{new}.html").text   # 本文件修改了
    # The amending document withheld: the amended page no longer names or links it.
    make_not_public(svc, new, "withheld")
    page = c.get(f"/site/policies/{old}.html").text
    assert "已修改" in page and new not in page and "根河市修改丙项管理办法的决定" not in page
    repeal(svc, entry_of(svc, old), "editor", reason="上位法已废止，本办法不再适用")
    page = c.get(f"/site/policies/{old}.html").text
    assert "<strong>已废止</strong>" in page and "上位法已废止" in page


def test_the_interpretation_page_and_pictures_are_served_in_the_public_template(svc, home, tmp_path):
    d = signed_dossier(svc, tmp_path / "b", IN_FORCE)
    c = public(home)
    r = c.get(f"/site/interpretations/{d}.html")
    assert r.status_code == 200 and "政策解读" in r.text and "根河市人民政府" in r.text
    assert f'href="../policies/{d}.html"' in r.text and 'class="masthead"' in r.text
    picture = re.search(r'<img src="\.\./(assets/[^"]+)"', r.text)
    if picture:
        assert c.get(f"/site/{picture.group(1)}").status_code == 200


# ---------------------------------------------------------------- the one 404 page

def test_withheld_unpublished_and_missing_documents_answer_the_same_404_byte_for_byte(svc, home, tmp_path):
    shown = signed_dossier(svc, tmp_path / "b", IN_FORCE)
    hidden = {how: signed_dossier(svc, tmp_path / "b", IN_FORCE) for how in ("withheld", "not_public", "null", "garbage")}
    numbers = {how: entry_of(svc, d) for how, d in hidden.items()}
    draft = unpublished(svc, tmp_path)
    for how, d in hidden.items():
        make_not_public(svc, d, how)
    c = public(home)
    assert c.get(f"/site/policies/{shown}.html").status_code == 200
    missing = c.get("/site/policies/D2019-9999.html")
    assert missing.status_code == 404 and "页面不存在" in missing.text
    reference = missing.content
    asked = [f"/site/policies/{draft}.html", f"/site/interpretations/{draft}.html",
             "/site/interpretations/D2019-9999.html", "/register/GHDR-2019-9999", "/gazette/2019-99/web/index.html",
             "/site/consultations/D2019-9999.html", "/no/such/page"]
    for d in hidden.values():
        asked += [f"/site/policies/{d}.html", f"/site/interpretations/{d}.html"]
    asked += [f"/register/{n}" for n in numbers.values()]
    for path in asked:
        r = c.get(path)
        assert (r.status_code, r.content) == (404, reference), path
        assert r.headers["content-type"].startswith("text/html")
    # The home and the register list leave them out as well.
    listing = c.get("/site/").text + c.get("/register?status=all").text
    assert all(d not in listing for d in hidden.values()) and draft not in listing
    assert all(n not in listing for n in numbers.values())


def test_unknown_public_addresses_answer_the_chinese_404_page_never_json(home):
    c = public(home)
    for path in ("/gazette/nothing", "/site/nothing/at/all", "/gazette/2019-8/x.pdf", "/robots"):
        r = c.get(path)
        assert r.status_code == 404 and "页面不存在" in r.text and "{" not in r.text.split("<style>")[0], path
        assert "not_found" not in r.text and "未能办理" not in r.text and "Lockstep" not in r.text
    r = c.post("/site/")
    assert r.status_code == 405 and "不支持的请求方式" in r.text and r.headers["allow"] == "GET"
    staff = c.get("/desk/no-such-page")                # staff pages keep their own problem page
    assert staff.status_code == 404 and "未能办理" in staff.text and "Lockstep 工作台" in staff.text
    api = c.get("/api/v1/no-such")
    assert api.status_code == 404 and api.json()["problems"][0]["code"] == "not_found"


# ---------------------------------------------------------------- branding

def test_public_pages_speak_as_the_government_from_the_config_with_no_staff_navigation(svc, home, tmp_path):
    d = signed_dossier(svc, tmp_path / "b", IN_FORCE)
    config = home.path / "lockstep.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('site_name = "根河市人民政府"',
                                                                  'site_name = "测试市人民政府"'), encoding="utf-8")
    c = public(home)
    number = entry_of(svc, d)
    for path in ("/site/", f"/site/policies/{d}.html", f"/site/interpretations/{d}.html", "/gazette",
                 "/gazette/search", "/register", f"/register/{number}", "/site/consultations", "/missing"):
        r = c.get(path)
        assert "测试市人民政府" in r.text and "Lockstep" not in r.text and "工作台" not in r.text, path
        assert r.text.count('href="/login"') == 1 and "工作人员登录" in r.text.split("<footer>")[1], path
        assert "/desk" not in r.text, path


# ---------------------------------------------------------------- the gazette

def test_the_gazette_lists_released_issues_by_year_each_linking_to_its_web_edition(svc, home, tmp_path):
    a = signed_dossier(svc, tmp_path / "b", IN_FORCE)
    b = signed_dossier(svc, tmp_path / "b", "本办法自2020年2月1日起施行。")
    hidden = signed_dossier(svc, tmp_path / "b", IN_FORCE)
    released(svc, tmp_path, "2019-8", a, hidden)
    released(svc, tmp_path, "2020-1", b, day="2020-01-15")
    from services.gazette.issues import create_issue
    create_issue(svc, 2020, 2, "editor")                              # a draft: not listed
    c = public(home)
    r = c.get("/gazette")
    assert r.status_code == 200
    assert r.text.index("2020年") < r.text.index("2019年")
    assert 'href="/gazette/2020-1/web/index.html">2020年第1期</a>' in r.text
    assert 'href="/gazette/2019-8/web/index.html">2019年第8期</a>' in r.text
    assert "2020年第2期" not in r.text and "2019年8月30日出版" in r.text and "刊登文件 2 件" in r.text
    assert c.get("/gazette/2020-1/web/index.html").status_code == 200
    # A document of 2019-8 made not public (not withheld): its edition is kept off, and the list says so.
    make_not_public(svc, hidden, "not_public")
    r = c.get("/gazette")
    assert "2019-8/web/index.html" not in r.text and "2019年第8期" in r.text and "暂无电子版" in r.text
    assert c.get("/gazette/2019-8/web/index.html").status_code == 404
    assert "2020-1/web/index.html" in c.get("/site/").text            # the home names the latest issues


def test_the_public_gazette_search_finds_by_words_and_number_marks_hits_and_names_issues(svc, home, tmp_path):
    shown = signed_dossier(svc, tmp_path / "b", IN_FORCE, title="根河市丁项管理办法")
    hidden = signed_dossier(svc, tmp_path / "b", IN_FORCE, title="根河市戊项管理办法")
    released(svc, tmp_path, "2019-8", shown, hidden)
    make_not_public(svc, hidden, "withheld")
    c = public(home)
    assert c.get("/gazette/search").status_code == 200 and "检索结果" not in c.get("/gazette/search").text
    r = c.get("/gazette/search", params={"text": "管理办法"})
    assert r.status_code == 200 and "检索结果（1 条）" in r.text
    assert "<mark>管理办法</mark>" in r.text and "2019年第8期" in r.text and "戊项" not in r.text
    assert f'href="/gazette/2019-8/web/items/{shown}.html"' in r.text
    with svc.unit() as uow:
        number = uow.dossiers.get(shown).doc_number
    r = c.get("/gazette/search", params={"number": number})
    assert "检索结果（1 条）" in r.text and f"<mark>{number}</mark>" in r.text
    assert "检索结果（0 条）" in c.get("/gazette/search", params={"text": "戊项管理"}).text
    bad = c.get("/gazette/search", params={"from": "2019-13-01"})
    assert bad.status_code == 400 and "日期" in bad.text and 'class="masthead"' in bad.text
    control = c.get("/gazette/search", params={"text": "管理\x00办法"})
    assert control.status_code == 400 and "Lockstep" not in control.text


# ---------------------------------------------------------------- the register, publicly

def test_the_public_register_is_in_the_site_template_and_links_the_full_text(svc, home, tmp_path):
    d = in_force_dossier(svc, tmp_path / "b", title="根河市己项管理办法")
    number = entry_of(svc, d)
    c = public(home)
    r = c.get("/register")
    assert r.status_code == 200 and "根河市己项管理办法" in r.text and 'class="masthead"' in r.text
    entry = c.get(f"/register/{number}")
    assert entry.status_code == 200 and f'href="/site/policies/{d}.html">查看全文' in entry.text
    assert "现行有效" in entry.text and f'href="/site/interpretations/{d}.html"' in entry.text


# ---------------------------------------------------------------- the consultation notice

def test_the_consultation_notice_the_cli_announces_resolves_on_the_desk(cli, svc, home, sample_zip):
    from services.dossiers.intake import intake_bundle
    result = intake_bundle([sample_zip(kind="重大行政决策", doc_number="根政发〔2019〕9号")], "drafter", svc)
    assert result.accepted, result.problems
    d = result.dossier
    opened = cli.json("consultation", "open", d, "--from", "2019-07-01", "--to", "2019-07-31", "--as", "drafter")
    assert opened["notice_url"] == f"/site/consultations/{d}.html"
    shown = cli("consultation", "show", d)
    assert f"网址：/site/consultations/{d}.html" in shown.stdout
    c = public(home)
    r = c.get(opened["notice_url"])
    assert r.status_code == 200 and "公开征求" in r.text and "2019年7月1日至2019年7月31日" in r.text
    assert 'class="masthead"' in r.text and "意见征集" in r.text
    listing = c.get("/site/consultations")
    assert listing.status_code == 200 and f'href="/site/consultations/{d}.html"' in listing.text
    cli.json("consultation", "comments", d, "--author", "王五", "--text", "增加图解", "--adopted", "采纳",
             "--as", "drafter")
    summary = cli.json("consultation", "summary", d, "--as", "drafter")
    assert summary["summary_url"] == f"/site/consultations/{d}-summary.html"
    r = c.get(summary["summary_url"])
    assert r.status_code == 200 and "采纳情况" in r.text and "增加图解" in r.text
    make_not_public(svc, d, "not_public")
    missing = c.get("/site/consultations/D2019-9999.html")
    assert missing.status_code == 404
    assert c.get(opened["notice_url"]).content == c.get(summary["summary_url"]).content == missing.content
    assert d not in c.get("/site/consultations").text
