"""Gazette release benchmark: both editions of a 100-item issue against the floor of the same rendering.

    python bench/gazette.py --items 100

Builds a fresh home with N signed and published dossiers (samples.genhe.write_bundles; taken in,
approved stage by stage by the default people, signed and published with the plain service
functions, no Prefect), creates issue 2019-1, adds all N, then measures in one process:

  release  services.gazette.issues.release_issue: the print edition (one docx from the Word template,
           目录 with PAGEREF fields, every policy and interpretation copied in) and the electronic
           edition (N item pages, N interpretation pages, the index), both stored, fingerprinted,
           indexed for search and written to disk, in one transaction. Target <= 1 s for N = 100 (issue 15; it was 3 s).
  floor    the same N items with nothing but the libraries and no database: open every policy and
           interpretation docx with python-docx, write their paragraphs' text into ONE python-docx
           document (paragraphs only, no styles, no template, no fields) and save it; render N HTML
           pages (title, number, the paragraphs) with one Jinja2 template.

The setup (intake, review, sign-off, publication, issue assembly) is not timed. Publication converts
each policy and interpretation docx once (mammoth → HTML, python-docx → text and blocks) and keeps
the results (publishing/derived.py), as it does outside the benchmark; the release reads them back.
The floor still opens every docx: it has no publication step to lean on. Prints a table,
then as the last line one JSON object: release_s, floor_s, ratio, items, peak_rss_mb (and a few
more: release_cpu_s, floor_cpu_s and cpu_ratio, the process's CPU seconds for each, steadier than the
wall clock on a shared machine). --profile runs one more release (fresh issue on a second home) under cProfile.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import resource
import shutil
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.measure import profile, timed  # noqa: E402

# Who approves what in the default configuration (review/config.py).
APPROVER = {"unit_check": "director", "legality": "reviewer", "deliberation": "secretary",
            "publicity": "publicity"}
RELEASE_DATE = dt.date(2019, 1, 2)     # before every generated 成文日期: no 施行日期 is earlier


def _cols(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def build_home(home_path: Path, bundles: list[Path]):
    """A home with every bundle taken in, approved, signed and published; the issue with all of them."""
    from services.gazette import issues as gazette
    from services.home.context import initialise
    from services.home.folder import Home
    from services.dossiers.intake import intake_bundle
    from services.publication.publish import publish
    from services.review.actions import gate_answer, record_decision, record_sign_off
    _, svc = initialise(Home(home_path))
    dossiers = []
    for path in bundles:
        result = intake_bundle([path], "drafter", svc)
        if not result.accepted:
            raise SystemExit(f"{path.name} not accepted: {result.problems}")
        d = result.dossier
        for _ in range(8):
            answer = gate_answer(svc, d)
            if answer.ready:
                break
            stages = [b.stage for b in answer.blocking if b.code == "stage_not_approved"]
            if not stages:
                raise SystemExit(f"{d} blocked by {[b.code for b in answer.blocking]}")
            for stage in stages:
                try:
                    record_decision(svc, d, stage, "approve", "同意", APPROVER[stage])
                except Exception:      # noqa: BLE001 - a stage whose prerequisite is still open: next round
                    pass
        record_sign_off(svc, d, "signer")
        if not publish(svc, d).published:
            raise SystemExit(f"{d} not published")
        dossiers.append(d)
    issue = gazette.create_issue(svc, 2019, 1, "editor").issue
    gazette.add_items(svc, issue, dossiers, "editor")
    return svc, issue


def release(svc, issue: str, out: Path):
    from services.gazette.release import release_issue
    # The PDF is made after the release's commit (publishing/editions_pdf.py): not part of its time.
    return release_issue(svc, issue, out, "editor", RELEASE_DATE, pdf=False)


def make_pdf(svc, issue: str):
    """The print edition's PDF by LibreOffice, as the release's own follow-up makes it: timed apart."""
    from services.gazette.release import print_pdf
    return print_pdf(svc, issue)


def floor_inputs(svc, issue: str) -> list[dict]:
    """Each item's title, number and the docx bytes the release shows (policy + interpretations),
    loaded before the floor is timed."""
    from services.gazette.items import INTERPRETATION_FILES, versions_of
    with svc.unit() as uow:
        items = sorted(uow.gazette.members(issue), key=lambda i: i.id)
        versions = versions_of(uow, items)
        out = []
        for item in items:
            v = versions[item.id]
            docs = [v.policy] + [f for f in v.of_role(*INTERPRETATION_FILES) if f.meta is not None]
            out.append({"title": item.title, "number": item.doc_number, "dossier": item.dossier_id,
                        "docx": [svc.store.get(f.sha256) for f in docs]})
    return out


FLOOR_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1>{% if number %}<p class="number">{{ number }}</p>{% endif %}
{% for p in paragraphs %}<p>{{ p }}</p>
{% endfor %}</body></html>"""


def run_floor(items: list[dict], out: Path) -> int:
    """python-docx: one document, paragraphs only; Jinja2: one page per item. Returns bytes written."""
    import docx
    import jinja2
    template = jinja2.Environment(autoescape=True).from_string(FLOOR_PAGE)
    doc = docx.Document()
    pages = {}
    for item in items:
        paragraphs = [p.text for data in item["docx"] for p in docx.Document(io.BytesIO(data)).paragraphs
                      if p.text.strip()]
        doc.add_paragraph(item["title"])
        if item["number"]:
            doc.add_paragraph(item["number"])
        for text in paragraphs:
            doc.add_paragraph(text)
        pages[f"{item['dossier']}.html"] = template.render(
            title=item["title"], number=item["number"], paragraphs=paragraphs).encode("utf-8")
    buf = io.BytesIO()
    doc.save(buf)
    out.mkdir(parents=True, exist_ok=True)
    (out / "floor.docx").write_bytes(buf.getvalue())
    for name, data in pages.items():
        (out / name).write_bytes(data)
    return len(buf.getvalue()) + sum(len(d) for d in pages.values())





