"""The annual report's table (国办公开办函〔2021〕30号 表二, 第二十条第（一）项, and the interpretation
figures) against figures computed by hand, on a home built through the services over 2018–2020:
documents amended, repealed, lapsed at the end of their validity, one not yet in force at a year's
end, a 规章, a 政策性文件 that is in neither row, one without a graphic interpretation. The workbook
is read back with openpyxl (values, merged ranges, fonts); the command writes the same figures."""
from __future__ import annotations

import datetime as dt
import json
import zipfile

import pytest

from documents.problems import Refused
from publishing.annual_table import as_json, grid
from publishing.annual_xlsx import to_xlsx
from samples.genhe import GRAPHIC_NAME, bundle_files
from services.register import life
from services.register.report import annual, annual_table
from tests.storage.test_gazette_storage import _with_sentence, gazetted

UTC = dt.timezone.utc
ON_SIGNING = "本通知自印发之日起施行。"      # 施行日期 = 成文日期: in force once an issue out that day carries it
GOV, OFFICE, DEPT = "根河市人民政府", "根河市人民政府办公室", "根河市政务服务局"
CODES = {GOV: "根政发", OFFICE: "根政办发", DEPT: "根政务服发"}
RULES_PIPELINE = """
[[pipelines]]
kind = "政府规章"
normative = true
stages = [
  { id = "unit_check", name = "起草单位审核", roles = ["unit_head"], same_unit = true },
  { id = "legality", name = "合法性审核", roles = ["legal_reviewer"] },
  { id = "deliberation", name = "集体审议", roles = ["deliberation_secretary"], after = ["legality"] },
]
"""
APPROVER = {"unit_check": "director", "legality": "reviewer", "deliberation": "secretary", "kind_check": "reviewer"}


def at(svc, day: dt.date) -> None:
    svc.now = lambda: dt.datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


