"""The annual report's table as a workbook laid out like the official form (国办公开办函〔2021〕30号):
the grid of publishing/annual_table.py, merged cells where the form merges them, 宋体, thin borders,
columns wide enough to read. Built in memory; the caller stores or sends the bytes."""
from __future__ import annotations

import io

from publishing.annual_table import WIDTH, AnnualTable, grid

FONT = "宋体"
SIZES = {"title": 14, "section": 12}
WIDTHS = (34, 18, 18, 18)                        # 信息内容 is the long column
BORDERED = ("item", "header", "label", "value", "share")


def to_xlsx(table: AnnualTable) -> bytes:
    from openpyxl import Workbook               # imported here: only exports need it
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    wb = Workbook()
    ws = wb.active
    ws.title = f"{table.year}年主动公开情况"
    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for r, row in enumerate(grid(table), 1):
        c = 1
        for cell in row:
            target = ws.cell(r, c)
            value = cell.text
            if cell.percent and isinstance(value, (int, float)):
                value = round(value / 100, 3)
                target.number_format = "0.0%"
            target.value = value
            bold = cell.style in ("title", "section", "header", "item")
            target.font = Font(name=FONT, size=SIZES.get(cell.style, 11), bold=bold)
            wrap = cell.style in ("note", "label", "header", "title")
            horizontal = "left" if cell.style in ("note", "section", "item") else "center"
            target.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=wrap)
            if cell.style in BORDERED:
                for k in range(c, c + cell.span):      # a merged cell shows the borders of all it covers
                    ws.cell(r, k).border = box
            if cell.span > 1:
                ws.merge_cells(start_row=r, start_column=c, end_row=r, end_column=c + cell.span - 1)
            c += cell.span
        if row[0].style == "title":
            ws.row_dimensions[r].height = 30
        elif row[0].style == "note":
            ws.row_dimensions[r].height = 32
        else:
            ws.row_dimensions[r].height = 22
    for i, width in enumerate(WIDTHS[:WIDTH], 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_options.horizontalCentered = True
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
