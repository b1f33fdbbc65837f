"""Where a bundle's members wait between reading and storing: on disk, never whole in memory.

A bundle may hold 200 MB of members; keeping them as bytes would cost that much per upload.
So a zip's members are inflated chunk by chunk into files in a private temp folder (the
Spool), hashed on the way, and loose files are hashed where they lie. A member's bytes are
read back only by whoever needs them, one member at a time.
"""
from __future__ import annotations

import hashlib
import shutil
import tempfile
import weakref
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, NamedTuple

CHUNK = 1 << 16
OUT_CHUNK = 1 << 18   # the most one inflate step may produce: a bomb never lands in memory whole


class Spooled(NamedTuple):
    """Where a member's bytes are, and what they are."""
    path: Path
    size: int
    sha256: str


class Sink:
    """A spool file being written: counts and hashes every piece on its way to disk."""

    def __init__(self, f: BinaryIO) -> None:
        self._f, self._sha, self.size = f, hashlib.sha256(), 0

    def write(self, piece: bytes) -> None:
        self._f.write(piece)
        self._sha.update(piece)
        self.size += len(piece)

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()


class Spool:
    """A private temp folder holding one file per inflated member; close() removes it."""

    def __init__(self, parent: Path | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="lockstep-bundle-", dir=parent))
        self._count = 0
        # A safety net, not the contract: a spool whose owner forgot close() is removed when
        # the last member pointing into it is collected, or at interpreter exit.
        self._remove = weakref.finalize(self, shutil.rmtree, self.root, ignore_errors=True)

    @property
    def closed(self) -> bool:
        return not self._remove.alive

    @contextmanager
    def file(self) -> Iterator[tuple[Path, Sink]]:
        """A new spool file to write a member into. Named by number: a member's own name may be
        too long or unsafe for this file system, and the name is kept beside it anyway."""
        if self.closed:
            raise ValueError("the bundle's spool is closed")
        self._count += 1
        path = self.root / f"{self._count:04d}"
        with open(path, "wb") as f:
            yield path, Sink(f)

    def close(self) -> None:
        self._remove()


def digest(path: Path, cap: int) -> tuple[str, int]:
    """The sha256 and size of a file, reading at most cap + 1 bytes: a size over cap means
    the file is over the limit (it may have grown since it was measured)."""
    h, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while size <= cap and (chunk := f.read(min(CHUNK, cap + 1 - size))):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


class TooLarge(Exception):
    """A zip member inflated past its cap: the caller says which limit, with a coded problem."""

    def __init__(self, produced: int) -> None:
        super().__init__(f"inflated past the limit ({produced} bytes)")
        self.produced = produced


def inflate(fh: BinaryIO, method: int, compressed: int, cap: int) -> Iterator[bytes]:
    """One zip member's bytes, piece by piece, from fh positioned at its first data byte. At most
    `compressed` bytes are read, each step produces at most OUT_CHUNK bytes, and TooLarge is raised
    as soon as the REAL output passes `cap`: a header's declared size is never trusted (zipfile's
    read() inflates all the compressed bytes at once and only then cuts to the declared size).
    method: ZIP_STORED or ZIP_DEFLATED (the caller refuses others)."""
    produced, left = 0, compressed
    if method == zipfile.ZIP_STORED:
        while left > 0 and (piece := fh.read(min(CHUNK, left))):
            left -= len(piece)
            produced += len(piece)
            if produced > cap:
                raise TooLarge(produced)
            yield piece
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    while not inflater.eof:
        data = inflater.unconsumed_tail
        if not data and left > 0:
            data = fh.read(min(CHUNK, left))
            left = left - len(data) if data else 0
        piece = inflater.decompress(data, min(OUT_CHUNK, cap - produced + 1))
        if not piece and not data:
            break  # no input left and nothing pending: a truncated stream (its CRC will not match)
        produced += len(piece)
        if produced > cap:
            raise TooLarge(produced)
        if piece:
            yield piece
