"""What the database keeps of passwords and tokens (issue 13: they moved from desk-users.json)."""
from __future__ import annotations

import json
from pathlib import Path


def stored_secrets(home: Path) -> str:
    """Every stored password entry and token digest of a home, as one text to search."""
    from services.home.context import open_services
    from services.home.folder import Home
    from storage.tables import ApiTokenRow, CredentialRow
    with open_services(Home(home)).session() as s:
        rows = [{"name": r.name, "scrypt": r.scrypt, "salt": r.salt, "hash": r.hash} for r in s.query(CredentialRow)]
        rows += [{"name": r.name, "digest": r.digest} for r in s.query(ApiTokenRow)]
    return json.dumps(rows, ensure_ascii=False)
