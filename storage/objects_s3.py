"""The S3 object store (minio client), imported only when a home's objects live in S3: a home on a
folder, and every command that reads only the database, never pays for importing minio and urllib3
(issue 14, reads are fast). storage/objects.py names it (open_store, and MinioStore for callers)."""
from __future__ import annotations

import functools
import hashlib
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import urllib3
from minio import Minio
from minio.error import MinioException, S3Error

from documents.problems import Refused
from storage.objects import (_BUSY_CODES, _KEY, _MISSING_CODES, BACKOFF, CONNECT_TIMEOUT, READ_RETRIES, READ_TIMEOUT,
                             RETRIES, ObjectChanged, ObjectMissing, _HashingReader, check_key, unavailable)
from storage import objects as _objects          # _hash_file through the module: tests replace it there


def _s3_fault(e: BaseException) -> Refused | None:
    """The coded refusal for a store that did not answer (timeouts, refused or reset connections,
    5xx after the retries), or None for an answer that means something else (no such key, auth)."""
    # What, not where: the desk's API answers this too, and hosts are not for its clients.
    if isinstance(e, S3Error):
        if e.code in _BUSY_CODES:
            return unavailable(f"对象存储暂时无法处理请求（{e.code}）")
        return None
    if isinstance(e, MinioException):            # ServerError (5xx without an S3 body), bad answers
        return unavailable(f"对象存储返回异常应答（{type(e).__name__}）")
    if isinstance(e, (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError)):
        reason = getattr(e, "reason", None) or e
        return unavailable(f"对象存储未在限定时间内应答（{type(reason).__name__}）")
    return None


def _answers(method):
    """Every failure to reach the store leaves a MinioStore method as storage_unavailable."""
    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as e:
            if (refusal := _s3_fault(e)) is not None:
                raise refusal from None
            raise
    return guarded


def _http_client(secure: bool, connect: float, read: float) -> urllib3.PoolManager:
    """minio's own pool, but with timeouts and retries that give up in seconds, not half an hour."""
    import certifi
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=connect, read=read),
        maxsize=10,
        cert_reqs="CERT_REQUIRED" if secure else "CERT_NONE",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        retries=urllib3.Retry(total=RETRIES, connect=RETRIES, read=READ_RETRIES, status=2,
                              backoff_factor=BACKOFF, backoff_max=2.0,
                              status_forcelist=[500, 502, 503, 504]))


class MinioStore:
    """Objects named sha256/<aa>/<sha256> in one bucket of any S3 server, via the minio client.
    A few quick retries here (connect, 5xx); a store that still does not answer is
    storage_unavailable within seconds."""

    def __init__(self, endpoint: str, bucket: str, *, access_key: str, secret_key: str,
                 secure: bool = True, region: str | None = None,
                 connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT) -> None:
        self.endpoint, self.bucket, self.secure = endpoint, bucket, secure
        self.client = Minio(endpoint, access_key=access_key, secret_key=secret_key,
                            secure=secure, region=region,
                            http_client=_http_client(secure, connect_timeout, read_timeout))
        self._make_bucket()

    @_answers
    def _make_bucket(self) -> None:
        # Also the first authenticated call: wrong credentials fail here, not at first put.
        if not self.client.bucket_exists(self.bucket):
            try:
                self.client.make_bucket(self.bucket)
            except S3Error as e:  # another process created it in between
                if e.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise

    @staticmethod
    def _name(key: str) -> str:
        return f"sha256/{check_key(key)[:2]}/{key}"

    @_answers
    def exists(self, key: str) -> bool:
        try:
            self.client.stat_object(self.bucket, self._name(key))
            return True
        except S3Error as e:
            if e.code in _MISSING_CODES:
                return False
            raise

    @_answers
    def put(self, data: bytes, *, content_type: str = "application/octet-stream") -> str:
        key = hashlib.sha256(data).hexdigest()
        if not self.exists(key):
            self.client.put_object(self.bucket, self._name(key), io.BytesIO(data), len(data),
                                   content_type=content_type)
        return key

    @_answers
    def put_file(self, path: Path, *, sha256: str | None = None, size: int | None = None,
                 content_type: str = "application/octet-stream") -> str:
        # S3 names the object before the upload, so unless the caller hashed the file already
        # it is read twice: once to hash, once to upload (only if absent). The client streams
        # the upload in parts (5 MiB, a few in flight), never the whole file. The upload is
        # hashed as well: if the file changed, the object would sit under the wrong key, so it
        # is removed again.
        if sha256 is None or size is None:
            key, size = _objects._hash_file(path)
        else:
            key = check_key(sha256)
        if self.exists(key):
            return key
        with open(path, "rb") as f:
            reader = _HashingReader(f)
            try:
                self.client.put_object(self.bucket, self._name(key), reader, size,
                                       content_type=content_type)
            except OSError as e:  # the client's own complaint when the file ends early
                if reader.ended and reader.count < size:
                    raise ObjectChanged(f"{path} changed while it was being stored; nothing was kept") from e
                raise
        if reader.sha.hexdigest() != key:
            self.client.remove_object(self.bucket, self._name(key))
            raise ObjectChanged(f"{path} changed while it was being stored; nothing was kept")
        return key

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        try:
            resp = self.client.get_object(self.bucket, self._name(key))
        except Exception as e:
            if isinstance(e, S3Error) and e.code in _MISSING_CODES:
                raise ObjectMissing(key) from None
            if (refusal := _s3_fault(e)) is not None:
                raise refusal from None
            raise
        try:
            yield resp  # urllib3 response: a file-like object with read(n)
        except Exception as e:      # a read that timed out or was cut off halfway
            if (refusal := _s3_fault(e)) is not None:
                raise refusal from None
            raise
        finally:
            resp.close()
            resp.release_conn()

    def get(self, key: str) -> bytes:
        with self.open(key) as f:
            return f.read()

    @_answers
    def delete(self, key: str) -> None:
        self.client.remove_object(self.bucket, self._name(key))  # absent is not an error in S3

    def keys(self) -> Iterator[str]:
        try:
            yield from self._keys()
        except Exception as e:
            if (refusal := _s3_fault(e)) is not None:
                raise refusal from None
            raise

    def _keys(self) -> Iterator[str]:
        for obj in self.client.list_objects(self.bucket, prefix="sha256/", recursive=True):
            key = obj.object_name.rsplit("/", 1)[-1]
            if _KEY.fullmatch(key) and obj.object_name == f"sha256/{key[:2]}/{key}":
                yield key

    def listing(self) -> Iterator[tuple[str, float]]:
        """(key, modification time) of every object, for `lockstep storage check`."""
        for obj in self.client.list_objects(self.bucket, prefix="sha256/", recursive=True):
            key = obj.object_name.rsplit("/", 1)[-1]
            if _KEY.fullmatch(key) and obj.object_name == f"sha256/{key[:2]}/{key}":
                yield key, obj.last_modified.timestamp() if obj.last_modified else 0.0

    def temp_files(self) -> Iterator[tuple[Path, float]]:
        """S3 keeps an object whole or not at all: there are no temporary files to find."""
        return iter(())

    def describe(self) -> str:
        # The open_store URL minus the credentials.
        return f"s3://{self.endpoint}/{self.bucket}" + ("" if self.secure else "?secure=false")
