"""Opening a docx safely and flattening it into paragraphs with their effective formatting.

Everything downstream (field extraction, GB/T 9704 form checks) works on the `ReadDoc` built
here, so the XML is walked exactly once. python-docx opens the package; when it refuses a file
that is still a readable Word document (ISO Strict namespaces, macro/template content types, a
relationship to a missing part), a small lxml reader takes the main part directly.
"""
from __future__ import annotations

import hashlib
import io
import posixpath
import re
import struct
import threading
import zipfile
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field

from lxml import etree

from documents.problems import Problem, problem
from documents.spool import TooLarge, inflate

MAX_PART_BYTES = 50 * 1024 * 1024
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
MAX_MEMBERS = 5000
# Small parts compress extremely well (runs of spaces, repeated rows); only a ratio on a part
# that would also be large when inflated is a bomb.
_RATIO_FLOOR = 1024 * 1024

W_TRANSITIONAL = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W_STRICT = "http://purl.oclc.org/ooxml/wordprocessingml/main"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE2_ENCRYPTION_STREAMS = ("EncryptionInfo".encode("utf-16-le"),
                            "EncryptedPackage".encode("utf-16-le"))

# No DTDs, no entity expansion, no network: docx parts never legitimately need any of them.
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                               huge_tree=False, remove_blank_text=False)

RED_THRESHOLD = (0xB0, 0x60)  # R at least, G and B at most: FF0000, C00000, E60012 …


@dataclass(slots=True)
class Run:
    text: str
    face: str | None       # effective East Asian face (falls back to the Latin face)
    size: float | None     # points
    color: str | None      # RRGGBB, None for auto


# Format characters that draw nothing: zero-width spaces and joiners, direction marks, soft hyphen, BOM.
_INVISIBLE = dict.fromkeys([0x00AD, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, *range(0x202A, 0x202F),
                            0x2060, *range(0x2066, 0x206A), 0xFEFF])


class Para:
    """One paragraph. Formatting (alignment through styles, run faces and sizes) is resolved on
    first use: most paragraphs of most files are only ever read as text."""
    __slots__ = ("number", "text", "flat", "in_table", "_jc", "_style", "_element", "_walker", "_runs")

    def __init__(self, number: int, text: str, in_table: bool = False, *, jc: str | None = None,
                 style: str | None = None, element=None, walker=None) -> None:
        self.number = number          # 1-based, document order, table cells included
        self.text = text
        # without any whitespace or invisible format character (a zero-width space pasted from a web
        # page inside a date or 文号): what pattern matching sees
        self.flat = "".join(text.translate(_INVISIBLE).split())
        self.in_table = in_table
        self._jc, self._style, self._element, self._walker = jc, style, element, walker
        self._runs: list[Run] | None = None

    @property
    def align(self) -> str | None:
        """w:jc value (center, right, both, left …), direct or from the paragraph style."""
        if self._jc is None and self._walker is not None:
            self._jc = self._walker.style_props(self._style).get("jc", "")
        return self._jc or None

    @property
    def runs(self) -> list[Run]:
        if self._runs is None:
            self._runs = self._walker.runs(self._element, self._style) if self._walker else []
        return self._runs

    @property
    def visible_runs(self) -> list[Run]:
        return [r for r in self.runs if r.text.strip()]

    @property
    def size(self) -> float | None:
        sizes = [r.size for r in self.visible_runs if r.size]
        return max(sizes) if sizes else None

    @property
    def is_red(self) -> bool:
        runs = self.visible_runs
        return bool(runs) and all(_is_red(r.color) for r in runs)

    def __repr__(self) -> str:
        return f"Para({self.number}, {self.text[:30]!r})"


@dataclass(slots=True)
class Page:
    width_mm: float | None = None
    height_mm: float | None = None
    top_mm: float | None = None
    bottom_mm: float | None = None
    left_mm: float | None = None
    right_mm: float | None = None


@dataclass
class ReadDoc:
    paragraphs: list[Para] = field(default_factory=list)
    page: Page | None = None       # the first section: the one holding the main text
    fallback: bool = False         # read by the lxml reader, not python-docx
    margins: list[str] = field(default_factory=list)   # header and footer paragraphs' texts


