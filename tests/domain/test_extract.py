"""Intake of one docx: metadata from realistic 公文 built in code, and coded refusals for the rest."""
import datetime as dt
import hashlib
import io
import struct
import time
import zipfile

import pytest

from tests.domain.docx_factory import (FS_GB, HEI, XBS, Line, build, index_of, interpretation_lines, plan_lines,
                          policy_lines, risk_lines, with_line, without)
from documents.extract import inspect_docx, parse_date


def meta_of(data: bytes, name: str = "policy.docx"):
    result = inspect_docx(name, data)
    assert result.metadata is not None, result.problems
    return result.metadata


# --------------------------------------------------------------------------------------------
# The policy


def test_policy_head_is_read_in_order():
    meta = meta_of(build(policy_lines()))
    assert meta.banner == "根河市人民政府办公室文件"
    assert meta.doc_number.canonical == "根政办发〔2019〕36号"
    assert meta.doc_number_text == "根政办发〔2019〕36号"
    assert meta.title == "根河市人民政府办公室关于印发《根河市2019年政务公开工作要点》的通知"
    assert meta.addressee == "各乡镇人民政府、街道办事处、市直各部门、驻市有关单位"
    assert meta.suggested_role == "policy"


def test_banner_is_not_the_title():
    meta = meta_of(build(policy_lines()))
    assert meta.title != meta.banner
    assert not meta.title.endswith("文件")


def test_red_banner_without_wen_jian_is_still_the_banner():
    lines = with_line(policy_lines(), 0, text="根河市人民政府办公室")
    meta = meta_of(build(lines))
    assert meta.banner == "根河市人民政府办公室"
    assert meta.title.startswith("根河市人民政府办公室关于印发")


def test_title_spanning_two_paragraphs_is_joined():
    lines = policy_lines()
    at = index_of(lines, "根河市人民政府办公室关于")
    lines[at:at + 1] = [Line("根河市人民政府办公室关于印发《根河市2019年", XBS, 22, None, "center"),
                        Line("政务公开工作要点》的通知", XBS, 22, None, "center")]
    meta = meta_of(build(lines))
    assert meta.title == "根河市人民政府办公室关于印发《根河市2019年政务公开工作要点》的通知"
    assert meta.addressee.startswith("各乡镇人民政府")


def test_outline_levels_and_heading_sentences():
    meta = meta_of(build(policy_lines()))
    assert [(o.level, o.label, o.text) for o in meta.outline] == [
        (1, "一、", "着眼稳定预期，加强政策解读和回应关切"),
        (2, "（一）", "深入解读重要政策措施"),
        (2, "（二）", "积极回应社会关切"),
        (3, "1．", "健全回应机制"),
        (4, "（1）", "明确责任"),
        (1, "二、", "围绕重点领域，深化决策和执行公开"),
    ]
    assert meta.outline[0].paragraph == 7


def test_tail_signature_date_and_disclosure():
    meta = meta_of(build(policy_lines()))
    assert meta.attachments == ["根河市2019年政务公开工作主要任务分工表"]
    assert meta.signature_organ == "根河市人民政府办公室"
    assert meta.date == dt.date(2019, 8, 5)
    assert meta.date_text == "2019年8月5日"
    assert meta.disclosure == "主动公开"


def test_numbered_attachments_over_several_lines():
    lines = policy_lines()
    at = index_of(lines, "附件")
    lines[at:at + 1] = [Line("附件：1．根河市2019年政务公开工作主要任务分工表"),
                        Line("　　　2．根河市政务公开工作联系人名单")]
    meta = meta_of(build(lines))
    assert meta.attachments == ["根河市2019年政务公开工作主要任务分工表", "根河市政务公开工作联系人名单"]


def test_numbered_attachments_on_one_line():
    lines = with_line(policy_lines(), index_of(policy_lines(), "附件"), text="附件：1．分工表 2．名单")
    assert meta_of(build(lines)).attachments == ["分工表", "名单"]


