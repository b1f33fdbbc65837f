"""施行 after 公报, tried as a busy clerk would: a document is never 现行有效 before the gazette issue
carrying it, never listed or exported as such, and a stated 施行日期 before the issue's date is
refused when the document is added to the issue, not only when the issue is released."""
from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import load_workbook

from publishing.register_pages import safe_name
from tests.desk.conftest import desk  # noqa: F401  (the real desk, every default person signed up)
from tests.desk.test_pages import client, csrf_of, sign_in
from tests.storage.test_gazette_storage import signed_dossier


def entry_of(cli, dossier: str) -> dict:
    return next(e for e in cli.json("register", "list")["entries"] if e["dossier"] == dossier)


def test_add_refuses_a_stated_effective_date_before_the_planned_issue_date_through_the_cli(cli, svc, tmp_path):
    early = signed_dossier(svc, tmp_path / "b", "本办法自2019年8月1日起施行。")
    cli.json("gazette", "issue", "new", "--year", "2019", "--number", "8", "--date", "2019-08-30", "--as", "editor")
    refused = cli.json("gazette", "issue", "add", "2019-8", early, "--as", "editor", code=1)
    assert [p["code"] for p in refused["problems"]] == ["effective_before_gazette"]
    assert "2019年8月1日" in refused["problems"][0]["message"]
    assert cli.json("gazette", "issue", "show", "2019-8")["issue"]["items"] == []


def test_add_refuses_a_stated_effective_date_before_the_planned_issue_date_on_the_desk(desk, svc, tmp_path):
    early = signed_dossier(svc, tmp_path / "b", "本办法自2019年8月1日起施行。")
    editor = sign_in(desk, "editor")
    editor.post("/desk/gazette/issues", data={"csrf": csrf_of(editor, "/desk/gazette"), "year": "2019",
                                              "number": "8", "planned": "2019-08-30"})
    page = "/desk/gazette/issues/2019-8"
    r = editor.post(f"{page}/add", data={"csrf": csrf_of(editor, page), "dossier": [early]})
    assert r.status_code == 409 and "effective_before_gazette" in r.text


def test_a_document_without_a_clause_is_never_refused_for_its_effective_date(cli, svc, tmp_path):
    d = signed_dossier(svc, tmp_path / "b")
    cli.json("gazette", "issue", "new", "--year", "2019", "--number", "8", "--date", "2019-08-06", "--as", "editor")
    cli.json("gazette", "issue", "add", "2019-8", d, "--as", "editor")
    done = cli.json("gazette", "issue", "release", "2019-8", "--out", tmp_path / "out", "--date", "2030-01-01",
                    "--as", "editor")
    assert done["issue"]["status"] == "released"
    assert entry_of(cli, d)["effective_date"] == "2030-01-01"       # the issue's date, never the sign-off day


def test_a_pending_document_is_never_in_force_in_pages_exports_lists_or_figures_before_its_day(cli, svc, desk,
                                                                                             tmp_path):
    d = signed_dossier(svc, tmp_path / "b")
    number = entry_of(cli, d)["registration_number"]

    def never_in_force(when: str) -> None:
        site = tmp_path / f"site-{when}"
        cli.json("register", "pages", "--out", site)
        index = (site / "index.html").read_text(encoding="utf-8")
        assert "其中现行有效 0 件" in index, when
        page = (site / "entries" / f"{safe_name(number)}.html").read_text(encoding="utf-8")
        assert "待施行" in page and "现行有效" not in page, when
        out = tmp_path / f"cleanup-{when}"
        assert cli.json("register", "cleanup", "--out", out)["cleanup"]["counts"]["in_force"] == 0
        assert number not in (out / "in_force.html").read_text(encoding="utf-8")
        target = tmp_path / f"{when}.csv"
        cli.json("register", "export", "--format", "csv", "--out", target, "--base-url", "https://www.genhe.gov.cn/site")
        [row] = list(csv.DictReader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
        assert (row["状态"], row["施行日期"] == "待定" or row["施行日期"] > dt.date.today().isoformat()) == \
            ("待施行", True)
        book = tmp_path / f"{when}.xlsx"
        cli.json("register", "export", "--format", "xlsx", "--out", book, "--base-url", "https://www.genhe.gov.cn/site")
        ws = load_workbook(book).active
        header = [c.value for c in ws[1]]
        assert ws.cell(2, header.index("状态") + 1).value == "待施行"
        assert cli.json("register", "list", "--status", "in_force")["entries"] == []
        if when == "signed":      # no 施行日期 yet (once dated, the year-end figure counts from that day)
            assert cli.json("report", "annual", str(dt.date.today().year))["table"]["in_force"] == 0
        public = client(desk)
        assert number not in public.get("/register").text                  # 现行有效 by default
        assert number in public.get("/register", params={"status": "pending"}).text
        shown = public.get(f"/register/{number}")
        assert shown.status_code == 200 and "待施行" in shown.text and "现行有效" not in shown.text

    never_in_force("signed")
    day = dt.date.today() + dt.timedelta(days=3)
    cli.json("gazette", "issue", "new", "--year", day.year, "--number", "1", "--as", "editor")
    cli.json("gazette", "issue", "add", f"{day.year}-1", d, "--as", "editor")
    cli.json("gazette", "issue", "release", f"{day.year}-1", "--out", tmp_path / "out", "--date", day.isoformat(),
             "--as", "editor")
    assert entry_of(cli, d)["effective_date"] == day.isoformat()
    never_in_force("released-for-a-later-day")
    assert cli.json("register", "expire", "--as", "editor")["took_effect"] == []     # today is not the day
    never_in_force("checked-today")
