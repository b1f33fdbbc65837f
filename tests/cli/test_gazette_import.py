"""Importing past gazette issues through the command line: one docx per issue split by its own
headings, or one docx per item with a CSV index; imported items are searchable."""
from __future__ import annotations

import hashlib
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt



def _para(d, text: str, *, face: str = "仿宋_GB2312", size: float = 16, center: bool = False):
    p = d.add_paragraph()
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(text)
    run.font.size = Pt(size)
    run.font.name = face
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), face)
    return p


def _title(d, text: str):
    return _para(d, text, face="方正小标宋简体", size=22, center=True)


ITEMS = [
    (["根河市人民政府关于加强森林草原防火工作的通知"], "根政发〔2018〕12号",
     ["各乡镇人民政府，市政府各部门：", "一、压实防火责任", "各林场要落实驯鹿放牧区巡护制度。"],
     "根河市人民政府", "2018年3月1日"),
    (["根河市人民政府办公室关于印发", "《根河市冷极村旅游服务规范》的通知"], "根政办发〔2018〕7号",
     ["现将《根河市冷极村旅游服务规范》印发给你们，请认真贯彻执行。", "（此件公开发布）"],
     "根河市人民政府办公室", "2018年3月12日"),
    (["根河市人民政府关于调整城乡居民最低生活保障标准的通知"], "（根政发〔2018〕15号）",
     ["经市政府研究，决定自2018年4月1日起调整城乡居民最低生活保障标准。"],
     "根河市人民政府", "2018年3月20日"),
]


def issue_docx(path: Path, *, cover: str = "2018年第3期（总第95期）") -> Path:
    """A past issue as a gazette office prints it: cover, contents, then each item under its heading."""
    d = docx.Document()
    _para(d, "根河市人民政府公报", face="方正小标宋简体", size=36, center=True)
    _para(d, cover, size=16, center=True)
    _para(d, "根河市人民政府办公室编印", center=True)
    _para(d, "2018年3月30日", center=True)
    _para(d, "目    录", face="黑体", size=16, center=True)
    for lines, number, *_ in ITEMS:
        _para(d, "".join(lines) + "（" + number.strip("（）") + "）……1")
    for lines, number, body, organ, date in ITEMS:
        for line in lines:
            _title(d, line)
        _para(d, number, center=True)
        for text in body:
            _para(d, text)
        _para(d, organ)
        _para(d, date)
    d.save(path)
    return path


def item_docx(path: Path, title: str, body: str) -> Path:
    d = docx.Document()
    _title(d, title)
    _para(d, body)
    d.save(path)
    return path


def test_a_multi_item_issue_docx_is_split_by_its_headings_and_released_as_imported(cli, tmp_path):
    path = issue_docx(tmp_path / "根河市人民政府公报2018年第3期.docx")
    doc = cli.json("gazette", "import", str(path), "--as", "editor")
    [issue] = doc["issues"]
    assert (issue["issue"], issue["total"], issue["status"], issue["imported"]) == ("2018-3", 95, "released", True)
    assert issue["issue_date"] == "2018-03-30"
    assert [(i["title"], i["document_number"], i["organ"], i["date"]) for i in issue["items"]] == [
        ("根河市人民政府关于加强森林草原防火工作的通知", "根政发〔2018〕12号", "根河市人民政府", "2018-03-01"),
        ("根河市人民政府办公室关于印发《根河市冷极村旅游服务规范》的通知", "根政办发〔2018〕7号",
         "根河市人民政府办公室", "2018-03-12"),
        ("根河市人民政府关于调整城乡居民最低生活保障标准的通知", "根政发〔2018〕15号", "根河市人民政府", "2018-03-20"),
    ]
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert issue["source_sha256"] == sha
    listed = cli.json("gazette", "issue", "list")["issues"]
    assert [(v["issue"], v["status"], v.get("print_sha256")) for v in listed] == [("2018-3", "released", sha)]
    shown = cli.json("gazette", "issue", "show", "2018-3")["issue"]
    assert [(i["position"], i.get("dossier"), i["document_number"]) for i in shown["items"]] == [
        (1, None, "根政发〔2018〕12号"), (2, None, "根政办发〔2018〕7号"), (3, None, "根政发〔2018〕15号")]
    assert "历史公报导入" in cli("gazette", "issue", "show", "2018-3").stdout
    # The next issue made in Lockstep runs on from the imported total.
    assert cli.json("gazette", "issue", "new", "--year", "2018", "--number", "4", "--as", "editor")["issue"]["total"] == 96


