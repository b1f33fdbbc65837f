"""The sign page shows what is being signed and asks for confirmation before the irreversible public
release; a refusal lists the checklist once; 待签发 lists only dossiers whose gate is open (issue 14)."""
from __future__ import annotations

import pytest

from tests.desk.test_pages import csrf_of, decide, dossier_of, sign_in, upload

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _approve_all(desk, d):
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        assert decide(sign_in(desk, who), d, stage).status_code == 200


def test_the_sign_page_shows_what_is_signed_and_the_server_insists_on_the_confirmation(desk, home, sample_zip):
    d = dossier_of(upload(sign_in(desk, "drafter"), sample_zip()))
    signer = sign_in(desk, "signer")
    assert d not in signer.get("/desk").text                 # gate not open: not 待签发 yet
    _approve_all(desk, d)
    assert f"/desk/dossiers/{d}/sign" in signer.get("/desk").text
    page = signer.get(f"/desk/dossiers/{d}/sign").text
    assert 'id="what-is-signed"' in page and "政务公开工作要点" in page
    assert "合法性审核意见书" in page and "集体审议" in page
    from desk.pages_review import people
    from services.home.context import open_services
    from services.home.folder import Home
    secretary = people(open_services(Home(home.path)).config)["secretary"]
    assert f"集体审议：{secretary}，" in page
    assert 'name="confirm" value="yes" required' in page and "我已核对，确认签发并同步发布" in page
    # Without the box ticked (a hand-made request): nothing is signed, nothing published.
    r = signer.post(f"/desk/dossiers/{d}/sign", data={"csrf": csrf_of(signer, f"/desk/dossiers/{d}/sign")})
    assert r.status_code == 400 and "勾选“我已核对，确认签发并同步发布”" in r.text and "已签发" not in r.text
    r = signer.post(f"/desk/dossiers/{d}/sign", data={"csrf": csrf_of(signer, f"/desk/dossiers/{d}/sign"),
                                                      "confirm": "no"})
    assert r.status_code == 400
    r = signer.post(f"/desk/dossiers/{d}/sign", data={"csrf": csrf_of(signer, f"/desk/dossiers/{d}/sign"),
                                                      "confirm": "yes"})
    assert r.status_code == 200 and "已签发" in r.text
    assert f"/desk/dossiers/{d}/sign" not in signer.get("/desk").text     # signed: no longer 待签发


def test_the_opinion_number_is_shown_on_the_sign_page(desk, sample_zip):
    d = dossier_of(upload(sign_in(desk, "drafter"), sample_zip()))
    _approve_all(desk, d)
    signer = sign_in(desk, "signer")
    page = signer.get(f"/desk/dossiers/{d}/sign").text
    section = page.split('id="what-is-signed"')[1].split("</section>")[0]
    opinions = section.split("合法性审核意见书")[1].split("</tr>")[0]
    assert "（无）" not in opinions, section


def test_a_refusal_lists_the_checklist_once(desk, sample_zip):
    d = dossier_of(upload(sign_in(desk, "drafter"), sample_zip()))
    signer = sign_in(desk, "signer")
    r = signer.post(f"/desk/dossiers/{d}/sign", data={"csrf": csrf_of(signer, f"/desk/dossiers/{d}/sign"),
                                                      "confirm": "yes"})
    assert r.status_code == 409 and "签发被拒绝" in r.text
    in_checklist = sum("✗" in line and "stage_not_approved" in line for line in r.text.splitlines())
    assert in_checklist >= 1 and r.text.count("stage_not_approved") == in_checklist     # nowhere else
    refusal = r.text.split('id="sign-refusal"')[1].split("</div>")[0]
    assert "stage_not_approved" not in refusal and "见签发条件清单" in refusal
