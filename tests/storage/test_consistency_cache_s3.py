"""On a home whose objects are in S3, the interpretation's findings are kept in the home's cache file
too (services/dossiers/consistency.py): a cold `gate` on a real SeaweedFS reads them from it and
neither fetches the docx nor imports the docx reader or the fact extractor; a kept result naming a
file the bucket has lost is not believed."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

from samples import genhe
from tests.cli.test_consistency_cli import _interpretation_citing

ROOT = Path(__file__).resolve().parents[2]
PROBE = ("import json, runpy, sys\ncode = None\n"
         "sys.argv = ['lockstep', *sys.argv[1:]]\n"
         "try:\n    runpy.run_module('cli.main', run_name='__main__')\n"
         "except SystemExit as e:\n    code = e.code\n"
         "names = ('docx', 'documents.facts', 'review.consistency', 'documents.diff', 'lxml')\n"
         "print('\\nIMPORTED', json.dumps([code, [m for m in names if m in sys.modules]]))\n")


def test_a_cold_gate_on_an_s3_home_reads_the_kept_findings_and_not_the_docx(s3, tmp_path, monkeypatch):
    from services.dossiers import consistency as c
    from services.dossiers.intake import intake_bundle
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    from storage.objects_s3 import MinioStore
    from tests.conftest import Cli
    monkeypatch.setenv("LOCKSTEP_OBJECTS", s3.url(f"cc-{uuid.uuid4().hex[:12]}"))
    home = Home(tmp_path / "home")
    initialise(home)
    svc = open_services(home)
    assert isinstance(svc.store, MinioStore)
    cli = Cli(home.path)
    d = intake_bundle([genhe.write_zip(tmp_path / "b.zip", "complete")], "drafter", svc).dossier
    wrong = tmp_path / genhe.MATERIAL_NAME
    wrong.write_bytes(_interpretation_citing("根政办发〔2018〕43号", "根政办发〔2018〕34号"))
    assert cli.json("attach", d, wrong, "--role", "interpretation_material", "--as", "drafter")["version"] == 2
    c._CACHE.clear()
    c.code_digest.cache_clear()
    first = cli.json("gate", d)["consistency"]                   # worked out, and kept under the home
    assert first["problems"], first                               # the misquoted 文号 is found
    assert list((home.path / "cache" / "consistency").glob("*.json"))
    r = subprocess.run([sys.executable, "-c", PROBE, "--home", str(home.path), "gate", d, "--json"], cwd=ROOT,
                       env=dict(os.environ), capture_output=True, text=True, timeout=300)
    out, _, line = r.stdout.rpartition("\nIMPORTED ")
    code, imported = json.loads(line)
    assert code in (0, 1, None) and imported == [], (code, imported, r.stderr[-2000:])
    assert json.loads(out)["consistency"]["problems"] == first["problems"]    # the same findings, from the file
    # a kept result naming a file the bucket has lost is not believed
    [material] = [f for f in cli.json("status", d)["files"] if f["role"] == "interpretation_material"]
    svc.store.delete(material["sha256"])
    c._CACHE.clear()
    gate = cli.json("gate", d)["consistency"]
    assert gate["problems"] == [] and [p["code"] for p in gate["unavailable"]] == ["storage_unavailable"]
