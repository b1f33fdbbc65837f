"""Register search benchmark: `lockstep register search` over a large register against a LIKE scan.

    python bench/register.py --entries 100000 --queries 500

Builds a fresh SQLite home (all migrations), then bulk-inserts N realistic register entries through
SQLAlchemy core in batches (not through the publication path): generated Chinese titles, document
numbers (根政办发〔2021〕37号) and organs over 2010–2026, registration numbers GHDR-YYYY-NNNN,
statuses (in force, amended, repealed, expired) with their amend/repeal links, one dossier per entry
(1 % marked 不予公开, which search must leave out), the released gazette issues that carry 95 % of
them (50 items an issue), and the entries' rows in the search index (storage.register_search.index_row).
The bulk load is not timed.

Then runs Q searches, a fixed mix (seeded): 2-character and 3–6-character substrings of titles,
organ names, whole and partial document numbers, registration numbers, texts that match nothing,
a quarter of them with a --status filter. Each is timed three ways:

  search   services.register.search.search: what `register search --json` computes (index query,
           then the entries as `register list` shows them), one session per query.
  index    RegisterRepo.search_ids (uow.register) alone: the index query, ids only.
  floor    SELECT id FROM register_entries WHERE title LIKE '%x%' [AND status = s]
           ORDER BY id DESC LIMIT 50: the plain scan, title only.

Prints a table (percentiles overall and by kind of query), then as the last line one JSON object:
entries, queries, p50_ms, p95_ms, p99_ms (search), like_scan_p95_ms (and index_*_ms, per-kind
p95s, search_queries_timed: the full path stops being timed after --budget seconds).
Target: p95 <= 20 ms for search.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LIMIT = 50
BATCH = 5000
YEARS = range(2010, 2027)
ORGANS = [  # (制定机关, 代字)
    ("根河市人民政府", "根政发"), ("根河市人民政府办公室", "根政办发"), ("根河市政务服务局", "根政务发"),
    ("根河市司法局", "根司发"), ("根河市教育局", "根教发"), ("根河市卫生健康委员会", "根卫健发"),
    ("根河市民政局", "根民发"), ("根河市财政局", "根财发"), ("根河市人力资源和社会保障局", "根人社发"),
    ("根河市自然资源局", "根自然资发"), ("根河市住房和城乡建设局", "根住建发"), ("根河市交通运输局", "根交发"),
    ("根河市农牧和科技局", "根农科发"), ("根河市林业和草原局", "根林草发"), ("根河市市场监督管理局", "根市监发"),
    ("根河市应急管理局", "根应急发"), ("根河市生态环境分局", "根环发"), ("根河市文化旅游体育局", "根文旅发"),
    ("根河市医疗保障局", "根医保发"), ("根河市退役军人事务局", "根退役发"), ("根河市商务和工业信息化局", "根商工发"),
    ("根河市水利局", "根水发"), ("根河市公安局", "根公发"), ("根河市审计局", "根审发"),
]
SUBJECTS = [
    "政务公开", "城乡居民最低生活保障", "农村牧区人居环境整治", "林草防火", "安全生产", "中小学校舍安全",
    "医疗保障基金", "住房公积金", "优化营商环境", "招商引资", "城市供热", "生活垃圾分类", "殡葬改革",
    "河湖长制", "森林草原防灭火", "义务教育学生资助", "困难群众临时救助", "残疾人两项补贴", "高龄津贴",
    "城镇老旧小区改造", "棚户区改造", "农牧民专业合作社", "草原生态保护补助奖励", "野生动物保护",
    "食品安全", "药品零售", "特种设备安全", "道路运输", "城市停车", "户外广告设置", "市容环境卫生",
    "重大行政决策", "行政规范性文件", "政府信息公开", "政务服务事项", "一网通办", "12345热线",
    "公共资源交易", "政府采购", "国有资产", "财政专项资金", "政府投资项目", "地方政府债务",
    "就业创业", "职业技能提升", "农民工工资支付", "社会保险", "退役军人优待", "双拥共建",
    "非物质文化遗产", "全民健身", "旅游市场", "冰雪旅游", "防汛抗旱", "地质灾害防治", "耕地保护",
    "不动产登记", "建筑工地扬尘", "城乡供水", "排水与污水处理", "清洁取暖", "爱国卫生", "家庭医生签约",
]
ACTIONS = ["管理办法", "实施细则", "暂行规定", "实施意见", "工作方案", "考核办法", "补助标准", "实施办法",
           "管理规定", "试行办法", "操作规程", "三年行动方案", "评价办法", "应急预案", "工作规则"]
FORMS = ["关于印发《根河市{s}{a}》的通知", "根河市{s}{a}", "关于进一步加强{s}工作的{a2}",
         "关于印发《根河市{s}{a}（{y}—{y2}年）》的通知", "关于{s}有关事项的通知"]
ACTION2 = ["意见", "通知", "实施意见", "若干措施"]
NO_HIT = ["量子计算机", "航天发射场", "海洋牧场", "深海", "核电站", "潮汐", "珊瑚礁保护", "火山"]


def _cols(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def generate(n: int, seed: int) -> list[dict]:
    """N entries in publication order (ids ascending), spread evenly over YEARS."""
    rng = random.Random(seed)
    per_year = -(-n // len(YEARS))
    serial_of: dict[tuple[str, int], int] = {}
    out = []
    for i in range(n):
        year = YEARS[0] + i // per_year
        organ, code = rng.choice(ORGANS)
        serial_of[(code, year)] = serial_of.get((code, year), 0) + 1
        s, a = rng.choice(SUBJECTS), rng.choice(ACTIONS)
        title = rng.choice(FORMS).format(s=s, a=a, a2=rng.choice(ACTION2), y=year, y2=year + 2)
        signed = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        r = rng.random()
        status = "in_force" if r < 0.80 else "amended" if r < 0.88 else "repealed" if r < 0.95 else "expired"
        out.append({"id": i + 1, "year": year, "serial": i % per_year + 1, "organ": organ, "title": title,
                    "document_number": f"{code}〔{year}〕{serial_of[(code, year)]}号", "signed": signed,
                    "status": status, "public": rng.random() >= 0.01})
    return out


def _batches(rows: list[dict]):
    for i in range(0, len(rows), BATCH):
        yield rows[i:i + BATCH]


def bulk_load(svc, entries: list[dict], seed: int) -> dict:
    """Dossiers, released gazette issues and items, register entries, links and index rows."""
    from sqlalchemy import insert, text
    from storage.register_search import INSERT, index_row
    from storage.tables import (DossierRow, GazetteIssueItemRow, GazetteIssueRow, GazetteItemRow, RegisterEntryRow,
                                RegisterLinkRow)
    rng = random.Random(seed + 1)
    fmt, prefix = svc.config.register_format, svc.config.register_prefix
    utc = dt.timezone.utc
    dossiers, entry_rows, items, placements, issues, index_rows = [], [], [], [], [], []
    issue_of_year: dict[int, int] = {}
    total = 0
    for e in entries:
        did = f"D{e['year']}{e['id']:07d}"
        at = dt.datetime.combine(e["signed"], dt.time(9), utc) + dt.timedelta(days=3)
        number = fmt.format(prefix=prefix, year=e["year"], serial=e["serial"])
        e["number"], e["dossier"] = number, did
        dossiers.append({"id": did, "kind": "行政规范性文件", "title": e["title"], "doc_number": e["document_number"],
                         "drafting_unit": e["organ"], "state": "registered", "current_version": 1,
                         "disclosure": "主动公开" if e["public"] else "不予公开", "created_at": at, "updated_at": at,
                         "row_version": 1})
        effective = e["signed"] + dt.timedelta(days=30)
        entry_rows.append({"id": e["id"], "registration_number": number, "year": e["year"], "serial": e["serial"],
                           "dossier_id": did, "document_number": e["document_number"], "title": e["title"],
                           "organ": e["organ"], "drafting_unit": e["organ"], "signed_date": e["signed"],
                           "published_at": at, "interpretation_page": f"interpretations/{did}.html",
                           "status": e["status"], "opinion_number": f"根司审〔{e['year']}〕{e['serial']}号",
                           "effective_date": effective, "valid_until": effective.replace(year=effective.year + 5),
                           "status_changed_at": at if e["status"] != "in_force" else None})
        index_rows.append(index_row(e["id"], e["title"], e["document_number"], e["organ"], number))
        items.append({"id": e["id"], "dossier_id": did, "fingerprint": hashlib.sha256(did.encode()).hexdigest(),
                      "title": e["title"], "doc_number": e["document_number"], "organ": e["organ"],
                      "signed_date": e["signed"], "policy_page": f"policies/{did}.html",
                      "interpretation_page": f"interpretations/{did}.html", "status": "in_issue", "queued_at": at})
        if rng.random() < 0.95:                  # the rest still wait in the queue
            count = issue_of_year.get(e["year"], 0)
            if count % LIMIT == 0:
                total += 1
                day = e["signed"] + dt.timedelta(days=5)
                issues.append({"id": f"{e['year']}-{count // LIMIT + 1}", "year": e["year"],
                               "number": count // LIMIT + 1, "total": total, "status": "released",
                               "release_date": day, "released_at": dt.datetime.combine(day, dt.time(10), utc),
                               "released_by": "editor", "print_name": f"公报{e['year']}年第{count // LIMIT + 1}期.docx",
                               "created_by": "editor", "created_at": at, "updated_at": at, "row_version": 1})
            issue_of_year[e["year"]] = count + 1
            placements.append({"issue_id": issues[-1]["id"], "item_id": e["id"], "section": "部门行政规范性文件",
                               "added_by": "editor", "added_at": at})
    # Amended and repealed entries are acted on by a later entry (a third of repeals give a reason).
    links = []
    for e in entries:
        if e["status"] in ("amended", "repealed"):
            later = rng.randint(e["id"], len(entries))
            by = None if e["status"] == "repealed" and rng.random() < 0.33 or later == e["id"] else later
            links.append({"kind": "amend" if e["status"] == "amended" else "repeal", "entry_id": e["id"],
                          "by_entry_id": by, "reason": None if by else "上位法已废止", "actor": "editor",
                          "at": dt.datetime(2026, 1, 5, tzinfo=utc)})
    with svc.engine.begin() as conn:
        for table, rows in ((DossierRow, dossiers), (GazetteIssueRow, issues), (GazetteItemRow, items),
                            (GazetteIssueItemRow, placements), (RegisterEntryRow, entry_rows), (RegisterLinkRow, links)):
            for batch in _batches(rows):
                conn.execute(insert(table.__table__), batch)
        for batch in _batches(index_rows):
            conn.execute(INSERT, batch)
        conn.execute(text("ANALYZE"))
    return {"dossiers": len(dossiers), "issues": len(issues), "placed": len(placements), "links": len(links)}


def make_queries(entries: list[dict], q: int, seed: int) -> list[tuple[str, str, str | None]]:
    """(kind, text, status) — a fixed, seeded mix."""
    rng = random.Random(seed + 2)
    kinds = (["2字 2 chars"] * 25 + ["3–6字 3-6 chars"] * 35 + ["机关 organ"] * 8 + ["文号 doc number"] * 10
             + ["文号片段 partial number"] * 5 + ["登记号 reg number"] * 10 + ["无结果 no hit"] * 7)
    statuses = ["in_force", "amended", "repealed", "expired"]
    out = []
    for _ in range(q):
        kind, e = rng.choice(kinds), rng.choice(entries)
        if kind.startswith("2字") or kind.startswith("3–6字"):
            size = 2 if kind.startswith("2字") else rng.randint(3, 6)
            chars = "".join(c for c in e["title"] if "\u4e00" <= c <= "\u9fff")
            start = rng.randint(0, len(chars) - size)
            text = chars[start:start + size]
        elif kind.startswith("机关"):
            organ = e["organ"].removeprefix("根河市")
            size = min(len(organ), rng.randint(3, 6))
            start = rng.randint(0, len(organ) - size)
            text = organ[start:start + size]
        elif kind.startswith("文号片段"):
            text = e["document_number"][e["document_number"].index("〔"):]      # 〔2021〕37号
        elif kind.startswith("文号"):
            text = e["document_number"]
        elif kind.startswith("登记号"):
            text = e["number"]
        else:
            text = rng.choice(NO_HIT)
        out.append((kind, text, rng.choice(statuses) if rng.random() < 0.25 else None))
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def run(svc, queries, *, fn: str, budget_s: float | None = None) -> tuple[list[float], list[int]]:
    """Times each query; with budget_s, stops once that much time has gone (the rest untimed)."""
    from sqlalchemy import text as sql
    from services.register.search import search
    from storage.search import like_pattern
    times, hits = [], []
    floor_sql = sql("SELECT id FROM register_entries WHERE title LIKE :p ESCAPE '\\' ORDER BY id DESC LIMIT :limit")
    floor_status = sql("SELECT id FROM register_entries WHERE title LIKE :p ESCAPE '\\' AND status = :s "
                       "ORDER BY id DESC LIMIT :limit")
    conn = svc.engine.connect() if fn == "floor" else None
    try:
        started = time.perf_counter()
        for _, text, status in queries:
            if budget_s is not None and time.perf_counter() - started > budget_s:
                break
            t0 = time.perf_counter()
            if fn == "search":
                found = search(svc, text, status, LIMIT)
            elif fn == "index":
                with svc.unit() as uow:
                    found = uow.register.search_ids(text, status, LIMIT)
            else:
                params = {"p": like_pattern(text), "limit": LIMIT}
                if status:
                    params["s"] = status
                found = conn.execute(floor_status if status else floor_sql, params).all()
            times.append(1000 * (time.perf_counter() - t0))
            hits.append(len(found))
    finally:
        if conn is not None:
            conn.close()
    return times, hits


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entries", type=int, default=100_000, help="register entries (default 100000)")
    ap.add_argument("--queries", type=int, default=500, help="searches (default 500)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--budget", type=float, default=120.0,
                    help="seconds the full search path may take in all; queries after it are not timed (default 120)")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder")
    args = ap.parse_args(argv)
    if args.entries < 10 or args.queries < 1:
        ap.error("--entries must be at least 10, --queries at least 1")

    tmp = Path(tempfile.mkdtemp(prefix="lockstep-bench-register-"))
    try:
        from services.home.context import initialise
        from services.home.folder import Home
        _, svc = initialise(Home(tmp / "home"))
        t0 = time.perf_counter()
        entries = generate(args.entries, args.seed)
        loaded = bulk_load(svc, entries, args.seed)
        t_load = time.perf_counter() - t0
        public = [e for e in entries if e["public"]]
        queries = make_queries(public, args.queries, args.seed)

        # Warm-up, not counted: imports, statement caches, the first pages of the index.
        for fn in ("search", "index", "floor"):
            run(svc, queries[:20], fn=fn)
        results = {fn: run(svc, queries, fn=fn, budget_s=args.budget if fn == "search" else None)
                   for fn in ("search", "index", "floor")}
        s_times, s_hits = results["search"]
        i_times, i_hits = results["index"]
        f_times, _ = results["floor"]
        timed = len(s_times)
        assert s_hits == i_hits[:timed]

        kinds = list(dict.fromkeys(k for k, _, _ in queries))
        by_kind = {k: [t for (kk, _, _), t in zip(queries, s_times) if kk == k] for k in kinds}
        by_kind = {k: v for k, v in by_kind.items() if v}
        idx_by_kind = {k: [t for (kk, _, _), t in zip(queries, i_times) if kk == k] for k in kinds}
        db_mb = sum(p.stat().st_size for p in (tmp / "home").glob("lockstep.db*")) / 1e6
        peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        def pct(ts):
            return {p: round(percentile(ts, p), 2) for p in (50, 95, 99)}
        s, i, f = pct(s_times), pct(i_times), pct(f_times)
        summary = {"entries": args.entries, "queries": len(queries), "p50_ms": s[50], "p95_ms": s[95],
                   "p99_ms": s[99], "like_scan_p95_ms": f[95], "index_p50_ms": i[50], "index_p95_ms": i[95],
                   "index_p99_ms": i[99], "like_scan_p50_ms": f[50], "target_p95_ms": 20,
                   "search_queries_timed": timed,
                   "p95_by_kind_ms": {k: round(percentile(v, 95), 2) for k, v in by_kind.items()},
                   "index_p95_by_kind_ms": {k: round(percentile(v, 95), 2) for k, v in idx_by_kind.items()},
                   "db_mb": round(db_mb, 1), "peak_rss_mb": round(peak_rss_mb, 1)}
        rows = [
            ("台帐 entries", f"{args.entries} ({loaded['issues']} released issues, {loaded['placed']} placed, "
                            f"{loaded['links']} links, {sum(not e['public'] for e in entries)} 不予公开; "
                            f"bulk load {t_load:.1f} s, not timed)"),
            ("数据库 database", f"{db_mb:.0f} MB"),
            ("检索 queries", f"{len(queries)} ({sum(1 for q in queries if q[2])} with --status; limit {LIMIT}; "
                           f"mean hits {statistics.mean(s_hits):.1f})"),
            ("检索 search (index + entries)", f"p50 {s[50]:.2f} ms  p95 {s[95]:.2f} ms  p99 {s[99]:.2f} ms  (target p95 ≤ 20"
                                              + (f"; only {timed} of {len(queries)} timed within --budget {args.budget:.0f} s)"
                                                 if timed < len(queries) else ")")),
            ("  索引查询 index query only", f"p50 {i[50]:.2f} ms  p95 {i[95]:.2f} ms  p99 {i[99]:.2f} ms"),
            ("下限 floor: title LIKE scan", f"p50 {f[50]:.2f} ms  p95 {f[95]:.2f} ms  p99 {f[99]:.2f} ms"),
        ] + [(f"  p95 {k}", f"search {percentile(by_kind[k], 95) if k in by_kind else float('nan'):.2f} ms, "
                            f"index {percentile(v, 95):.2f} ms ({len(v)} queries)")
             for k, v in idx_by_kind.items()] + [
            ("峰值内存 peak RSS", f"{peak_rss_mb:.0f} MB"),
            ("临时目录 temp folder", f"{tmp}{'' if args.keep else ' (removed)'}"),
        ]
        width = max(_cols(k) for k, _ in rows)
        print("\n台帐检索基准 register search benchmark")
        for k, v in rows:
            print(f"  {k}{' ' * (width - _cols(k))}  {v}")
        print(json.dumps(summary, ensure_ascii=False), flush=True)
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