def test_bytes_fingerprint_and_paragraph_count():
    data = build(policy_lines())
    meta = meta_of(data)
    assert meta.sha256 == hashlib.sha256(data).hexdigest()
    assert meta.size == len(data)
    assert meta.paragraphs == len(policy_lines())


@pytest.mark.parametrize("mark, value", [
    ("（此件主动公开）", "主动公开"), ("（此件公开发布）", "主动公开"), ("公开属性：主动公开", "主动公开"),
    ("公开方式：依申请公开", "依申请公开"), ("（此件依申请公开）", "依申请公开"), ("此件不予公开", "不予公开"),
    ("公开属性：不予公开", "不予公开"),
])
def test_disclosure_wordings(mark, value):
    lines = with_line(policy_lines(), index_of(policy_lines(), "（此件"), text=mark)
    meta = meta_of(build(lines))
    assert meta.disclosure == value
    assert meta.disclosure_text == mark


def test_disclosure_is_not_read_from_body_prose():
    lines = without(policy_lines(), "（此件主动公开）")
    assert meta_of(build(lines)).disclosure is None  # the body talks about 主动公开 at length


def test_docno_variant_in_a_policy_parses_and_warns():
    lines = with_line(policy_lines(), 1, text="根政办发[2019]36号")
    result = inspect_docx("p.docx", build(lines))
    assert result.metadata.doc_number.canonical == "根政办发〔2019〕36号"
    [finding] = [p for p in result.problems if p.code == "docno_format"]
    assert (finding.severity, finding.file, finding.paragraph) == ("warning", "p.docx", 2)
    assert result.ok


@pytest.mark.parametrize("text, expected, well_formed", [
    ("2019年8月5日", dt.date(2019, 8, 5), True),
    ("2019年08月01日", dt.date(2019, 8, 1), False),
    ("二〇一九年八月五日", dt.date(2019, 8, 5), False),
    ("二〇一九年十二月三十一日", dt.date(2019, 12, 31), False),
    ("2019年2月30日", None, False),
])
def test_parse_date(text, expected, well_formed):
    value, ok = parse_date(text)
    assert value == expected
    if expected:
        assert ok is well_formed


def test_chinese_numeral_date_still_gives_the_date():
    lines = with_line(policy_lines(), index_of(policy_lines(), "2019年8月5日"), text="二〇一九年八月五日")
    meta = meta_of(build(lines))
    assert meta.date == dt.date(2019, 8, 5)
    assert meta.signature_organ == "根河市人民政府办公室"


def test_date_in_the_colophon_is_not_the_written_date():
    lines = with_line(policy_lines(), index_of(policy_lines(), "2019年8月5日"), text="")
    assert meta_of(build(lines)).date is None


# --------------------------------------------------------------------------------------------
# Interpretations, plans, risk assessments


def test_interpretation_material_fields():
    meta = meta_of(build(interpretation_lines()), "解读.docx")
    assert meta.title == "一问一答读懂《根河市2019年政务公开工作要点》"
    assert meta.suggested_role == "interpretation_material"
    assert meta.interpreting_unit == "根河市政务服务局"
    assert meta.refers_to_title == "根河市2019年政务公开工作要点"
    assert meta.refers_to_number.canonical == "根政办发〔2019〕36号"


def test_interpretation_plan_fields():
    meta = meta_of(build(plan_lines()))
    assert meta.suggested_role == "interpretation_plan"
    assert meta.interpreting_unit == "根河市政务服务局"
    assert meta.refers_to_title == "根河市2019年政务公开工作要点"
    assert meta.refers_to_number.canonical == "根政办发〔2019〕36号"


def test_reference_with_a_variant_docno_warns_and_still_matches():
    lines = with_line(interpretation_lines(), 3, text="关联文件：根政办发（2019）36号")
    result = inspect_docx("解读.docx", build(lines))
    assert result.metadata.refers_to_number.canonical == "根政办发〔2019〕36号"
    assert [p.code for p in result.problems] == ["docno_format"]


