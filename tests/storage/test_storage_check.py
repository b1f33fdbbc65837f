"""`lockstep storage check [--repair]`: objects, site pages and edition folders in step with rows,
on the folder store and on a real S3 server (SeaweedFS)."""
from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.gazette import issues as gazette
from services.home.storage_check import check
from tests.storage.test_gazette_storage import signed_dossier


def _cli(svc, *args: str):
    from cli.main import app
    return CliRunner().invoke(app, ["--home", str(svc.home.path), "storage", "check", *args],
                              catch_exceptions=False)


def _age(path: Path, seconds: int = 3600) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


@pytest.fixture
def released(any_svc, tmp_path):
    """A published dossier in a released issue (in HOME/gazette, as the desk releases)."""
    d = signed_dossier(any_svc, tmp_path / "bundles")
    gazette.create_issue(any_svc, 2019, 8, "editor", total=120)
    gazette.add_items(any_svc, "2019-8", [d], "editor")
    gazette.release_issue(any_svc, "2019-8", any_svc.home.path / "gazette", "editor", dt.date(2019, 8, 30))
    return any_svc, d


def test_a_home_whose_objects_and_pages_all_have_rows_is_clean(released):
    svc, _ = released
    report = check(svc)
    assert report.clean and report.objects == report.named > 0, report.model_dump()
    r = _cli(svc, "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["ok"] is True and doc["counts"] == {"missing_objects": 0, "missing_pages": 0, "orphan_objects": 0,
                                                   "stray_pages": 0, "stray_editions": 0, "temp_files": 0,
                                                   "removed": 0, "placed": 0, "restored": 0,
                                                   "release_folders": 0, "rewritten": 0}
    text = _cli(svc)
    assert text.exit_code == 0 and "存储一致" in text.stdout


def test_strays_are_reported_and_repair_removes_only_them_and_only_when_old(released):
    svc, d = released
    orphan = svc.store.put(b"stored by an intake killed before its commit")
    site = svc.home.site
    stray_page = site / "policies" / "D2019-9999.html"
    stray_page.write_text("<html>没有记录的页面</html>", encoding="utf-8")
    temp_page = site / "policies" / ".tmp-abc123"
    temp_page.write_bytes(b"half a page")
    draft_edition = svc.home.path / "gazette" / "2019-9"        # an older release killed before its commit
    (draft_edition / "html").mkdir(parents=True)
    (draft_edition / "html" / "index.html").write_text("x", encoding="utf-8")
    temps = [temp_page]
    if svc.store.describe().startswith("folder:"):
        store_temp = Path(svc.store.root) / ".tmp-killed"
        store_temp.write_bytes(b"part of a member")
        temps.append(store_temp)

    r = _cli(svc, "--json")
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    assert [o["what"] for o in doc["orphan_objects"]] == [orphan]
    assert [p["what"] for p in doc["stray_pages"]] == ["policies/D2019-9999.html"]
    assert [e["what"] for e in doc["stray_editions"]] == [str(draft_edition)]
    assert sorted(t["what"] for t in doc["temp_files"]) == sorted(map(str, temps))
    assert doc["counts"]["orphan_objects"] == 1 and doc["ok"] is False
    text = _cli(svc)
    assert text.exit_code == 1 and "无记录引用的对象" in text.stdout and "--repair" in text.stdout

    # Fresh: a running intake may be about to name them. The repair keeps them and says why.
    young = check(svc, repair=True)
    assert not any(x.removed for x in young.orphan_objects + young.stray_pages + young.temp_files)
    assert all("稍后" in x.kept_because for x in young.orphan_objects + young.stray_pages)
    assert svc.store.exists(orphan) and stray_page.exists()

    named_before = set(k for k, _ in svc.store.listing()) - {orphan}
    r = _cli(svc, "--repair", "--grace", "0", "--json")
    doc = json.loads(r.stdout)
    assert r.exit_code == 0, r.stdout
    assert doc["counts"]["removed"] == 3 + len(temps) and doc["ok"] is True
    assert not svc.store.exists(orphan) and not stray_page.exists() and not draft_edition.exists()
    assert not any(t.exists() for t in temps)
    assert set(k for k, _ in svc.store.listing()) == named_before      # nothing a row names was touched
    assert (svc.home.path / "gazette" / "2019-8" / "公报2019年第8期.docx").is_file()
    assert check(svc).clean


def test_an_object_a_row_names_is_never_removed_and_its_loss_is_reported(released):
    svc, d = released
    report = check(svc)
    victim = next(k for k, _ in svc.store.listing())
    svc.store.delete(victim)
    r = _cli(svc, "--repair", "--grace", "0", "--json")
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    assert [m["sha256"] for m in doc["missing_objects"]] == [victim]
    assert doc["missing_objects"][0]["named_by"]
    assert doc["counts"]["removed"] == 0
    assert len(list(svc.store.listing())) == report.objects - 1
    text = _cli(svc)
    assert "缺失" in text.stdout and text.exit_code == 1


def test_a_lost_edition_manifest_makes_the_repair_remove_nothing(released):
    """The web edition's file list (a manifest object) names the edition's pages; when it is lost, those
    pages look like strays. The repair fails closed: it removes no object while a manifest cannot be
    read, says why, and reports the manifest missing (found in CI, where the manifest happened to be
    the first key the S3 listing gave the test above)."""
    svc, _ = released
    with svc.unit() as uow:
        manifest = uow.gazette.issue("2019-8").web_sha256
    before = {k for k, _ in svc.store.listing()}
    svc.store.delete(manifest)
    doc = json.loads(_cli(svc, "--repair", "--grace", "0", "--json").stdout)
    assert [m["sha256"] for m in doc["missing_objects"]] == [manifest]
    assert doc["counts"]["removed"] == 0 and doc["orphan_objects"]
    assert all("文件清单缺失或无法读取" in o["kept_because"] for o in doc["orphan_objects"])
    assert {k for k, _ in svc.store.listing()} == before - {manifest}


def test_a_temporary_edition_folder_of_an_issue_released_meanwhile_is_kept(released):
    """Killed between the release's commit and its move: the temp folder is the edition; the repair
    keeps it and says how to complete it, and the release run again completes it."""
    svc, _ = released
    folder = svc.home.path / "gazette" / "2019-8"
    temp = svc.home.path / "gazette" / ".tmp-2019-8-killed"
    folder.rename(temp)
    report = check(svc, repair=True, grace_seconds=0)
    kept = [t for t in report.temp_files if t.what == str(temp)]
    assert kept and not kept[0].removed and "lockstep gazette issue release 2019-8" in kept[0].kept_because
    assert temp.is_dir() and not report.clean
    done = gazette.release_issue(svc, "2019-8", svc.home.path / "gazette", "editor")
    assert Path(done.folder) == folder and (folder / "html" / "index.html").is_file()
    assert not temp.exists() and check(svc).clean


def test_a_public_page_missing_from_the_site_is_reported_and_restored_from_its_object(released):
    svc, d = released
    page = svc.home.site / "policies" / f"{d}.html"
    kept = page.read_bytes()
    page.unlink()
    doc = json.loads(_cli(svc, "--json").stdout)
    assert [p["path"] for p in doc["missing_pages"]] == [f"policies/{d}.html"] and doc["ok"] is False
    r = _cli(svc, "--repair", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["counts"]["restored"] == 1
    assert page.read_bytes() == kept and page.stat().st_mode & 0o777 == 0o644
    assert check(svc).clean