def _is_red(color: str | None) -> bool:
    if not color or len(color) != 6:
        return False
    try:
        r, g, b = int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)
    except ValueError:
        return False
    return r >= RED_THRESHOLD[0] and g <= RED_THRESHOLD[1] and b <= RED_THRESHOLD[1]


# ---------------------------------------------------------------------------------------------
# Opening


def open_docx(name: str, data: bytes) -> tuple[ReadDoc | None, list[Problem]]:
    """The flattened document, or None with the coded problems that stopped it."""
    if data[:8] == _OLE2_MAGIC:
        if any(s in data for s in _OLE2_ENCRYPTION_STREAMS):
            return None, [problem("encrypted_document", "文件设有打开密码（加密的 Office 文件）", file=name)]
        return None, [problem("not_docx", "这是旧版 Word 97-2003 (.doc) 或 WPS (.wps) 格式，不是 .docx",
                              file=name)]
    if data[:5] == b"{\\rtf":
        return None, [problem("not_docx", "这是 RTF 格式，不是 .docx", file=name)]
    if data[:4] != b"PK\x03\x04" and not _looks_like_zip(data):
        return None, [problem("not_docx", "文件不是 Word 文档（不是 docx 压缩包）", file=name)]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except Exception:
        return None, [problem("not_docx", "文件已损坏，无法作为 docx 打开", file=name)]
    refusal = _check_members(name, members) or _check_inflated(name, data, members)
    if refusal:
        return None, [refusal]
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or not (names & {"word/document.xml"} or _main_part(archive)):
        return None, [problem("not_docx", "压缩包中没有 Word 正文（word/document.xml）", file=name)]
    try:
        doc = _read_with_python_docx(data, archive)
    except Exception:
        doc = None  # python-docx refuses more than Word does; the lxml reader decides below
    if doc is None:
        try:
            doc = _read_with_lxml(archive)
        except Exception:
            doc = None
    if doc is None:
        return None, [problem("not_docx", "文件结构损坏或不是标准 Word 文档",
                              file=name)]
    doc.margins = _margin_texts(archive)
    return doc, []


_MARGIN_PART = re.compile(r"^word/(?:header|footer)\d*\.xml$")


def _margin_texts(archive: zipfile.ZipFile) -> list[str]:
    """Each header and footer paragraph's text (a 此件不予公开 may stand there). The parts were
    measured above (_check_inflated), so reading them whole is bounded."""
    texts: list[str] = []
    for info in archive.infolist():
        if not _MARGIN_PART.match(info.filename):
            continue
        try:
            root = etree.fromstring(archive.read(info), _SAFE_PARSER)
        except Exception:
            continue
        ns = root.nsmap.get("w") or ""
        for p in root.iter("{%s}p" % ns):
            text = "".join(_texts_of(ns)(p))
            if text.strip():
                texts.append(text)
    return texts


def _looks_like_zip(data: bytes) -> bool:
    # Self-extracting or prefixed archives still have an end-of-central-directory record.
    return b"PK\x05\x06" in data[-66000:]


def _check_members(name: str, members: list[zipfile.ZipInfo]) -> Problem | None:
    if len(members) > MAX_MEMBERS:
        return problem("bundle_too_large", f"文档包含 {len(members)} 个部件", file=name)
    total = 0
    for m in members:
        if m.flag_bits & 0x1:
            return problem("encrypted_document", "文档压缩包已加密", file=name)
        total += m.file_size
        if m.file_size > MAX_PART_BYTES:
            return problem("bundle_too_large", f"部件 {m.filename} 解压后 {m.file_size // 1048576} MB", file=name)
        if m.file_size > _RATIO_FLOOR and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            return problem("bundle_too_large", f"部件 {m.filename} 压缩比异常", file=name)
    if total > MAX_TOTAL_BYTES:
        return problem("bundle_too_large", f"文档解压后共 {total // 1048576} MB", file=name)
    return None


