"""Reading a bundle: a zip, a folder, or several files submitted together (DESIGN.md, "A dossier's life").

It reads the input files and writes nothing but its own spool (documents/spool.py): a zip's
members are inflated to disk, loose files are only measured, so no member is held in memory
until a caller reads it. Everything an office's archiver gets wrong that we can repair is
repaired (GBK names written without the UTF-8 flag, backslash separators, junk that Finder and
Word leave behind); everything that could hurt us (paths escaping the bundle, zip bombs,
encrypted members) is refused with a coded problem before any member is inflated.
"""
from __future__ import annotations

import hashlib
import json
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, PrivateAttr

from documents.models import Role
from documents.problems import Problem, Refused, problem, warning
from documents.shown import echoed
from documents.spool import Sink, Spool, Spooled, TooLarge, digest, inflate

MANIFEST = "bundle.json"
ROLES: frozenset[str] = frozenset(get_args(Role))
_MIB = 1 << 20


class Limits(BaseModel, frozen=True):
    max_bundle_bytes: int = 100 * _MIB   # compressed zip / total input
    max_member_bytes: int = 30 * _MIB    # one member uncompressed
    max_total_bytes: int = 200 * _MIB    # all members uncompressed
    max_ratio: float = 100.0             # uncompressed/compressed, for members over 1 MiB
    max_members: int = 300


class BundleMember(BaseModel, frozen=True):
    name: str                   # '/'-separated path inside the bundle, NFC
    role: Role | None           # None when neither the manifest nor the name tells
    role_source: Literal["manifest", "file_name"] | None
    path: Path                  # the spooled copy of a zip member, or the loose file itself
    size: int
    sha256: str                 # hashed while the member was inflated or measured
    _spool: Spool | None = PrivateAttr(default=None)  # keeps the spool alive as long as a member

    def read(self) -> bytes:
        """The member's bytes, read from disk now: take them, use them, drop them. Refused when the
        file no longer holds what was measured (a loose file edited while it was being submitted)."""
        if self._spool is not None and self._spool.closed:
            raise ValueError(f"the bundle holding {self.name!r} is closed")
        with open(self.path, "rb") as f:
            data = f.read(self.size + 1)
        if len(data) != self.size or hashlib.sha256(data).hexdigest() != self.sha256:
            raise Refused(problem("bundle_unreadable", f"“{self.name}”在提交过程中被改动", file=self.name))
        return data

    @property
    def data(self) -> bytes:
        """read(), for callers that look at one small member (tests, samples): every access reads."""
        return self.read()


class Bundle(BaseModel, frozen=True):
    """What was submitted. Owns the spool its zip members were inflated into: use it as a context
    manager (or call close()) so the spool goes as soon as the members are stored."""
    members: tuple[BundleMember, ...]
    manifest: dict | None
    drafting_unit: str | None
    kind: str | None            # 行政规范性文件 / 政策性文件 / 重大行政决策
    public_interest: bool | None
    problems: tuple[Problem, ...]  # warnings; fatal problems raise Refused
    # 修改说明 (documents/revision_note.py): (reason as written, answer) from 修改说明.json or bundle.json
    answers: tuple[tuple[str, str], ...] = ()
    _spool: Spool | None = PrivateAttr(default=None)

    def close(self) -> None:
        if self._spool is not None:
            self._spool.close()

    def __enter__(self) -> Bundle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_bundle(paths: Sequence[Path], limits: Limits = Limits(), spool_dir: Path | None = None) -> Bundle:
    """Read what an office submitted. Raises Refused for anything that stops intake (and then
    leaves no spool behind). spool_dir: where a zip's members are inflated (default: the temp folder)."""
    paths = [Path(p) for p in paths]
    for p in paths:
        if not p.exists() and not p.is_symlink():
            raise Refused(problem("file_not_found", f"“{echoed(p, 200)}”不存在"))
    if len(paths) == 1 and paths[0].is_dir():
        return _assemble(_read_folder(paths[0], limits), None)
    if len(paths) == 1 and paths[0].suffix.lower() == ".zip":
        spool = Spool(spool_dir)
        try:
            return _assemble(_read_zip(paths[0], limits, spool), spool)
        except BaseException:
            spool.close()
            raise
    return _assemble(_read_files(paths, limits), None)


# ---------------------------------------------------------------- roles

