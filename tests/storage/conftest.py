from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


from storage.objects import FolderStore, MinioStore
from tests.support.postgres import PgServer, postgres_server
from tests.support.seaweed import S3Endpoint, seaweed_s3


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Endpoint]:
    """One real SeaweedFS S3 server per session (~1 s to start, ~2 s to stop)."""
    # mkdtemp, not tmp_path_factory: short paths for the unix sockets (~107 byte limit).
    tmp = Path(tempfile.mkdtemp(prefix="lockstep-s3-"))
    try:
        with seaweed_s3(tmp) as endpoint:
            yield endpoint
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def s3_store(s3: S3Endpoint) -> MinioStore:
    """A MinioStore on a bucket no other test uses."""
    return MinioStore(s3.endpoint, f"t-{uuid.uuid4().hex[:16]}",
                      access_key=s3.access_key, secret_key=s3.secret_key, secure=False)


@pytest.fixture
def folder_store(tmp_path: Path) -> FolderStore:
    return FolderStore(tmp_path / "objects")


@pytest.fixture(scope="session")
def pg() -> Iterator[PgServer]:
    """One real PostgreSQL 15 server per session (initdb -N + start, about 1 s)."""
    with postgres_server() as server:
        yield server


@pytest.fixture
def pg_url(pg: PgServer) -> str:
    """A SQLAlchemy URL for a database no other test uses (so services' engine cache misses too)."""
    return pg.create_database(f"t_{uuid.uuid4().hex[:16]}")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_svc(request, tmp_path, monkeypatch):
    """A home on SQLite and, as a second run, on the real PostgreSQL (a fresh database)."""
    from services.home import context as context
    from services.home.context import initialise
    from services.home.folder import Home
    if request.param == "postgresql":
        monkeypatch.setenv("LOCKSTEP_DATABASE_URL", request.getfixturevalue("pg_url"))
    _, svc = initialise(Home(tmp_path / "home"))
    assert svc.engine.dialect.name == request.param
    yield svc
    if request.param == "postgresql":
        context._engines.pop(svc.home.database_url, None)      # one pool per test database
        svc.engine.dispose()


@pytest.fixture(params=["folder", "s3"])
def any_svc(request, tmp_path, monkeypatch):
    """An initialised home on either object store: its own folder, or a fresh bucket on SeaweedFS."""
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    home = Home(tmp_path / "home")
    initialise(home)
    if request.param == "s3":
        endpoint = request.getfixturevalue("s3")
        monkeypatch.setenv("LOCKSTEP_OBJECTS", endpoint.url(f"ls-{uuid.uuid4().hex[:12]}"))
    return open_services(home)

