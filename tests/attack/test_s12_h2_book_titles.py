"""Session 12, brief H2 item 2: a refusal that names a title in 《》 never nests 《…《…》…》.

The gazette's `not_public` refusal (publishing/gazette_rules.py) wrapped the item's title in 《》 as it was:
关于印发《X办法》的通知 read 《关于印发《X办法》的通知》. GB/T 15834-2011 4.15 puts a title inside a title
in 〈〉 (documents/titles.book_title, which the 合法性审核意见书 already used). Every refusal or gate problem
that wraps a title in 《》 now goes through it: not_public and effective_before_gazette (gazette admission),
the gate's interpreter_not_drafter, interpretation_mismatch, risk_assessment_mismatch and
disclosure_unknown, and the editors' move refusal (invalid_state). Pure functions: no home needed.
"""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from documents.docno import parse_doc_number
from documents.effective import EffectivePhrase
from documents.problems import Refused
from publishing.gazette_rules import ItemFacts, effective_too_early, not_public
from review.gate import gate
from services.gazette.issues import moved
from tests.domain.test_gate import NORMATIVE, f, interp, meta, policy, risk, version

PIECES = ["《", "》", "〈", "〉", "关于印发", "根河市", "管理办法", "的通知", "（试行）", " ", "X"]
TITLES = (st.lists(st.sampled_from(PIECES), min_size=1, max_size=8).map("".join)
          .filter(lambda t: t.strip() and any(m in t for m in "《》〈〉")))
PAIRS = {"《": "》", "〈": "〉"}


def nested_in_same_marks(text: str) -> str | None:
    """The first place a 《 opens inside an open 《 (or 〈 inside 〈), else None. A close mark that does
    not close the innermost open one is left alone (an unmatched mark in a title is kept as written)."""
    open_marks: list[str] = []
    for i, ch in enumerate(text):
        if ch in PAIRS:
            if open_marks and open_marks[-1] == ch:
                return text[max(0, i - 20):i + 20]
            open_marks.append(ch)
        elif open_marks and PAIRS[open_marks[-1]] == ch:
            open_marks.pop()
    return None


def gazette_messages(title: str) -> list[str]:
    withheld = ItemFacts(item_id=1, dossier="D-1", title=title, doc_number="根政办发〔2019〕36号", kind="行政规范性文件",
                         normative=True, disclosure="不予公开")
    unnumbered = withheld.model_copy(update={"doc_number": None, "disclosure": None})
    early = ItemFacts(item_id=2, dossier="D-2", title=title, kind="行政规范性文件", normative=True, disclosure="主动公开",
                      effective=(EffectivePhrase(basis="date", date=dt.date(2019, 1, 1), text="自2019年1月1日起施行"),))
    found = not_public([withheld, unnumbered]) + effective_too_early([early], dt.date(2019, 8, 30))
    assert [p.code for p in found] == ["not_public", "not_public", "effective_before_gazette"]
    return [p.message for p in found]


def gate_messages(title: str) -> list[str]:
    name = f"{title}.docx"
    files = [policy(disclosure=None).model_copy(update={"name": name}),
             interp("plan.docx", "interpretation_plan", number=None, title=title),          # names another title
             f(name, "interpretation_material", meta(name, interpreting_unit="根河市财政局",     # another unit's
                                                     refers_to_number=parse_doc_number("根政办发〔2019〕36号"))),
             risk(title=title)]
    found = gate(version(files), [], NORMATIVE)
    wanted = {"interpreter_not_drafter", "interpretation_mismatch", "risk_assessment_mismatch", "disclosure_unknown"}
    assert wanted <= {b.code for b in found}, [b.code for b in found]
    return [b.message for b in found if b.code in wanted]


def move_message(title: str) -> str:
    with pytest.raises(Refused) as r:
        moved([("规范性文件", 7)], 7, step=-1, title=title)
    return r.value.problem.message


@settings(max_examples=150, deadline=None)
@given(TITLES)
def test_no_refusal_nests_book_title_marks_of_one_kind(title):
    for message in gazette_messages(title) + gate_messages(title) + [move_message(title)]:
        assert nested_in_same_marks(message) is None, message


def test_the_not_public_refusal_quotes_an_issued_title_in_single_marks():
    message = gazette_messages("关于印发《根河市驯鹿养殖补贴管理办法》的通知")[0]
    assert "根政办发〔2019〕36号《关于印发〈根河市驯鹿养殖补贴管理办法〉的通知》（卷宗 D-1）标注为不予公开" in message
    assert "《根河市驯鹿养殖补贴管理办法》" not in message
