"""The config file's fingerprint in the audit chain: a hand edit of lockstep.toml is an action too.

Kept apart from services/home/people.py so that opening services (services/home/context.py), which
records an edit on the first command after it, imports nothing that imports it back.
"""
from __future__ import annotations

import getpass
import hashlib

from review.model import ConfigChanged
from services.home.folder import Home


def config_sha(home: Home) -> str:
    return hashlib.sha256(home.config_path.read_bytes()).hexdigest()


def record_config_edits(svc) -> bool:
    """A hand edit of lockstep.toml is an action too: the first command after it records it
    (with the file's fingerprint), so the audit chain shows when the rules changed.
    `svc` is the opened Services (its home, clock and `unit()`)."""
    current = config_sha(svc.home)
    with svc.unit() as uow:
        last = uow.people.last_config_change()
        previous = ((last.payload or {}).get("detail") or {}).get("sha256") if last else None
        if previous == current:
            return False
        uow.audit.append(ConfigChanged(dossier_id=None, actor=getpass.getuser(), at=uow.now(),
                                       change="edited" if last else "initialised",
                                       detail={"sha256": current, "previous": previous}))
    return True