def _check_inflated(name: str, data: bytes, members: list[zipfile.ZipInfo]) -> Problem | None:
    """Every part's REAL inflated size, counted while streaming it in bounded steps (nothing is
    kept): a part that inflates past its declared size or the limits is refused at that moment.
    Only then may python-docx (zipfile's read() inflates a whole part at once, whatever its header
    says) or the lxml reader read the package: each part is then no larger than declared."""
    budget = MAX_TOTAL_BYTES
    stream = io.BytesIO(data)
    for m in members:
        if m.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return problem("not_docx", f"部件 {m.filename} 使用了 Word 不用的压缩方式", file=name)
        start = _data_start(data, m)
        if start is None:
            return problem("not_docx", "文件已损坏，无法作为 docx 打开", file=name)
        stream.seek(start)
        cap = min(m.file_size, MAX_PART_BYTES, budget)
        produced = 0
        try:
            for piece in inflate(stream, m.compress_type, m.compress_size, cap):
                produced += len(piece)
        except TooLarge:
            return problem("bundle_too_large", f"部件 {m.filename} 解压后超过声明的大小或允许的上限", file=name)
        except zlib.error:
            return problem("not_docx", f"部件 {m.filename} 已损坏", file=name)
        budget -= produced
    return None


def _data_start(data: bytes, info: zipfile.ZipInfo) -> int | None:
    """Where a member's compressed bytes begin (after its local header), or None."""
    offset = info.header_offset
    if offset < 0 or offset + _LOCAL_HEADER.size > len(data):
        return None
    signature, name_len, extra_len = _LOCAL_HEADER.unpack_from(data, offset)
    if signature != b"PK\x03\x04":
        return None
    start = offset + _LOCAL_HEADER.size + name_len + extra_len
    return start if start + info.compress_size <= len(data) else None


def _read_with_python_docx(data: bytes, archive: zipfile.ZipFile | None = None) -> ReadDoc:
    import docx  # imported here: the lxml reader and the sniffing above do not need it

    document = docx.Document(io.BytesIO(data))
    body = document.element.body
    key = None
    try:
        styles_part = document.part._styles_part
        styles_root = styles_part.element
        if archive is not None:
            key = _stored_part_key(data, archive, styles_part.partname.membername)
    except Exception:
        styles_root = None
    return _flatten(body, styles_root, W_TRANSITIONAL, styles_key=key)


_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature … file name length, extra field length


def _stored_part_key(data: bytes, archive: zipfile.ZipFile, member: str) -> bytes | None:
    """SHA-256 of a part as stored in the package (method, sizes, CRC and the compressed bytes).

    The stored bytes determine the inflated ones, so equal keys mean equal part content; hashing
    them avoids inflating the part a second time (python-docx has already parsed it). None when
    the part is not in the archive (python-docx made a default one) or its header is unusual.
    """
    info = archive.NameToInfo.get(member)
    if info is None or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None
    start = _data_start(data, info)
    if start is None:
        return None
    h = hashlib.sha256(b"%d:%d:%d:%d:" % (info.compress_type, info.file_size, info.compress_size, info.CRC))
    h.update(memoryview(data)[start:start + info.compress_size])
    return h.digest()


def _main_part(archive: zipfile.ZipFile) -> str | None:
    try:
        rels = etree.fromstring(archive.read("_rels/.rels"), _SAFE_PARSER)
    except Exception:
        return None
    for rel in rels:
        if str(rel.get("Type", "")).endswith("/officeDocument") and rel.get("TargetMode") != "External":
            target = rel.get("Target", "").lstrip("/")
            return target if target in archive.NameToInfo else None
    return None


def _read_with_lxml(archive: zipfile.ZipFile) -> ReadDoc | None:
    main = _main_part(archive) or "word/document.xml"
    if main not in archive.NameToInfo:
        return None
    root = etree.fromstring(archive.read(main), _SAFE_PARSER)
    ns = etree.QName(root).namespace
    if etree.QName(root).localname != "document" or ns not in (W_TRANSITIONAL, W_STRICT):
        return None
    body = root.find(f"{{{ns}}}body")
    if body is None:
        return None
    styles_root = None
    styles_name = _related(archive, main, "/styles")
    if styles_name:
        try:
            styles_root = etree.fromstring(archive.read(styles_name), _SAFE_PARSER)
        except Exception:
            styles_root = None  # unreadable styles: direct formatting still counts
    doc = _flatten(body, styles_root, ns)
    doc.fallback = True
    return doc


