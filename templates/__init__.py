"""How it looks: Jinja2 templates for web releases, the gazette and register pages, and notices."""
from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape


@lru_cache(maxsize=1)
def environment() -> Environment:
    # Autoescape everything: titles and names come from uploaded documents.
    return Environment(loader=PackageLoader("templates", ""), autoescape=select_autoescape(default=True),
                       trim_blocks=True, lstrip_blocks=True)


def render(name: str, **context) -> str:
    return environment().get_template(name).render(**context)
