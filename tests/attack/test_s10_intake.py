"""Session 10 attacks on "intake reads what offices send" (issue 14): 发文字号 and 成文日期 in the forms offices
really type (look-alike brackets, 號, zero-width characters, full-width digits) are read or reported
(docno_format / date_format), never silently dropped. Fixtures built in code (tests/domain/docx_factory.py)."""
from __future__ import annotations

import datetime as dt

import pytest

from documents.extract import inspect_docx
from tests.domain.docx_factory import build, index_of, policy_lines, with_line

LINES = policy_lines()
DOCNO_AT = index_of(LINES, "根政办发")
DATE_AT = index_of(LINES, "2019年8月5日")


def _read(at: int, text: str):
    r = inspect_docx("通知.docx", build(with_line(LINES, at, text=text)))
    return r, [p for p in r.problems if p.code in ("docno_format", "date_format")]


@pytest.mark.parametrize("written, read", [
    ("根政办发﹝2019﹞36号", True),          # U+FE5D/FE5E: the small brackets an input method offers for 〔〕
    ("根政办发〖2019〗36号", True),          # U+3016/3017
    ("根政办发〔2019〕36號", True),          # 號, the traditional form
    ("根政办发〔2019〕\u200b36号", True),    # a zero-width space pasted from a web page: read as it shows
    ("根政办发〔2019年〕36号", False),
    ("根政办发2019-36号", False),
])
def test_a_document_number_in_a_look_alike_form_is_read_or_reported_never_dropped(written, read):
    r, found = _read(DOCNO_AT, written)
    m = r.metadata
    assert m.title.endswith("的通知")
    if written == "根政办发〔2019〕\u200b36号":
        assert not found                  # nothing to see: the well-formed number it shows
    else:
        assert [p.code for p in found] == ["docno_format"], (written, m.doc_number_text, r.problems)
        assert found[0].paragraph == DOCNO_AT + 1
    if read:
        assert m.doc_number is not None and (m.doc_number.organ_code, m.doc_number.year, m.doc_number.serial) == \
            ("根政办发", 2019, 36)
    else:
        assert m.doc_number_text is not None


@pytest.mark.parametrize("written", ["２０１９年８月５日", "２０１９．８．５", "２０１９-０８-０５", "2019年8月5日\u200b",
                                     "\u200b2019.8.5"])
def test_a_date_in_full_width_digits_or_with_an_invisible_character_is_date_format_and_still_read(written):
    r, found = _read(DATE_AT, written)
    m = r.metadata
    assert m.date == dt.date(2019, 8, 5), (written, m.date_text)
    assert m.signature_organ == "根河市人民政府办公室"
    if "\u200b" in written and written.replace("\u200b", "") == "2019年8月5日":
        assert not found                  # nothing to see: the well-formed date it shows
    else:
        assert [p.code for p in found] == ["date_format"] and found[0].paragraph == DATE_AT + 1


from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