def test_graphic_interpretation_role():
    lines = with_line(interpretation_lines(), 0, text="一图读懂《根河市2019年政务公开工作要点》")
    assert meta_of(build(lines)).suggested_role == "graphic_interpretation"


def test_risk_assessment_fields():
    table = [["风险点", "可能性", "应对措施"], ["条款误读", "低", "及时解读"]]
    meta = meta_of(build(risk_lines(), table=table))
    assert meta.suggested_role == "risk_assessment"
    assert meta.assessing_unit == "根河市政务服务局"
    assert meta.risk_level == "低"
    assert meta.has_response_plan is True
    assert meta.refers_to_title == "根河市2019年政务公开工作要点"


@pytest.mark.parametrize("sentence, level", [
    ("经研判，该文件出台后引发负面舆情的风险等级为：高。", "高"),
    ("风险等级：中", "中"),
    ("综合研判，评估等级为中风险。", "中"),
    ("经评估，该政策属于低风险。", "低"),
    ("风险等级评定为较高。", "高"),
])
def test_risk_level_phrasings(sentence, level):
    lines = with_line(risk_lines(), 4, text=sentence)
    assert meta_of(build(lines)).risk_level == level


def test_risk_level_read_from_a_table_cell():
    lines = without(risk_lines(), "经研判，该文件出台后引发负面舆情的风险等级为：低。")
    meta = meta_of(build(lines, table=[["风险等级", "高"]]))
    assert meta.risk_level == "高"


def test_response_plan_needs_content():
    assert meta_of(build(risk_lines(plan=False))).has_response_plan is False
    empty_heading = risk_lines(plan=False) + [Line("三、应对处置预案", HEI, 16)]
    assert meta_of(build(empty_heading)).has_response_plan is False


def test_prose_mentioning_a_plan_is_not_a_plan():
    lines = risk_lines(plan=False) + [Line("下一步将视情况制定应对处置预案。")]
    assert meta_of(build(lines)).has_response_plan is False


@pytest.mark.parametrize("title, role", [
    ("关于《根河市2019年政务公开工作要点》的起草说明", "drafting_note"),
    ("《根河市2019年政务公开工作要点》征求意见情况及采纳情况", "consultation"),
    ("《根河市2019年政务公开工作要点》舆情应对处置预案", "response_plan"),
    ("根河市2019年工作总结", "other"),
    ("根河市人民政府关于加强政务公开工作的意见", "policy"),
])
def test_suggested_role_from_the_title(title, role):
    lines = [Line(title, XBS, 22, None, "center"), Line("正文内容。", FS_GB, 16)]
    assert meta_of(build(lines)).suggested_role == role


# --------------------------------------------------------------------------------------------
# Files that are not readable documents


@pytest.mark.parametrize("data", [b"", b"\x00" * 10, bytes(range(256)) * 40,
                                  "这是一个文本文件，不是 Word 文档。".encode("utf-8"), b"%PDF-1.7\n..."])
def test_random_bytes_and_text_are_not_docx(data):
    result = inspect_docx("x.docx", data)
    assert not result.ok
    assert [p.code for p in result.problems] == ["not_docx"]
    assert result.problems[0].file == "x.docx"


def test_zip_without_word_document_is_not_docx():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("readme.txt", "hello")
    result = inspect_docx("x.docx", out.getvalue())
    assert [p.code for p in result.problems] == ["not_docx"]


