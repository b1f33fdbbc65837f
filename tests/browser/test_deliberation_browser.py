"""集体审议 in a real browser (issue 14): the 常务会议 secretary fills in the meeting form on the review
page and uploads the minutes, approves the stage, the signer sees the meeting among what is signed,
and the search finds it by its minutes. The dossier is taken in and reviewed up to 集体审议 through the
services before the desk starts; every page after that through the browser. Screenshots are saved
(LOCKSTEP_SHOTS names a folder to keep them in)."""
from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from tests.browser.test_desk_journey import Person
from tests.storage.test_deliberation import MINUTES


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A home with the sample dossier approved up to 集体审议, and the desk serving it."""
    from desk import auth
    from services.dossiers.intake import intake_bundle
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    from services.review.actions import record_decision
    from samples.genhe import write_zip
    from tests.browser.conftest import PASSWORD
    from tests.support.desk import running_desk
    root = tmp_path_factory.mktemp("deliberation")
    home = Home(root / "home")
    initialise(home)
    for name in ("secretary", "signer"):
        auth.set_password(home.path, name, PASSWORD)
    svc = open_services(home)
    d = intake_bundle([write_zip(root / "sample.zip", "complete")], "drafter", svc).dossier
    record_decision(svc, d, "unit_check", "approve", "同意", "director")
    record_decision(svc, d, "legality", "approve", "同意", "reviewer")
    minutes = root / "市政府第12次常务会议纪要.docx"
    minutes.write_bytes(MINUTES)
    with running_desk(home.path) as info:
        yield {"url": info["url"], "home": home.path, "dossier": d, "minutes": minutes}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    chosen = os.environ.get("LOCKSTEP_SHOTS")
    path = Path(chosen) if chosen else tmp_path_factory.mktemp("deliberation-shots")
    path.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {path}")
    return path


def test_the_secretary_records_the_meeting_and_the_signer_sees_it(browser, seeded, folder):
    d, seq = seeded["dossier"], itertools.count(1)
    secretary = Person(browser, seeded, folder, "secretary", seq)
    try:
        secretary.page.goto(f"/desk/dossiers/{d}/review#deliberation")
        form = secretary.page.locator("#deliberation")
        assert "本版本尚未记录集体审议会议" in form.inner_text()
        secretary.page.fill("#meeting-session", "12")
        secretary.page.fill("#meeting-date", "2026-12-01")
        secretary.page.set_input_files("#meeting-minutes", str(seeded["minutes"]))
        form.screenshot(path=str(folder / f"{next(seq):02d}-secretary-deliberation-form.png"))
        secretary.go("#deliberation button:has-text('记录会议')")
        panel = secretary.page.locator("#deliberation").inner_text()
        assert "市政府常务会议第12次会议（2026年12月1日）" in panel and "市政府第12次常务会议纪要.docx" in panel
        secretary.page.locator("#deliberation").screenshot(
            path=str(folder / f"{next(seq):02d}-secretary-deliberation-recorded.png"))
        # approve 集体审议 on the same page
        stage_form = secretary.page.locator("form:has(input[name=stage][value=deliberation])")
        stage_form.locator("input[name=verdict][value=approve]").check()
        with secretary.page.expect_navigation():
            stage_form.locator("button[type=submit]").click()
        assert "已通过“集体审议”环节" in secretary.text()
    finally:
        secretary.close()
    signer = Person(browser, seeded, folder, "signer", seq)
    try:
        signer.page.goto(f"/desk/dossiers/{d}/sign")
        signed = signer.page.locator("#what-is-signed")
        row = signer.page.locator("#signed-meeting").inner_text()
        assert "市政府常务会议第12次会议（2026年12月1日）" in row and "会议纪要" in row
        signed.screenshot(path=str(folder / f"{next(seq):02d}-signer-what-is-signed.png"))
        signer.shot("sign-page")
        signer.page.goto("/desk/deliberations?q=" + "驯鹿养殖户")
        assert "驯鹿养殖户" in signer.page.locator("#meeting-hits").inner_text()
        signer.shot("deliberation-search")
    finally:
        signer.close()
