"""更正启事 as plain values: which issue may correct which, the text, removal, the corrected item."""
from __future__ import annotations

from publishing.corrections import (CorrectedItem, IssueRef, Notice, add_problems, clean_text, find_item,
                                    notice_title, paragraphs, removal_problems)
from publishing.gazette_rules import CORRECTION_SECTION, SECTIONS

RELEASED = IssueRef(issue="2019-8", year=2019, number=8, total=120, status="released")
DRAFT = IssueRef(issue="2019-9", year=2019, number=9, total=121, status="draft")
ITEM = CorrectedItem(item=7, dossier="D2019-0007", title="根河市人民政府办公室关于印发《根河市驯鹿养殖补贴管理办法》的通知",
                     document_number="根政办发〔2019〕7号", position=1)


def codes(problems) -> list[str]:
    return [p.code for p in problems]


def test_a_later_draft_may_correct_a_released_issue():
    assert add_problems(DRAFT, RELEASED, "第三条有误。") == []
    next_year = DRAFT.model_copy(update={"issue": "2020-1", "year": 2020, "number": 1})
    assert add_problems(next_year, RELEASED, "第三条有误。") == []


def test_only_a_released_issue_is_corrected_and_only_in_a_later_draft():
    other_draft = IssueRef(issue="2019-7", year=2019, number=7, status="draft")
    assert codes(add_problems(DRAFT, other_draft, "有误。")) == ["invalid_state"]            # not released
    assert codes(add_problems(RELEASED, RELEASED, "有误。")) == ["invalid_state", "invalid_state"]
    earlier = IssueRef(issue="2019-7", year=2019, number=7, status="draft")
    problems = add_problems(earlier, RELEASED, "有误。")
    assert codes(problems) == ["invalid_state"] and "之后" in problems[0].message
    same_number_earlier_year = IssueRef(issue="2018-9", year=2018, number=9, status="draft")
    assert codes(add_problems(same_number_earlier_year, RELEASED, "有误。")) == ["invalid_state"]


def test_the_text_must_say_something_and_not_too_much():
    assert codes(add_problems(DRAFT, RELEASED, " \n\u3000\r\n")) == ["request_invalid"]
    assert codes(add_problems(DRAFT, RELEASED, "字" * 20_001)) == ["request_invalid"]
    assert "更正内容不能为空" in add_problems(DRAFT, RELEASED, "")[0].message


def test_a_notice_is_removed_from_a_draft_only():
    assert removal_problems(DRAFT) == []
    assert codes(removal_problems(RELEASED)) == ["invalid_state"]


def test_text_is_kept_clean_and_split_into_paragraphs():
    assert clean_text("一、有误。  \r\n\r\n\r\n\r\n　　特此更正。\r\n") == "一、有误。\n\n　　特此更正。"
    assert paragraphs("一、有误。\n\n　　特此更正。\n  ") == ("一、有误。", "特此更正。")


def test_the_corrected_item_is_found_by_dossier_or_by_gazette_item():
    assert find_item(RELEASED, [ITEM]) is None
    assert find_item(RELEASED, [ITEM], dossier="D2019-0007") == ITEM
    assert find_item(RELEASED, [ITEM], item=7) == ITEM
    missing = find_item(RELEASED, [ITEM], dossier="D2019-0008")
    assert missing.code == "not_found" and "gazette issue show 2019-8" in missing.message
    assert find_item(RELEASED, [ITEM], dossier="D2019-0007", item=8).code == "not_found"


def test_the_title_names_the_corrected_issue_and_document():
    assert notice_title(RELEASED, None) == "关于本刊2019年第8期的更正启事"
    assert notice_title(RELEASED, ITEM) == "关于本刊2019年第8期《根河市驯鹿养殖补贴管理办法》的更正启事"
    notice = Notice(id=1, corrects=RELEASED, item=ITEM, text="有误。")
    assert notice.subject == ("本刊2019年第8期（总第120期）《根河市人民政府办公室关于印发〈根河市驯鹿养殖补贴管理办法〉的通知》"
                              "（根政办发〔2019〕7号）")
    assert CORRECTION_SECTION == "更正启事" and CORRECTION_SECTION not in SECTIONS    # not an item's section
