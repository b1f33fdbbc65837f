"""The interpretation's findings are worked out once per version's files and kept (issue 14: "Reads
are fast"): a cold `gate` or `status` on a folder home reads them from the home's cache file, the
same findings a fresh check gives, without opening the docx or importing the docx reader, the fact
extractor or the PostgreSQL dialect; a cache file that is corrupt, foreign or names files the store
has lost is never believed."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from samples import genhe
from tests.cli.test_consistency_cli import _interpretation_citing

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def misquoted(tmp_path_factory):
    """A folder home with a dossier whose interpretation cites a wrong 文号: one finding, three notes."""
    from services.dossiers.intake import intake_bundle
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    from tests.conftest import Cli
    work = tmp_path_factory.mktemp("consistency-cache")
    home = Home(work / "home")
    initialise(home)
    svc = open_services(home)
    cli = Cli(home.path)
    d = intake_bundle([genhe.write_zip(work / "b.zip", "complete")], "drafter", svc).dossier
    wrong = work / genhe.MATERIAL_NAME
    wrong.write_bytes(_interpretation_citing("根政办发〔2018〕43号", "根政办发〔2018〕34号"))
    assert cli.json("attach", d, wrong, "--role", "interpretation_material", "--as", "drafter")["version"] == 2
    return cli, svc, d


def _cache_files(svc) -> list[Path]:
    return sorted((svc.home.path / "cache" / "consistency").glob("*.json"))


def test_a_kept_finding_equals_a_fresh_one_and_a_corrupt_or_foreign_file_is_worked_out_again(misquoted):
    from documents.diff import paragraphs
    from review.consistency import check_all
    from services.dossiers import consistency as c
    cli, svc, d = misquoted
    for f in _cache_files(svc):
        f.unlink()
    c._CACHE.clear()
    fresh = c.consistency(svc, d)                       # worked out: the docx read, the file written
    [kept] = _cache_files(svc)
    assert len(fresh.findings) == 1 and len(fresh.notes) == 3
    c._CACHE.clear()
    cached = c.consistency(svc, d)                      # a new process would read the file
    assert cached == fresh
    # ...and it is what the check itself says of the stored files
    from services.review.actions import load
    with svc.unit() as uow:
        version = load(uow, d)[1].current
    policy = next(f for f in version.of_role("policy") if f.meta)
    interps = [f for f in version.of_role(*c.INTERPRETATIONS) if f.meta]
    direct = check_all(paragraphs(policy.name, svc.store.get(policy.sha256)),
                       [(f.name, paragraphs(f.name, svc.store.get(f.sha256))) for f in interps])
    assert [f.model_dump() for f in cached.findings] == [f.model_dump() for f in direct.findings]
    assert (cached.problems, cached.notes) == (direct.problems, direct.notes)
    assert [oct(p.stat().st_mode & 0o777) for p in (kept, kept.parent, kept.parent.parent)] == ["0o600", "0o700", "0o700"]
    good = kept.read_text(encoding="utf-8")
    body = json.loads(good)
    for bad in ("{not json", "", json.dumps([1, 2]), json.dumps({**body, "format": "other/9"}),
                json.dumps({**body, "key": ["x"]}), json.dumps({**body, "findings": [{"kind": 1}]}),
                json.dumps({**body, "findings": []})):
        kept.write_text(bad, encoding="utf-8")
        c._CACHE.clear()
        assert c.consistency(svc, d) == fresh, bad
        assert json.loads(kept.read_text(encoding="utf-8")) == body     # written again, whole
    assert cli.json("gate", d)["consistency"]["problems"][0]["message"].startswith("解读 问1：‘根政办发〔2018〕34号’")


def test_a_cold_read_on_an_sqlite_folder_home_imports_no_docx_reader_postgresql_or_server_parts(misquoted):
    """gate, status and register list, each in a process of its own without a desk: none of what only
    a write, an intake, the desk or a deadline needs (tomlkit keeps lockstep.toml's layout when a
    person is added; chinese_calendar counts working days; getpass names who edited the config)."""
    from services.dossiers import consistency as c
    cli, svc, d = misquoted
    c._CACHE.clear()
    c.code_digest.cache_clear()                         # the source as the probes will read it
    cli.json("gate", d)                                 # the findings are kept from here on
    probe = ("import json, runpy, sys\ncode = None\n"
             "sys.argv = ['lockstep', *sys.argv[1:]]\n"
             "try:\n    runpy.run_module('cli.main', run_name='__main__')\n"
             "except SystemExit as e:\n    code = e.code\n"
             "names = ('sqlalchemy.dialects.postgresql', 'docx', 'documents.facts', 'review.consistency',"
             " 'prefect', 'fastapi', 'jinja2', 'minio', 'httpx', 'documents.diff', 'lxml', 'alembic', 'psycopg',"
             " 'starlette', 'uvicorn', 'urllib3', 'desk', 'tomlkit', 'chinese_calendar', 'getpass')\n"
             "print('\\nIMPORTED', json.dumps([code, [m for m in names if m in sys.modules]]))\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCKSTEP_")}
    for args in (("gate", d), ("status", d), ("register", "list")):
        r = subprocess.run([sys.executable, "-c", probe, "--home", str(cli.home), *args], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
        line = next(ln for ln in r.stdout.splitlines() if ln.startswith("IMPORTED "))
        code, imported = json.loads(line.removeprefix("IMPORTED "))
        assert code in (0, None) and imported == [], (args, code, imported, r.stderr[-2000:])


def test_a_kept_result_naming_a_file_the_store_lost_is_not_believed(misquoted):
    """Last in this module: it deletes a stored file."""
    from services.dossiers import consistency as c
    cli, svc, d = misquoted
    c._CACHE.clear()
    cli.json("gate", d)
    assert _cache_files(svc)
    c._CACHE.clear()
    [material] = [f for f in cli.json("status", d)["files"] if f["role"] == "interpretation_material"]
    svc.store.delete(material["sha256"])
    c._CACHE.clear()
    gate = cli.json("gate", d)
    assert gate["consistency"]["problems"] == []
    assert [p["code"] for p in gate["consistency"]["unavailable"]] == ["storage_unavailable"]
