"""The desk after a return (issue 14, drafting office): the office's page says whose move it is,
the resubmit form has one 修改说明 box per reason, the reviewer sees each reason beside its answer
and the change in that provision (未答复 flagged), and a refused or empty submission returns to
the form with the reason at the top and the files chosen named."""
from __future__ import annotations

import re

import pytest

from tests.cli.test_return_answers import REASONS, revised_zip
from tests.desk.test_pages import PASSWORD, csrf_of, sign_in


def _returned(svc, sample_zip) -> str:
    from services.dossiers.intake import intake_bundle
    from services.review.actions import record_decision
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    record_decision(svc, d, "unit_check", "return", "请修改", "director", list(REASONS))
    return d


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_returned_dossier_page_says_the_office_moves_next_and_offers_one_answer_box_per_reason(
        desk, svc, sample_zip):
    d = _returned(svc, sample_zip)
    page = sign_in(desk, "drafter").get(f"/desk/dossiers/{d}").text
    banner = _text(page.split('id="returned"', 1)[1].split("</div>", 1)[0])
    assert "卷宗已被退回（退回）" in banner and "政务服务局局长" in banner and "起草单位负责人" in banner
    assert "下一步：由起草单位（根河市政务服务局）按退回意见修改后重新提交" in banner
    checklist = page.split("<h2>签发条件</h2>", 1)[1].split("<h2", 1)[0]
    assert "已退回，下一步：起草单位按退回意见修改后重新提交" in checklist
    assert "下一步由" not in checklist              # no reviewer is shown as the next to act
    form = page.split('id="resubmit"', 1)[1]
    assert [m for m in re.findall(r'name="(answer_\d+)"', form)] == ["answer_1", "answer_2", "answer_3"]
    assert "【一、（二）】回应时限表述不清" in _text(form)


def test_an_empty_submission_returns_to_the_form_with_the_reason_at_the_top_and_what_was_typed(
        desk, svc, sample_zip):
    d = _returned(svc, sample_zip)
    c = sign_in(desk, "drafter")
    r = c.post("/desk/submit", data={"csrf": csrf_of(c, f"/desk/dossiers/{d}"), "dossier": d,
                                     "answer_1": "已按意见修改"},
               files=[("files", ("", b"", "application/octet-stream"))])
    assert r.status_code == 400
    page = r.text
    assert page.index('id="refusal"') < page.index('action="/desk/submit"')   # the reason at the top
    assert "bundle_empty" in page and "没有选择文件" in page
    assert f'value="{d}"' in page and ">已按意见修改</textarea>" in page   # the dossier and the answer kept
    assert 'name="answer_3"' in page and "<h1>重新提交卷宗" in page


def test_an_answer_for_a_reason_that_does_not_exist_returns_to_the_form_naming_the_files_chosen(
        desk, svc, sample_zip, tmp_path):
    d = _returned(svc, sample_zip)
    c = sign_in(desk, "drafter")
    z = revised_zip(tmp_path)
    r = c.post("/desk/submit", data={"csrf": csrf_of(c, f"/desk/dossiers/{d}"), "dossier": d,
                                     "answer_9": "答复一条不存在的理由"},
               files=[("files", ("第二版材料.zip", open(z, "rb").read(), "application/zip")),
                      ("role_other", ("起草说明.docx", b"x", "application/octet-stream"))])
    assert r.status_code == 422
    top = _text(r.text.split('id="refusal"', 1)[1].split("</div>", 1)[0])
    assert "not_found" in top and "理由9" in top
    assert "第二版材料.zip" in top and "起草说明.docx （其他材料）" in top and "请重新选择文件" in top
    from services.review.actions import status
    assert status(svc, d).version == 1                            # nothing stored


def test_another_units_clerk_cannot_see_the_reasons(svc, sample_zip, home, cli):
    from desk import auth
    from desk.app import create_app
    d = _returned(svc, sample_zip)
    cli.json("users", "add", "zhao", "--unit", "根河市司法局", "--role", "drafter")
    auth.set_password(home.path, "zhao", PASSWORD)
    c = sign_in(create_app(home.path, "test-token"), "zhao")
    for path in (f"/desk/dossiers/{d}", f"/desk/submit?dossier={d}", f"/desk/dossiers/{d}/review"):
        r = c.get(path)
        assert r.status_code == 404 and "not_found" in r.text, path
        assert "回应时限" not in r.text and "与原文不一致" not in r.text
    r = c.post("/desk/submit", data={"csrf": csrf_of(c, "/desk/submit"), "dossier": d, "answer_1": "x"},
               files=[("files", ("a.zip", sample_zip().read_bytes(), "application/zip"))])
    assert r.status_code == 404 and "回应时限" not in r.text


@pytest.mark.usefixtures("prefect_harness")
def test_a_resubmission_from_the_desk_answers_reasons_and_the_reviewer_sees_each_beside_its_change(
        desk, svc, sample_zip, tmp_path):
    d = _returned(svc, sample_zip)
    drafter = sign_in(desk, "drafter")
    z = revised_zip(tmp_path)
    r = drafter.post("/desk/submit", data={"csrf": csrf_of(drafter, f"/desk/dossiers/{d}"), "dossier": d,
                                           "answer_1": "已明确回应时限为三个工作日", "answer_3": "已补充起草说明"},
                     files=[("files", ("v2.zip", open(z, "rb").read(), "application/zip"))])
    assert r.status_code == 200 and "已接收（新版本）" in r.text, r.text
    page = sign_in(desk, "director").get(f"/desk/dossiers/{d}/review").text
    section = page.split('id="revision"', 1)[1].split("</section>", 1)[0]
    rows = section.split("<tr")[2:]
    assert "已明确回应时限为三个工作日" in rows[0] and "<ins>回应时限为三个工作日。</ins>" in rows[0]
    assert "未答复" in rows[1] and 'class="unanswered"' in "<tr" + rows[1]
    assert "已补充起草说明" in rows[2]
    assert "1 条理由未答复" in _text(section)