_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".pdf")
# 机关代字〔年份〕序号号; file names often carry [] () or 【】 because 〔〕 is hard to type.
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}[〔［\[（(【]\s*(?:19|20)\d{2}\s*[〕］\]）)】]\s*\d{1,4}\s*号")
# First match wins, so the more specific words come first (解读方案 before 解读, 风险评估 before 预案).
_NAME_RULES: tuple[tuple[tuple[str, ...], Role], ...] = (
    (("解读方案",), "interpretation_plan"),
    (("一图读懂", "图解", "图读", "长图"), "graphic_interpretation"),
    (("解读", "问答", "答记者问"), "interpretation_material"),
    (("风险评估",), "risk_assessment"),
    (("应对预案", "处置预案", "应对处置"), "response_plan"),  # 舆情应对处置预案 is a plan
    (("舆情",), "risk_assessment"),
    (("起草说明",), "drafting_note"),
    (("征求意见", "意见采纳", "采纳情况"), "consultation"),
)
_POLICY_WORDS = ("通知", "意见", "办法", "规定", "细则", "方案")


def role_from_file_name(name: str) -> Role | None:
    """The role a Chinese office's file name suggests, or None."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    stem, suffix = _split_suffix(base)
    # （征求意见稿）names the draft itself, not the consultation's record.
    stem = stem.replace("征求意见稿", "")
    for words, role in _NAME_RULES:
        if any(w in stem for w in words):
            if role == "interpretation_material" and suffix in _IMAGE_SUFFIXES:
                return "graphic_interpretation"  # a picture named 解读 is a graphic interpretation
            return role
    if _DOC_NUMBER.search(stem) or any(w in stem for w in _POLICY_WORDS):
        return "policy"
    return None


def _split_suffix(base: str) -> tuple[str, str]:
    stem, dot, suffix = base.rpartition(".")
    return (stem, f".{suffix.lower()}") if dot and stem else (base, "")


# ---------------------------------------------------------------- names

_JUNK_FILES = {".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db"}


def _is_junk(name: str) -> bool:
    """Finder, Windows and Word leave-behinds, and hidden files: skipped without a word."""
    parts = name.split("/")
    if parts[0] == "__MACOSX" or any(p.startswith(".") for p in parts if p not in ("", ".", "..")):
        return True
    base = parts[-1].lower()
    return base in _JUNK_FILES or base.startswith("~$")


def _safe_name(raw: str) -> str | None:
    """The member's normalised path, or None when it is absolute or escapes the bundle."""
    name = unicodedata.normalize("NFC", raw.replace("\\", "/"))
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or "\x00" in name:
        return None
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def _zip_name(info: zipfile.ZipInfo) -> str:
    """The name an archiver meant: Chinese Windows tools write GBK bytes without the UTF-8 flag."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437")  # zipfile decoded the bytes as cp437; undo it
    unicode_path = _unicode_path_extra(info.extra, raw)
    if unicode_path is not None:
        return unicode_path
    utf8 = _decode(raw, "utf-8")
    if utf8 is not None:
        return utf8
    gbk, sjis = _decode(raw, "gbk"), _decode(raw, "shift_jis") or _decode(raw, "cp932")
    # Shift-JIS bytes often decode as GBK too, into rare characters; office file names use the
    # common ones (GB2312), so prefer Shift-JIS only when GBK gives rare ones and Shift-JIS
    # gives no half-width katakana (which is what GBK bytes decoded as Shift-JIS look like).
    if gbk is not None and (sjis is None or _decode(gbk.encode("gbk"), "gb2312") is not None
                            or any("\uff61" <= c <= "\uff9f" for c in sjis)):
        return gbk
    return sjis or gbk or info.filename


def _decode(raw: bytes, encoding: str) -> str | None:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        return None


def _unicode_path_extra(extra: bytes, raw: bytes) -> str | None:
    """Info-ZIP's Unicode Path field (0x7075), written by 7-Zip and WinRAR next to a legacy name."""
    i = 0
    while i + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, i)
        body = extra[i + 4:i + 4 + size]
        if kind == 0x7075 and size >= 5 and body[0] == 1:
            if struct.unpack_from("<I", body, 1)[0] == zlib.crc32(raw):
                try:
                    return body[5:].decode("utf-8")
                except UnicodeDecodeError:
                    return None
        i += 4 + size
    return None


# ---------------------------------------------------------------- zip

