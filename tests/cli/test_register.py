"""`lockstep register …` and `lockstep report annual`: Chinese text, --json, exit codes, files."""
from __future__ import annotations

import csv
import datetime as dt
import io

from tests.storage.test_gazette_storage import gazetted, in_force_dossier, mark_not_public, signed_dossier


def published(svc, tmp_path, n: int = 2) -> list[str]:
    ds = [in_force_dossier(svc, tmp_path) for _ in range(n)]        # gazetted, valid today (rule 7)
    with svc.session() as s:
        from publishing import register
        return [register.entry_for(s, d).registration_number for d in ds]


def test_show_amend_and_repeal_answer_in_json_and_chinese_with_exit_codes(cli, svc, tmp_path):
    old, new = published(svc, tmp_path)
    assert cli.json("register", "amend", old, "--by", new, "--as", "editor")["entry"]["status"] == "amended"
    shown = cli.json("register", "show", new)["entry"]
    assert (shown["amends"], shown["status"]) == ([old], "in_force")
    assert "被修改：" + new in cli("register", "show", old).stdout
    r = cli("register", "repeal", old, "--by", new, "--reason", "已被新办法取代", "--yes", "--as", "reviewer", "--json")
    assert r.exit_code == 1 and '"not_permitted"' in r.stdout
    assert cli.json("register", "repeal", old, "--by", new, "--reason", "已被新办法取代", "--yes",
                    "--as", "editor")["entry"]["repealed_by"] == new
    again = cli.json("register", "repeal", old, "--reason", "重复", "--yes", "--as", "editor", code=1)
    assert again["ok"] is False and again["problems"][0]["code"] == "invalid_state"
    assert cli.json("register", "show", "GHDR-1999-0001", code=1)["problems"][0]["code"] == "not_found"
    assert cli("register", "repeal", old, "--as", "editor").exit_code == 2      # no --reason
    assert "已废止" in cli("register", "list").stdout


def test_expire_marks_lapsed_entries_on_the_given_day(cli, svc, tmp_path):
    [n, _] = published(svc, tmp_path)
    until = cli.json("register", "show", n)["entry"]["valid_until"]
    day_after = (dt.date.fromisoformat(until) + dt.timedelta(days=1)).isoformat()
    assert cli.json("register", "expire", "--today", until, "--as", "editor")["expired"] == []
    expired = cli.json("register", "expire", "--today", day_after, "--as", "editor")["expired"]
    assert {e["status"] for e in expired} == {"expired"} and n in {e["registration_number"] for e in expired}
    assert "没有有效期已届满的文件" in cli("register", "expire", "--today", day_after, "--as", "editor").stdout


def test_the_csv_export_has_a_bom_and_a_chinese_header(cli, svc, tmp_path):
    numbers = published(svc, tmp_path)
    target = tmp_path / "台帐.csv"
    assert cli.json("register", "export", "--format", "csv", "--out", target, "--base-url", "https://www.genhe.gov.cn/site")["export"]["entries"] == 2
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["登记号"] for r in rows] == numbers and rows[0]["状态"] == "现行有效"


def test_the_xlsx_export_opens_with_openpyxl(cli, svc, tmp_path):
    from openpyxl import load_workbook
    numbers = published(svc, tmp_path)
    target = tmp_path / "台帐.xlsx"
    cli.json("register", "export", "--format", "xlsx", "--out", target, "--base-url", "https://www.genhe.gov.cn/site")
    ws = load_workbook(target).active
    header = [c.value for c in ws[1]]
    assert header[:3] == ["登记号", "文件名称", "发文字号"]
    assert [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)] == numbers
    assert cli("register", "export", "--format", "pdf", "--out", target).exit_code == 2


def test_the_public_page_lists_entries_in_force_with_per_entry_pages_and_no_hidden_ones(cli, svc, tmp_path):
    shown, hidden = published(svc, tmp_path)
    mark_not_public(svc, cli.json("register", "show", hidden)["entry"]["dossier"])
    site = tmp_path / "site"
    cli.json("register", "pages", "--out", site)
    index = (site / "index.html").read_text(encoding="utf-8")
    assert shown in index and hidden not in index and "现行有效" in index and 'id="status"' in index
    assert f'href="entries/{shown}.html"' in index
    entry = (site / "entries" / f"{shown}.html").read_text(encoding="utf-8")
    assert "施行日期" in entry and "现行有效" in entry
    assert not (site / "entries" / f"{hidden}.html").exists()


def test_cleanup_writes_the_lists_in_force_repealed_and_lapsed(cli, svc, tmp_path):
    keep, gone = published(svc, tmp_path)
    cli.json("register", "repeal", gone, "--reason", "清理后废止", "--yes", "--as", "editor")
    out = tmp_path / "cleanup"
    counts = cli.json("register", "cleanup", "--out", out)["cleanup"]["counts"]
    assert counts == {"in_force": 1, "repealed": 1, "expired": 0}
    in_force = (out / "in_force.html").read_text(encoding="utf-8")
    repealed = (out / "repealed.html").read_text(encoding="utf-8")
    assert "现行有效行政规范性文件目录" in in_force and "清理后废止" in repealed
    assert (out / "expired.html").exists()
    assert "现行有效 1 件" in cli("register", "cleanup", "--out", tmp_path / "again").stdout


def test_report_annual_prints_the_template_table(cli, svc, tmp_path):
    year = dt.datetime.now().year        # published now, by the services' clock
    for _ in range(2):                   # in force from 1 January of this year, its issue out that day (rule 7)
        gazetted(svc, tmp_path, signed_dossier(svc, tmp_path, "本通知自印发之日起施行。", date_text=f"{year}年1月1日"))
    table = cli.json("report", "annual", str(year))["table"]
    assert (table["made"], table["in_force"], table["graphic_share"]) == (2, 2, 100.0)
    text = cli("report", "annual", str(year)).stdout
    assert "本年制发件数：2件" in text and "现行有效件数" in text
    assert cli("report", "annual", "notayear").exit_code == 2
