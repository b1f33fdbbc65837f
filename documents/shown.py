"""What people read of stored text: the one list of characters every output leaves out.

Direction controls (LRE…RLO U+202A–U+202E, LRI…PDI U+2066–U+2069) draw nothing and show the text
after them in another order than it is stored: a title ending “…的\u202e知通废止” would read on the
sign page, in a notice or in the 合法性审核意见书 otherwise than what is signed. Pages
(templates/__init__.py), notices (services/review/notify.py) and the opinion (templates/opinion.py)
print text through `without_direction`.
"""
from __future__ import annotations

import unicodedata

DIRECTION_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def without_direction(text: str) -> str:
    return text.translate(DIRECTION_CONTROLS)


ECHO_LIMIT = 40           # characters of a person's input a refusal repeats; the rest is “…”
UNSEEN = "\ufffd"          # shown in place of a control or format character of the input


def echoed(value: object, limit: int = ECHO_LIMIT) -> str:
    """What a refusal repeats of a person's input (a dossier id, a registration number, a status, a name,
    a path): at most `limit` characters then “…”, and no character that draws nothing or moves the text
    around it — controls (C0, DEL, C1), format characters (the direction controls above, LRM/RLM, zero
    widths, BOM), line and paragraph separators and lone surrogates each show as U+FFFD “�”. Every refusal
    that echoes input puts it through here: a 5000-character id is not sent back whole, and a
    U+202E in it does not reorder the message it is quoted in."""
    text = "".join(UNSEEN if unicodedata.category(ch) in _UNSEEN_CATEGORIES else ch for ch in str(value))
    return text if len(text) <= limit else text[:limit] + "…"


_UNSEEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
