"""发文字号 parsing: the canonical form, the variants offices type, and what is not a number."""
import pytest

from documents.docno import find_doc_number, parse_doc_number


def test_canonical_docno_parses_without_warning():
    number, problems = find_doc_number("根政办发〔2019〕36号")
    assert (number.organ_code, number.year, number.serial) == ("根政办发", 2019, 36)
    assert number.canonical == "根政办发〔2019〕36号"
    assert problems == []


@pytest.mark.parametrize("written", [
    "根政办发[2019]36号", "根政办发(2019)36号", "根政办发（2019）36号", "根政办发【2019】36号",
    "根政办发［2019］36号", "根政办发〔2019〕036号", "根政办发 〔2019〕36号", "根政办发〔2019〕第36号",
    "根政办发〔２０１９〕３６号",
])
def test_docno_variants_warn_but_parse_to_the_same_number(written):
    number, problems = find_doc_number(written)
    assert number.canonical == "根政办发〔2019〕36号"
    assert number.raw == written
    assert [p.code for p in problems] == ["docno_format"]
    assert problems[0].severity == "warning"


def test_docno_with_square_brackets_warns_but_parses():
    number, problems = find_doc_number("根政办发[2019]36号")
    assert number.canonical == "根政办发〔2019〕36号"
    assert "〔〕" in problems[0].message


def test_leading_zero_serial_is_named_in_the_warning():
    _, problems = find_doc_number("根政办发〔2019〕036号")
    assert "虚位" in problems[0].message


@pytest.mark.parametrize("text", ["2019年8月5日", "第1号", "〔2026〕第5次", "二〇一九年八月五日",
                                  "根据2019年36号令", "电话：0470-5221234", ""])
def test_dates_orders_and_prose_are_not_document_numbers(text):
    assert find_doc_number(text) == (None, [])


def test_docno_in_prose_drops_the_leading_verb():
    number, _ = find_doc_number("依据国办发〔2016〕80号文件精神")
    assert number.organ_code == "国办发"
    assert number.raw == "国办发〔2016〕80号"


def test_docno_inside_brackets_after_a_book_title_is_found():
    number, _ = find_doc_number("《根河市2019年政务公开工作要点》（根政办发〔2019〕36号）")
    assert number.canonical == "根政办发〔2019〕36号"


def test_parse_doc_number_accepts_only_a_whole_number():
    assert parse_doc_number(" 根政办发〔2019〕36号 ").serial == 36
    assert parse_doc_number("文号：根政办发〔2019〕36号").serial == 36
    assert parse_doc_number("根政办发[2019]36号").canonical == "根政办发〔2019〕36号"
    assert parse_doc_number("见根政办发〔2019〕36号文件") is None
    assert parse_doc_number("2019年8月5日") is None


def test_find_doc_number_stamps_file_and_paragraph_on_warnings():
    _, problems = find_doc_number("根政办发(2019)36号", file="a.docx", paragraph=2)
    assert (problems[0].file, problems[0].paragraph) == ("a.docx", 2)
