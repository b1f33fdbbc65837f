"""The print edition as a PDF (issue 15, item 3): a real release of a two-item issue made into a PDF by
the real LibreOffice with the official faces mapped by templates/fonts/lockstep-fonts.conf; its text read
back by poppler (Chinese, not boxes), page 1 rendered to /work/shots/PDF1/ to be looked at; the public
offered the PDF instead of the docx. Without LibreOffice (PATH without soffice, in a subprocess) the
release still completes, and the public is offered the docx with a coded note."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.storage.test_gazette_storage import signed_dossier

# Never skipped: scripts/setup --test installs LibreOffice and poppler-utils; without them this fails.
assert shutil.which("soffice") and shutil.which("pdftotext") and shutil.which("pdftoppm"), \
    "LibreOffice and poppler-utils are missing: run scripts/setup --test"
SHOTS = Path("/work/shots/PDF1")
TITLES = ("根河市城市供水管理办法", "根河市农村公路养护管理办法")


@pytest.fixture(scope="module", autouse=True)
def pdf_on():
    with pytest.MonkeyPatch.context() as mp:        # tests/conftest.py turns it off for the rest
        mp.setenv("LOCKSTEP_PRINT_PDF", "on")
        yield


@pytest.fixture(scope="module")
def released(tmp_path_factory, pdf_on):
    from services.gazette.issues import add_items, create_issue
    from services.gazette.release import release_issue
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    root = tmp_path_factory.mktemp("pdf")
    home = Home(root / "home")
    initialise(home)
    svc = open_services(home)
    dossiers = [signed_dossier(svc, root / "b", title=t) for t in TITLES]
    create_issue(svc, 2026, 1, "editor")
    add_items(svc, "2026-1", dossiers, "editor")
    done = release_issue(svc, "2026-1", root / "gazette", "editor", dt.date(2026, 12, 1))
    # A second issue, for the release without LibreOffice (run in a subprocess with PATH lacking soffice).
    third = signed_dossier(svc, root / "b", title="根河市第三项管理办法")
    create_issue(svc, 2026, 2, "editor")
    add_items(svc, "2026-2", [third], "editor")
    return home, svc, done, root


def text_of(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True,
                          timeout=60).stdout.decode("utf-8")


def test_the_release_makes_a_pdf_with_chinese_text_stored_and_fingerprinted(released):
    home, svc, done, root = released
    assert done.status == "released" and done.pdf_note is None, done.pdf_note
    pdf = Path(done.pdf_path)
    assert pdf.is_file() and pdf.name == done.print_name.replace(".docx", ".pdf")
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = text_of(pdf)
    assert "人民政府公报" in text and "2026年第1期" in text.replace(" ", "")
    flat = "".join(text.split())
    for title in TITLES:
        assert title in flat, title                        # extracts as Chinese: no boxes, no Latin fallback
    assert "\ufffd" not in text and "□" not in text
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True, timeout=30).stdout.decode()
    pages = int(next(l.split()[-1] for l in info.splitlines() if l.startswith("Pages:")))
    assert 3 <= pages <= 60, pages                         # cover, 目录, two policies and their interpretations
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, check=True, timeout=30).stdout.decode()
    assert "CJK" in fonts, fonts                           # the official faces mapped to the Noto CJK faces
    # Stored with its sha256 as a derived object of the print edition: the storage check names it.
    import hashlib
    from publishing import editions_pdf
    from services.home.storage_check import check
    sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    with svc.unit() as uow:
        assert uow.derived.find({done.print_sha256}, editions_pdf.KIND, editions_pdf.MAKER) == {done.print_sha256: sha}
    assert svc.store.get(sha) == pdf.read_bytes()
    report = check(svc)
    assert not report.missing_objects and sha not in {s.what for s in report.orphan_objects}
    # Page 1, rendered, to be looked at (the cover: masthead, issue line, 目录 beginning).
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "3", str(pdf), str(SHOTS / "print-edition")],
                   check=True, timeout=60)
    assert sorted(p.name for p in SHOTS.glob("print-edition-*.png"))


def test_the_public_is_offered_the_pdf_instead_of_the_docx(released):
    from desk.app import create_app
    home, svc, done, root = released
    name = Path(done.pdf_path).name
    client = TestClient(create_app(home.path, "test-token"), base_url="http://testserver")
    listing = client.get("/gazette")
    assert listing.status_code == 200
    assert f'href="/gazette/2026-1/{name}"' in listing.text and "印刷版（PDF）" in listing.text
    index = client.get("/gazette/2026-1/web/index.html")
    assert index.status_code == 200 and f'href="../{name}"' in index.text and done.print_name not in index.text
    got = client.get(f"/gazette/2026-1/{name}")
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
    assert got.content == Path(done.pdf_path).read_bytes()
    # The release folder too: its 目录 links the PDF beside it, and the docx is still there.
    folder = Path(done.folder)
    assert f'href="../{name}"' in (folder / "html" / "index.html").read_text("utf-8")
    assert (folder / done.print_name).is_file()
    # The editor's desk page of the issue links it, with its fingerprint.
    from desk import auth
    from tests.desk.test_pages import PASSWORD, sign_in
    auth.set_password(home.path, "editor", PASSWORD)
    page = sign_in(create_app(home.path, "test-token"), "editor").get("/desk/gazette/issues/2026-1").text
    import hashlib
    assert f'href="/gazette/2026-1/{name}"' in page and hashlib.sha256(got.content).hexdigest() in page
    # Released again into the same folder: complete already, the PDF does not make it "occupied".
    from services.gazette.release import release_issue
    again = release_issue(svc, "2026-1", root / "gazette", "editor", dt.date(2026, 12, 1))
    assert again.status == "released" and again.pdf_path == done.pdf_path
    # Its folder gone (a kill between the commit and the move): released again, it is completed from
    # the stored objects, PDF included.
    folder.rename(folder.parent / ".tmp-2026-1-killed")      # the release's temporary sibling, left behind
    release_issue(svc, "2026-1", root / "gazette", "editor", dt.date(2026, 12, 1))
    assert (folder / name).read_bytes() == got.content and (folder / done.print_name).is_file()
    assert f'href="../{name}"' in (folder / "html" / "index.html").read_text("utf-8")


def test_without_libreoffice_the_release_completes_and_offers_the_docx_with_a_coded_note(released):
    from desk.app import create_app
    home, svc, done, root = released
    lockstep = Path(sys.executable).parent / "lockstep"
    env = {**os.environ, "PATH": str(lockstep.parent)}   # the venv only: no soffice
    run = subprocess.run([str(lockstep), "--home", str(home.path), "gazette", "issue", "release", "2026-2",
                          "--out", str(root / "gazette"), "--date", "2026-12-02", "--as", "editor", "--yes"],
                         capture_output=True, env=env, timeout=120, stdin=subprocess.DEVNULL)
    said = run.stdout.decode()
    assert run.returncode == 0, said + run.stderr.decode()[-2000:]
    assert "已出版" in said and "print_pdf_unavailable" in said and "LibreOffice" in said, said
    with svc.unit() as uow:
        issue = uow.gazette.issue("2026-2")
        out = {"status": issue.status, "print_name": issue.print_name}
    assert out["status"] == "released"
    folder = root / "gazette" / "2026-2"
    assert (folder / out["print_name"]).is_file() and not list(folder.glob("*.pdf"))
    from services.gazette.release import PDF_KIND
    with svc.unit() as uow:
        job = uow.jobs.of(PDF_KIND, "2026-2")[0]
    assert job.status == "pending" and job.last_error["code"] == "print_pdf_unavailable"   # the operator's note
    from desk import auth
    from tests.desk.test_pages import PASSWORD, sign_in
    auth.set_password(home.path, "editor", PASSWORD)
    page = sign_in(create_app(home.path, "test-token"), "editor").get("/desk/gazette/issues/2026-2").text
    assert "印刷版 PDF 尚未生成（print_pdf_unavailable）" in page and "LibreOffice" in page
    client = TestClient(create_app(home.path, "test-token"), base_url="http://testserver")
    listing = client.get("/gazette")
    assert f'href="/gazette/2026-2/{out["print_name"]}"' in listing.text and "印刷版（docx）" in listing.text
    index = client.get("/gazette/2026-2/web/index.html")
    assert f'href="../{out["print_name"]}"' in index.text
    assert client.get(f"/gazette/2026-2/{out['print_name']}").status_code == 200
    # The PDF job waits with its note for a sweep on a machine that has LibreOffice: this one.
    from services.gazette.release import release_pending
    results = [r for r in release_pending(svc).results if r.get("issue") == "2026-2"]
    assert results and results[-1]["pdf"] is True
    assert "印刷版（PDF）" in client.get("/gazette").text


def test_with_the_pdf_turned_off_a_release_leaves_no_pdf_job(released, monkeypatch):
    from services.gazette.release import PDF_KIND, release_pending
    home, svc, done, root = released
    monkeypatch.setenv("LOCKSTEP_PRINT_PDF", "off")
    with svc.unit() as uow:
        assert [j.status for j in uow.jobs.of(PDF_KIND, "2026-1")] == ["done"]
    assert not [r for r in release_pending(svc).results if "pdf" in r]


def _soffices() -> set[int]:
    found = set()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if b"soffice" in cmd and b"lockstep-pdf-" in cmd:
                found.add(int(proc.name))
    return found


def test_a_conversion_over_its_time_is_killed_with_its_whole_group_and_says_so(pdf_on):
    from publishing.editions_pdf import to_pdf
    before = _soffices()
    made = to_pdf((Path(__file__).resolve().parents[2] / "templates" / "gazette_print.docx").read_bytes(), timeout=0.5)
    assert made.pdf is None and "超过" in made.note and made.seconds < 15
    # Nothing of it left running: the group was sent SIGKILL; its members other than the one reaped
    # may take a moment to leave /proc on a loaded machine (bounded: 10 s).
    deadline = time.monotonic() + 10
    while (left := _soffices() - before) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, left
