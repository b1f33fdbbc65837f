"""Titles in book-title marks (书名号): 《》 outside, 〈〉 for a title quoted inside it, 《》 again one level
further in (GB/T 15834-2011 4.15: 书名号中还需要用书名号时，里面一层用单书名号，外面一层用双书名号).

    book_title("关于印发《根河市驯鹿养殖补贴管理办法》的通知")
        == "《关于印发〈根河市驯鹿养殖补贴管理办法〉的通知》"

Pure: no I/O. A title may come with its own outer 《》 or already with 〈〉 inside; either way the
marks are set again by depth, so applying it twice changes nothing.
"""
from __future__ import annotations

_OPEN, _CLOSE = "《〈", "》〉"
_MARKS = {0: ("《", "》"), 1: ("〈", "〉")}     # by depth parity: 0 the outer pair, 1 the one inside


def _outer_pair(text: str) -> bool:
    """The whole text is one title in marks: its first mark opens and its last closes the same pair."""
    if len(text) < 2 or text[0] not in _OPEN or text[-1] not in _CLOSE:
        return False
    depth = 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth == 0 and i != len(text) - 1:
                return False       # 《A》与《B》: two titles, not one in marks
    return depth == 0


def nested(title: str) -> str:
    """The title's text as it goes inside 《…》: its own outer marks taken off, every title it quotes
    in 〈〉 (and a title inside that in 《》 again). An unmatched mark is kept, set for its depth."""
    text = title.strip()
    if _outer_pair(text):
        text = text[1:-1].strip()
    out, depth = [], 0
    for ch in text:
        if ch in _OPEN:
            depth += 1
            out.append(_MARKS[depth % 2][0])
        elif ch in _CLOSE:
            out.append(_MARKS[max(depth, 1) % 2][1])
            depth = max(depth - 1, 0)
        else:
            out.append(ch)
    return "".join(out)


def book_title(title: str) -> str:
    """The title in 《》 with the titles it quotes in 〈〉: 《关于印发〈X办法〉的通知》."""
    return f"《{nested(title)}》"
