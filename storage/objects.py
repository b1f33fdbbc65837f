"""Content-addressed object store: one interface, a folder backend and an S3 backend.

An object's key is the sha256 hex of its bytes, so a key names exactly one content:
putting the same bytes twice is a no-op, and a key never has to be "updated".
The domain never imports this module; services get an ObjectStore from open_store().
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from documents.problems import Refused, problem

CHUNK = 1024 * 1024
_KEY = re.compile(r"[0-9a-f]{64}")
# S3 codes that mean "no such object"; anything else (auth, network, no bucket) must surface.
_MISSING_CODES = {"NoSuchKey", "NoSuchObject"}
# S3 codes that mean "the server cannot answer now": like a timeout, retry later.
_BUSY_CODES = {"InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout", "ServerBusy"}
# An S3 server that does not answer (down, stopped, refusing) must not hold a command for the
# client's defaults (5 min per read, 5 retries: ~30 min). Seconds; ?connect_timeout=&read_timeout=
# in the store's URL change them. With RETRIES retries and BACKOFF, one operation gives up within
# about connect 3 × 4 + backoff, or read 10 × 2 + backoff: under 30 s.
CONNECT_TIMEOUT, READ_TIMEOUT = 3.0, 10.0
RETRIES, READ_RETRIES, BACKOFF = 3, 1, 0.3
# errno of a full disk and of a folder the process may not write: the object store cannot keep
# anything now, which is storage_unavailable with the reason named.
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


def unavailable(detail: str) -> Refused:
    return Refused(problem("storage_unavailable", detail))


def disk_fault(e: OSError, where: str = "对象存储") -> Refused | None:
    """The coded refusal for a full disk or a read-only folder, or None for other errors."""
    # What, not where: the desk's API answers this too, and paths and hosts are not for its clients.
    if e.errno in _DISK_FULL:
        return unavailable(f"磁盘已满，无法写入{where}")
    if e.errno in _READ_ONLY:
        return unavailable(f"主目录只读（或无写入权限），无法写入{where}")
    return None


class ObjectMissing(KeyError):
    """No object is stored under this key."""


class ObjectChanged(RuntimeError):
    """put_file read other bytes than the caller measured (the file changed); nothing was kept."""


class ObjectStore(Protocol):
    def put(self, data: bytes, *, content_type: str = "application/octet-stream") -> str: ...
    # sha256 and size, when the caller already has them (a bundle member does), spare a read of
    # the file; the bytes stored are checked against them all the same.
    def put_file(self, path: Path, *, sha256: str | None = None, size: int | None = None,
                 content_type: str = "application/octet-stream") -> str: ...
    def get(self, key: str) -> bytes: ...
    def open(self, key: str) -> AbstractContextManager[BinaryIO]: ...  # with store.open(k) as f: f.read(n)
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def keys(self) -> Iterator[str]: ...
    def listing(self) -> Iterator[tuple[str, float]]: ...   # (key, modified, epoch seconds)
    def temp_files(self) -> Iterator[tuple[Path, float]]: ...   # what a killed put left behind
    def describe(self) -> str: ...


def check_key(key: str) -> str:
    """Refuse anything but 64 lowercase hex digits: keys reach file paths and object names."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError(f"not an object key (64 lowercase hex digits): {key!r}")
    return key


def _hash_file(path: Path) -> tuple[str, int]:
    h, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


