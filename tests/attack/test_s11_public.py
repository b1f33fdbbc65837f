"""Session 11, brief P: what the public, gazette editors and registrars see, attacked as a stranger would.

One module world: a document whose title and text carry hostile markup (<script>, "><img onerror>, {{ }}),
a right-to-left override (U+202E) and a zero-width space, published with an ordinary one and released in a
gazette issue into the home's gazette folder. Every public surface is read through the desk (TestClient) and
on disk (the files a web server serves: HOME/site, HOME/gazette/ISSUE/html, the print edition).

Direction controls (documents/shown.py): "the one list of characters every output leaves out" — a title
ending "…的\u202e知通废止" reads otherwise than it is stored. The staff pages and notices already leave them
out; the released document's own text (site pages, gazette web edition), the gazette's feed.json and the
print edition (whose PDF LibreOffice draws reversed) did not.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from desk.app import create_app
from tests.storage.test_gazette_storage import gazetted, signed_dossier

DIRECTION = re.compile("[\u202a-\u202e\u2066-\u2069]")
EVIL = '根河市<script>alert(1)</script>"><img src=x onerror=alert(2)>{{7*7}}的\u202e知通废止\u200b办法'
SENTENCE = "本办法自2019年9月1日起施行。本文件\u2067第\u202e三条\u2069另有规定。"
PLAIN = "根河市公开攻击普通办法"
ISSUE = "2019-8"


@pytest.fixture(scope="module")
def world():
    from services.gazette.issues import add_items, create_issue
    from services.gazette.release import release_issue
    from services.home.context import open_services
    from tests.support.homes import scratch_home
    with scratch_home("lockstep-s11-public-") as (home, base):
        svc = open_services(home)
        evil = signed_dossier(svc, base / "b", SENTENCE, title=EVIL)
        plain = signed_dossier(svc, base / "b", "本办法自2019年9月1日起施行。", title=PLAIN)
        create_issue(svc, 2019, 8, "editor")
        add_items(svc, ISSUE, [evil, plain], "editor")
        released = release_issue(svc, ISSUE, home.path / "gazette", "editor", dt.date(2019, 8, 30))
        client = TestClient(create_app(home.path, "test-token"), base_url="http://testserver",
                            raise_server_exceptions=False)
        yield {"home": home, "svc": svc, "evil": evil, "plain": plain, "released": released, "client": client}


def _public_paths(w) -> dict[str, str]:
    with w["svc"].unit() as uow:
        number = uow.register.entry_for(w["evil"]).registration_number
    e = w["evil"]
    return {"site": "/site/", "policy": f"/site/policies/{e}.html", "interpretation": f"/site/interpretations/{e}.html",
            "register": "/register", "entry": f"/register/{number}", "gazette": "/gazette",
            "search": "/gazette/search?text=根河市", "web_index": f"/gazette/{ISSUE}/web/index.html",
            "web_item": f"/gazette/{ISSUE}/web/items/{e}.html",
            "web_interpretation": f"/gazette/{ISSUE}/web/interpretations/{e}.html"}


def _files(w) -> dict[str, Path]:
    home = w["home"].path
    return {str(p.relative_to(home)): p for root in (home / "site", home / "gazette" / ISSUE / "html")
            for p in sorted(root.rglob("*")) if p.suffix in (".html", ".json")}


# ---------------------------------------------------------------- hostile markup (held)

def test_hostile_markup_in_a_title_and_text_is_escaped_in_every_public_page_and_file(world):
    c = world["client"]
    for name, path in _public_paths(world).items():
        r = c.get(path)
        assert r.status_code == 200, (name, path, r.status_code)
        assert "<script>alert" not in r.text and "<img src=x" not in r.text, (name, path)
        if name in ("policy", "entry", "web_item"):
            assert "{{7*7}}" in r.text, (name, "the braces are shown as written, never evaluated")
    files = _files(world)
    assert any(k.endswith(".json") for k in files) and any(k.startswith("site/") for k in files)
    for rel, path in files.items():
        text = path.read_text(encoding="utf-8")
        if rel.endswith(".html"):
            assert "<script>alert" not in text and "<img src=x" not in text, rel
    feed = c.get(f"/gazette/{ISSUE}/web/feed.json")
    assert feed.headers["content-type"].startswith("application/json")     # never sniffed as a page
    assert feed.headers.get("x-content-type-options") == "nosniff"


# ---------------------------------------------------------------- direction controls (broke, fixed)

def test_direction_controls_leave_every_public_page_of_a_released_document(world):
    c = world["client"]
    for name, path in _public_paths(world).items():
        r = c.get(path)
        assert r.status_code == 200, (name, path)
        assert not DIRECTION.search(r.text), f"{name} ({path}) prints a direction control"


def test_direction_controls_leave_the_files_a_web_server_serves(world):
    for rel, path in _files(world).items():
        assert not DIRECTION.search(path.read_text(encoding="utf-8")), f"{rel} holds a direction control"
    feed = world["client"].get(f"/gazette/{ISSUE}/web/feed.json").text
    assert "知通废止" in feed and not DIRECTION.search(feed)


def test_direction_controls_leave_the_print_edition(world):
    released = world["released"]
    data = Path(released.print_path).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "知通废止" in xml and "第三条" in re.sub(r"<[^>]+>", "", xml)
    assert not DIRECTION.search(xml), "the print edition (and the PDF drawn from it) reorders the text"


# ---------------------------------------------------------------- hostile filters (held)

@pytest.mark.parametrize("query", ["_", "\\", "%%", "根河%", "_河市", "根%办法"])
def test_register_and_gazette_search_wildcards_match_only_themselves(world, query):
    c = world["client"]
    for path in (f"/register?status=all&q={query}", f"/gazette/search?text={query}"):
        r = c.get(path)
        assert r.status_code == 200, (path, r.status_code)
        assert PLAIN not in r.text, (path, "a LIKE wildcard matched every entry")


@pytest.mark.parametrize("path", ["/register?q=%00", "/register?q=a%01b", "/gazette/search?text=%00",
                                  "/gazette/search?from=2019-13-01", "/gazette/search?from=2019-09-01&to=2019-08-01"])
def test_hostile_filters_on_public_pages_are_a_coded_public_page_never_a_500(world, path):
    r = world["client"].get(path)
    assert r.status_code == 400, (path, r.status_code)
    assert "请求有误" in r.text or "日期" in r.text
    assert "Traceback" not in r.text


@pytest.mark.parametrize("path", ["/register/%00", "/register/" + "长" * 3000, "/register/GHDR-2026-0001%00",
                                  "/site/policies/%00.html", "/site/policies/%ed%a0%80.html",
                                  "/gazette/2019-8/web/items/%00", "/gazette/2019-8/web/..%2F..%2Flockstep.toml",
                                  "/gazette/%00/web/index.html", "/site/assets/..%2Flockstep.db"])
def test_hostile_names_answer_the_one_public_404(world, path):
    c = world["client"]
    missing = c.get("/site/policies/D2099-9999.html")
    r = c.get(path)
    assert r.status_code == 404, (path, r.status_code)
    assert r.text == missing.text


@pytest.mark.parametrize("href", ["java\u202escript:alert(1)", "\u2066javascript:alert(1)", "jav\u202aascript\u202c:alert(1)"])
def test_a_link_target_hiding_its_scheme_behind_direction_controls_is_judged_without_them(href):
    from publishing.web_release import clean_html
    out = clean_html(f'<p><a href="{href}">点此</a><img src="{href}"></p>')
    assert "script:" not in out.lower() and not DIRECTION.search(out)
    assert '<a href="#">点此</a>' in out


# ---------------------------------------------------------------- the register's status on the day (broke, not fixed)

def test_on_the_day_a_document_takes_effect_or_lapses_every_public_surface_says_so_before_the_daily_check(world):
    """Every surface shows the status as of today (register_rules.status_on; in SQL storage/register_status.py),
    not the stored one the daily check moves: found in session 11 (from midnight until that check, and for
    ever in a home whose check never runs, a document in force today read 待施行 and a lapsed one 现行有效)."""
    import sqlite3
    svc, c = world["svc"], world["client"]
    today = dt.date.today()
    yesterday = today - dt.timedelta(days=1)
    taking = signed_dossier(svc, world["home"].path.parent / "b", "本办法自2030年1月1日起施行。", title="根河市今日施行办法")
    lapsing = signed_dossier(svc, world["home"].path.parent / "b", "本办法自2019年9月1日起施行。", title="根河市今日失效办法")
    gazetted(svc, world["home"].path.parent / "g", taking, day=today)     # its issue out, its day to come
    gazetted(svc, world["home"].path.parent / "g", lapsing)
    with svc.unit() as uow:
        taking_no = uow.register.entry_for(taking).registration_number
        lapsing_no = uow.register.entry_for(lapsing).registration_number
    # time passes (as the clock would move it): 施行日期 yesterday; 有效期至 yesterday
    with sqlite3.connect(world["home"].path / "lockstep.db") as db:
        db.execute("UPDATE register_entries SET effective_date=? WHERE dossier_id=?", (yesterday.isoformat(), taking))
        db.execute("UPDATE register_entries SET valid_until=? WHERE dossier_id=?", (yesterday.isoformat(), lapsing))
    db.close()
    try:
        for path in (f"/register/{taking_no}", f"/site/policies/{taking}.html"):
            assert "待施行" not in c.get(path).text and "现行有效" in c.get(path).text, path
        for path in (f"/register/{lapsing_no}", f"/site/policies/{lapsing}.html"):
            assert "已失效" in c.get(path).text, path
        assert "根河市今日施行办法" in c.get("/register?status=current").text
        assert "根河市今日失效办法" in c.get("/register?status=expired").text
    finally:       # the module's world stays as the other tests expect it
        from services.dossiers.withhold import withhold
        for d in (taking, lapsing):
            withhold(svc, d, "测试：本条仅用于检验施行当日的公开状态", "editor")


def life_status(svc, number: str) -> str:
    from services.register.life import show
    return show(svc, number).status


def test_a_normative_document_is_not_in_force_on_the_public_register_before_its_gazette_issue(world):
    """公布前不得施行 (DESIGN.md rule 7): a 行政规范性文件 whose text names a 施行日期 already come is 待施行 at
    its web publication while its gazette issue is 待刊登 — not entered 现行有效 (found in session 11)."""
    svc, c = world["svc"], world["client"]
    d = signed_dossier(svc, world["home"].path.parent / "b", "本办法自2019年9月1日起施行。", title="根河市未刊登先施行办法")
    try:
        with svc.unit() as uow:
            entry = uow.register.entry_for(d)
            number, kind = entry.registration_number, uow.dossiers.get(d).kind
        assert kind == "行政规范性文件"
        page = c.get(f"/register/{number}").text
        assert "待刊登" in page                      # no released gazette issue carries it
        assert "现行有效" not in page, "in force before the gazette published it"
        assert "根河市未刊登先施行办法" not in c.get("/register?status=current").text
        # The daily check on the day its text names (or any later day) does not put it in force either.
        from services.register.life import take_effect_due
        assert number not in {x.registration_number for x in take_effect_due(svc, dt.date.today())}
        assert life_status(svc, number) == "pending"
    finally:
        from services.dossiers.withhold import withhold
        withhold(svc, d, "测试：本条仅用于检验公报刊登前的公开状态", "editor")


# ---------------------------------------------------------------- withheld documents named by others (broke, fixed)

def test_register_pages_and_exports_never_name_a_withheld_document_that_amended_or_repealed_another(world, tmp_path):
    """A amended by B, C repealed by D, then B and D withheld: the live site already leaves B's and D's numbers
    out (templates/site_register_entry.html.j2 keeps only public ones); `lockstep register pages`, the exports
    (CSV, JSON: `lockstep register export`, /desk/register/export.*) and the API's public list named them, linking
    to entry pages the withhold had removed."""
    import json

    from services.dossiers.withhold import withhold
    from services.register import outputs
    from services.register.life import amend, list_entries, repeal
    svc, c = world["svc"], world["client"]
    folder = world["home"].path.parent / "b"
    a, b, cc, d = (signed_dossier(svc, folder, f"本办法自2019年{m}月1日起施行。", title=f"根河市撤回链接{t}办法")
                   for m, t in ((9, "甲"), (10, "乙"), (9, "丙"), (10, "丁")))
    gazetted(svc, folder, a, b, cc, d)                  # in force: their issues are out (rule 7)
    with svc.unit() as uow:
        n = {x: uow.register.entry_for(x).registration_number for x in (a, b, cc, d)}
    amend(svc, n[a], n[b], "editor")
    repeal(svc, n[cc], "editor", by=n[d], reason="被新办法替代，予以废止")
    for x in (b, d):
        withhold(svc, x, "测试：该文件内容有误，撤回公开待更正", "editor")
    hidden = (n[b], n[d])
    try:
        for path in (f"/register/{n[a]}", f"/register/{n[cc]}", f"/site/policies/{a}.html", f"/site/policies/{cc}.html"):
            assert not any(h in c.get(path).text for h in hidden), path        # the live site (held)
        pages = tmp_path / "pages"
        outputs.site(svc, pages)
        for f in pages.rglob("*.html"):
            assert not any(h in f.read_text(encoding="utf-8") for h in hidden), f.name
        for fmt in ("csv", "json"):
            outputs.export(svc, fmt, tmp_path / f"x.{fmt}", "https://www.genhe.gov.cn/site")
            assert not any(h in (tmp_path / f"x.{fmt}").read_text(encoding="utf-8-sig") for h in hidden), fmt
        shown = {e.registration_number: e for e in list_entries(svc, public=True)}
        assert shown[n[a]].amended_by == [] and shown[n[cc]].repealed_by is None
        assert shown[n[cc]].status == "repealed"           # still says 已废止, without naming the withheld document
        assert not any(h in json.dumps(shown[n[a]].model_dump(mode="json")) for h in hidden)
        staff = {e.registration_number: e for e in list_entries(svc)}
        assert staff[n[a]].amended_by == [n[b]] and staff[n[cc]].repealed_by == n[d]     # registrars see the record
        from desk import auth                  # the JSON API, as a reader who is not a registrar
        api = TestClient(c.app, base_url="http://testserver",
                         headers={"Authorization": f"Bearer {auth.issue_token(world['home'].path, 'drafter')}"})
        for path in ("/api/v1/register", f"/api/v1/register/{n[a]}", f"/api/v1/register/{n[cc]}"):
            r = api.get(path)
            assert r.status_code == 200 and not any(h in r.text for h in hidden), path
    finally:
        for x in (a, cc):
            withhold(svc, x, "测试：本条仅用于检验撤回文件的链接", "editor")


# ---------------------------------------------------------------- the print edition after a withhold (broke, fixed)

def test_after_a_withhold_the_print_edition_leaves_the_public_folder_and_no_public_page_offers_it(world):
    """The desk keeps a released print edition carrying a withheld document from the public (it is the record,
    never revised: desk/pages_gazette.py answers 404). The copy the release wrote into HOME/gazette/ISSUE/ (0644,
    the folder a web server serves) stayed readable, and /gazette and the revised 目录 still linked to it. It
    stays byte for byte (tests/security/test_withhold.py), private (0600) as the database is."""
    from services.dossiers.withhold import withhold
    from services.gazette.issues import add_items, create_issue
    from services.gazette.release import release_issue
    svc, c = world["svc"], world["client"]
    folder = world["home"].path.parent / "b"
    kept, gone = (signed_dossier(svc, folder, "本办法自2019年10月1日起施行。", title=f"根河市印刷版{t}办法") for t in "甲乙")
    create_issue(svc, 2019, 9, "editor")
    add_items(svc, "2019-9", [kept, gone], "editor")
    released = release_issue(svc, "2019-9", world["home"].path / "gazette", "editor", dt.date(2019, 9, 30), pdf=False)
    printed = Path(released.print_path)
    assert printed.exists() and f'/gazette/2019-9/{printed.name}' in c.get("/gazette").text
    withhold(svc, gone, "测试：该文件内容有误，撤回公开待更正", "editor")
    issue_folder = world["home"].path / "gazette" / "2019-9"
    assert printed.read_bytes() and not printed.stat().st_mode & 0o077, \
        "the print edition carrying the withheld document is still readable in the public folder"
    assert hashlib.sha256(printed.read_bytes()).hexdigest() == released.print_sha256     # the record, as released
    assert (issue_folder / "html" / "index.html").exists()          # the revised web edition stays
    listing = c.get("/gazette").text
    assert "/gazette/2019-9/web/index.html" in listing and "/gazette/2019-9/公报" not in listing
    index = c.get("/gazette/2019-9/web/index.html").text
    assert printed.name not in index and "根河市印刷版甲办法" in index
    assert c.get(f"/gazette/2019-9/{printed.name}").status_code == 404
    assert svc.store.exists(released.print_sha256)                 # the record itself is kept


def test_a_print_pdf_made_after_the_withhold_is_not_put_in_the_public_folder(world, monkeypatch):
    """The release's PDF job may run after a withhold (the sweep, `print_pdf`): it made the PDF and placed it 0644
    beside the private docx, where a web server serves it."""
    from publishing import editions_pdf
    from services.dossiers.withhold import withhold
    from services.gazette.issues import add_items, create_issue
    from services.gazette.release import print_pdf, release_issue
    if not editions_pdf.soffice():
        pytest.skip("LibreOffice is not installed")
    monkeypatch.setenv("LOCKSTEP_PRINT_PDF", "on")         # the suite turns PDFs off where it does not check them
    svc, c = world["svc"], world["client"]
    folder = world["home"].path.parent / "b"
    kept, gone = (signed_dossier(svc, folder, "本办法自2019年11月1日起施行。", title=f"根河市后制PDF{t}办法") for t in "甲乙")
    create_issue(svc, 2019, 10, "editor")
    add_items(svc, "2019-10", [kept, gone], "editor")
    release_issue(svc, "2019-10", world["home"].path / "gazette", "editor", dt.date(2019, 10, 30), pdf=False)
    withhold(svc, gone, "测试：该文件内容有误，撤回公开待更正", "editor")
    made = print_pdf(svc, "2019-10")                       # the job the release left waiting
    assert made.pdf_note is None
    pdfs = list((world["home"].path / "gazette" / "2019-10").glob("*.pdf"))
    assert all(not p.stat().st_mode & 0o077 for p in pdfs), "a PDF of a print edition kept from the public is public"
    assert ".pdf" not in c.get("/gazette/2019-10/web/index.html").text
    assert "/gazette/2019-10/公报" not in c.get("/gazette").text


# ---------------------------------------------------------------- caching of what may be withheld (hardened)

def test_the_gazette_web_edition_and_site_pictures_are_revalidated_like_the_public_pages(world):
    """The site's pages answer Cache-Control: no-cache (a cache asks again, and a withheld page is gone at once);
    the gazette's electronic edition and the site's pictures answered with no caching word at all, so a shared
    cache in front of the desk was free to keep a page that a withhold has since replaced."""
    c, e = world["client"], world["evil"]
    picture = re.search(r'src="\.\./(assets/[0-9a-f]{64}\.\w+)"', c.get(f"/site/interpretations/{e}.html").text)
    assert picture, "the interpretation page shows its 图解"
    paths = [f"/gazette/{ISSUE}/web/index.html", f"/gazette/{ISSUE}/web/items/{e}.html",
             f"/gazette/{ISSUE}/web/feed.json", "/site/", f"/site/{picture.group(1)}",
             f"/gazette/{ISSUE}/web/{picture.group(1)}"]
    for path in paths:
        r = c.get(path)
        assert r.status_code == 200, path
        assert "no-cache" in r.headers.get("cache-control", "") or "no-store" in r.headers.get("cache-control", ""), path
