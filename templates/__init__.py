"""How it looks: Jinja2 templates for web releases, the gazette and register pages, and notices."""
from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape

from documents.shown import without_direction


def _shown(value):
    """Every value a page prints leaves out direction controls (documents/shown.py); markup already
    made, such as a document's cleaned HTML, is left as it is."""
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return without_direction(value)
    return value


@lru_cache(maxsize=1)
def environment() -> Environment:
    # Autoescape everything: titles and names come from uploaded documents.
    return Environment(loader=PackageLoader("templates", ""), autoescape=select_autoescape(default=True),
                       trim_blocks=True, lstrip_blocks=True, finalize=_shown)


def render(name: str, **context) -> str:
    return environment().get_template(name).render(**context)