_BRACKETS = ["〔〕", "﹝﹞", "〖〗", "[]", "()", "（）", "【】", "［］", "〈〉", "{}"]
_DIGITS = st.sampled_from([str.maketrans("", ""), str.maketrans("0123456789", "０１２３４５６７８９")])
_GAP = st.sampled_from(["", " ", "\u3000", "\u00a0", "\u200b"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(brackets=st.sampled_from(_BRACKETS), year=st.integers(2000, 2030), serial=st.integers(1, 999),
       pad=st.booleans(), di=st.booleans(), hao=st.sampled_from(["号", "號"]), digits=_DIGITS,
       gaps=st.tuples(_GAP, _GAP, _GAP))
def test_any_document_number_an_office_types_is_read_or_reported(brackets, year, serial, pad, di, hao, digits, gaps):
    o, c = brackets
    written = (f"根政办发{gaps[0]}{o}{year}{c}{gaps[1]}{'第' if di else ''}{serial:03d}" if pad else
               f"根政办发{gaps[0]}{o}{year}{c}{gaps[1]}{'第' if di else ''}{serial}").translate(digits) + gaps[2] + hao
    r, found = _read(DOCNO_AT, written)
    m = r.metadata
    assert m.title.endswith("的通知"), written
    standard = written.replace("\u200b", "") == f"根政办发〔{year}〕{serial}号"
    if standard:
        assert not found and m.doc_number.serial == serial
    else:
        assert [p.code for p in found] == ["docno_format"], (written, m.doc_number_text)
    if m.doc_number is not None:
        assert (m.doc_number.year, m.doc_number.serial) == (year, serial)
    else:
        assert m.doc_number_text


# ---------------------------------------------------------------- covers: the class line, 某某局 发布

HEI, SONG = "黑体", "宋体"


def _cover(class_line: str, issued: str, title: str = "政务服务事项办事指南编制规范") -> bytes:
    from tests.domain.docx_factory import Line
    return build([
        Line("ICS 03.080", HEI, 10.5), Line(class_line, HEI, 24, None, "center"),
        Line("DB15/T 3456—2026", HEI, 14, None, "right"), Line(title, HEI, 26, None, "center"),
        Line("2026-12-01发布", HEI, 14), Line("2027-01-01实施", HEI, 14, None, "right"),
        Line(issued, HEI, 14, None, "center"), Line("前言", HEI, 16, None, "center"),
        Line("本文件按照GB/T 1.1—2020的规定起草。", SONG, 10.5)])


@pytest.mark.parametrize("class_line, issued, organ", [
    ("中华人民共和国国家计量技术规范", "国家市场监督管理总局　发布", "国家市场监督管理总局"),        # JJF covers
    ("中华人民共和国国家计量检定规程", "国家市场监督管理总局　发布", "国家市场监督管理总局"),        # JJG covers
    ("中国工程建设标准化协会标准", "中国工程建设标准化协会　发布", "中国工程建设标准化协会"),
    ("中华人民共和国国家标准", "国家市场监督管理总局\u200b　发布", "国家市场监督管理总局"),
    ("中华人民共和国国家标准", "国家市场监督管理总局　国家标准化管理委员会　联合发布",
     "国家市场监督管理总局、国家标准化管理委员会"),
])
def test_a_cover_gives_the_title_under_its_class_line_and_the_organ_that_issues_it(class_line, issued, organ):
    m = inspect_docx("规范.docx", _cover(class_line, issued)).metadata
    assert (m.title, m.signature_organ) == ("政务服务事项办事指南编制规范", organ)


# ---------------------------------------------------------------- the 正文层次 outline

def test_the_outline_is_never_cut_inside_a_book_title():
    """A 、 inside 《》 is part of a title's name, not a clause mark: the heading is cut before the title
    or after it, never inside it (an unbalanced 《 shown to a clerk)."""
    from documents.labels import clause_cut
    heading = "深入学习《关于全面推进政务公开、政务服务标准化规范化便利化的意见》，提升服务水平"
    shown = clause_cut(heading, 24)
    assert shown.count("《") == shown.count("》"), shown
    assert shown in ("深入学习《关于全面推进政务公开、政务服务标准化规范化便利化的意见》…", heading)
    assert clause_cut("加强（一、二级）预案管理，明确职责分工，落实工作责任，做好应急保障工作", 8) == "加强（一、二级）预案管理…"


# ---------------------------------------------------------------- inspect says what it detected, truthfully

def test_inspect_never_says_it_checked_the_form_of_a_file_it_could_not_open(cli, tmp_path):
    (tmp_path / "关于印发工作要点的通知.docx").write_bytes(b"PK\x03\x04 not a docx")
    (tmp_path / "材料.docx").write_bytes(b"")
    text = cli("inspect", str(tmp_path / "关于印发工作要点的通知.docx"), str(tmp_path / "材料.docx")).output
    named, unnamed = text.split("材料.docx")[0], text.split("材料.docx")[1]
    assert "识别为：政策文件（按文件名）" in named and "已检查公文格式" not in named
    assert "未检查公文格式" in named
    assert "识别为：" in unnamed and "无法读取" in unnamed          # every file gets its line


# ---------------------------------------------------------------- the declared policy is the policy

def test_the_policy_bundle_json_names_stays_the_policy_when_another_file_looks_like_one(svc, tmp_path):
    """A bundle whose bundle.json names 正文.docx the policy and also carries an earlier notice (a.docx, a 公文
    by its content): the dossier's one policy is the declared one, whatever order the files come in;
    the look-alike is an attachment ("other")."""
    import json

    from samples.genhe import bundle_files, policy_docx
    from services.dossiers.intake import prepare
    from services.review.actions import person
    files = bundle_files("complete")
    manifest = json.loads(files.pop("bundle.json"))
    declared = next(k for k, v in manifest["files"].items() if v == "policy")
    files["正文.docx"] = files.pop(declared)
    manifest["files"]["正文.docx"] = manifest["files"].pop(declared)
    files["a.docx"] = policy_docx(doc_number="根政办发〔2018〕12号", inner_title="旧要点",
                                  title="根河市人民政府办公室关于印发《旧要点》的通知")
    files["bundle.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    folder = tmp_path / "bundle"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    prepared = prepare([folder], person(svc.config, "drafter"), svc.config)
    roles = {m.name: m.role for m in prepared.members}
    assert roles["正文.docx"] == "policy" and roles["a.docx"] == "other", roles
    [policy] = [m for m in prepared.members if m.role == "policy"]
    assert policy.metadata.doc_number.raw == "根政办发〔2019〕36号"


@pytest.mark.parametrize("written", ["2019年8月5日。", "2019年8月5日.", "2019.8.5。"])
def test_a_date_line_ending_in_a_full_stop_is_date_format_and_still_read(written):
    r, found = _read(DATE_AT, written)
    assert r.metadata.date == dt.date(2019, 8, 5) and r.metadata.signature_organ == "根河市人民政府办公室"
    assert [p.code for p in found] == ["date_format"] and found[0].paragraph == DATE_AT + 1


_CN = "〇一二三四五六七八九"


def _cn_number(n: int) -> str:
    return ("十" if n == 10 else f"十{_CN[n % 10]}" if n < 20 else f"{_CN[n // 10]}十{_CN[n % 10] if n % 10 else ''}") \
        if n >= 10 else _CN[n]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(day=st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)), form=st.sampled_from(["年月日", ".", "/", "-", "．"]),
       digits=_DIGITS, chinese=st.booleans(), pad=st.booleans(), stop=st.sampled_from(["", "。"]),
       gap=st.sampled_from(["", " ", "\u200b"]))
def test_any_date_an_office_types_is_read_or_reported(day, form, digits, chinese, pad, stop, gap):
    y, m, d = str(day.year), f"{day.month:02d}" if pad else str(day.month), f"{day.day:02d}" if pad else str(day.day)
    if chinese and form == "年月日":
        written = "".join(_CN[int(c)] for c in y) + f"年{_cn_number(day.month)}月{_cn_number(day.day)}日"
    elif form == "年月日":
        written = f"{y}年{gap}{m}月{d}日".translate(digits)
    else:
        written = f"{y}{form}{m}{form}{d}".translate(digits)
    written += stop
    r, found = _read(DATE_AT, written)
    assert r.metadata.date == day, (written, r.metadata.date_text)
    assert r.metadata.signature_organ == "根河市人民政府办公室", written
    standard = written.replace("\u200b", "").replace(" ", "") == f"{day.year}年{day.month}月{day.day}日"
    assert [p.code for p in found] == ([] if standard else ["date_format"]), (written, found)


def test_inspect_takes_a_picture_for_what_its_name_says_not_for_a_broken_docx(cli, tmp_path):
    """A bundle carries 一图读懂.png (图文解读) as a matter of course: inspect says what it is, and no error."""
    from samples.genhe import graphic_png
    (tmp_path / "一图读懂.png").write_bytes(graphic_png())
    (tmp_path / "现场照片.jpg").write_bytes(b"\xff\xd8\xff\xe0 a photo")
    files = [str(tmp_path / "一图读懂.png"), str(tmp_path / "现场照片.jpg")]
    doc = cli.json("inspect", *files, code=0)
    assert [(f["role"], f.get("role_source"), f["ok"]) for f in doc["files"]] == \
        [("graphic_interpretation", "file_name", True), ("other", None, True)]
    text = cli("inspect", *files).output
    assert "识别为：图文解读（按文件名）" in text and "not_docx" not in text