def _related(archive: zipfile.ZipFile, part: str, type_suffix: str) -> str | None:
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    try:
        rels = etree.fromstring(archive.read(rels_name), _SAFE_PARSER)
    except Exception:
        return None
    for rel in rels:
        if str(rel.get("Type", "")).endswith(type_suffix) and rel.get("TargetMode") != "External":
            target = rel.get("Target", "")
            name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(folder, target))
            if name in archive.NameToInfo:
                return name
    return None


# ---------------------------------------------------------------------------------------------
# Styles: effective run properties as Word computes them (direct → character style → paragraph
# style chain → document defaults).


class _Styles:
    """Styles are indexed up front and resolved only when a paragraph's formatting is asked for."""

    def __init__(self, root, ns: str) -> None:
        self.w = w = "{%s}" % ns
        self._RFONTS, self._SZ, self._COLOR, self._RSTYLE, self._VAL = (w + "rFonts", w + "sz", w + "color",
                                                                      w + "rStyle", w + "val")
        self._elements: dict[str, object] = {}
        self._raw: dict[str, tuple[str | None, dict]] = {}
        self._merged: dict[str | None, dict] = {}
        self.default_para: str | None = None
        self.defaults: dict = {}
        if root is None:
            return
        style_tag, id_attr = w + "style", w + "styleId"
        for style in root.iter(style_tag):
            sid = style.get(id_attr)
            if sid:
                self._elements.setdefault(sid, style)
                if style.get(w + "default") in ("1", "true", "on") and style.get(w + "type") == "paragraph":
                    self.default_para = sid
        self.defaults = self._props(root.find(f"{w}docDefaults/{w}rPrDefault/{w}rPr"))

    def _style(self, sid: str) -> tuple[str | None, dict] | None:
        if sid not in self._raw:
            style = self._elements.get(sid)
            if style is None:
                return None
            w = self.w
            based = style.find(w + "basedOn")
            props = self._props(style.find(w + "rPr"))
            jc = style.find(f"{w}pPr/{w}jc")
            if jc is not None and jc.get(w + "val"):
                props["jc"] = jc.get(w + "val")
            self._raw[sid] = (based.get(w + "val") if based is not None else None, props)
        return self._raw[sid]

    def _props(self, rpr) -> dict:
        """Run properties this element sets: ea/ascii face, size in half-points, colour."""
        return self.run_props(rpr)[1] if rpr is not None else {}

    def run_props(self, rpr) -> tuple[str | None, dict]:
        """(the w:rStyle it names, the properties it sets directly), in one pass over w:rPr."""
        props: dict = {}
        rstyle = None
        w = self.w
        for child in rpr:
            tag = child.tag
            if tag == self._RFONTS:
                ea = child.get(w + "eastAsiaTheme")
                ea = "+" + ea if ea else child.get(w + "eastAsia")
                latin = child.get(w + "asciiTheme")
                latin = "+" + latin if latin else child.get(w + "ascii") or child.get(w + "hAnsi")
                if ea:
                    props["ea"] = ea
                if latin:
                    props["ascii"] = latin
            elif tag == self._SZ:
                value = _half_points(child.get(self._VAL))
                if value:
                    props["sz"] = value
            elif tag == self._COLOR:
                value = child.get(self._VAL)
                if value:
                    props["color"] = None if value.lower() == "auto" else value.upper()
            elif tag == self._RSTYLE and rstyle is None:
                rstyle = child.get(self._VAL)
        return rstyle, props

    def chain(self, sid: str | None) -> dict:
        """Merged properties of a style and everything it is based on (cached)."""
        if sid in self._merged:
            return self._merged[sid]
        merged: dict = {}
        seen: set[str] = set()
        lineage = []
        current = sid
        while current and current not in seen and (entry := self._style(current)) is not None:
            seen.add(current)
            based, props = entry
            lineage.append(props)
            current = based
        for props in reversed(lineage):
            merged.update(props)
        self._merged[sid] = merged
        return merged


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


# ISO Strict writes universal measures ("612pt", "21cm") where Transitional writes twips.
_MM_PER_UNIT = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72, "pc": 25.4 / 6, "pi": 25.4 / 6}


