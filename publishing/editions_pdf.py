"""The print edition as a PDF (印刷版 PDF): the released docx converted by LibreOffice, where it is installed.

The PDF is derived from the stored print edition, after the release has committed: the release never
waits on it, and a machine without LibreOffice still releases (the public is then offered the docx).
LibreOffice runs headless in its own process group with its own throw-away profile, under a time
limit; on expiry the whole group is killed (SIGKILL), so no soffice is ever left behind.

The official faces the template names (方正小标宋简体, 仿宋_GB2312, 楷体_GB2312, 黑体) are mapped by
fontconfig (templates/fonts/lockstep-fonts.conf, given to soffice alone through FONTCONFIG_FILE): the
licensed official fonts where the office has installed them, else Noto Serif CJK SC for 宋/仿宋/楷 and
Noto Sans CJK SC for 黑体 — never a Latin fallback or empty boxes.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

FONTS_CONF = Path(__file__).resolve().parent.parent / "templates" / "fonts" / "lockstep-fonts.conf"
MAKER = "LibreOffice pdf 1"          # derived_objects.maker: a new mapping or export filter bumps it
KIND = "print_pdf"                   # derived_objects.kind: the print edition's PDF, source = the docx
TIMEOUT = 300.0                      # seconds: a conversion not done by then is killed (100 items: ~30 s)
PDF = "application/pdf"


class Converted(NamedTuple):
    pdf: bytes | None                # None: not made (see `note`)
    note: str | None                 # 中文, why not (LibreOffice missing, failed, timed out)
    seconds: float


def wanted() -> bool:
    """Whether releases make the PDF: yes unless LOCKSTEP_PRINT_PDF is off (a machine where LibreOffice is
    installed for something else; the test suite, which makes PDFs only where it checks them)."""
    return os.environ.get("LOCKSTEP_PRINT_PDF", "on").strip().lower() not in ("off", "0", "no", "false")


def soffice() -> str | None:
    """The LibreOffice program on PATH, if any (soffice, or libreoffice)."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf_name(print_name: str) -> str:
    """公报2026年第1期.docx → 公报2026年第1期.pdf"""
    stem = print_name[:-5] if print_name.lower().endswith(".docx") else print_name
    return f"{stem}.pdf"


def to_pdf(docx: bytes, *, timeout: float = TIMEOUT, program: str | None = None) -> Converted:
    """The docx as a PDF by `soffice --headless --convert-to pdf`; never raises for LibreOffice's sake."""
    started = time.monotonic()
    exe = program or soffice()
    if exe is None:
        return Converted(None, "本机未安装 LibreOffice（soffice），未生成 PDF 印刷版", 0.0)
    work = Path(tempfile.mkdtemp(prefix="lockstep-pdf-"))
    try:
        src = work / "edition.docx"
        src.write_bytes(docx)
        profile = work / "profile"
        env = {**os.environ, "HOME": str(work), "FONTCONFIG_FILE": str(FONTS_CONF),
               "SAL_USE_VCLPLUGIN": "svp", "LANG": os.environ.get("LANG") or "C.UTF-8"}
        cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--nodefault", "--nologo", "--convert-to", "pdf:writer_pdf_Export",
               "--outdir", str(work / "out"), str(src)]
        try:
            proc = subprocess.Popen(cmd, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as e:
            return Converted(None, f"LibreOffice 无法启动（{e.strerror or e}），未生成 PDF 印刷版",
                             time.monotonic() - started)
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            return Converted(None, f"LibreOffice 转换超过 {timeout:g} 秒未完成，已终止，未生成 PDF 印刷版",
                             time.monotonic() - started)
        except BaseException:
            _kill_group(proc)
            raise
        _kill_group(proc)                  # anything it left running in its group goes with it
        made = work / "out" / "edition.pdf"
        if proc.returncode != 0 or not made.is_file() or made.stat().st_size == 0:
            said = (out or b"").decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            return Converted(None, f"LibreOffice 转换失败（退出码 {proc.returncode}{'：' + said[0][:200] if said[0] else ''}），"
                                   "未生成 PDF 印刷版", time.monotonic() - started)
        data = made.read_bytes()
        if not data.startswith(b"%PDF-"):
            return Converted(None, "LibreOffice 输出的不是 PDF 文件，未生成 PDF 印刷版", time.monotonic() - started)
        return Converted(data, None, time.monotonic() - started)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
