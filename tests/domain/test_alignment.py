"""逐条对照 (issue 14): each policy provision beside the interpretation answers that explain it,
placed as the consistency check places them (review/alignment.py)."""
from __future__ import annotations

from documents.anchors import Para
from review.alignment import aligned, answers_of

POLICY = [
    Para(index=1, text="某某市促进就业若干措施"),
    Para(index=2, text="一、稳定就业岗位", anchor="一、", level=1),
    Para(index=3, text="（一）支持企业稳岗。对不裁员的企业返还失业保险费50%。", anchor="一、（一）", level=2),
    Para(index=4, text="1.返还标准按上年度缴费计算。", anchor="一、（一）1.", level=3),
    Para(index=5, text="（二）扩大公益岗位。新开发岗位200个。", anchor="一、（二）", level=2),
    Para(index=6, text="二、加强技能培训", anchor="二、", level=1),
    Para(index=7, text="（一）开展以工代训。每人每月补贴500元。", anchor="二、（一）", level=2),
    Para(index=8, text="本措施自2027年1月1日起施行。", anchor="二、（一）"),
]

MATERIAL = [
    Para(index=1, text="《某某市促进就业若干措施》政策解读"),
    Para(index=2, text="问1：（一）支持企业稳岗有哪些内容？"),
    Para(index=3, text="答：对不裁员的企业返还失业保险费50%。"),
    Para(index=4, text="返还按上年度缴费计算。"),
    Para(index=5, text="问2：开展以工代训的补贴是多少？"),
    Para(index=6, text="答：每人每月500元。"),
    Para(index=7, text="问3：本措施何时施行？"),
    Para(index=8, text="答：自2027年1月1日起施行。"),
    Para(index=9, text="问4：稳定就业岗位的总体考虑是什么？"),
    Para(index=10, text="答：稳字当头。"),
]


def test_each_answer_sits_beside_the_provision_it_names_and_the_rest_come_last():
    rows = aligned(POLICY, MATERIAL)
    by = {r.anchor: [a.anchor for a in r.answers] for r in rows}
    assert [r.anchor for r in rows] == ["一、", "一、（一）", "一、（二）", "二、", "二、（一）", None]
    assert by == {"一、": ["问4"], "一、（一）": ["问1"], "一、（二）": [], "二、": [], "二、（一）": ["问2"],
                  None: ["问3"]}
    first = rows[1].answers[0]
    assert first.question.startswith("问1：") and first.answer == ["答：对不裁员的企业返还失业保险费50%。",
                                                                   "返还按上年度缴费计算。"]
    assert first.source == "解读材料" and first.paragraph == 2 and first.provision == "一、（一）"
    assert rows[1].text.startswith("（一）支持企业稳岗") and rows[1].level == 2
    assert [r.below for r in rows] == [1, 0, 0, 1, 0, 0]     # 一、 and 二、 are also explained item by item


def test_a_question_naming_a_third_level_provision_sits_on_its_second_level_row():
    material = [Para(index=1, text="问1：（一）1.返还标准怎么算？"), Para(index=2, text="答：按上年度。")]
    rows = aligned(POLICY, material)
    assert [a.provision for r in rows for a in r.answers] == ["一、（一）1."]
    assert next(r for r in rows if r.answers).anchor == "一、（一）"
    assert all(r.anchor != "一、（一）1." for r in rows)          # level 3 is not a row of its own


def test_the_plans_questions_count_too_and_a_document_without_questions_adds_nothing():
    plan = [Para(index=1, text="问1：扩大公益岗位有多少？"), Para(index=2, text="答：200个。")]
    rows = aligned(POLICY, MATERIAL, plan)
    two = next(r for r in rows if r.anchor == "一、（二）")
    assert [(a.anchor, a.source) for a in two.answers] == [("问1", "解读方案")]
    outline_plan = [Para(index=1, text="一、解读背景", anchor="一、", level=1), Para(index=2, text="（一）主要内容")]
    assert answers_of(POLICY, outline_plan, "解读方案") == []
    assert aligned(POLICY, [], outline_plan)[-1].anchor == "二、（一）"       # no trailing row


def test_no_policy_provisions_leaves_only_the_row_of_unplaced_answers():
    rows = aligned([Para(index=1, text="通知正文")], MATERIAL)
    assert len(rows) == 1 and rows[0].anchor is None and len(rows[0].answers) == 4
    assert aligned([], []) == []
