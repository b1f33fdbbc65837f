"""修改说明 as the domain reads it (review/revision.py, documents/revision_note.py): which reason an
answer names, the shapes a bundle may carry, what is refused."""
from __future__ import annotations

import datetime as dt

import pytest

from documents.problems import Refused
from documents.revision_note import parse_note, read_note
from review.model import Reason, StageDecided
from review.revision import Answer, match_answers, note, returned_view, split_answer, unanswered_warnings

REASONS = (Reason(anchor="一、（二）", paragraph=11, text="表述不清"),
           Reason(document="interpretation_material", anchor="问2", paragraph=7, text="不一致"),
           Reason(text="请补充起草说明"))


def test_an_answer_names_its_reason_by_anchor_by_document_and_anchor_or_by_number():
    got = match_answers(REASONS, [split_answer("第一部分第（二）项=已修改"), split_answer("解读：问 2=已改"),
                                  split_answer("理由3 = 已补充")])
    assert got == {1: "已修改", 2: "已改", 3: "已补充"}
    assert match_answers(REASONS, [Answer(reason="2", text="x")]) == {2: "x"}


@pytest.mark.parametrize("written", ["九、（八）", "问2", "理由4", "0", "政策：问2"])
def test_an_answer_naming_no_reason_of_the_return_is_refused_not_found(written):
    with pytest.raises(Refused) as e:
        match_answers(REASONS, [Answer(reason=written, text="已修改")])
    assert e.value.problem.code == "not_found" and "可答复：一、（二）、解读：问2、理由3" in e.value.problem.message


def test_a_line_without_equals_two_different_answers_or_an_empty_one_are_refused():
    for bad in ("一、（二）已修改", "=已修改", "一、（二）="):
        with pytest.raises(Refused) as e:
            split_answer(bad)
        assert e.value.problem.code == "request_invalid"
    with pytest.raises(Refused):
        match_answers(REASONS, [Answer(reason="1", text="a"), Answer(reason="一、（二）", text="b")])


def test_the_view_pairs_reasons_with_the_latest_answers_after_the_returned_version_and_flags_the_rest():
    at = dt.datetime(2026, 12, 1, 9, 0)
    ret = StageDecided(dossier_id="D", actor="director", at=at, stage="unit_check", fingerprint="f1",
                       verdict="return", unit="局", role="unit_head", reasons=REASONS)
    pending = returned_view([ret], [(1, "f1", None)], "returned")
    assert pending.pending and pending.next_move and unanswered_warnings(pending) == []
    v2 = note(ret, 1, {1: "已修改"})
    v3 = note(ret, 1, {1: "再次修改", 3: "已补充"})
    view = returned_view([ret], [(1, "f1", None), (2, "f2", v2), (3, "f3", v3)], "submitted")
    assert [(r.answer, r.answered_in) for r in view.reasons] == [("再次修改", 3), (None, None), ("已补充", 3)]
    assert not view.pending and view.next_move is None and view.answered_by_version == 2
    [w] = unanswered_warnings(view)
    assert w.code == "reason_unanswered" and w.severity == "warning" and w.paragraph == 7


@pytest.mark.parametrize("value", [["一、（二）"], {"一、（二）": 3}, "已修改", [{"理由": "1"}],
                                   [{"理由": "1", "修改说明": "x", "答复": "y"}], {"1": "  "}])
def test_a_note_of_an_unknown_shape_is_an_error_problem(value):
    pairs, problems = parse_note(value)
    assert problems and all(p.code == "revision_note_invalid" and p.severity == "error" for p in problems)


def test_a_note_reads_as_a_table_or_a_list_in_utf8_or_gbk():
    assert read_note('{"一、（二）": "已修改"}'.encode("gbk")) == ((("一、（二）", "已修改"),), [])
    assert parse_note([{"reason": "理由3", "answer": "已补充"}]) == ((("理由3", "已补充"),), [])
    assert read_note(b"\xff\xfe not json")[1][0].code == "revision_note_invalid"
