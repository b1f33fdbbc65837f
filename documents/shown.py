"""What people read of stored text: the one list of characters every output leaves out.

Direction controls (LRE…RLO U+202A–U+202E, LRI…PDI U+2066–U+2069) draw nothing and show the text
after them in another order than it is stored: a title ending “…的\u202e知通废止” would read on the
sign page, in a notice or in the 合法性审核意见书 otherwise than what is signed. Pages
(templates/__init__.py), notices (services/review/notify.py) and the opinion (templates/opinion.py)
print text through `without_direction`.
"""
from __future__ import annotations

DIRECTION_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def without_direction(text: str) -> str:
    return text.translate(DIRECTION_CONTROLS)
