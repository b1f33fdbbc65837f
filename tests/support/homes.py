"""Homes that share servers: several machines' homes naming one database and one object folder."""
from __future__ import annotations

from contextlib import contextmanager
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


@contextmanager
def scratch_home(prefix: str):
    """(home, base): a new embedded home under a fresh temporary folder `base`, initialised (migrated, the
    default people), removed with everything in `base` afterwards. For a module's shared world fixture."""
    import shutil
    import tempfile

    from services.home.context import initialise
    from services.home.folder import Home
    base = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        home = Home(base / "home")
        initialise(home)
        yield home, base
    finally:
        shutil.rmtree(base, ignore_errors=True)
