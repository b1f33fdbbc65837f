"""The home's private files stay private and its public outputs stay readable (issue 11, item 8).

A home made by `lockstep init`, a bundle submitted, reviewed, signed and published from the command
line, a desk password set; then every file is stat-ed. Run under a loose umask (0002, common where
each user has their own group): the database (with its -wal and -shm), the config, the objects and
the desk's credentials are 0600 in 0700 folders whatever the umask; the site a web server serves
stays readable by others."""
from __future__ import annotations

import os
import stat

import pytest

from tests.conftest import Cli
from tests.cli.test_journey import approve_all

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def loose_umask():
    old = os.umask(0o002)
    try:
        yield
    finally:
        os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_homes_database_config_objects_and_credentials_are_private_and_the_site_is_public(
        tmp_path, sample_zip, loose_umask):
    home = tmp_path / "home"
    cli = Cli(home)
    assert cli.json("init")["created"] is True
    d = cli.json("submit", sample_zip(), "--as", "drafter")["dossier"]
    approve_all(cli, d)
    signed = cli.json("sign-off", d, "--as", "signer")
    assert signed["publication"]["published"] is True
    cli.json("users", "password", "drafter")
    cli.json("users", "token", "reviewer")
    cli.json("gazette", "issue", "new", "--year", "2019", "--number", "8", "--date", "2019-08-30", "--as", "editor")
    cli.json("gazette", "issue", "add", "2019-8", d, "--as", "editor")
    editions = tmp_path / "editions"
    cli.json("gazette", "issue", "release", "2019-8", "--out", editions, "--as", "editor")

    assert mode(home) == 0o711                                    # nobody else lists it; site/ stays reachable
    private_files = [home / "lockstep.toml", home / "lockstep.db"]      # passwords and tokens: in the database
    private_files += [home / f"lockstep.db-{x}" for x in ("wal", "shm") if (home / f"lockstep.db-{x}").exists()]
    objects = [p for p in (home / "objects").rglob("*")]
    assert [p for p in objects if p.is_file()], "the submission stored no objects"
    for path in private_files + [p for p in objects if p.is_file()]:
        assert mode(path) == 0o600, f"{path.relative_to(home)} is {oct(mode(path))}"
    for folder in [home / "objects", home / "prefect"] + [p for p in objects if p.is_dir()]:
        assert mode(folder) == 0o700, f"{folder.relative_to(home)} is {oct(mode(folder))}"

    for public in (home / "site", editions):                     # the web pages and the gazette's editions
        published = [p for p in public.rglob("*") if p.is_file()]
        assert published, f"nothing was written to {public}"
        for path in published:                                     # a web server reads them
            assert mode(path) & 0o444 == 0o444, f"{path.relative_to(tmp_path)} is {oct(mode(path))}"
        for folder in [public] + [p for p in public.rglob("*") if p.is_dir()]:
            assert mode(folder) & 0o555 == 0o555, f"{folder.relative_to(tmp_path)} is {oct(mode(folder))}"


def test_an_older_homes_readable_database_is_made_private_when_it_is_opened(tmp_path):
    from services.home.context import initialise
    from services.home.folder import Home
    from storage.db import make_engine
    h = Home(tmp_path / "old")
    initialise(h)
    for name in ("lockstep.db", "lockstep.db-wal", "lockstep.db-shm", "lockstep.toml"):
        if (h.path / name).exists():
            os.chmod(h.path / name, 0o644)                       # as the first release left them
    again = Home(h.path)                                          # a later command: reads the config,
    make_engine(again.database_url).dispose()                     # opens the database
    for name in ("lockstep.db", "lockstep.db-wal", "lockstep.db-shm", "lockstep.toml"):
        if (h.path / name).exists():
            assert mode(h.path / name) == 0o600, name
