"""书名号 nesting: 《》 outside, 〈〉 for a title quoted inside (documents/titles.py)."""
from __future__ import annotations

import pytest

from documents.titles import book_title, nested


@pytest.mark.parametrize("title, expected", [
    ("根河市2019年政务公开工作要点", "《根河市2019年政务公开工作要点》"),
    ("关于印发《根河市驯鹿养殖补贴管理办法》的通知", "《关于印发〈根河市驯鹿养殖补贴管理办法〉的通知》"),
    ("《关于印发《X办法》的通知》", "《关于印发〈X办法〉的通知》"),          # its own outer marks
    ("关于印发〈X办法〉的通知", "《关于印发〈X办法〉的通知》"),              # already nested
    ("关于转发《关于印发〈X办法〉的通知》的通知", "《关于转发〈关于印发《X办法》的通知〉的通知》"),
    ("关于废止《A》和《B》的决定", "《关于废止〈A〉和〈B〉的决定》"),
    ("《A》与《B》的衔接办法", "《〈A〉与〈B〉的衔接办法》"),               # not one title in marks
])
def test_a_title_inside_book_title_marks_quotes_its_titles_in_single_marks(title, expected):
    assert book_title(title) == expected


def test_nesting_twice_changes_nothing():
    for title in ("关于印发《X办法》的通知", "关于转发《关于印发《X办法》的通知》的通知", "《A》与《B》"):
        once = nested(title)
        assert nested(once) == once and book_title(book_title(title)) == book_title(title)


def test_an_unmatched_mark_is_kept_and_nothing_is_lost():
    assert nested("关于《X办法的通知") == "关于〈X办法的通知"
    assert nested("X办法》的通知") == "X办法〉的通知"
    assert nested("  根河市工作要点 ") == "根河市工作要点"
