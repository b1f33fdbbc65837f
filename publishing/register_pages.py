"""The register's public outputs, rendered from entry views (no database here): the register page
with per-entry pages, the 清理 lists (in force, repealed, lapsed), and CSV / XLSX exports.

Entries are duck-typed (services.register.life.EntryView): these functions read attributes only.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any, Callable, Iterable

from publishing.register_rules import IN_FORCE, STATUS_NAMES, UNKNOWN_DATE
from templates import render

# (header in Chinese, how to read it): one list for CSV and XLSX so the two never differ.
COLUMNS: list[tuple[str, Callable[[Any], Any]]] = [
    ("登记号", lambda e: e.registration_number),
    ("文件名称", lambda e: e.title),
    ("发文字号", lambda e: e.document_number),
    ("制定机关", lambda e: e.organ),
    ("起草单位", lambda e: e.drafting_unit),
    ("成文日期", lambda e: e.signed_date),
    ("发布日期", lambda e: e.published_at.astimezone().date()),
    ("施行日期", lambda e: e.effective_date or UNKNOWN_DATE),     # 待施行: the gazette will fix it
    ("有效期至", lambda e: e.valid_until or UNKNOWN_DATE),
    ("状态", lambda e: e.status_name + (f"（{e.repeal_note}）" if getattr(e, "repeal_note", None) else "")),
    ("政府公报期号", lambda e: e.gazette_issue),
    ("合法性审核意见书编号", lambda e: e.legality_opinion),
    ("政策解读", lambda e: e.interpretation_page),
    ("修改文件", lambda e: "、".join(e.amends)),
    ("被修改", lambda e: "、".join(e.amended_by)),
    ("废止文件", lambda e: e.repealed_by),
    # the repealing document's 施行日期 (no document: the day recorded); a repeal to come shows its day
    ("废止日期", lambda e: getattr(e, "repealed_on", None) or (UNKNOWN_DATE if getattr(e, "repeal_pending", False)
                                                              else None)),
    ("废止理由", lambda e: e.repeal_reason),
    ("报备日期", lambda e: getattr(e, "reported_on", None) or (e.filed_at.astimezone().date() if e.filed_at else None)),
    ("报备机关", lambda e: getattr(e, "reported_to", None)),
    ("备案号", lambda e: e.filing_number),
    ("紧急签发", lambda e: e.emergency_note or ""),
]


def rows(entries: Iterable[Any]) -> list[list[Any]]:
    return [[read(e) for _, read in COLUMNS] for e in entries]


# A cell a spreadsheet would run as a formula (or split into one): Excel, WPS and LibreOffice read
# =, +, -, @ and a leading tab or CR as the start of a formula, so =HYPERLINK(…) in a title would
# become a live link. Such text is written with a leading ' (OWASP's CSV injection advice): text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(value: Any) -> Any:
    """A value as an export cell: text that could start a formula gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(entries: Iterable[Any]) -> bytes:
    """UTF-8 with a BOM: without it Excel on Chinese Windows reads the file as GBK and garbles it."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow([h for h, _ in COLUMNS])
    for row in rows(entries):
        w.writerow(["" if v is None else (v.isoformat() if isinstance(v, dt.date) else inert(v)) for v in row])
    return buf.getvalue().encode("utf-8-sig")


def to_xlsx(entries: Iterable[Any], title: str = "规范性文件公开台帐") -> bytes:
    from openpyxl import Workbook               # imported here: only exports need it
    from openpyxl.styles import Font
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]                       # Excel's limit on sheet names
    ws.append([h for h, _ in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows(entries):
        ws.append([inert(v) for v in row])
    for col, width in zip("ABCDEFGHIJKLMNOPQRS", (16, 40, 22, 22, 22, 12, 12, 12, 12, 10, 22, 22, 30)):
        ws.column_dimensions[col].width = width
    for r in range(2, ws.max_row + 1):
        for c in (6, 7, 8, 9, 17, 19):
            ws.cell(r, c).number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def safe_name(number: str) -> str:
    """A registration number as a file name (formats come from the config: keep paths inside)."""
    return re.sub(r"[^\w\-.]", "_", number)


def register_site(entries: list[Any], *, city: str, as_of: str) -> dict[str, bytes]:
    """index.html (search and status filter in a small inline script) and entries/<number>.html."""
    common = dict(city=city, released_at=as_of)
    files = {f"entries/{safe_name(e.registration_number)}.html": render("register_entry.html.j2", **common, e=e)
             .encode("utf-8") for e in entries}
    files["index.html"] = render("register_index.html.j2", **common, entries=entries, statuses=STATUS_NAMES,
                                 in_force=sum(e.status in IN_FORCE for e in entries)).encode("utf-8")
    return files


def cleanup_lists(entries: list[Any], *, city: str, as_of: dt.date) -> dict[str, bytes]:
    """The published results of a 清理: documents in force, repealed, and lapsed."""
    day = f"{as_of.year}年{as_of.month}月{as_of.day}日"
    lists = [
        dict(file="in_force.html", heading=f"{city}现行有效行政规范性文件目录", date_heading="有效期至",
             note="已修改的文件按修改后的文本继续有效。", keep=lambda e: e.status in IN_FORCE,
             date_of=lambda e: e.valid_until or UNKNOWN_DATE,
             remark_of=lambda e: f"经 {'、'.join(e.amended_by)} 修改" if e.amended_by else ""),
        dict(file="repealed.html", heading=f"{city}已废止行政规范性文件目录", date_heading="废止日期", note="",
             keep=lambda e: e.status == "repealed",
             date_of=lambda e: getattr(e, "repealed_on", None) or (e.status_changed_at.astimezone().date()
                                                                   if e.status_changed_at else "—"),
             remark_of=lambda e: f"被 {e.repealed_by} 废止" if e.repealed_by else (e.repeal_reason or "")),
        dict(file="expired.html", heading=f"{city}已失效行政规范性文件目录", date_heading="有效期至",
             note="有效期届满自动失效。", keep=lambda e: e.status == "expired",
             date_of=lambda e: e.valid_until, remark_of=lambda e: "有效期届满"),
    ]
    files = {}
    for spec in lists:
        chosen = [e for e in entries if spec["keep"](e)]
        files[spec["file"]] = render("register_list.html.j2", city=city, released_at=day, as_of=day,
                                     entries=chosen, lists=lists, **{k: v for k, v in spec.items()
                                                                     if k != "keep"}).encode("utf-8")
    return files
