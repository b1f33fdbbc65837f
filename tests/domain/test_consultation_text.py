"""What the public form keeps of what people type (issue 15 item 5, 网络征集): review.consultation's cleaning of
online comments, as properties. No invisible direction control, zero-width or control character survives (the
line break aside, in the text); ordinary Chinese text, punctuation and line breaks come through unchanged; and
a comment that is nothing but invisible characters is refused like an empty one. Pure: no home, no I/O."""
from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from documents.problems import Refused
from review.consultation import INVISIBLE, check_received, clean_online_comment, strip_invisible

BRIEFED = ([chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)]
           + ["\u200e", "\u200f", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
CONTROLS = [chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0)) if chr(c) not in "\n\r"]   # \r: a line break
HIDDEN = st.sampled_from(BRIEFED + CONTROLS + ["\u00ad", "\u2061", "\U000e0041"])   # soft hyphen, tags: Cf too

# Ordinary text of a comment: CJK, full- and half-width punctuation, letters, digits, spaces, emoji, line breaks.
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
PUNCT = st.sampled_from(list("，。、；：？！“”‘’（）《》〈〉【】…—·％,.;:?!()-/ 　") + ["\n"])
OTHER = st.sampled_from(list("abcXYZ0123456789０１２") + ["🙂", "é", "①"])
ORDINARY = st.text(st.one_of(CJK, PUNCT, OTHER), max_size=60)


def test_the_briefed_characters_are_all_removed():
    assert set(BRIEFED) <= INVISIBLE
    assert strip_invisible("".join(BRIEFED) + "意见" + "".join(CONTROLS), keep_lines=True) == "意见"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(ORDINARY, HIDDEN.map(str)), max_size=20), st.booleans())
def test_no_invisible_or_control_character_survives(parts, keep_lines):
    cleaned = strip_invisible("".join(parts), keep_lines)
    for ch in cleaned:
        assert ch not in INVISIBLE and unicodedata.category(ch) not in ("Cc", "Cf") or (keep_lines and ch == "\n"), \
            hex(ord(ch))
    assert cleaned == strip_invisible(cleaned, keep_lines)               # cleaning twice changes nothing more


@settings(max_examples=60, deadline=None)
@given(ORDINARY)
def test_ordinary_chinese_text_punctuation_and_line_breaks_survive_unchanged(text):
    assert strip_invisible(text, keep_lines=True) == text
    assert strip_invisible(text) == text.replace("\n", "")               # name and contact: one line


@settings(max_examples=60, deadline=None)
@given(ORDINARY.filter(lambda t: t.strip()), st.lists(HIDDEN, max_size=8), st.randoms(use_true_random=False))
def test_hidden_characters_sprinkled_into_a_comment_leave_exactly_the_comment(text, hidden, rnd):
    chars = list(text)
    for h in hidden:
        chars.insert(rnd.randint(0, len(chars)), h)
    _, _, body = clean_online_comment(None, None, "".join(chars))
    assert body == text.strip()


@settings(max_examples=50, deadline=None)
@given(st.lists(HIDDEN, min_size=1, max_size=12), st.sampled_from(["", " ", "\n", "\r\n", "　"]))
def test_a_comment_of_invisible_characters_only_is_refused_like_an_empty_one(hidden, pad):
    with pytest.raises(Refused) as e:
        clean_online_comment("张三", None, pad + "".join(hidden) + pad)
    assert e.value.problem.code == "request_invalid" and e.value.problem.message.startswith("请填写意见内容")


def test_the_length_cap_counts_what_is_left_and_windows_line_breaks_count_once():
    _, _, body = clean_online_comment(None, None, "\u200b" * 300 + "字" * 2000)
    assert len(body) == 2000
    assert clean_online_comment(None, None, "第一行\r\n第二行\r第三行\u2028第四行")[2] == "第一行\n第二行\n第三行\n第四行"
    who, how, _ = clean_online_comment("\u202e张三\u202c", "\u200b138 0000 0000\n", "好")
    assert (who, how) == ("张三", "138 0000 0000")


def test_a_comment_received_after_the_period_closed_is_refused_with_its_row():
    opens, closes = dt.date(2026, 7, 1), dt.date(2026, 7, 31)
    check_received(closes, opens, 1, closes)                              # the closing day is in the period
    check_received(None, opens, 2, closes)                                # no date: not checked
    with pytest.raises(Refused) as e:
        check_received(dt.date(2026, 8, 1), opens, 7, closes)
    assert e.value.problem.code == "request_invalid" and "第 7 条" in e.value.problem.message
    assert "征求意见期已于 2026年07月31日 结束" in e.value.problem.message
