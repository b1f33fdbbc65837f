"""A finding of the interpretation-against-policy check (review/consistency.py), on its own so that a
cached read of the findings (services/dossiers/consistency.py) needs neither the docx reader nor the
fact extractor. Pure: the model only."""
from __future__ import annotations

from pydantic import BaseModel


class Finding(BaseModel, frozen=True):
    kind: str
    anchor: str                    # the interpretation's place: 问3, 二、, or "第5段"
    value: str                     # the interpretation fact's normalised value
    text: str                      # as written in the interpretation
    paragraph: int
    policy_anchor: str | None = None   # the policy's place when a differing figure stands there
    policy_text: str | None = None


__all__ = ["Finding"]
