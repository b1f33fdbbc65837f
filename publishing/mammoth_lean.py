"""mammoth, fed only what it reads: Word → HTML in a fraction of the time, with the same result.

mammoth parses every part it reads with xml.dom.minidom. Office templates carry a styles.xml of
~350 KB (w:latentStyles, ~100 table styles, every style's run and paragraph properties), and
parsing it is ~90% of a conversion. Of a style, mammoth reads only its type, id and name, and for a
numbering style the w:numId it points to (mammoth/docx/styles_xml.py): the rest cannot change the
HTML. So the styles part is cut down to exactly that, in memory, before mammoth sees the document.
Every w:style element stays, in order (mammoth keeps the first of duplicate ids).
"""
from __future__ import annotations

import io
import zipfile
from functools import lru_cache
from importlib.metadata import version

import mammoth
from lxml import etree

# Transitional and Strict WordprocessingML: mammoth reads both as w:.
_W = ("http://schemas.openxmlformats.org/wordprocessingml/2006/main",
      "http://purl.oclc.org/ooxml/wordprocessingml/main")

# Stored into the derived-object table with each HTML: a different mammoth may write different HTML.
MAKER = f"mammoth {version('mammoth')}"


def convert(data: bytes) -> str:
    """mammoth's HTML for the docx, as mammoth.convert_to_html would give it for the original."""
    return mammoth.convert_to_html(io.BytesIO(lean_docx(data))).value


def lean_docx(data: bytes) -> bytes:
    """The docx with its styles part cut to what mammoth reads; the original when that part
    cannot be found or cut (mammoth then reads it as it is, and says what is wrong with it)."""
    try:
        zin = zipfile.ZipFile(io.BytesIO(data))
        info = zin.getinfo(_styles_part(data))
        if (lean := _lean_styles(zin.read(info))) is None:
            return data
        out = io.BytesIO()
        # Stored, not deflated: the copy lives only until mammoth has read it.
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zout:
            for entry in zin.infolist():
                zout.writestr(entry.filename, lean if entry is info else zin.read(entry))
        return out.getvalue()
    except Exception:           # noqa: BLE001 - cutting is only a shortcut, never a new way to fail
        return data


def _styles_part(data: bytes) -> str:
    """The styles part mammoth itself would read (found through the document's relationships)."""
    from mammoth.docx import _find_part_paths      # mammoth's own lookup: the same part, always
    from mammoth.zips import open_zip
    return _find_part_paths(open_zip(io.BytesIO(data), "r")).styles


@lru_cache(maxsize=16)
def _lean_styles(xml: bytes) -> bytes | None:
    """Documents from one office share a template, so the same styles part comes back often.
    None when the part holds markup-compatibility blocks (mammoth unwraps those itself)."""
    if b"AlternateContent" in xml:
        return None
    # A parser per call: lxml parsers must not be shared between threads (the desk converts in several).
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    if etree.QName(root).namespace not in _W:
        return None
    ns = etree.QName(root).namespace
    style, name, ppr, numpr, numid = (f"{{{ns}}}{t}" for t in ("style", "name", "pPr", "numPr", "numId"))
    for child in list(root):
        if child.tag != style:
            root.remove(child)              # docDefaults, latentStyles, comments, text
            continue
        keep = [_first(child, name)]
        if child.get(f"{{{ns}}}type") == "numbering":
            keep.append(_chain(child, ppr, numpr, numid))
        for sub in list(child):
            if sub not in keep:
                child.remove(sub)
        child.text = None
        for sub in keep:
            if sub is not None:
                sub.tail = None
    root.text = None
    for child in root:
        child.tail = None
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _first(parent, tag):
    return next((c for c in parent if c.tag == tag), None)


def _chain(style, ppr, numpr, numid):
    """w:pPr with only its first w:numPr holding only its first w:numId: all mammoth reads there."""
    p = _first(style, ppr)
    if p is None:
        return None
    n = _first(p, numpr)
    for c in list(p):
        if c is not n:
            p.remove(c)
    if n is not None:
        i = _first(n, numid)
        for c in list(n):
            if c is not i:
                n.remove(c)
    return p