def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=100, help="items in the issue (default 100)")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder")
    ap.add_argument("--profile", action="store_true",
                    help="also release a second, identical issue under cProfile and print the top costs to stderr")
    ap.add_argument("--profile-out", type=Path, default=None, help="write the cProfile stats to this file")
    ap.add_argument("--top", type=int, default=35, help="rows per profile listing")
    ap.add_argument("--no-pdf", action="store_true", help="do not time the print edition's PDF (LibreOffice)")
    args = ap.parse_args(argv)
    n = args.items
    if n < 1:
        ap.error("--items must be at least 1")

    tmp = Path(tempfile.mkdtemp(prefix="lockstep-bench-gazette-"))
    try:
        from samples.genhe import write_bundles
        bundles = write_bundles(tmp / "bundles", n, 0)
        t_setup, (svc, issue) = timed(build_home, tmp / "home", bundles)
        items = floor_inputs(svc, issue)

        # Warm-up, not counted: imports and first-use caches of both paths (a one-item issue on a
        # throwaway home, and the floor on one item).
        warm_svc, warm_issue = build_home(tmp / "home-warm", write_bundles(tmp / "bundles-warm", 1, seed=12345))
        release(warm_svc, warm_issue, tmp / "out-warm")
        run_floor(items[:1], tmp / "floor-warm")

        cpu0 = time.process_time()
        release_s, released = timed(release, svc, issue, tmp / "out")
        cpu1 = time.process_time()
        floor_s, floor_bytes = timed(run_floor, items, tmp / "floor")
        cpu2 = time.process_time()
        # CPU seconds of this process (every thread): steadier than the wall clock on a shared machine.
        release_cpu, floor_cpu = cpu1 - cpu0, cpu2 - cpu1
        pdf_s, pdf = timed(make_pdf, svc, issue) if not args.no_pdf else (None, None)
        folder = Path(released.folder)
        print_bytes = Path(released.print_path).stat().st_size
        pages = sum(1 for _ in (folder / "html").rglob("*.html"))
        web_bytes = sum(p.stat().st_size for p in (folder / "html").rglob("*") if p.is_file())

        if args.profile:
            prof_svc, prof_issue = build_home(tmp / "home-profile", bundles)
            profile(release, prof_svc, prof_issue, tmp / "out-profile", top=args.top, dump=args.profile_out,
                    what="the release")

        peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ratio = release_s / floor_s
        summary = {"release_s": round(release_s, 3), "floor_s": round(floor_s, 3), "ratio": round(ratio, 3),
                   "release_cpu_s": round(release_cpu, 3), "floor_cpu_s": round(floor_cpu, 3),
                   "cpu_ratio": round(release_cpu / floor_cpu, 3),
                   "items": len(released.items), "peak_rss_mb": round(peak_rss_mb, 1),
                   "target_s": 1.0, "pages": pages, "print_kb": round(print_bytes / 1024, 1),
                   "pdf_s": round(pdf_s, 3) if pdf and pdf.pdf_path else None}
        if pdf is not None and pdf.pdf_path:
            pdf_row = (f"{pdf_s:.3f} s after the release (LibreOffice {pdf.seconds:.1f} s), "
                       f"{Path(pdf.pdf_path).stat().st_size / 1024:.0f} KB; not in the release's time")
        elif pdf is not None:
            pdf_row = f"not made: {(pdf.pdf_note or {}).get('message', '—')}"
        else:
            pdf_row = "not timed (--no-pdf)"
        rows = [
            ("稿件 items", f"{len(released.items)} (setup: intake+review+sign-off+publish+add {t_setup:.1f} s, not timed)"),
            ("出版 release: print docx + web pages", f"{release_s:.3f} s  ({1000 * release_s / n:.1f} ms/item; target ≤ 1 s)"),
            ("  印刷版 print edition", f"{print_bytes / 1024:.0f} KB"),
            ("  电子版 web edition", f"{pages} pages, {web_bytes / 1024:.0f} KB"),
            ("印刷版 PDF print edition PDF", pdf_row),
            ("下限 floor: python-docx paragraphs + Jinja2", f"{floor_s:.3f} s  ({1000 * floor_s / n:.1f} ms/item, "
                                                          f"{floor_bytes / 1024:.0f} KB written)"),
            ("倍数 ratio release/floor", f"{ratio:.2f}x (CPU {release_cpu:.3f} s / {floor_cpu:.3f} s = "
                                          f"{release_cpu / floor_cpu:.2f}x)"),
            ("峰值内存 peak RSS", f"{peak_rss_mb:.0f} MB"),
            ("临时目录 temp folder", f"{tmp}{'' if args.keep else ' (removed)'}"),
        ]
        width = max(_cols(k) for k, _ in rows)
        print("\n公报出版基准 gazette release benchmark")
        for k, v in rows:
            print(f"  {k}{' ' * (width - _cols(k))}  {v}")
        failed = len(released.items) != n
        print(json.dumps(summary), flush=True)
        return 1 if failed else 0
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