def _read_zip(path: Path, limits: Limits, spool: Spool) -> list[tuple[str, Spooled]]:
    size = path.stat().st_size
    if size > limits.max_bundle_bytes:
        raise Refused(problem("bundle_too_large", f"压缩包 {_mib(size)}，超过 {_mib(limits.max_bundle_bytes)}",
                              file=path.name))
    try:
        with zipfile.ZipFile(path) as zf:
            entries = _zip_entries(zf.infolist())
            _check_declared(entries, limits)
            with path.open("rb") as fh:
                return _inflate_all(fh, entries, limits, spool)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, struct.error, ValueError) as exc:
        raise Refused(problem("bundle_unreadable", f"无法读取压缩包（{exc}）", file=path.name)) from exc


def _zip_entries(infos: list[zipfile.ZipInfo]) -> list[tuple[str, zipfile.ZipInfo]]:
    """Usable entries with their repaired names; refuses unsafe paths and encrypted members."""
    entries, unsafe, encrypted = [], [], []
    for info in infos:
        raw = _zip_name(info)
        if raw.endswith(("/", "\\")):
            continue  # a folder entry
        name = _safe_name(raw)
        if name is None:
            unsafe.append(problem("unsafe_path", f"“{raw}”", file=raw))
        elif not _is_junk(name):
            if info.flag_bits & 0x1:
                encrypted.append(problem("encrypted_document", f"“{name}”已加密", file=name))
            entries.append((name, info))
    if unsafe:
        raise Refused(*unsafe)
    if encrypted:
        raise Refused(*encrypted)
    _refuse_duplicates([name for name, _ in entries])
    return entries


def _check_declared(entries: list[tuple[str, zipfile.ZipInfo]], limits: Limits) -> None:
    """Decide the limits from the central directory's sizes, before inflating a byte."""
    if len(entries) > limits.max_members:
        raise Refused(problem("bundle_too_large", f"共 {len(entries)} 个文件，超过 {limits.max_members} 个"))
    total = 0
    for name, info in entries:
        if info.file_size > limits.max_member_bytes:
            raise Refused(problem("bundle_too_large", f"“{name}”解压后 {_mib(info.file_size)}，超过 "
                                  f"{_mib(limits.max_member_bytes)}", file=name))
        if info.file_size > _MIB and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise Refused(problem("bundle_too_large", f"“{name}”解压比例超过 {limits.max_ratio:g} 倍",
                                  file=name))
        total += info.file_size
    if total > limits.max_total_bytes:
        raise Refused(problem("bundle_too_large", f"解压后共 {_mib(total)}，超过 {_mib(limits.max_total_bytes)}"))


def _inflate_all(fh, entries: list[tuple[str, zipfile.ZipInfo]], limits: Limits,
                 spool: Spool) -> list[tuple[str, Spooled]]:
    budget = limits.max_total_bytes
    out = []
    for name, info in entries:
        with spool.file() as (path, sink):
            _inflate(fh, name, info, min(info.file_size, limits.max_member_bytes, budget), sink)
        budget -= sink.size
        out.append((name, Spooled(path, sink.size, sink.sha256)))
    return out


