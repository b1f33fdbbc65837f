"""Form bodies the desk reads itself: a multipart upload streamed to a fresh temp folder.

The body is parsed as it arrives (python-multipart's streaming parser): file parts go straight
to disk and the whole body is capped, so nothing large is held in memory and an oversized
upload stops at the limit. A client's file name is only ever a label: it is cut to a base name,
cleaned of control characters, and the file is written under a new temp folder we made.
"""
from __future__ import annotations

import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator

from python_multipart.multipart import MultipartParser, parse_options_header

MAX_FIELD_BYTES = 64 * 1024
MAX_FILES = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UploadTooLarge(Exception):
    pass


class BadUpload(Exception):
    pass


def safe_name(raw: str, taken: set[str], index: int) -> str:
    """A client's file name as a plain base name: no folders, no control characters, unique."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = _CONTROL.sub("", name).strip().lstrip(".").strip()
    if not name or name in (".", ".."):
        name = f"upload-{index}"
    name = name[:180]
    base, dot, ext = name.rpartition(".")
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}.{ext}" if dot else f"{name}-{n}"
    taken.add(candidate)
    return candidate


@dataclass
class Upload:
    folder: Path
    fields: dict[str, str] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    file_fields: dict[Path, str] = field(default_factory=dict)      # the form field each file came in

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


async def read_upload(content_type: str, body: AsyncIterator[bytes], max_bytes: int) -> Upload:
    """Stream a multipart/form-data body; raises UploadTooLarge past `max_bytes`, BadUpload otherwise."""
    ctype, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise BadUpload("请以 multipart/form-data 方式上传")
    upload = Upload(folder=Path(tempfile.mkdtemp(prefix="lockstep-upload-")))
    taken: set[str] = set()
    state: dict = {}

    def on_part_begin() -> None:
        state.update(headers={}, field=b"", value=b"", name=None, is_file=False, out=None, data=bytearray())

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["field"].decode("latin-1").lower()] = state["value"]
        state["field"], state["value"] = b"", b""

    def on_headers_finished() -> None:
        _, disp = parse_options_header(state["headers"].get("content-disposition", b""))
        name = disp.get(b"name")
        if name is None:
            raise BadUpload("表单字段缺少名称")
        state["name"] = name.decode("utf-8", "replace")
        filename = disp.get(b"filename")
        state["is_file"] = filename is not None
        if filename is not None:
            if len(upload.files) >= MAX_FILES:
                raise BadUpload(f"一次最多上传 {MAX_FILES} 个文件")
            if not filename:            # an empty file input sends a part with no name and no data
                return
            path = upload.folder / safe_name(filename.decode("utf-8", "replace"), taken, len(upload.files) + 1)
            state["out"] = open(path, "xb")
            upload.files.append(path)
            upload.file_fields[path] = state["name"]

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state["out"] is not None:
            state["out"].write(data[start:end])
        elif not state["is_file"]:
            state["data"] += data[start:end]
            if len(state["data"]) > MAX_FIELD_BYTES:
                raise BadUpload("表单字段过长")

    def on_part_end() -> None:
        if state["out"] is not None:
            state["out"].close()
        elif state["name"] is not None and not state["is_file"]:
            upload.fields[state["name"]] = bytes(state["data"]).decode("utf-8", "replace")

    parser = MultipartParser(boundary, {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field,
        "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished, "on_part_data": on_part_data,
        "on_part_end": on_part_end})
    size = 0
    try:
        async for chunk in body:
            size += len(chunk)
            if size > max_bytes:
                raise UploadTooLarge()
            parser.write(chunk)
        parser.finalize()
    except (UploadTooLarge, BadUpload):
        _close(state)
        upload.discard()
        raise
    except Exception as e:          # malformed bodies from the parser
        _close(state)
        upload.discard()
        raise BadUpload("上传内容格式有误") from e
    upload.files = [p for p in upload.files if p.exists()]
    return upload


def _close(state: dict) -> None:
    out = state.get("out")
    if out is not None and not out.closed:
        out.close()


ROLE_FIELD = "role_"            # a file input per material role: role_policy, role_risk_assessment, …


def chosen_manifest(upload: Upload) -> Path | None:
    """Loose files the office put under a role (and the kind it chose) become a bundle.json beside
    them, so intake reads the office's choice the way it reads any bundle's manifest (unknown roles
    are its warnings). A zip or the office's own bundle.json keeps its own manifest."""
    import json
    roles = {p.name: f[len(ROLE_FIELD):] for p, f in upload.file_fields.items()
             if f.startswith(ROLE_FIELD) and p in upload.files}
    kind = (upload.fields.get("kind") or "").strip()
    if not roles and not kind:
        return None
    if any(p.name.lower() == "bundle.json" or p.suffix.lower() == ".zip" for p in upload.files):
        return None
    manifest: dict = {"files": roles}
    if kind:
        manifest["kind"] = kind
    path = upload.folder / "bundle.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    upload.files.append(path)
    return path
