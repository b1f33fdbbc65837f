"""Return and resubmit: paragraphs anchored to provisions, and what changed between versions."""
import io
import zipfile

import pytest

from documents import anchors
from documents.diff import Change, Para, diff_paragraphs, paragraphs, render_text, summary
from samples import genhe
from tests.domain.docx_factory import (Line, build, index_of, interpretation_lines, policy_lines,
                                       with_line)

SENTENCE = "各地区各部门要密切关注舆情，及时回应社会关切。"


def starting(paras: list[Para], opening: str) -> Para:
    return next(p for p in paras if p.text.startswith(opening))


def paras_of(lines: list[Line]) -> list[Para]:
    return paragraphs("policy.docx", build(lines))


def diff_of(old: list[Line], new: list[Line]) -> list[Change]:
    return diff_paragraphs(paras_of(old), paras_of(new))


def not_equal(changes: list[Change]) -> list[Change]:
    return [c for c in changes if c.kind != "equal"]


def both_sides_rebuilt(changes, old, new) -> None:
    """Every paragraph of either version is accounted for, in order, exactly once."""
    assert [c.old_text for c in changes if c.kind != "insert"] == [p.text for p in old]
    assert [c.new_text for c in changes if c.kind != "delete"] == [p.text for p in new]
    assert [c.old_index for c in changes if c.kind != "insert"] == [p.index for p in old]
    assert [c.new_index for c in changes if c.kind != "delete"] == [p.index for p in new]


# --------------------------------------------------------------------------------------------
# Paragraphs and their anchors


def test_paragraph_numbers_are_the_document_numbering_used_by_intake():
    from documents.extract import inspect_docx

    data = build(policy_lines())
    meta = inspect_docx("policy.docx", data).metadata
    by_index = {p.index: p for p in paragraphs("policy.docx", data)}
    for item in meta.outline:   # the outline intake reports the same paragraph numbers
        assert by_index[item.paragraph].text.startswith(item.label)
    assert all(p.text for p in by_index.values())   # empty paragraphs are not offered for review


def test_anchor_is_the_provision_path_and_a_level_one_heading_resets_lower_levels():
    paras = paras_of(policy_lines())
    expected = [
        ("现将《根河市", ""),                   # before the first heading
        ("一、着眼稳定", "一、"),
        ("（一）深入解读", "一、（一）"),
        ("（二）积极回应", "一、（二）"),
        ("各地区各部门", "一、（二）"),          # body text under its heading
        ("1．健全回应", "一、（二）1."),
        ("（1）明确责任", "一、（二）1.（1）"),
        ("二、围绕重点", "二、"),                # not 二、（二）1.（1）
        ("推进重大建设", "二、"),
    ]
    assert [(o, starting(paras, o).anchor) for o, _ in expected] == expected
    assert starting(paras, "一、着眼稳定").level == 1
    assert starting(paras, "各地区各部门").level is None


def test_signature_date_and_colophon_sit_under_no_provision():
    paras = paras_of(policy_lines())
    for opening in ("附件：根河市", "2019年8月5日", "（此件主动公开）", "抄送：市委各"):
        assert starting(paras, opening).anchor == ""


def test_half_width_brackets_in_the_document_give_the_canonical_anchor():
    lines = with_line(policy_lines(), index_of(policy_lines(), "（二）"), text="(二)积极回应社会关切。")
    para = next(p for p in paras_of(lines) if p.text.startswith("(二)"))
    assert para.anchor == "一、（二）"


def test_sample_policy_sections_are_anchored():
    paras = paragraphs("policy.docx", genhe.policy_docx())
    anchors_seen = {p.anchor for p in paras}
    assert {"一、", "一、（三）", "三、（四）", "五、（四）"} <= anchors_seen


@pytest.mark.parametrize("data", [
    b"",
    b"this is not a word document",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,          # a .doc
    b"{\\rtf1 hello}",
])
def test_an_unreadable_file_gives_no_paragraphs_rather_than_an_error(data):
    assert paragraphs("broken.docx", data) == []


def test_a_zip_without_a_word_body_gives_no_paragraphs():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hi")
    assert paragraphs("broken.docx", out.getvalue()) == []


