from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


from storage.objects import FolderStore, MinioStore
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
