"""How it looks: Jinja2 templates for web releases, the gazette and register pages, and notices."""
from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape


# Direction controls (LRE…RLO U+202A–U+202E, LRI…PDI U+2066–U+2069) draw nothing and show the text after
# them in another order than it is stored: a title ending “…的\u202e知通废止” reads differently on the sign
# page than what is signed. Every value a page prints leaves them out (markup already made, such as a
# document's cleaned HTML, is left as it is).
_DIRECTION = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def _shown(value):
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return value.translate(_DIRECTION)
    return value


@lru_cache(maxsize=1)
def environment() -> Environment:
    # Autoescape everything: titles and names come from uploaded documents.
    return Environment(loader=PackageLoader("templates", ""), autoescape=select_autoescape(default=True),
                       trim_blocks=True, lstrip_blocks=True, finalize=_shown)


def render(name: str, **context) -> str:
    return environment().get_template(name).render(**context)
