"""Which role each bundle member plays, and which members are Word documents to read.

Order of evidence: bundle.json, then the file name, then what the document says about itself.
"""
from __future__ import annotations

from pathlib import PurePosixPath

from documents.models import DocumentMeta, Role

WORD_SUFFIXES = frozenset({".docx", ".docm", ".dotx", ".dotm", ".doc", ".dot", ".wps", ".wpt"})
MEDIA_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".pdf",
                            ".mp3", ".mp4", ".m4a", ".wav", ".mov"})
TEXT_ROLES = frozenset({"policy", "interpretation_plan", "interpretation_material", "risk_assessment",
                        "response_plan", "drafting_note", "consultation"})


def is_word(name: str, role: Role | None) -> bool:
    """A member said to be a Word document: by its suffix, or by a text role given without a media suffix."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in WORD_SUFFIXES:
        return True
    return role in TEXT_ROLES and suffix not in MEDIA_SUFFIXES


def final_role(declared: Role | None, meta: DocumentMeta | None) -> Role:
    if declared:
        return declared
    if meta and meta.suggested_role:
        return meta.suggested_role
    return "other"      # a picture or recording with no name hint: kept, but plays no role in the gate
