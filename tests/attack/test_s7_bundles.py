"""A bundle whose bundle.json or 修改说明.json carries a lone surrogate (session 7, helper F).

"\\ud800" is valid JSON; a bundle.json naming its kind "\\ud800政策" was taken in (the unknown kind warned
about, by name), and the API's answer, which repeats the name, could not be written as UTF-8: 500, with the
dossier stored. A manifest holding such a string is now one nobody can read (manifest_invalid, a warning:
file names take over, the kind is the default). A 修改说明.json holding one is refused (fail closed; a
new dossier's was refused already, for naming no return). Never a 500."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from samples.genhe import write_zip
from services.home.context import open_services
from tests.support.homes import scratch_home

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture(scope="module")
def world():
    from desk import auth
    from desk.app import create_app
    with scratch_home("lockstep-s7-bundle-") as (home, base):
        svc = open_services(home)
        app = create_app(home.path, "test-token")
        api = TestClient(app, base_url="http://testserver", raise_server_exceptions=False,
                         headers={"Authorization": f"Bearer {auth.issue_token(home.path, 'drafter')}"})
        yield svc, api, base


def _zip(base: Path, n: int, manifest: dict | None = None, note: str | None = None) -> bytes:
    path = write_zip(base / f"b{n}.zip", doc_number=f"根政办发〔2019〕{n}号")
    with zipfile.ZipFile(path) as zf:
        files = {f: zf.read(f) for f in zf.namelist()}
    if manifest:
        m = json.loads(files["bundle.json"])
        m.update(manifest)
        files["bundle.json"] = json.dumps(m, ensure_ascii=True).encode()
    if note is not None:
        files["修改说明.json"] = note.encode()
    with zipfile.ZipFile(path, "w") as zf:
        for f, data in files.items():
            zf.writestr(f, data)
    return path.read_bytes()


@pytest.mark.parametrize("manifest", [{"kind": "\ud800政策性文件"}, {"drafting_unit": "根河市政务服务局\udfff"},
                                      {"topic": "\ud800"}, {"title": "\udc80"}])
def test_a_manifest_with_a_lone_surrogate_is_answered_never_a_500(world, manifest):
    svc, api, base = world
    n = 600 + len(str(manifest)) + sum(map(ord, str(manifest))) % 300
    r = api.post("/api/v1/dossiers", files=[("files", ("b.zip", _zip(base, n, manifest), "application/zip"))])
    assert r.status_code < 500, (manifest, r.status_code, r.text[:300])
    body = r.json()
    if r.status_code == 200:                 # the manifest was not believed: the default kind, a warning
        assert body["kind"] == "行政规范性文件"
        assert "manifest_invalid" in [p["code"] for p in body["problems"]]


def test_a_revision_note_with_a_lone_surrogate_is_refused_never_a_500(world):
    svc, api, base = world
    note = json.dumps({"一、（二）": "已按意见修改\ud800"}, ensure_ascii=True)
    r = api.post("/api/v1/dossiers", files=[("files", ("b.zip", _zip(base, 977, None, note), "application/zip"))])
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