def _inflate(fh, name: str, info: zipfile.ZipInfo, cap: int, sink: Sink) -> None:
    """One member, inflated in bounded steps that stop as soon as the REAL output passes `cap`
    (the declared size may be a lie) and written to the sink as they come: at most one step of
    it is in memory."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise Refused(problem("bundle_unreadable", f"“{name}”使用了不支持的压缩方式", file=name))
    fh.seek(info.header_offset)
    header = fh.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {name}")
    name_len, extra_len = struct.unpack_from("<HH", header, 26)
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    produced, crc = 0, 0
    try:
        for piece in inflate(fh, info.compress_type, info.compress_size, cap):
            produced += len(piece)
            crc = zlib.crc32(piece, crc)
            sink.write(piece)
    except TooLarge:
        raise Refused(problem("bundle_too_large", f"“{name}”解压后超过声明或允许的大小", file=name)) from None
    if crc != info.CRC or produced != info.file_size:
        raise zipfile.BadZipFile(f"“{name}”已损坏（校验不符）")


# ---------------------------------------------------------------- folders and loose files

def _read_folder(root: Path, limits: Limits) -> list[tuple[str, Spooled]]:
    found = list(_walk(root, root.resolve(), ""))
    return _read_paths(found, limits)


def _walk(folder: Path, root: Path, prefix: str,
          seen: frozenset[Path] = frozenset()) -> Iterator[tuple[str, Path]]:
    """(name, path) for every file under folder, sorted; symlinks may not leave the bundle."""
    here = folder.resolve()
    if here in seen:
        return  # a symlink loop inside the folder
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        name = unicodedata.normalize("NFC", f"{prefix}{entry.name}")
        if _is_junk(name):
            continue
        if entry.is_symlink() and not entry.resolve().is_relative_to(root):
            raise Refused(problem("unsafe_path", f"“{name}”链接到材料文件夹以外", file=name))
        if entry.is_dir():
            yield from _walk(entry, root, f"{name}/", seen | {here})
        elif entry.is_file():
            yield name, entry


def _read_files(paths: list[Path], limits: Limits) -> list[tuple[str, Spooled]]:
    found = []
    for p in paths:
        name = unicodedata.normalize("NFC", p.name)
        if p.is_dir():
            found += _walk(p, p.resolve(), f"{name}/")
        elif not _is_junk(name):
            found.append((name, p))
    return _read_paths(found, limits)


def _read_paths(found: list[tuple[str, Path]], limits: Limits) -> list[tuple[str, Spooled]]:
    """Loose files stay where they are: they are measured and hashed, not copied."""
    _refuse_duplicates([name for name, _ in found])
    if len(found) > limits.max_members:
        raise Refused(problem("bundle_too_large", f"共 {len(found)} 个文件，超过 {limits.max_members} 个"))
    total = 0
    for name, path in found:
        size = path.stat().st_size
        if size > limits.max_member_bytes:
            raise Refused(problem("bundle_too_large", f"“{name}” {_mib(size)}，超过 "
                                  f"{_mib(limits.max_member_bytes)}", file=name))
        total += size
    allowed = min(limits.max_bundle_bytes, limits.max_total_bytes)
    if total > allowed:
        raise Refused(problem("bundle_too_large", f"材料共 {_mib(total)}，超过 {_mib(allowed)}"))
    out = []
    for name, path in found:
        sha256, size = digest(path, limits.max_member_bytes)  # the file may have grown since stat
        if size > limits.max_member_bytes:
            raise Refused(problem("bundle_too_large", f"“{name}”超过 {_mib(limits.max_member_bytes)}", file=name))
        out.append((name, Spooled(path, size, sha256)))
    return out


def _refuse_duplicates(names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise Refused(problem("unsafe_path", f"材料中有两个“{name}”", file=name))
        seen.add(name)


# ---------------------------------------------------------------- manifest and roles

def _assemble(files: list[tuple[str, Spooled]], spool: Spool | None) -> Bundle:
    manifests = sorted((n for n, _ in files if n.rsplit("/", 1)[-1] == MANIFEST), key=lambda n: n.count("/"))
    manifest_name = manifests[0] if manifests else None
    problems: list[Problem] = []
    manifest, roles = None, {}
    if manifest_name is not None:
        manifest, roles = _parse_manifest(_read_manifest(dict(files)[manifest_name]), manifest_name, problems)
    note_name, answers = _revision_note(files, manifest, problems)
    members = []
    for name, where in files:
        if name in (manifest_name, note_name):
            continue
        rel = _relative_to_manifest(name, manifest_name)
        if rel in roles:
            role = roles.pop(rel)
            source = "manifest" if role else None
        else:
            role = role_from_file_name(name)
            source = "file_name" if role else None
        member = BundleMember(name=name, role=role, role_source=source, path=where.path,
                              size=where.size, sha256=where.sha256)
        member._spool = spool
        members.append(member)
    for missing in roles:
        problems.append(warning("manifest_invalid", f"bundle.json 列出的“{missing}”不在材料中",
                                file=MANIFEST))
    if not members:
        raise Refused(problem("bundle_empty"))
    m = manifest or {}
    bundle = Bundle(members=tuple(members), manifest=manifest, drafting_unit=m.get("drafting_unit"),
                    kind=m.get("kind"), public_interest=m.get("public_interest"), problems=tuple(problems),
                    answers=answers)
    bundle._spool = spool
    return bundle


def _revision_note(files: list[tuple[str, Spooled]], manifest: dict | None,
                   problems: list[Problem]) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """The shallowest 修改说明.json (not a member: it says how the members answer a return) and the
    bundle.json field 修改说明; a shape not understood is an error problem (fail closed)."""
    from documents.revision_note import FIELD, NOTE_FILE, parse_note, read_note
    found = sorted((n for n, _ in files if n.rsplit("/", 1)[-1] == NOTE_FILE), key=lambda n: n.count("/"))
    name = found[0] if found else None
    answers: tuple[tuple[str, str], ...] = ()
    if name is not None:
        answers, bad = read_note(_read_manifest(dict(files)[name]), NOTE_FILE)
        problems += bad
        if not _storable(answers):      # \ud800 in the JSON: nobody can store or show it (fail closed)
            problems.append(problem("manifest_invalid", f"{NOTE_FILE} 含有无法保存的字符（孤立的 UTF-16 代理项，"
                                                        "如 \\ud800），请删去后重新提交", file=name))
            answers = ()
    if manifest is not None and manifest.get(FIELD) is not None:
        more, bad = parse_note(manifest[FIELD], f"{MANIFEST} 的“{FIELD}”")
        problems += [p.model_copy(update={"file": MANIFEST}) for p in bad]
        answers += more
    return name, answers


def _too_deep(value, limit: int = 32) -> bool:
    """Objects or lists nested past `limit`: no manifest is, and one nested near Python's recursion
    limit reads, then fails when it is written (a RecursionError, not a refusal). Level by level, not
    recursively."""
    level = [value]
    for _ in range(limit):
        level = [v for x in level for v in (x.values() if isinstance(x, dict) else x if isinstance(x, list) else ())]
        if not level:
            return False
    return True


def _storable(value) -> bool:
    """Every string in a parsed JSON value can be written as UTF-8 (a lone surrogate, "\\ud800", cannot)."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _read_manifest(where: Spooled) -> bytes:
    with open(where.path, "rb") as f:
        return f.read(where.size)  # no more than was measured, whatever the file does meanwhile


