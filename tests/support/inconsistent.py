"""A sample dossier whose 政策解读 disagrees with its policy in two places (issue 16): 问1 cites
根政办发〔2018〕34号 (the policy: 43号, so "政策中没有"), and 问6 names 市审计局牵头 where the
policy's 二、（三） says 市政务服务局牵头."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

from samples import genhe

EDITS = (("行政执法行为（市政务服务局牵头）", "行政执法行为（市审计局牵头）"),
         ("根政办发〔2018〕43号", "根政办发〔2018〕34号"))


def edited_docx(data: bytes, edits=EDITS) -> bytes:
    """The docx with texts replaced in its XML, as an office's edit would."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for entry in src.infolist():
            body = src.read(entry)
            if entry.filename == "word/document.xml":
                for old, new in edits:
                    assert old.encode() in body, old
                    body = body.replace(old.encode(), new.encode())
            dst.writestr(entry, body)
    return out.getvalue()


def inconsistent_zip(path: Path) -> Path:
    files = genhe.bundle_files()
    files[genhe.MATERIAL_NAME] = edited_docx(files[genhe.MATERIAL_NAME])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def inconsistent_dossier(svc, folder: Path) -> str:
    from services.dossiers.intake import intake_bundle
    result = intake_bundle([inconsistent_zip(folder / "inconsistent.zip")], "drafter", svc)
    assert result.accepted, result.problems
    return result.dossier
