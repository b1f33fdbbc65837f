"""集体审议 and the 合法性审核意见书 on the desk (issue 14): the secretary records the meeting on the review
page (minutes uploaded, stored, searchable), the sign page shows the record, the opinion and the
minutes download with Chinese file names (RFC 5987), and only for people who may see the dossier.
The dossier is taken in through the services (no Prefect needed); every page through the app."""
from __future__ import annotations

import io
import itertools
import re
from urllib.parse import quote, unquote

import docx
import pytest

from desk import auth
from desk.app import create_app
from services.dossiers.intake import intake_bundle
from services.review.actions import record_decision
from tests.desk.test_pages import PASSWORD, csrf_of, decide, sign_in
from tests.storage.test_deliberation import DELIBERATION_LINE, MINUTES


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One home for the module (a dossier per test): its 集体审议 stage needs the meeting's record
    (meeting_record = true); the people the tests sign in as have passwords (scrypt costs ~0.4 s each)."""
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    home = Home(tmp_path_factory.mktemp("deliberation-pages") / "home")
    initialise(home)
    text = home.config_path.read_text(encoding="utf-8")
    home.config_path.write_text(text.replace(DELIBERATION_LINE, DELIBERATION_LINE[:-2] + ", meeting_record = true }"),
                                encoding="utf-8")
    for name in ("drafter", "reviewer", "secretary", "signer", "editor"):
        auth.set_password(home.path, name, PASSWORD)
    return open_services(home), create_app(home.path, "test-token")


SERIALS = itertools.count(40)


def _reviewed(svc, sample_zip) -> str:
    """A dossier of its own (another 文号, so other bytes) approved up to 集体审议."""
    n = next(SERIALS)
    d = intake_bundle([sample_zip(name=f"sample-{n}.zip", doc_number=f"根政办发〔2019〕{n}号")], "drafter", svc).dossier
    record_decision(svc, d, "unit_check", "approve", "同意", "director")
    record_decision(svc, d, "legality", "approve", "同意", "reviewer")
    return d


def _record(c, d, **fields):
    data = {"csrf": csrf_of(c, f"/desk/dossiers/{d}/review"), "meeting": "市政府常务会议", "session_number": "12",
            "held_on": "2026-12-01"} | fields
    return c.post(f"/desk/dossiers/{d}/deliberation", data=data, follow_redirects=False,
                  files=[("minutes", ("第12次常务会议纪要.docx", MINUTES, "application/octet-stream"))])


def _filename(response) -> str:
    header = response.headers["content-disposition"]
    assert header.startswith("attachment;") and "filename*=UTF-8''" in header, header
    return unquote(header.split("filename*=UTF-8''")[1])


def test_the_secretary_records_the_meeting_on_the_review_page_and_the_sign_page_shows_it(site, sample_zip):
    svc, app = site
    d = _reviewed(svc, sample_zip)
    secretary = sign_in(app, "secretary")
    page = secretary.get(f"/desk/dossiers/{d}/review").text
    assert 'id="deliberation"' in page and 'action="/desk/dossiers/%s/deliberation"' % d in page
    assert 'enctype="multipart/form-data"' in page and "本版本尚未记录集体审议会议" in page
    r = _record(secretary, d)
    assert r.status_code == 303 and r.headers["location"].endswith("#deliberation")
    page = secretary.get(f"/desk/dossiers/{d}/review").text
    panel = page.split('id="deliberation"')[1].split("</section>")[0]
    assert "市政府常务会议第12次会议（2026年12月1日）" in panel and "第12次常务会议纪要.docx" in panel
    minutes = secretary.get(f"/desk/dossiers/{d}/deliberation/minutes")
    assert minutes.status_code == 200 and minutes.content == MINUTES
    assert _filename(minutes) == "第12次常务会议纪要.docx"
    history = secretary.get(f"/desk/dossiers/{d}").text                 # the dossier's history, in words
    assert "记录集体审议会议：市政府常务会议第12次会议（2026年12月1日）（第 1 版）" in history
    # the signer sees the record among what is signed, the minutes one click away
    assert decide(secretary, d, "deliberation").status_code == 200
    signer = sign_in(app, "signer")
    sign = signer.get(f"/desk/dossiers/{d}/sign").text
    row = sign.split('id="signed-meeting"')[1].split("</tr>")[0]
    assert "集体审议会议" in row and "市政府常务会议第12次会议（2026年12月1日）" in row
    assert f'href="/desk/dossiers/{d}/deliberation/minutes"' in row
    # the search box finds the meeting by its minutes
    assert 'href="/desk/deliberations"' in sign                         # the nav leads to the search
    hits = signer.get("/desk/deliberations", params={"q": "驯鹿养殖户"}).text
    assert 'id="meeting-hits"' in hits and f"/desk/dossiers/{d}" in hits and "<mark>驯鹿养殖户</mark>" in hits
    assert "没有找到" in signer.get("/desk/deliberations", params={"q": "不存在的议题"}).text


def test_only_the_stages_approvers_record_and_strangers_see_no_minutes(site, sample_zip):
    svc, app = site
    d = _reviewed(svc, sample_zip)
    drafter = sign_in(app, "drafter")
    page = drafter.get(f"/desk/dossiers/{d}/review").text
    assert 'id="deliberation"' in page and 'name="session_number"' not in page       # seen, no form
    assert _record(drafter, d).status_code == 403
    assert _record(sign_in(app, "secretary"), d).status_code == 303
    editor = sign_in(app, "editor")                   # may not see an unsigned dossier: as a missing one
    assert editor.get(f"/desk/dossiers/{d}/deliberation/minutes").status_code == 404
    assert 'id="meeting-hits"' not in editor.get("/desk/deliberations", params={"q": "驯鹿养殖户"}).text


def test_an_incomplete_record_returns_to_the_form_with_the_reason_and_what_was_typed(site, sample_zip):
    svc, app = site
    d = _reviewed(svc, sample_zip)
    secretary = sign_in(app, "secretary")
    r = _record(secretary, d, meeting="市政府第十二次常务会议", held_on="")
    assert r.status_code == 400 and 'id="meeting-refusal"' in r.text and "deliberation_record_missing" in r.text
    assert 'value="市政府第十二次常务会议"' in r.text
    # approving without the record: the page again with the refusal, nothing decided
    r = decide(secretary, d, "deliberation")
    assert r.status_code == 400 and "deliberation_record_missing" in r.text and "审核意见未提交" in r.text
    assert _record(secretary, d).status_code == 303
    assert decide(secretary, d, "deliberation").status_code == 200


def test_the_legality_opinion_downloads_from_the_review_page_and_opens_in_word(site, sample_zip):
    svc, app = site
    d = _reviewed(svc, sample_zip)
    reviewer = sign_in(app, "reviewer")
    page = reviewer.get(f"/desk/dossiers/{d}/review").text
    link = re.search(r'href="(/desk/dossiers/[^"]+/opinions/[^"]+)" class="opinion-link">([^<]+)<', page)
    assert link, "the decision list links the opinion"
    number = link.group(2)
    assert link.group(1).endswith(quote(number))
    r = reviewer.get(link.group(1))
    assert r.status_code == 200 and r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert _filename(r) == f"{number}合法性审核意见书.docx"
    texts = [p.text for p in docx.Document(io.BytesIO(r.content)).paragraphs]        # Word opens it
    body = "".join(texts)
    assert number in texts and "审核人：司法局合法性审核员" in texts and "reviewer" not in body
    # what this version brought, and nothing it did not (the sample has no 起草说明 of its own role)
    received = next(t for t in texts if t.startswith("你单位报送的"))
    assert "解读方案" in received and "舆情风险评估报告" in received and "等材料" not in received
    roles = {f.role for f in svc_version(svc, d).files}
    assert ("起草说明" in received) == ("drafting_note" in roles)
    # the dossier page links it too; a stranger and a made-up number get the same 404
    assert link.group(1) in sign_in(app, "drafter").get(f"/desk/dossiers/{d}").text
    assert sign_in(app, "editor").get(link.group(1)).status_code == 404
    assert reviewer.get(f"/desk/dossiers/{d}/opinions/{quote('根司合审〔2099〕1号')}").status_code == 404


def svc_version(svc, d):
    with svc.unit() as uow:
        row = uow.dossiers.require(d)
        return uow.dossiers.version(d, row.current_version)
