"""The annual report's table for the 政务公开 office (/desk/annual-report): a year and a unit to
choose, 表二 第二十条第（一）项 and the interpretation figures as the official form lays them out
(publishing/annual_table.grid, the same grid the workbook is written from), and the xlsx to
download. Who may see it is the rulebook's answer (review.rules.may_see_annual_report)."""
from __future__ import annotations

import json
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from desk.kit import SECURITY_HEADERS, Kit
from documents.problems import Refused, problem
from documents.shown import echoed
from review import rules

FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "json": "application/json; charset=utf-8"}
FIRST_YEAR, LAST_YEAR = 1990, 2200          # what the command line accepts too


def _year(text: str | None, default: int) -> int:
    if text is None or not text.strip():
        return default
    if not text.strip().isdecimal() or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        raise Refused(problem("request_invalid", f"年度应为 {FIRST_YEAR}–{LAST_YEAR} 之间的四位数字，收到“{echoed(text, 20)}”"))
    return int(text)


def routes(kit: Kit) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def office(request: Request):
        session, who = kit.signed_in(request)
        kit.allow(request, rules.may_see_annual_report(who), who, session)
        return session, who

    def chosen(request: Request, svc) -> tuple[int, str | None, list[int]]:
        from services.register.report import report_years
        years = report_years(svc)
        # Reports are filed for the year just ended (by 31 January): that year, once it has begun.
        default = years[1] if len(years) > 1 else years[0]
        unit = (request.query_params.get("unit") or "").strip()[:100] or None
        return _year(request.query_params.get("year"), default), unit, years

    @router.get("/desk/annual-report")
    @kit.guarded
    async def annual_report(request: Request) -> Response:
        from publishing.annual_table import grid
        from services.register.report import annual_table
        session, who = office(request)
        svc = kit.services()
        year, unit, years = await run_in_threadpool(chosen, request, svc)
        table = await run_in_threadpool(annual_table, svc, year, unit)
        query = f"?unit={quote(table.unit)}" if table.unit else ""
        return kit.page(request, "desk_annual_report.html.j2", who=who, session=session, t=table, grid=grid(table),
                        years=sorted(set(years) | {year}, reverse=True), units=[u.name for u in svc.config.units],
                        download=f"/desk/annual-report/{year}.xlsx{query}",
                        download_json=f"/desk/annual-report/{year}.json{query}")

    @router.get("/desk/annual-report/{year}.{fmt}")
    @kit.guarded
    async def download(request: Request, year: str, fmt: str) -> Response:
        """The table as the workbook to file (xlsx) or as the same figures in JSON (`report annual --table --json`)."""
        from publishing.annual_table import as_json
        from publishing.annual_xlsx import to_xlsx
        from services.register.report import annual_table
        office(request)
        if fmt not in FORMATS:
            return kit.refused(request, [problem("not_found", f"不支持的导出格式 {echoed(fmt)}（可用 xlsx 或 json）")])
        number = _year(year, 0)
        unit = (request.query_params.get("unit") or "").strip()[:100] or None
        svc = kit.services()
        table = await run_in_threadpool(annual_table, svc, number, unit)
        if fmt == "json":
            data = json.dumps({"table": as_json(table)}, ensure_ascii=False, indent=2).encode("utf-8")
        else:
            data = await run_in_threadpool(to_xlsx, table)
        name = f"{number}年政府信息公开工作年度报告-主动公开情况-{table.unit_label}.{fmt}"
        disposition = f'attachment; filename="annual-report-{number}.{fmt}"; filename*=UTF-8\'\'{quote(name)}'
        return Response(data, media_type=FORMATS[fmt],
                        headers={**SECURITY_HEADERS, "Content-Disposition": disposition, "Cache-Control": "no-store"})

    return router
