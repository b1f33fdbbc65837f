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


def echoed(value: object, limit: int = ECHO_LIMIT) -> str:
    """What a refusal repeats of a person's input (a dossier id, a registration number, a status, a name,
    a path): at most `limit` characters as shown, then “…”, and no character that draws nothing or moves
    the text around it. Controls (C0, DEL, C1), format characters (the direction controls above, LRM/RLM,
    zero widths, BOM), line and paragraph separators and lone surrogates are shown as an escape, \\x1b or
    \\u202e, as the command line shows control characters (cli.output.printable); an escape is never cut
    in half. Every refusal that echoes input puts it through here: a 5000-character id is not sent back
    whole, and a U+202E in it does not reorder the message it is quoted in."""
    out, used = [], 0
    for ch in str(value):
        piece = _escape(ch) if unicodedata.category(ch) in _UNSEEN else ch
        if used + len(piece) > limit:
            return "".join(out) + "…"
        out.append(piece)
        used += len(piece)
    return "".join(out)


def _escape(ch: str) -> str:
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


_UNSEEN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