def published(svc, folder, day: dt.date, signed: dt.date, title: str, *, n: int, organ: str = OFFICE,
              kind: str = "行政规范性文件", sentence: str = ON_SIGNING, graphic: bool = True,
              gazette_on: dt.date | None = None) -> str:
    """Taken in, approved, signed and published on `day` through the services, and a normative kind carried
    by a gazette issue out on its 施行日期 (or `gazette_on`): in force from then (rule 7); its registration number."""
    from services.dossiers.intake import intake_bundle
    from services.publication.publish import publish
    from services.review.actions import record_decision, record_sign_off
    at(svc, day)
    files = bundle_files("complete", doc_number=f"{CODES[organ]}〔{signed.year}〕{n}号", organ=organ,
                         date_text=f"{signed.year}年{signed.month}月{signed.day}日", inner_title=title, kind=kind)
    policy = next(k for k in files if k.startswith(CODES[organ]))
    files[policy] = _with_sentence(files[policy], sentence)
    manifest = json.loads(files.pop("bundle.json"))
    if not graphic:
        del files[GRAPHIC_NAME]
        del manifest["files"][GRAPHIC_NAME]
    files["bundle.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    path = folder / f"bundle-{n}.zip"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    result = intake_bundle([path], "drafter", svc)
    assert result.accepted, result.problems
    d = result.dossier
    for stage in svc.config.pipeline(kind).stages:
        if stage.when == "always":
            record_decision(svc, d, stage.id, "approve", "同意", APPROVER[stage.id])
    record_sign_off(svc, d, "signer")
    assert publish(svc, d).published
    if svc.config.pipeline(kind).normative:
        gazetted(svc, folder / "gazette", d, day=gazette_on)
    return next(e.registration_number for e in life.list_entries(svc) if e.dossier == d)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The history, in order. Every document takes effect on its 成文日期 (自印发之日起施行) unless said."""
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    root = tmp_path_factory.mktemp("annual")
    home = Home(root / "home")
    initialise(home)
    config = home.path / "lockstep.toml"
    config.write_text(config.read_text(encoding="utf-8") + RULES_PIPELINE, encoding="utf-8")
    svc = open_services(home)
    d = dt.date
    n = {}
    # 2018
    n["A"] = published(svc, root, d(2018, 3, 1), d(2018, 2, 26), "根河市政务公开暂行办法", n=1, organ=DEPT)
    #   A: 暂行 → valid two years: 2018-02-26 … 2020-02-25, lapses 2020-02-26 (失效 in 2020).
    n["B"] = published(svc, root, d(2018, 6, 1), d(2018, 5, 28), "根河市第一号政务公开办法", n=2)
    #   B: valid to 2023-05-27; repealed by D on 2019-07-01.
    # 2019
    n["C"] = published(svc, root, d(2019, 3, 1), d(2019, 2, 26), "根河市第二号政务公开办法", n=3)
    n["D"] = published(svc, root, d(2019, 3, 1), d(2019, 2, 27), "根河市第三号政务公开办法", n=4, organ=GOV)
    n["E"] = published(svc, root, d(2019, 5, 6), d(2019, 4, 30), "根河市第四号政务公开办法", n=5, graphic=False)
    n["F"] = published(svc, root, d(2019, 6, 3), d(2019, 5, 30), "根河市政务公开工作安排", n=6,
                       kind="政策性文件")
    at(svc, d(2019, 7, 1))
    life.amend(svc, n["C"], n["D"], "editor")                 # C amended by D: still in force, as amended
    life.repeal(svc, n["B"], "editor", by=n["D"])              # B repealed 2019-07-01
    n["G"] = published(svc, root, d(2019, 12, 20), d(2019, 12, 16), "根河市第五号政务公开办法", n=7,
                       sentence="本办法自2020年2月1日起施行。", gazette_on=d(2019, 12, 20))
    #   G: registered 2019-12-20, 施行 2020-02-01: not in force at the end of 2019.
    # 2020
    at(svc, d(2020, 2, 10))
    life.repeal(svc, n["C"], "editor", reason="政务公开制度清理，已被新办法取代")   # C repealed 2020-02-10
    at(svc, d(2020, 3, 1))
    life.expire_due(svc, d(2020, 3, 1))                        # A lapsed 2020-02-26 (its status follows)
    n["R"] = published(svc, root, d(2020, 5, 6), d(2020, 4, 28), "根河市政务公开规定", n=8, organ=GOV,
                       kind="政府规章")
    return {"svc": svc, "n": n, "home": home.path}


def test_2019_figures_are_the_hand_computed_ones(built):
    t = annual_table(built["svc"], 2019)
    normative = t.row("行政规范性文件")
    # 本年制发 2019: C, D, E, G (F is a 政策性文件, in neither row)                        = 4
    # 本年废止 2019: B (repealed 2019-07-01)                                               = 1
    # 现行有效 at 2019-12-31: A (to 2020-02-25), C (amended, in force), D, E               = 4
    #   not B (repealed), not G (施行 2020-02-01), not F (not normative)
    assert (normative.made, normative.repealed, normative.in_force) == (4, 1, 4)
    # No 规章 yet (R comes in 2020), but one is registered, so no "no 规章 recorded" note.
    assert (t.row("规章").made, t.row("规章").repealed, t.row("规章").in_force) == (0, 0, 0)
    i = t.interpretation
    # Made in 2019 (both rows): C, D, E, G = 4; all four carry an interpretation material = 4 (100.0%);
    # E was published without its 一图读懂: graphic 3 (75.0%); each interpretation page is released
    # with its policy by the publication: same day 4 (100.0%).
    assert (i.made, i.interpreted, i.interpreted_share, i.graphic, i.graphic_share, i.same_day,
            i.same_day_share) == (4, 4, 100.0, 3, 75.0, 4, 100.0)
    assert any("1 件非规范性文件" in note for note in t.notes)            # F


def test_2020_figures_are_the_hand_computed_ones(built):
    t = annual_table(built["svc"], 2020)
    normative, rules_row = t.row("行政规范性文件"), t.row("规章")
    # 本年制发 2020: none of the normative documents (R is a 规章)                         = 0
    # 本年废止 2020: C (repealed 2020-02-10); A lapsed (失效), which is not 废止            = 1
    # 现行有效 at 2020-12-31: D, E, G (施行 2020-02-01); not A (lapsed), B, C (repealed)  = 3
    assert (normative.made, normative.repealed, normative.in_force, normative.expired) == (0, 1, 3, 1)
    # 规章: R made 2020-05-06, in force since its 成文日期 2020-04-28                       = 1 / 0 / 1
    assert (rules_row.made, rules_row.repealed, rules_row.in_force) == (1, 0, 1)
    i = t.interpretation
    assert (i.made, i.interpreted, i.graphic, i.same_day, i.graphic_share) == (1, 1, 1, 1, 100.0)
    assert any("失效的行政规范性文件 1 件" in note for note in t.notes)


def test_one_unit_counts_the_documents_it_issued(built):
    svc = built["svc"]
    # 政务服务局 issued only A (2018, lapsed 2020-02-26): 2019 made 0, in force at the end 1; 2020 in force 0.
    y2019, y2020 = annual_table(svc, 2019, "政务服务局"), annual_table(svc, 2020, "根河市政务服务局")
    assert y2019.unit == y2020.unit == DEPT
    assert [(r.made, r.repealed, r.in_force) for r in y2019.rows] == [(0, 0, 0), (0, 0, 1)]
    assert [(r.made, r.repealed, r.in_force) for r in y2020.rows] == [(0, 0, 0), (0, 0, 0)]
    assert any("没有登记规章" in note for note in y2019.notes)
    # 市人民政府 issued D (2019) and R (规章, 2020).
    gov = annual_table(svc, 2020, GOV)
    assert [(r.category, r.made, r.in_force) for r in gov.rows] == [("规章", 1, 1), ("行政规范性文件", 0, 1)]
    with pytest.raises(Refused) as r:
        annual_table(svc, 2020, "不存在局")
    assert r.value.problems[0].code == "not_found"


def test_the_table_agrees_with_the_register_figures(built):
    """`report annual` (every entry, 政策性文件 included) and the table differ by F only."""
    svc = built["svc"]
    figures, t = annual(svc, 2019), annual_table(svc, 2019)
    assert figures.value("made") == sum(r.made for r in t.rows) + 1
    assert figures.value("repealed") == sum(r.repealed for r in t.rows)


def test_the_workbook_is_laid_out_like_the_official_table(built, tmp_path):
    from openpyxl import load_workbook
    t = annual_table(built["svc"], 2019)
    path = tmp_path / "t.xlsx"
    path.write_bytes(to_xlsx(t))
    ws = load_workbook(path).active
    values = [[c.value for c in row] for row in ws.iter_rows(max_col=4)]
    assert values[2][0] == "二、主动公开政府信息情况"
    assert values[3][0] == "第二十条第（一）项"
    assert values[4] == ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
    assert values[5] == ["规章", 0, 0, 0]
    assert values[6] == ["行政规范性文件", 4, 1, 4]
    assert [v[0] for v in values[7:16]] == ["第二十条第（五）项", "信息内容", "行政许可", "第二十条第（六）项",
                                             "信息内容", "行政处罚", "行政强制", "第二十条第（八）项", "信息内容"]
    assert values[8][1] == "本年处理决定数量" and values[15][1] == "本年收费金额（单位：万元）"
    assert values[16][0] == "行政事业性收费"
    graphic_row = next(r for r in values if r[0] == "其中：有图文解读（图解）的")
    assert graphic_row[1:3] == [3, 0.75]
    merged = {str(m) for m in ws.merged_cells.ranges}
    # Title, the section, each 第二十条 line across the table; the one-figure headers and cells over B:D.
    assert {"A1:D1", "A3:D3", "A4:D4", "A8:D8", "B9:D9", "B10:D10", "A11:D11", "B12:D12", "B13:D13", "B14:D14",
            "A15:D15", "B16:D16", "B17:D17"} <= merged
    assert "A5:D5" not in merged and "B6:D6" not in merged     # the (一) block has its own three columns
    assert {c.font.name for row in ws.iter_rows() for c in row if c.value is not None} == {"宋体"}
    assert ws.column_dimensions["A"].width >= 30 and ws.column_dimensions["B"].width >= 14
    # The page shows the very grid the workbook was written from.
    assert sum(c.span for c in grid(t)[4]) == 4


def test_the_command_writes_the_table_and_the_json(built, tmp_path):
    from typer.testing import CliRunner
    from cli.main import app
    out = tmp_path / "年报" / "2019.xlsx"
    runner = CliRunner()
    r = runner.invoke(app, ["--home", str(built["home"]), "report", "annual", "2019", "--table", "--out", str(out),
                            "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["table"] == json.loads(json.dumps(as_json(annual_table(built["svc"], 2019))))
    assert [(x["category"], x["本年制发件数"], x["本年废止件数"], x["现行有效件数"]) for x in doc["table"]["rows"]] \
        == [("规章", 0, 0, 0), ("行政规范性文件", 4, 1, 4)]
    assert out.exists() and doc["xlsx"] == str(out)
    r = runner.invoke(app, ["--home", str(built["home"]), "report", "annual", "2019", "--table"])
    assert r.exit_code == 0 and "行政规范性文件：4 / 1 / 4" in r.output, r.output
    r = runner.invoke(app, ["--home", str(built["home"]), "report", "annual", "2019", "--table", "--unit", "无此局",
                            "--json"])
    assert r.exit_code == 1 and json.loads(r.stdout)["problems"][0]["code"] == "not_found"
    r = runner.invoke(app, ["--home", str(built["home"]), "report", "annual", "2019", "--out", str(out)])
    assert r.exit_code == 2
    r = runner.invoke(app, ["--home", str(built["home"]), "report", "annual", "2019", "--table", "--out", "x.csv"])
    assert r.exit_code == 2