def _mm(value: str | None) -> float | None:
    if not value:
        return None
    unit = value[-2:].lower()
    if unit in _MM_PER_UNIT:
        number = _number(value[:-2])
        return abs(number) * _MM_PER_UNIT[unit] if number is not None else None
    number = _number(value)
    return abs(number) * 25.4 / 1440 if number is not None else None


def _half_points(value: str | None) -> float | None:
    if value and value.lower().endswith("pt"):
        number = _number(value[:-2])
        return number * 2 if number is not None else None
    return _number(value)


# ---------------------------------------------------------------------------------------------
# Walking the body once


_SKIP_IN_PARAGRAPH = {"del", "moveFrom", "pPr", "AlternateContent", "drawing", "pict", "object",
                      "commentReference", "footnoteReference", "endnoteReference"}


_TEXTS: dict[str, etree.XPath] = {}


def _texts_of(ns: str) -> etree.XPath:
    """The w:t texts under an element, in document order (what itertext(w:t) gives, in one C call)."""
    xpath = _TEXTS.get(ns)
    if xpath is None:
        xpath = _TEXTS[ns] = etree.XPath(".//w:t/text()", namespaces={"w": ns}, smart_strings=False)
    return xpath


class _Walker:
    def __init__(self, styles: _Styles, ns: str) -> None:
        self.styles = styles
        w = "{%s}" % ns
        self.P, self.TBL, self.TC, self.SDT, self.SDT_CONTENT = w + "p", w + "tbl", w + "tc", w + "sdt", w + "sdtContent"
        self.CUSTOM, self.SECT, self.PPR, self.PSTYLE, self.JC = (w + "customXml", w + "sectPr", w + "pPr",
                                                                 w + "pStyle", w + "jc")
        self.R, self.T, self.RPR, self.RSTYLE, self.VAL = w + "r", w + "t", w + "rPr", w + "rStyle", w + "val"
        self.TEXT_OF = {w + "tab": "\t", w + "ptab": "\t", w + "br": "\n", w + "cr": "\n",
                        w + "noBreakHyphen": "-"}
        self.SKIP = {w + name for name in _SKIP_IN_PARAGRAPH} | {_MC + "AlternateContent"}
        # Where text may be duplicated or belong elsewhere (textboxes, alternate content, moved
        # or deleted runs, run-level breaks and tabs), the careful run walk reads the paragraph;
        # elsewhere one compiled XPath over w:t does (C level), which is what keeps big files cheap.
        self.CAREFUL = (w + "txbxContent", _MC + "AlternateContent", w + "moveFrom", w + "tab", w + "br",
                        w + "cr", w + "ptab", w + "noBreakHyphen")
        self.texts = _texts_of(ns)
        self.careful_anywhere = True   # _flatten looks once for the whole body
        self.paragraphs: list[Para] = []
        self.first_sect = None
        self._para_cache: dict[str | None, dict] = {}

    def block(self, element, in_table: bool) -> None:
        for child in element:
            tag = child.tag
            if tag == self.P:
                self.paragraph(child, in_table)
            elif tag == self.TBL:
                for cell in child.iter(self.TC):
                    # nested tables are reached by iter(); only the cell's own blocks here
                    for inner in cell:
                        if inner.tag == self.P:
                            self.paragraph(inner, True)
                        elif inner.tag in (self.SDT, self.CUSTOM):
                            self.block(inner, True)
            elif tag == self.SDT:
                content = child.find(self.SDT_CONTENT)
                if content is not None:
                    self.block(content, in_table)
            elif tag == self.CUSTOM:
                self.block(child, in_table)
            elif tag == self.SECT and self.first_sect is None:
                self.first_sect = child

    def paragraph(self, p, in_table: bool) -> None:
        style_id = jc = None
        for ppr in p.iterchildren(self.PPR):  # the first w:pPr (iterchildren: no ElementPath)
            for prop in ppr:
                tag = prop.tag
                if tag == self.PSTYLE:
                    style_id = prop.get(self.VAL)
                elif tag == self.JC:
                    jc = prop.get(self.VAL)
                elif tag == self.SECT and self.first_sect is None and not in_table:
                    self.first_sect = prop
            break
        if not self.careful_anywhere or next(p.iter(*self.CAREFUL), None) is None:
            text = "".join(self.texts(p))
        else:
            pieces: list = []
            self._collect(p, pieces)
            text = "".join(piece[0] for piece in pieces)
        self.paragraphs.append(Para(len(self.paragraphs) + 1, text, in_table, jc=jc,
                                    style=style_id or self.styles.default_para, element=p, walker=self))

    def style_props(self, style_id: str | None) -> dict:
        cached = self._para_cache.get(style_id)
        if cached is None:
            cached = dict(self.styles.defaults)
            cached.update(self.styles.chain(style_id))
            self._para_cache[style_id] = cached
        return cached

    def runs(self, p, style_id: str | None) -> list[Run]:
        base = self.style_props(style_id)
        pieces: list = []
        self._collect(p, pieces)
        return [self._resolve(text, rpr, base) for text, rpr in pieces]

    def _collect(self, element, pieces: list) -> None:
        """Runs directly in the paragraph or inside hyperlinks, insertions, fields, content controls …"""
        for child in element:
            tag = child.tag
            if tag == self.R:
                self._run(child, pieces)
            elif isinstance(tag, str) and tag not in self.SKIP and tag != self.PPR:
                self._collect(child, pieces)

    def _run(self, r, pieces: list) -> None:
        parts: list[str] = []
        rpr = None
        for child in r:
            tag = child.tag
            if tag == self.T:
                parts.append(child.text or "")
            elif tag == self.RPR:
                rpr = child
            else:
                extra = self.TEXT_OF.get(tag)
                if extra:
                    parts.append(extra)
        pieces.append(("".join(parts), rpr))

    def _resolve(self, text: str, rpr, base: dict) -> Run:
        props = base
        if rpr is not None:
            rstyle, direct = self.styles.run_props(rpr)
            if rstyle or direct:
                props = dict(base)
                if rstyle:
                    props.update(self.styles.chain(rstyle))
                props.update(direct)
        size = props.get("sz")
        return Run(text=text, face=props.get("ea") or props.get("ascii"),
                   size=size / 2 if size else 10.0, color=props.get("color"))


