"""A return and its 修改说明 in a real Chromium (issue 14, drafting office): the unit head returns
with anchored reasons, the office sees whose move it is, an empty resubmission comes back to the
form with the reason at the top and the answers kept, the office answers two reasons of three and
resubmits, the reviewer sees each reason beside its answer and change, 未答复 flagged. Screenshots
are saved (their folder is printed) to be looked at."""
from __future__ import annotations

import re

from tests.browser.test_desk_journey import person  # noqa: F401  (the fixture)
from tests.cli.test_return_answers import revised_zip


def test_a_return_answered_in_chromium(person, sample_zip, tmp_path):  # noqa: F811
    drafter = person("drafter")
    drafter.page.goto("/desk/submit")
    drafter.page.set_input_files("#files", str(sample_zip()))
    drafter.go("button:has-text('提交')")
    dossier = re.search(r"/desk/dossiers/([^\"/]+)\"", drafter.page.content()).group(1)

    head = person("director")
    head.page.goto(f"/desk/dossiers/{dossier}/review")
    form = head.page.locator("form:has(input[name=stage][value=unit_check])")
    form.locator("select[name=anchor_1]").select_option("一、（二）")
    form.locator("input[name=text_1]").fill("回应时限表述不清")
    form.locator("textarea[name=reasons]").fill("解读：问2：与原文不一致\n请补充起草说明")
    form.locator("input[name=verdict][value=return]").check()
    with head.page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "已退回" in head.text(), head.text()

    drafter.page.goto(f"/desk/dossiers/{dossier}")
    drafter.shot("returned-dossier")
    banner = drafter.page.inner_text("#returned")
    assert "下一步：由起草单位（根河市政务服务局）按退回意见修改后重新提交" in banner
    assert "政务服务局局长" in banner and "【一、（二）】回应时限表述不清" in banner

    # An empty resubmission: the form again, the reason on top, the answer typed kept.
    drafter.page.goto(f"/desk/submit?dossier={dossier}")
    drafter.page.fill("#answer_1", "已明确回应时限为三个工作日")
    drafter.go("button:has-text('提交')")
    drafter.shot("empty-resubmission")
    assert "bundle_empty" in drafter.page.inner_text("#refusal")
    assert drafter.page.input_value("#answer_1") == "已明确回应时限为三个工作日"
    assert drafter.page.input_value("#dossier") == dossier

    drafter.page.set_input_files("#files", revised_zip(tmp_path))
    drafter.page.fill("#answer_3", "已补充起草说明")
    drafter.go("button:has-text('提交')")
    drafter.shot("resubmitted")
    assert "已接收（新版本）" in drafter.text(), drafter.text()

    head.page.goto(f"/desk/dossiers/{dossier}/review")
    head.page.locator("#revision").scroll_into_view_if_needed()
    head.shot("review-reasons-and-answers")
    head.page.locator("#revision").screenshot(path=str(head.shots / "revision-section.png"))
    section = head.page.inner_text("#revision")
    assert "已明确回应时限为三个工作日" in section and "已补充起草说明" in section
    assert "未答复" in section and "1 条理由未答复" in section
    assert head.page.locator("#revision ins", has_text="回应时限为三个工作日。").count() == 1
