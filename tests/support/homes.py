"""Homes that share servers: several machines' homes naming one database and one object folder."""
from __future__ import annotations

from pathlib import Path

import tomlkit


def shared_home(path: Path, database: str, objects: Path, **sections: dict):
    """A home whose [storage] names the shared database and object folder; `sections` adds tables
    to its lockstep.toml (e.g. prefect={"api_url": …, "pool": …})."""
    from services.home.folder import Home
    home = Home(path)
    home.create()
    doc = tomlkit.parse(home.config_path.read_text(encoding="utf-8"))
    doc["storage"]["database"] = database
    doc["storage"]["objects"] = f"folder:{objects}"
    for name, values in sections.items():
        table = tomlkit.table()
        for key, value in values.items():
            table[key] = value
        doc[name] = table
    home.config_path.write_text(tomlkit.dumps(doc), encoding="utf-8")
    return home