def _page(sect, ns: str) -> Page | None:
    if sect is None:
        return None
    w = "{%s}" % ns

    def measure(el, attr):
        return _mm(el.get(w + attr)) if el is not None else None

    size = sect.find(w + "pgSz")
    margin = sect.find(w + "pgMar")
    return Page(width_mm=measure(size, "w"), height_mm=measure(size, "h"),
                top_mm=measure(margin, "top"), bottom_mm=measure(margin, "bottom"),
                left_mm=measure(margin, "left"), right_mm=measure(margin, "right"))


# Most offices send every document on one template: the style index of a styles part is built
# once per distinct part content (keyed by _stored_part_key) and shared, read-only but for its
# lazily filled, content-determined caches. A few entries: each keeps one styles tree alive.
_STYLES_CACHE: OrderedDict[tuple[str, bytes], _Styles] = OrderedDict()
_STYLES_CACHE_SIZE = 8
_STYLES_LOCK = threading.Lock()


def _styles_for(root, ns: str, key: bytes | None) -> _Styles:
    if root is None or key is None:
        return _Styles(root, ns)
    cache_key = (ns, key)
    with _STYLES_LOCK:
        styles = _STYLES_CACHE.get(cache_key)
        if styles is not None:
            _STYLES_CACHE.move_to_end(cache_key)
            return styles
    styles = _Styles(root, ns)
    with _STYLES_LOCK:
        _STYLES_CACHE[cache_key] = styles
        while len(_STYLES_CACHE) > _STYLES_CACHE_SIZE:
            _STYLES_CACHE.popitem(last=False)
    return styles


def _flatten(body, styles_root, ns: str, styles_key: bytes | None = None) -> ReadDoc:
    walker = _Walker(_styles_for(styles_root, ns, styles_key), ns)
    # One pass over the body: without any careful-walk element, no paragraph needs its own look.
    walker.careful_anywhere = next(body.iter(*walker.CAREFUL), None) is not None
    walker.block(body, False)
    return ReadDoc(paragraphs=walker.paragraphs, page=_page(walker.first_sect, ns))