def test_a_truncated_docx_gives_no_paragraphs():
    data = build(policy_lines())
    assert paragraphs("broken.docx", data[: len(data) // 2]) == []


# --------------------------------------------------------------------------------------------
# Resolving what a reviewer types


@pytest.fixture(scope="module")
def policy_paras() -> list[Para]:
    return paras_of(policy_lines())


@pytest.mark.parametrize("typed", [
    "一、（二）", "一（二）", "一、(二)", "一 、（ 二 ）", "第一部分第（二）项", "第一部分（二）",
    "【一、（二）】", "一.(二)", "（二）", "(二)", "一、（二）积极回应社会关切",
])
def test_written_forms_of_one_provision_resolve_to_its_heading(policy_paras, typed):
    found = anchors.find(policy_paras, typed)
    assert found is not None and found.text.startswith("（二）积极回应社会关切")


@pytest.mark.parametrize("typed, opening", [
    ("一、", "一、着眼稳定预期"),
    ("第二部分", "二、围绕重点领域"),
    ("二", "二、围绕重点领域"),
    ("一、（二）1.", "1．健全回应机制"),
    ("一（二）1．（1）", "（1）明确责任"),
    ("（1）", "（1）明确责任"),                 # unique lower level alone
    ("一、1.", "1．健全回应机制"),              # a level skipped, still one provision
    ("第5段", "各乡镇人民政府"),                 # a paragraph number
])
def test_other_levels_and_paragraph_numbers_resolve(policy_paras, typed, opening):
    found = anchors.find(policy_paras, typed)
    assert found is not None and found.text.startswith(opening)


def test_a_lower_level_alone_that_occurs_under_two_headings_is_ambiguous():
    paras = paragraphs("policy.docx", genhe.policy_docx())  # （二） under each of 一、 … 五、
    assert anchors.find(paras, "（二）") is None
    found = anchors.find(paras, "第三部分第（二）项")
    assert found is not None and found.anchor == "三、（二）"


def test_a_provision_that_does_not_exist_resolves_to_nothing(policy_paras):
    assert anchors.find(policy_paras, "三、（五）") is None
    assert anchors.find(policy_paras, "第99段") is None
    assert anchors.find(policy_paras, "") is None
    assert anchors.find([], "一、") is None


def test_interpretation_questions_and_quoted_phrases_resolve_by_text():
    paras = paragraphs("interpretation.docx", build(interpretation_lines()))
    assert anchors.find(paras, "问2").text.startswith("问2：主要任务")
    assert anchors.find(paras, "“为深入贯彻落实国家和自治区”").text.startswith("答：为深入贯彻")
    assert anchors.find(paras, "问") is None   # several questions: ambiguous


@pytest.mark.parametrize("typed, canonical", [
    ("一（二）", "一、（二）"),
    ("第一部分第（二）项", "一、（二）"),
    ("一、(二)", "一、（二）"),
    (" 一 、 （ 二 ） ", "一、（二）"),
    ("（二）", "（二）"),
    ("三、（二）1．(3)", "三、（二）1.（3）"),
    ("第十二部分", "十二、"),
    ("第 5 段", "第5段"),
])
def test_normalise_gives_one_canonical_form(typed, canonical):
    assert anchors.normalise(typed) == canonical


def test_heading_text_that_starts_with_a_numeral_is_not_a_label():
    assert anchors.parse("一、十大工程")[0] == [(1, 1)]


# --------------------------------------------------------------------------------------------
# Diffing two versions


def test_unchanged_documents_are_all_equal():
    old = paras_of(policy_lines())
    new = paras_of(policy_lines())
    changes = diff_paragraphs(old, new)
    assert {c.kind for c in changes} == {"equal"}
    assert summary(changes) == {"equal": len(old), "insert": 0, "delete": 0, "replace": 0}


def test_one_edited_sentence_is_one_replace_anchored_to_its_provision_with_the_changed_characters():
    lines = policy_lines()
    k = index_of(lines, "各地区各部门")
    new = with_line(lines, k, text="各地区各部门要密切关注网络舆情，第一时间回应社会关切。")
    changes = not_equal(diff_of(lines, new))
    assert len(changes) == 1
    change = changes[0]
    assert change.kind == "replace" and change.anchor == "一、（二）"
    assert change.old_index == change.new_index == 10
    assert [s.text for s in change.spans if s.kind == "insert"] == ["网络", "第一时间"]
    assert [s.text for s in change.spans if s.kind == "delete"] == ["及时"]
    assert "".join(s.text for s in change.spans if s.kind != "insert") == SENTENCE
    assert "".join(s.text for s in change.spans if s.kind != "delete") == change.new_text


def test_an_inserted_paragraph_is_one_insert_under_its_provision():
    lines = policy_lines()
    k = index_of(lines, "各地区各部门")
    added = Line("对涉及群众切身利益的政策，要在出台后三个工作日内作出解读。")
    new = lines[: k + 1] + [added] + lines[k + 1:]
    changes = diff_of(lines, new)
    edits = not_equal(changes)
    assert [(c.kind, c.new_index, c.anchor, c.new_text) for c in edits] == [
        ("insert", 11, "一、（二）", added.text)]
    both_sides_rebuilt(changes, paras_of(lines), paras_of(new))


def test_a_deleted_paragraph_is_one_delete_with_its_old_number_and_anchor():
    lines = policy_lines()
    k = index_of(lines, "（1）明确责任")
    new = lines[:k] + lines[k + 1:]
    changes = diff_of(lines, new)
    edits = not_equal(changes)
    assert [(c.kind, c.old_index, c.new_index, c.anchor) for c in edits] == [
        ("delete", 12, None, "一、（二）1.（1）")]
    assert summary(changes)["delete"] == 1


def test_an_edit_next_to_an_insert_still_pairs_the_edited_paragraph():
    lines = policy_lines()
    k = index_of(lines, "各地区各部门")
    new = (lines[:k] + [Line("各地区各部门要密切关注网络舆情，及时回应社会关切。"),
                        Line("建立健全政务舆情回应台账，实行销号管理。")] + lines[k + 1:])
    edits = not_equal(diff_of(lines, new))
    assert [c.kind for c in edits] == ["replace", "insert"]
    assert [s.text for s in edits[0].spans if s.kind != "equal"] == ["网络"]


def test_a_rewritten_paragraph_is_a_delete_and_an_insert_not_a_replace():
    lines = policy_lines()
    k = index_of(lines, "推进重大建设项目")
    new = with_line(lines, k, text="全面推行行政执法公示制度，依法公开执法依据、程序和结果。")
    assert sorted(c.kind for c in not_equal(diff_of(lines, new))) == ["delete", "insert"]


def test_reordered_sections_keep_every_paragraph_and_equal_text_takes_the_new_anchor():
    lines = policy_lines()
    first, second, tail = index_of(lines, "一、"), index_of(lines, "二、"), index_of(lines, "附件")
    moved_up = [Line("一、围绕重点领域，深化决策和执行公开")] + lines[second + 1:tail]
    moved_down = [Line("二、着眼稳定预期，加强政策解读和回应关切")] + lines[first + 1:second]
    new = lines[:first] + moved_up + moved_down + lines[tail:]
    old_p, new_p = paras_of(lines), paras_of(new)
    changes = diff_paragraphs(old_p, new_p)
    both_sides_rebuilt(changes, old_p, new_p)
    moved = "推进重大建设项目、公共资源配置、社会公益事业建设等领域政府信息公开。"
    assert [c.kind for c in changes if moved in (c.old_text, c.new_text)] == ["insert", "delete"]
    kept = next(c for c in changes if c.old_text == SENTENCE)
    assert kept.kind == "equal" and kept.anchor == "二、（二）"
    renumbered = next(c for c in changes if c.kind == "replace")
    assert [s.text for s in renumbered.spans if s.kind != "equal"] == ["一", "二"]


@pytest.mark.parametrize("old_variant, new_variant", [(0, 1), (1, 2), (3, 0)])
def test_any_two_versions_are_fully_accounted_for(old_variant, new_variant):
    old = paragraphs("old.docx", genhe.policy_docx(body_variant=old_variant))
    new = paragraphs("new.docx", genhe.policy_docx(body_variant=new_variant))
    changes = diff_paragraphs(old, new)
    both_sides_rebuilt(changes, old, new)
    for c in changes:
        if c.kind == "replace":
            assert "".join(s.text for s in c.spans if s.kind != "insert") == c.old_text
            assert "".join(s.text for s in c.spans if s.kind != "delete") == c.new_text


def test_diff_against_an_unreadable_version_is_all_inserts():
    new = paras_of(policy_lines())
    changes = diff_paragraphs(paragraphs("broken.docx", b"garbage"), new)
    assert summary(changes) == {"equal": 0, "insert": len(new), "delete": 0, "replace": 0}


# --------------------------------------------------------------------------------------------
# Text rendering


def test_render_shows_the_provision_paragraph_and_inline_marks_and_collapses_the_rest():
    lines = policy_lines()
    k = index_of(lines, "各地区各部门")
    new = with_line(lines, k, text="各地区各部门要密切关注网络舆情，第一时间回应社会关切。")
    text = render_text(diff_of(lines, new), context=1)
    out = text.splitlines()
    assert "【一、（二）】第 10 段 修改：" in out
    assert "－ 各地区各部门要密切关注舆情，[-及时-]回应社会关切。" in out
    assert "＋ 各地区各部门要密切关注{+网络+}舆情，{+第一时间+}回应社会关切。" in out
    assert any(line.startswith("　 第 9 段：") for line in out)      # context before
    assert any(line.startswith("　 第 11 段：") for line in out)     # context after
    assert not any(line.startswith("　 第 8 段：") for line in out)  # beyond context
    assert any("段未改动" in line for line in out)


def test_render_names_inserts_deletes_and_moves():
    lines = policy_lines()
    first, second, tail = index_of(lines, "一、"), index_of(lines, "二、"), index_of(lines, "附件")
    k = index_of(lines, "（1）明确责任")
    new = (lines[:first] + lines[second + 1:tail] + lines[first:k] + lines[k + 1:second]
           + [Line("三、加强组织保障")] + lines[tail:])
    text = render_text(diff_of(lines, new), context=0)
    assert "原第 12 段 删除：" in text
    assert "新增：\n＋ 三、加强组织保障" in text
    assert "移入（原第 14 段）" in text and "移出（现第 7 段）" in text


def test_render_of_identical_versions_says_so():
    assert render_text(diff_of(policy_lines(), policy_lines())) == "两个版本内容一致，未发现改动。"