def _relative_to_manifest(name: str, manifest_name: str | None) -> str | None:
    """The manifest names files relative to its own folder (often the zipped folder itself)."""
    folder = manifest_name[:-len(MANIFEST)] if manifest_name else ""
    return name[len(folder):] if name.startswith(folder) else None


def _parse_manifest(data: bytes, name: str, problems: list[Problem]) -> tuple[dict | None, dict[str, Role | None]]:
    """The manifest and its roles; anything wrong in it is a warning, and file names take over."""
    def bad(detail: str) -> None:
        problems.append(warning("manifest_invalid", detail, file=name))

    manifest = None
    for encoding in ("utf-8-sig", "gbk"):
        try:
            manifest = json.loads(data.decode(encoding))
            break
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):   # nested past the reader's depth
            pass
    if not isinstance(manifest, dict):
        bad("bundle.json 不是有效的 JSON 对象，已按文件名识别材料")
        return None, {}
    if _too_deep(manifest):
        bad("bundle.json 嵌套层次过深，不是有效的清单，已按文件名识别材料")
        return None, {}
    if not _storable(manifest):
        bad("bundle.json 含有无法保存的字符（孤立的 UTF-16 代理项，如 \\ud800），已按文件名识别材料")
        return None, {}
    manifest = dict(manifest)
    for key in ("drafting_unit", "kind"):
        if manifest.get(key) is not None and not isinstance(manifest[key], str):
            bad(f"“{key}”应为文字")
            # A unit that cannot be read is not "no unit": it reads as blank, which intake refuses.
            manifest[key] = "" if key == "drafting_unit" else None
    public = manifest.get("public_interest")
    if public is not None and not isinstance(public, bool):
        manifest["public_interest"] = {"true": True, "是": True, "false": False, "否": False}.get(str(public).strip().lower())
        if manifest["public_interest"] is None:
            bad("“public_interest”应为 true 或 false")
    files = manifest.get("files") or {}
    if not isinstance(files, dict):
        bad("“files”应为“文件名: 角色”的对应表，已按文件名识别材料")
        return manifest, {}
    roles: dict[str, Role | None] = {}
    for file_name, role in files.items():
        key = _safe_name(str(file_name)) or str(file_name)
        if isinstance(role, str) and role in ROLES:      # an object or a list is no role (and unhashable)
            roles[key] = role
        else:
            bad(f"“{file_name}”的角色“{role}”无法识别（可用：{'、'.join(sorted(ROLES))}）")
            roles[key] = None  # listed, so not guessed from its name: intake reads its content
    return manifest, roles


def _mib(n: float) -> str:
    return f"{n / _MIB:.1f} MB"
