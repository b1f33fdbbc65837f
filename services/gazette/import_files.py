"""Reading past gazette issues from their files (services/gazette/imports.py stores them).

Two shapes of history:
- one docx per issue: the issue is split into items by its own headings — an item starts at a
  title (小标宋 face or large centred text, possibly over two lines) followed by its 发文字号 line;
  year, number and total come from the cover (“2019年第8期”“总第120期”) or the file name;
- one docx per item with a CSV index (file, year, number, total, title, document_number, organ, date).

Nothing here touches the database or the object store: a file that cannot be read is refused
with its coded problems before anything is written.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from documents.docno import find_doc_number
from documents.docx_read import Para, open_docx
from documents.extract import _is_big_title, _is_docno_line, _is_organ_line, parse_date, tidy
from documents.problems import Problem, Refused, problem
from services.gazette.search import body_text

CSV_COLUMNS = ("file", "year", "number", "total", "title", "document_number", "organ", "date")
_ISSUE_NO = re.compile(r"(\d{4})\s*年\s*第\s*(\d{1,3})\s*期")
_TOTAL_NO = re.compile(r"总\s*第\s*(\d{1,5})\s*期")
_ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


@dataclass
class ParsedItem:
    title: str
    document_number: str | None
    organ: str | None
    date: dt.date | None
    body: str
    source_name: str
    data: bytes


@dataclass
class ParsedIssue:
    year: int
    number: int
    total: int | None
    date: dt.date | None
    source: str                    # issue_docx, item_docx
    source_name: str
    data: bytes                    # the issue docx, or the CSV index
    items: list[ParsedItem] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.year}-{self.number}"


def _bad_index(detail: str, file: str | None = None) -> Problem:
    # The code's stock advice speaks of bundle.json; an index CSV needs its own.
    return Problem(code="manifest_invalid", file=file,
                   message=f"{detail}：索引 CSV 须为 UTF-8 或 GBK 编码，表头为 {','.join(CSV_COLUMNS)}，"
                           "year、number、title 必填，date 写作 2019-08-05 或 2019年8月5日")


# ---------------------------------------------------------------- one docx per issue


def _item_starts(paras: list[Para]) -> list[tuple[int, int, int]]:
    """(title start, title end, docno index) for every item: a title block of 1–3 big lines,
    then within two paragraphs its 发文字号 line."""
    starts, i = [], 0
    while i < len(paras):
        p = paras[i]
        if not p.in_table and _is_big_title(p, p.flat) and not _is_docno_line(p.flat):
            j = i + 1
            while (j < len(paras) and j - i < 3 and not paras[j].in_table and _is_big_title(paras[j], paras[j].flat)
                   and not _is_docno_line(paras[j].flat)):
                j += 1
            k = next((k for k in range(j, min(j + 2, len(paras))) if _is_docno_line(paras[k].flat)), None)
            if k is not None:
                starts.append((i, j, k))
                i = k + 1
                continue
        i += 1
    return starts


def _tail(paras: list[Para]) -> tuple[str | None, dt.date | None]:
    """The signature organ and 成文日期 closing an item: the last short date line, the line above it."""
    for n in range(len(paras) - 1, -1, -1):
        t = paras[n].flat
        if len(t) <= 20:
            date, _ = parse_date(t)
            if date:
                above = paras[n - 1].flat if n else ""
                return (above if above and _is_organ_line(above) else None), date
    return None, None


def parse_issue_docx(name: str, data: bytes) -> ParsedIssue:
    doc, problems = open_docx(name, data)
    if doc is None:
        raise Refused(*problems)
    paras = [p for p in doc.paragraphs if p.flat]
    starts = _item_starts(paras)
    if not starts:
        raise Refused(problem("title_missing", "未能在这一期中找到稿件（居中的小标宋或大字标题，其后一行为发文字号）",
                              file=name))
    cover = " ".join(p.flat for p in paras[:starts[0][0]]) + " " + Path(name).stem
    issue_no, total_no = _ISSUE_NO.search(cover), _TOTAL_NO.search(cover)
    if issue_no is None:
        raise Refused(_bad_index("封面和文件名中都没有“2019年第8期”这样的期号", file=name))
    cover_date = next((d for p in paras[:starts[0][0]] if len(p.flat) <= 20 for d in [parse_date(p.flat)[0]] if d),
                      None)
    issue = ParsedIssue(year=int(issue_no.group(1)), number=int(issue_no.group(2)),
                        total=int(total_no.group(1)) if total_no else None, date=cover_date,
                        source="issue_docx", source_name=name, data=data)
    bounds = [s[0] for s in starts[1:]] + [len(paras)]
    for (first, title_end, docno_at), end in zip(starts, bounds):
        part = paras[first:end]
        number, _ = find_doc_number(paras[docno_at].flat)
        organ, date = _tail(part)
        issue.items.append(ParsedItem(
            title=tidy("".join(p.text for p in paras[first:title_end])),
            document_number=number.raw if number else None, organ=organ, date=date,
            body=body_text([p.text for p in part]), source_name=name, data=data))
    return issue


# ---------------------------------------------------------------- one docx per item, with a CSV index


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gbk")


def _csv_date(value: str) -> dt.date | None:
    value = value.strip()
    if _ISO_DATE.match(value):
        return dt.date.fromisoformat("-".join(f"{int(x):02d}" for x in value.split("-")))
    date, _ = parse_date(value)
    if date is None:
        raise ValueError(value)
    return date


def parse_index(index_path: Path, files: dict[str, Path]) -> list[ParsedIssue]:
    """files: the docx paths given on the command line, by name; a row's file may also be a path
    relative to the index's folder."""
    raw = index_path.read_bytes()
    name = index_path.name
    try:
        rows = list(csv.DictReader(io.StringIO(_decode(raw))))
    except (UnicodeDecodeError, csv.Error) as e:
        raise Refused(_bad_index(f"无法读取索引（{e}）", file=name)) from None
    header = set(rows[0]) if rows else set()
    if not rows or not {"file", "year", "number", "title"} <= header:
        raise Refused(_bad_index("索引为空或缺少必需的列（file、year、number、title）", file=name))
    issues: dict[tuple[int, int], ParsedIssue] = {}
    problems: list[Problem] = []
    for line, row in enumerate(rows, 2):
        row = {k: (v or "").strip() for k, v in row.items() if k}
        where = f"第 {line} 行"
        try:
            year, number = int(row["year"]), int(row["number"])
            total = int(row["total"]) if row.get("total") else None
            date = _csv_date(row["date"]) if row.get("date") else None
        except ValueError:
            problems.append(_bad_index(f"{where}的 year、number、total 须为整数，date 须为日期", file=name))
            continue
        if not row["title"] or not row["file"]:
            problems.append(_bad_index(f"{where}缺少 file 或 title", file=name))
            continue
        path = files.get(row["file"]) or files.get(Path(row["file"]).name) or index_path.parent / row["file"]
        if not path.is_file():
            problems.append(_bad_index(f"{where}的文件 {row['file']} 不存在，也不在命令给出的文件中", file=name))
            continue
        data = path.read_bytes()
        doc, opened = open_docx(path.name, data)
        if doc is None:
            problems += opened
            continue
        issue = issues.setdefault((year, number), ParsedIssue(year=year, number=number, total=total, date=None,
                                                              source="item_docx", source_name=name, data=raw))
        if total is not None and issue.total not in (None, total):
            problems.append(_bad_index(f"{where}的总期号 {total} 与同一期前面的行（{issue.total}）不一致", file=name))
            continue
        issue.total = issue.total or total
        issue.items.append(ParsedItem(
            title=tidy(row["title"]), document_number=row.get("document_number") or None,
            organ=row.get("organ") or None, date=date,
            body=body_text([p.text for p in doc.paragraphs]), source_name=path.name, data=data))
    if problems:
        raise Refused(*problems)
    return list(issues.values())
