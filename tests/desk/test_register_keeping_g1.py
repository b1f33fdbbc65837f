"""The register as registrars keep it (issue 15 item 6): 废止 asks for a reason and a confirmation on the
CLI and the desk; 报备日期 and 报备机关 are the registrar's, shown and exported; an amendment is dated by
the amending document's 施行日期; exports carry absolute links from the config; the registration number
counts in the year of registration."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from typer.testing import CliRunner

from services.register import life
from services.register.report import annual
from tests.desk.test_editor_pages import post
from tests.desk.test_pages import sign_in
from tests.storage.test_gazette_storage import gazetted, signed_dossier

UTC = dt.timezone.utc


FIXED = "本办法自2026年10月1日起施行。"   # before every day these tests act on (at), and valid through 2031


def in_force(svc, tmp_path, sentence: str = FIXED, **kw) -> str:
    """A document published and carried by a released gazette issue out on its 施行日期: in force
    (DESIGN.md rule 7) on the days these tests set, whatever day they run."""
    d = signed_dossier(svc, tmp_path / "a", sentence, **kw)
    gazetted(svc, tmp_path / "g", d)
    return d
SITE = "https://www.genhe.gov.cn/site"


def at(svc, day: dt.date) -> None:
    svc.now = lambda: dt.datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


def number_of(svc, dossier: str) -> str:
    return next(e.registration_number for e in life.list_entries(svc) if e.dossier == dossier)


@pytest.fixture
def entry(svc, tmp_path):
    at(svc, dt.date(2026, 11, 2))
    return number_of(svc, in_force(svc, tmp_path, title="根河市城市供热管理办法"))


def test_a_2019_document_registered_in_2026_gets_a_2026_number(svc, tmp_path):
    at(svc, dt.date(2026, 1, 5))
    d = signed_dossier(svc, tmp_path / "a", date_text="2019年8月5日")
    e = life.show(svc, number_of(svc, d))
    assert (e.registration_number, e.signed_date) == ("GHDR-2026-0001", dt.date(2019, 8, 5))
    assert "〔2019〕" in e.document_number


def test_repeal_on_the_cli_needs_a_reason_and_a_confirmation(cli, svc, entry, monkeypatch):
    assert cli("register", "repeal", entry, "--as", "editor").exit_code == 2                    # no --reason
    assert cli("register", "repeal", entry, "--reason", "  ", "--yes", "--as", "editor").exit_code == 2
    refused = cli.json("register", "repeal", entry, "--reason", "上位法已废止", "--as", "editor", code=1)
    assert refused["problems"][0]["code"] == "request_invalid" and "--yes" in refused["problems"][0]["message"]
    # At a terminal it asks; "n" refuses with the same code, "y" repeals.
    import cli.gazette_cmds as gazette_cmds
    from cli.main import app
    monkeypatch.setattr(gazette_cmds, "interactive", lambda: True)
    args = ["--home", str(cli.home), "register", "repeal", entry, "--reason", "上位法已废止", "--as", "editor"]
    no = CliRunner().invoke(app, args, input="n\n")
    assert no.exit_code == 1 and "确认废止" in no.output and "request_invalid" in no.output
    assert life.show(svc, entry).status == "in_force"
    yes = CliRunner().invoke(app, args, input="y\n")
    assert yes.exit_code == 0 and "已废止" in yes.stdout
    e = life.show(svc, entry)
    assert (e.status, e.repeal_reason) == ("repealed", "上位法已废止")


def test_repeal_on_the_desk_needs_a_reason_and_the_confirmation_box(desk, svc, entry):
    page = f"/desk/register/{entry}"
    registrar = sign_in(desk, "editor")
    html = registrar.get(page).text
    assert "我已核对，确认废止" in html and 'name="confirm"' in html
    r = post(registrar, f"{page}/repeal", {"reason": "已被新办法取代"}, page)                 # box not ticked
    assert r.status_code == 400 and "确认废止" in r.text and 'value="已被新办法取代"' in r.text
    r = post(registrar, f"{page}/repeal", {"confirm": "yes"}, page)                          # no reason
    assert r.status_code == 400 and "废止须写明理由" in r.text
    assert life.show(svc, entry).status == "in_force"
    r = post(registrar, f"{page}/repeal", {"reason": "已被新办法取代", "confirm": "yes"}, page)
    assert r.status_code == 200 and "已废止" in r.text
    assert life.show(svc, entry).status == "repealed"


def test_filing_records_the_registrars_date_and_organ_and_exports_them(cli, desk, svc, entry, tmp_path):
    base = ["register", "file", entry, "--number", "呼政备〔2026〕12号"]
    assert cli(*base, "--as", "editor").exit_code == 2                                         # no --reported-to
    for day in ("2099-01-01", "2026年10月1日"):                     # after today; before it was published
        p = cli.json(*base, "--reported-to", "呼伦贝尔市人民政府", "--reported-on", day, "--as", "editor", code=1)
        assert p["problems"][0]["code"] == "request_invalid"
    page = f"/desk/register/{entry}"
    registrar = sign_in(desk, "editor")
    assert 'name="reported_to"' in registrar.get(page).text
    r = post(registrar, f"{page}/file", {"filing_number": "呼政备〔2026〕12号"}, page)
    assert r.status_code == 400 and "报备机关" in r.text
    r = post(registrar, f"{page}/file", {"filing_number": "呼政备〔2026〕12号", "reported_to": "呼伦贝尔市人民政府",
                                         "reported_on": "2026-11-20"}, page)
    assert r.status_code == 200 and "已记录报备" in r.text and "呼伦贝尔市人民政府" in r.text and "2026-11-20" in r.text
    shown = cli.json("register", "show", entry)["entry"]
    assert (shown["reported_on"], shown["reported_to"], shown["filing_number"]) == (
        "2026-11-20", "呼伦贝尔市人民政府", "呼政备〔2026〕12号")
    assert "2026-11-20 报呼伦贝尔市人民政府备案" in cli("register", "show", entry).stdout
    again = cli.json(*base, "--reported-to", "呼伦贝尔市人民政府", "--as", "editor", code=1)
    assert again["problems"][0]["code"] == "invalid_state" and "2026-11-20" in again["problems"][0]["message"]
    out = tmp_path / "台帐.csv"
    cli.json("register", "export", "--format", "csv", "--out", out, "--base-url", SITE)
    row = next(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert (row["报备日期"], row["报备机关"], row["备案号"]) == ("2026-11-20", "呼伦贝尔市人民政府", "呼政备〔2026〕12号")


def test_an_amendment_is_dated_by_the_amending_documents_effective_date(svc, tmp_path):
    at(svc, dt.date(2026, 12, 7))
    old = number_of(svc, in_force(svc, tmp_path))
    new = number_of(svc, signed_dossier(svc, tmp_path / "b", "本办法自2027年3月1日起施行。"))
    e = life.amend(svc, old, new, "editor")
    assert e.status == "amended" and e.amended_on == {new: dt.date(2027, 3, 1)}
    assert e.status_changed_at.astimezone().date() == dt.date(2027, 3, 1)       # not 2026-12-07, the day recorded
    assert annual(svc, 2027).value("amended") == 1 and annual(svc, 2026).value("amended") == 0


def test_an_amendment_by_a_document_awaiting_its_gazette_is_dated_when_the_issue_fixes_its_date(svc, tmp_path):
    from services.gazette import issues as gazette
    at(svc, dt.date(2026, 12, 7))
    old = number_of(svc, in_force(svc, tmp_path))
    d = signed_dossier(svc, tmp_path / "b", government=True)            # names no 施行日期: 待施行
    new = number_of(svc, d)
    e = life.amend(svc, old, new, "editor")
    assert e.amended_on == {new: None} and e.status_changed_at.astimezone().date() == dt.date(2026, 12, 7)
    gazette.create_issue(svc, 2026, 1, "editor")
    gazette.add_items(svc, "2026-1", [d], "editor")
    gazette.release_issue(svc, "2026-1", tmp_path / "out", "editor", dt.date(2026, 12, 20))
    e = life.show(svc, old)
    assert e.amended_on == {new: dt.date(2026, 12, 20)}
    assert e.status_changed_at.astimezone().date() == dt.date(2026, 12, 20)


def test_exports_have_absolute_links_from_the_config(cli, desk, svc, entry, tmp_path):
    out = tmp_path / "台帐.csv"
    refused = cli.json("register", "export", "--format", "csv", "--out", out, code=1)   # the default "/site"
    assert refused["problems"][0]["code"] == "config_invalid" and "site_base_url" in refused["problems"][0]["message"]
    assert cli("register", "export", "--format", "csv", "--out", out, "--base-url", "/site").exit_code == 2
    config = cli.home / "lockstep.toml"
    config.write_text(f'site_base_url = "{SITE}"\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    dossier = life.show(svc, entry).dossier
    cli.json("register", "export", "--format", "csv", "--out", out)
    row = next(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert row["政策解读"] == f"{SITE}/interpretations/{dossier}.html"
    cli.json("register", "export", "--format", "json", "--out", tmp_path / "台帐.json")
    doc = json.loads((tmp_path / "台帐.json").read_text(encoding="utf-8"))
    assert doc["base_url"] == SITE and doc["entries"][0]["registration_number"] == entry
    assert doc["entries"][0]["interpretation_url"] == f"{SITE}/interpretations/{dossier}.html"
    assert doc["entries"][0]["policy_url"] == f"{SITE}/policies/{dossier}.html"
    from openpyxl import load_workbook
    registrar = sign_in(desk, "editor")
    book = load_workbook(io.BytesIO(registrar.get("/desk/register/export.xlsx").content)).active
    header = [c.value for c in book[1]]
    assert book.cell(2, header.index("政策解读") + 1).value == f"{SITE}/interpretations/{dossier}.html"
    r = registrar.get("/desk/register/export.json")
    assert r.status_code == 200 and r.json()["entries"][0]["interpretation_url"].startswith("https://")


# ---------------------------------------------------------------- 废止 dated by the repealing document (issue 15)

def _export_row(cli, tmp_path, number: str) -> dict:
    out = tmp_path / "台帐-废止.csv"
    cli.json("register", "export", "--format", "csv", "--out", out, "--base-url", SITE)
    return next(r for r in csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig")))
                if r["登记号"] == number)


def test_a_repeal_by_a_document_is_dated_by_its_effective_date_on_the_page_and_in_the_export(cli, desk, svc, tmp_path):
    from tests.desk.test_pages import client
    at(svc, dt.date(2026, 12, 7))
    old = number_of(svc, in_force(svc, tmp_path))
    new = number_of(svc, in_force(svc, tmp_path, "本办法自2026年12月1日起施行。"))
    plain = number_of(svc, in_force(svc, tmp_path))
    e = life.repeal(svc, old, "editor", by=new, reason="已被新办法取代")
    assert (e.status, e.repealed_on, e.repeal_pending, e.repeal_note) == ("repealed", dt.date(2026, 12, 1), False, None)
    assert e.status_changed_at.astimezone().date() == dt.date(2026, 12, 1)     # not 2026-12-07, the day recorded
    # No document named: the day it is recorded.
    assert life.repeal(svc, plain, "editor", reason="上位法已废止").repealed_on == dt.date(2026, 12, 7)
    page = client(desk).get(f"/register/{old}").text
    assert '<dd id="repealed-on">2026-12-01</dd>' in page and "已废止" in page
    row = _export_row(cli, tmp_path, old)
    assert (row["状态"], row["废止文件"], row["废止日期"]) == ("已废止", new, "2026-12-01")
    assert _export_row(cli, tmp_path, plain)["废止日期"] == "2026-12-07"
    assert "废止日期：2026-12-01" in cli("register", "show", old).stdout
    assert annual(svc, 2026).value("repealed") == 2


def test_a_repeal_by_a_document_taking_effect_later_leaves_the_entry_in_force_until_that_day(cli, desk, svc, tmp_path):
    from tests.desk.test_pages import client
    at(svc, dt.date(2026, 12, 7))
    d = in_force(svc, tmp_path)
    old = number_of(svc, d)
    later = signed_dossier(svc, tmp_path / "b", "本办法自2027年1月1日起施行。")     # 待施行
    gazetted(svc, tmp_path / "g", later, day=dt.date(2026, 12, 7))             # its issue out: it waits for its day
    new = number_of(svc, later)
    e = life.repeal(svc, old, "editor", by=new, reason="已被新办法取代")
    assert (e.status, e.repealed_by, e.repealed_on, e.repeal_pending) == ("in_force", new, dt.date(2027, 1, 1), True)
    assert e.repeal_note == "将于2027年1月1日废止"
    refused = cli.json("register", "repeal", old, "--reason", "再次废止", "--yes", "--as", "editor", code=1)
    assert refused["problems"][0]["code"] == "invalid_state" and new in refused["problems"][0]["message"]
    public = client(desk)
    page = public.get(f"/register/{old}").text
    assert "现行有效" in page and "将于2027年1月1日废止" in page and "此前继续有效" in page
    policy = public.get(f"/site/policies/{d}.html").text
    assert "本文件将于2027年1月1日被" in policy and "此前继续有效" in policy
    row = _export_row(cli, tmp_path, old)
    assert (row["状态"], row["废止日期"]) == ("现行有效（将于2027年1月1日废止）", "2027-01-01")
    assert annual(svc, 2026).value("repealed") == 0
    # The scheduled check on the day: the repealing document takes effect, and the repeal with it.
    assert life.take_effect_due(svc, dt.date(2026, 12, 31)) == [] and life.show(svc, old).status == "in_force"
    at(svc, dt.date(2027, 1, 1))
    assert [x.registration_number for x in life.take_effect_due(svc, dt.date(2027, 1, 1))] == [new]
    e = life.show(svc, old)
    assert (e.status, e.repealed_on, e.repeal_pending, e.repeal_note) == ("repealed", dt.date(2027, 1, 1), False, None)
    assert e.status_changed_at.astimezone().date() == dt.date(2027, 1, 1)
    assert annual(svc, 2027).value("repealed") == 1
    assert life.take_effect_due(svc, dt.date(2027, 1, 2)) == []                  # once


def test_a_repeal_by_a_document_awaiting_its_gazette_is_made_when_the_issue_dates_it(cli, svc, tmp_path):
    from services.gazette import issues as gazette
    at(svc, dt.date(2026, 12, 7))
    old = number_of(svc, in_force(svc, tmp_path))
    d = signed_dossier(svc, tmp_path / "b", government=True)            # names no 施行日期: 待定
    new = number_of(svc, d)
    r = cli("register", "repeal", old, "--by", new, "--reason", "已被新办法取代", "--yes", "--as", "editor")
    assert r.exit_code == 0 and "已记录废止" in r.stdout and "此前继续有效" in r.stdout, r.output
    e = life.show(svc, old)
    assert (e.status, e.repealed_on, e.repeal_pending) == ("in_force", None, True)
    assert e.repeal_note == f"将于 {new} 施行之日废止（施行日期待定）"
    assert "废止日期：待定" in cli("register", "show", old).stdout
    gazette.create_issue(svc, 2026, 1, "editor")
    gazette.add_items(svc, "2026-1", [d], "editor")
    at(svc, dt.date(2026, 12, 20))
    gazette.release_issue(svc, "2026-1", tmp_path / "out", "editor", dt.date(2026, 12, 20))
    e = life.show(svc, old)
    assert (e.status, e.repealed_on, e.repeal_pending) == ("repealed", dt.date(2026, 12, 20), False)