def _ole2(*stream_names: str) -> bytes:
    """A compound-file header and one directory sector naming the given streams. Enough for the
    signature-and-directory detection; no stream contents."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + struct.pack("<HHH", 0x3E, 3, 0xFFFE)
    header = header.ljust(512, b"\x00")
    entries = b""
    for name in ("Root Entry",) + stream_names:
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entries += (encoded.ljust(64, b"\x00") + struct.pack("<H", len(encoded))).ljust(128, b"\x00")
    return header + entries.ljust(512, b"\x00")


def test_legacy_doc_is_refused_with_save_as_advice():
    result = inspect_docx("通知.doc", _ole2("WordDocument", "1Table"))
    [finding] = result.problems
    assert finding.code == "not_docx"
    assert "另存为" in finding.message


def test_password_protected_docx_is_encrypted_document():
    result = inspect_docx("通知.docx", _ole2("EncryptionInfo", "EncryptedPackage"))
    assert [p.code for p in result.problems] == ["encrypted_document"]
    assert not result.ok


def test_zip_encryption_flag_is_encrypted_document():
    data = bytearray(build(policy_lines()))
    # Set the "encrypted" general-purpose bit in every local and central header.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at >= 0:
            data[at + offset] |= 0x1
            at = data.find(signature, at + 4)
    assert [p.code for p in inspect_docx("x.docx", bytes(data)).problems] == ["encrypted_document"]


def test_zip_bomb_like_docx_is_refused_fast():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b" " * (60 * 1024 * 1024))
    started = time.perf_counter()
    result = inspect_docx("bomb.docx", out.getvalue())
    assert time.perf_counter() - started < 1.0
    assert [p.code for p in result.problems] == ["bundle_too_large"]


def test_high_ratio_part_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<a/>" + b" " * (8 * 1024 * 1024))
    assert [p.code for p in inspect_docx("bomb.docx", out.getvalue()).problems] == ["bundle_too_large"]


def _rewrite(data: bytes, change) -> bytes:
    original = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in original.infolist():
            replaced = change(info.filename, original.read(info))
            if replaced is not None:
                archive.writestr(info.filename, replaced)
    return out.getvalue()


def test_macro_enabled_content_type_is_still_read():
    def to_docm(name, data):
        if name == "[Content_Types].xml":
            return data.replace(b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                                b"application/vnd.ms-word.document.macroEnabled.main+xml")
        return data
    result = inspect_docx("宏.docm", _rewrite(build(policy_lines()), to_docm))
    assert result.ok
    assert result.metadata.doc_number.canonical == "根政办发〔2019〕36号"


def test_relationship_to_a_missing_part_is_still_read():
    data = _rewrite(build(policy_lines()), lambda name, d: None if name == "word/settings.xml" else d)
    result = inspect_docx("x.docx", data)
    assert result.metadata.title.endswith("的通知")


def test_iso_strict_docx_text_is_read():
    strict = {b"http://schemas.openxmlformats.org/wordprocessingml/2006/main":
              b"http://purl.oclc.org/ooxml/wordprocessingml/main",
              b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument":
              b"http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
              b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles":
              b"http://purl.oclc.org/ooxml/officeDocument/relationships/styles"}

    def to_strict(name, data):
        for old, new in strict.items():
            data = data.replace(old, new)
        return data
    result = inspect_docx("strict.docx", _rewrite(build(policy_lines()), to_strict))
    assert result.ok
    assert result.metadata.title == "根河市人民政府办公室关于印发《根河市2019年政务公开工作要点》的通知"
    assert not [p for p in result.problems if p.code == "font_format"]


def test_external_entities_are_not_resolved():
    doctype = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/hostname">]>')

    def with_entity(name, data):
        if name == "word/document.xml":
            body = data.split(b"?>", 1)[1]
            return doctype + body.replace("根河市人民政府办公室文件".encode(), b"&x;", 1)
        return data
    result = inspect_docx("x.docx", _rewrite(build(policy_lines()), with_entity))
    hostname = open("/etc/hostname", "rb").read().strip().decode(errors="ignore")
    text = result.model_dump_json()
    assert not hostname or hostname not in text


def test_damaged_files_never_raise():
    data = build(policy_lines())
    for cut in (10, 100, 1000, len(data) // 2, len(data) - 30):
        result = inspect_docx("broken.docx", data[:cut])
        assert result.metadata is not None or result.problems
    flipped = bytearray(data)
    for i in range(200, len(flipped), 997):
        flipped[i] ^= 0xFF
    result = inspect_docx("flipped.docx", bytes(flipped))
    assert result.metadata is not None or result.problems