class FolderStore:
    """Objects at <root>/<aa>/<bb>/<sha256>; the embedded default, no setup."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        if not self.root.exists():               # private: folders 0700, objects 0600 (mkstemp)
            self.root.mkdir(parents=True, mode=0o700)
            os.chmod(self.root, 0o700)

    def _path(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def _commit(self, tmp: Path, key: str) -> None:
        """Move a finished temp file into place. Same filesystem, so os.replace is atomic:
        readers see either no object or the whole object, never a partial one."""
        final = self._path(key)
        try:
            if final.exists():
                tmp.unlink()
                return
            self._folder(final.parent)
            os.replace(tmp, final)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            if (refusal := disk_fault(e)) is not None:
                raise refusal from None
            raise

    def _folder(self, folder: Path) -> None:
        """<aa>/<bb> under the root, each made 0700 (mkdir's parents=True would make <aa> 0755)."""
        missing = []
        while not folder.exists() and folder != self.root:
            missing.append(folder)
            folder = folder.parent
        for f in reversed(missing):
            f.mkdir(mode=0o700, exist_ok=True)

    @contextmanager
    def _temp(self, folder: Path) -> Iterator[tuple[BinaryIO, Path]]:
        """A temp file in folder, removed again on any failure; a full disk or a folder that
        cannot be written is storage_unavailable (nothing half-stored)."""
        try:
            self._folder(folder)
            fd, name = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        except OSError as e:
            if (refusal := disk_fault(e)) is not None:
                raise refusal from None
            raise
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as f:
                yield f, tmp
                f.flush()
                # fsync before the rename: after a crash a present key must mean complete
                # bytes, because put() skips keys that already exist.
                os.fsync(f.fileno())
        except OSError as e:
            tmp.unlink(missing_ok=True)
            if (refusal := disk_fault(e)) is not None:
                raise refusal from None
            raise
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def put(self, data: bytes, *, content_type: str = "application/octet-stream") -> str:
        key = hashlib.sha256(data).hexdigest()
        final = self._path(key)
        if final.exists():
            return key
        with self._temp(final.parent) as (f, tmp):
            f.write(data)
        self._commit(tmp, key)
        return key

    def put_file(self, path: Path, *, sha256: str | None = None, size: int | None = None,
                 content_type: str = "application/octet-stream") -> str:
        if sha256 is not None and self.exists(sha256):
            return sha256
        # Copied in chunks, never whole. The temp file sits in the root (same filesystem, the
        # key may be unknown until the last byte) and is hashed while it is copied: one read.
        h, copied = hashlib.sha256(), 0
        with open(path, "rb") as src, self._temp(self.root) as (f, tmp):
            while chunk := src.read(CHUNK):
                h.update(chunk)
                f.write(chunk)
                copied += len(chunk)
            key = h.hexdigest()
            if (sha256 is not None and key != sha256) or (size is not None and copied != size):
                raise ObjectChanged(f"{path} changed while it was being stored; nothing was kept")
        self._commit(tmp, key)
        return key

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise ObjectMissing(key) from None

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        try:
            f = open(self._path(key), "rb")
        except FileNotFoundError:
            raise ObjectMissing(key) from None
        with f:
            yield f

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self) -> Iterator[str]:
        for path in self.root.glob("??/??/*"):
            key = path.name
            # Only names whose folders agree with them: temp files and strays are not objects.
            if _KEY.fullmatch(key) and path.parent.name == key[2:4] and path.parent.parent.name == key[:2]:
                yield key

    def listing(self) -> Iterator[tuple[str, float]]:
        """(key, modification time) of every object, for `lockstep storage check`."""
        for key in self.keys():
            try:
                yield key, self._path(key).stat().st_mtime
            except FileNotFoundError:       # removed meanwhile
                continue

    def temp_files(self) -> Iterator[tuple[Path, float]]:
        """Temporary files (.tmp-*) a killed put left in the root or in an object's folder."""
        for path in [*self.root.glob(".tmp-*"), *self.root.glob("??/??/.tmp-*")]:
            try:
                yield path, path.stat().st_mtime
            except FileNotFoundError:
                continue

    def describe(self) -> str:
        return f"folder:{self.root.resolve()}"


class _HashingReader(io.RawIOBase):
    """Hashes what the uploader reads, so put_file can tell if the file changed under it."""

    def __init__(self, f: BinaryIO) -> None:
        self.f, self.sha, self.count, self.ended = f, hashlib.sha256(), 0, False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.f.read(size)
        self.sha.update(data)
        self.count += len(data)
        self.ended = self.ended or (not data and size != 0)
        return data


def open_store(url: str, root: Path | None = None) -> ObjectStore:
    """folder:PATH (relative to root, else the working folder), or
    s3://ACCESS:SECRET@host:port/bucket?secure=false&region=R (also &connect_timeout=S&read_timeout=S,
    seconds; 3 and 10 by default). Credentials missing from the
    URL come from LOCKSTEP_S3_ACCESS_KEY / LOCKSTEP_S3_SECRET_KEY, so they can stay out of
    config files. secure defaults to true."""
    if url.startswith("folder:"):
        path = Path(url.removeprefix("folder:")).expanduser()
        if not str(path) or str(path) == ".":
            raise ValueError(f"object store URL has no folder: {url!r}")
        if not path.is_absolute():
            path = (root or Path.cwd()) / path
        return FolderStore(path)
    if url.startswith("s3://"):
        u = urlsplit(url)
        bucket = u.path.strip("/")
        if not u.hostname or not bucket or "/" in bucket:
            raise ValueError(f"object store URL needs s3://host:port/bucket: {url!r}")
        query = {k: v[-1] for k, v in parse_qs(u.query).items()}
        unknown = set(query) - {"secure", "region", "connect_timeout", "read_timeout"}
        if unknown:
            raise ValueError(f"unknown object store URL options {sorted(unknown)}: {url!r}")
        secure = query.get("secure", "true").lower()
        if secure not in ("true", "false", "1", "0"):
            raise ValueError(f"secure must be true or false: {url!r}")
        access = unquote(u.username) if u.username else os.environ.get("LOCKSTEP_S3_ACCESS_KEY")
        secret = unquote(u.password) if u.password else os.environ.get("LOCKSTEP_S3_SECRET_KEY")
        if not access or not secret:
            raise ValueError("S3 credentials missing: put them in the URL or set "
                             "LOCKSTEP_S3_ACCESS_KEY and LOCKSTEP_S3_SECRET_KEY")
        host = f"[{u.hostname}]" if ":" in u.hostname else u.hostname
        endpoint = f"{host}:{u.port}" if u.port else host
        try:
            timeouts = {name: float(query[name]) for name in ("connect_timeout", "read_timeout") if name in query}
        except ValueError:
            raise ValueError(f"connect_timeout and read_timeout are seconds: {url!r}") from None
        from storage.objects_s3 import MinioStore
        return MinioStore(endpoint, bucket, access_key=access, secret_key=secret,
                          secure=secure in ("true", "1"), region=query.get("region"), **timeouts)
    raise ValueError(f"object store URL must start with folder: or s3://, got {url!r}")


def __getattr__(name: str):
    """MinioStore and the S3 fault reader live in storage/objects_s3.py (minio is imported only for S3)."""
    if name in ("MinioStore", "_s3_fault"):
        from storage import objects_s3
        return getattr(objects_s3, name)
    raise AttributeError(name)