def test_the_original_issue_docx_is_kept_in_the_object_store(cli, svc, tmp_path):
    path = issue_docx(tmp_path / "gazette.docx")
    issue = cli.json("gazette", "import", str(path), "--as", "editor")["issues"][0]
    assert svc.store.get(issue["source_sha256"]) == path.read_bytes()


def test_imported_items_are_searchable_with_no_dossier(cli, tmp_path):
    cli.json("gazette", "import", str(issue_docx(tmp_path / "g.docx")), "--as", "editor")
    items = cli.json("gazette", "search", "驯鹿放牧")["items"]
    assert [(i["issue"], i["dossier"], i["document_number"]) for i in items] == [("2018-3", None, "根政发〔2018〕12号")]
    assert "驯鹿放牧" in items[0]["snippet"] and items[0]["organ"] == "根河市人民政府"
    assert [i["document_number"] for i in cli.json("gazette", "search", "低保")["items"]] == []
    assert [i["document_number"] for i in cli.json("gazette", "search", "冷极")["items"]] == ["根政办发〔2018〕7号"]
    assert [i["document_number"] for i in cli.json("gazette", "search", "--number", "根政办发")["items"]] == \
        ["根政办发〔2018〕7号"]
    dated = cli.json("gazette", "search", "--from", "2018-03-10", "--to", "2018-03-15", "--organ", "办公室")["items"]
    assert [i["date"] for i in dated] == ["2018-03-12"]
    text = cli("gazette", "search", "最低生活保障")
    assert text.exit_code == 0 and "往期导入" in text.stdout and "2018-3" in text.stdout


def test_one_docx_per_item_with_a_csv_index_imports_each_issue(cli, svc, tmp_path):
    a = item_docx(tmp_path / "a.docx", "根河市人民政府关于印发根河市湿地保护办法的通知", "湿地保护区内禁止开垦。")
    b = item_docx(tmp_path / "b.docx", "根河市人民政府办公室关于做好春耕生产的通知", "各乡镇要做好春耕备耕。")
    c = item_docx(tmp_path / "c.docx", "根河市人民政府关于表彰先进集体的决定", "授予敖鲁古雅乡先进集体称号。")
    index = tmp_path / "index.csv"
    index.write_text("file,year,number,total,title,document_number,organ,date\n"
                     "a.docx,2017,1,80,根河市人民政府关于印发根河市湿地保护办法的通知,根政发〔2017〕3号,根河市人民政府,2017-01-10\n"
                     "b.docx,2017,1,80,根河市人民政府办公室关于做好春耕生产的通知,根政办发〔2017〕2号,根河市人民政府办公室,2017年1月12日\n"
                     "c.docx,2017,2,81,根河市人民政府关于表彰先进集体的决定,根政发〔2017〕9号,根河市人民政府,2017-02-03\n",
                     encoding="gbk")
    issues = cli.json("gazette", "import", str(a), str(b), str(c), "--index", str(index), "--as", "editor")["issues"]
    assert [(v["issue"], v["total"], v["source"], len(v["items"])) for v in issues] == [
        ("2017-1", 80, "item_docx", 2), ("2017-2", 81, "item_docx", 1)]
    assert issues[0]["items"][1]["date"] == "2017-01-12"
    assert issues[0]["items"][0]["source_sha256"] == hashlib.sha256(a.read_bytes()).hexdigest()
    assert svc.store.get(issues[1]["items"][0]["source_sha256"]) == c.read_bytes()
    assert svc.store.get(issues[0]["source_sha256"]) == index.read_bytes()
    found = cli.json("gazette", "search", "湿地保护区")["items"]
    assert [(i["issue"], i["dossier"], i["title"]) for i in found] == [
        ("2017-1", None, "根河市人民政府关于印发根河市湿地保护办法的通知")]
    assert [i["issue"] for i in cli.json("gazette", "search", "春耕")["items"]] == ["2017-1"]


def test_a_file_that_is_not_a_docx_is_refused_with_not_docx(cli, tmp_path):
    bad = tmp_path / "gazette.docx"
    bad.write_text("这不是 Word 文档", encoding="utf-8")
    doc = cli.json("gazette", "import", str(bad), "--as", "editor", code=1)
    assert doc["ok"] is False and [p["code"] for p in doc["problems"]] == ["not_docx"]
    assert cli.json("gazette", "issue", "list")["issues"] == []


def test_a_bad_csv_index_is_refused_with_manifest_invalid_and_nothing_is_imported(cli, tmp_path):
    a = item_docx(tmp_path / "a.docx", "根河市人民政府关于印发根河市湿地保护办法的通知", "湿地。")
    missing_column = tmp_path / "i1.csv"
    missing_column.write_text("file,year,title\na.docx,2017,标题\n", encoding="utf-8")
    doc = cli.json("gazette", "import", str(a), "--index", str(missing_column), "--as", "editor", code=1)
    assert [p["code"] for p in doc["problems"]] == ["manifest_invalid"]
    bad_rows = tmp_path / "i2.csv"
    bad_rows.write_text("file,year,number,total,title,document_number,organ,date\n"
                        "a.docx,2017,1,80,标题一,,,2017-01-10\n"
                        "a.docx,二〇一七,2,81,标题二,,,\n"
                        "nowhere.docx,2017,3,82,标题三,,,\n", encoding="utf-8")
    doc = cli.json("gazette", "import", str(a), "--index", str(bad_rows), "--as", "editor", code=1)
    assert [p["code"] for p in doc["problems"]] == ["manifest_invalid", "manifest_invalid"]
    assert "第 3 行" in doc["problems"][0]["message"] and "nowhere.docx" in doc["problems"][1]["message"]
    assert cli.json("gazette", "issue", "list")["issues"] == []
    assert cli.json("gazette", "search", "湿地")["items"] == []


def test_an_issue_number_that_already_exists_is_refused_with_invalid_state(cli, tmp_path):
    path = issue_docx(tmp_path / "g.docx")
    cli.json("gazette", "import", str(path), "--as", "editor")
    again = cli.json("gazette", "import", str(path), "--as", "editor", code=1)
    assert [p["code"] for p in again["problems"]] == ["invalid_state"]
    cli.json("gazette", "issue", "new", "--year", "2018", "--number", "5", "--as", "editor")
    other = cli.json("gazette", "import", str(issue_docx(tmp_path / "h.docx", cover="2018年第5期")), "--as", "editor",
                     code=1)
    assert [p["code"] for p in other["problems"]] == ["invalid_state"]
    assert len(cli.json("gazette", "search", "驯鹿")["items"]) == 1


def test_only_a_gazette_editor_imports(cli, tmp_path):
    doc = cli.json("gazette", "import", str(issue_docx(tmp_path / "g.docx")), "--as", "drafter", code=1)
    assert [p["code"] for p in doc["problems"]] == ["not_permitted"]


def test_an_issue_without_a_total_takes_the_next_after_the_issue_before_it_and_a_total_in_use_is_refused(cli, tmp_path):
    cli.json("gazette", "import", str(issue_docx(tmp_path / "g.docx")), "--as", "editor")          # 总第95期
    later = cli.json("gazette", "import", str(issue_docx(tmp_path / "h.docx", cover="2018年第4期")), "--as", "editor")
    assert [(v["issue"], v["total"]) for v in later["issues"]] == [("2018-4", 96)]
    taken = cli.json("gazette", "import", str(issue_docx(tmp_path / "i.docx", cover="2019年第1期（总第96期）")),
                     "--as", "editor", code=1)
    assert [p["code"] for p in taken["problems"]] == ["invalid_state"] and "总第96期" in taken["problems"][0]["message"]
    assert sorted(v["issue"] for v in cli.json("gazette", "issue", "list")["issues"]) == ["2018-3", "2018-4"]
