"""The desk's journey in a real browser (issue 5): a drafter uploads the sample bundle without its
risk assessment, the reviewers approve, the signer is refused with the failing check, the drafter
attaches the missing piece, the stages approve the new version, the signer signs, an editor
releases an issue, and the public register shows the entry. Every page is saved as a screenshot."""
from __future__ import annotations

import itertools
import re

import pytest

from samples.genhe import RISK_NAME, bundle_files
from tests.browser.conftest import PASSWORD

TITLE_PART = "政务公开工作要点"

STAGES = (("director", "unit_check"), ("reviewer", "legality"), ("secretary", "deliberation"))


class Person:
    """One person's browser context: their own cookies, their own screenshots."""

    def __init__(self, browser, desk, shots, name: str, seq) -> None:
        self.context = browser.new_context(base_url=desk["url"], locale="zh-CN", viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.name, self.shots, self.seq = name, shots, seq
        self.page.goto("/login")
        self.page.fill("#name", name)
        self.page.fill("#password", PASSWORD)
        self.go("button:has-text('登录')")
        assert "您好" in self.page.content(), self.page.content()

    def go(self, selector: str) -> None:
        """Click something that loads a new page, and wait for that page before reading it."""
        with self.page.expect_navigation():
            self.page.click(selector)

    def shot(self, what: str) -> None:
        # Numbered across everyone, in the order the journey visits the pages.
        self.page.screenshot(path=str(self.shots / f"{next(self.seq):02d}-{self.name}-{what}.png"), full_page=True)

    def text(self) -> str:
        return self.page.inner_text("main")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def person(browser, desk, shots):
    opened, seq = [], itertools.count(1)

    def sign_in(name: str) -> Person:
        p = Person(browser, desk, shots, name, seq)
        opened.append(p)
        return p
    yield sign_in
    for p in opened:
        p.close()


def approve_all(person, dossier: str) -> None:
    for name, stage in STAGES:
        p = person(name)
        p.page.goto("/desk/queue")
        p.shot("queue")
        assert dossier in p.text()
        p.page.goto(f"/desk/dossiers/{dossier}/review")
        p.shot("review")
        form = p.page.locator(f"form:has(input[name=stage][value={stage}])")
        form.locator("textarea[name=comment]").fill("同意")
        form.locator("input[name=verdict][value=approve]").check()
        with p.page.expect_navigation():
            form.locator("button[type=submit]").click()
        p.shot(f"approved-{stage}")
        assert "已通过" in p.text(), p.text()


def browser_context(person):
    """A page with no session: what the public sees."""
    signed = person("signer")          # borrow the browser and base URL, then drop the cookies
    signed.context.clear_cookies()
    return signed.page


def test_the_desk_journey_in_chromium(person, browser, sample_zip, shots, tmp_path):
    drafter = person("drafter")
    drafter.shot("home")
    drafter.page.goto("/desk/submit")
    drafter.page.set_input_files("#files", str(sample_zip("missing-risk")))
    drafter.go("button:has-text('提交')")
    drafter.shot("submitted")
    assert "已接收" in drafter.text()
    assert "risk_assessment_missing" in drafter.page.content()
    dossier = re.search(r"/desk/dossiers/([^\"/]+)\"", drafter.page.content()).group(1)

    approve_all(person, dossier)

    signer = person("signer")
    signer.page.goto(f"/desk/dossiers/{dossier}/sign")
    signer.page.check("#confirm")          # 我已核对，确认签发并同步发布: required by the server too
    signer.go("button:has-text('签发')")
    signer.shot("refused")
    assert "risk_assessment_missing" in signer.page.content()
    assert "签发被拒绝" in signer.text(), signer.text()

    # The office attaches the missing risk assessment: a new version, so the stages approve again.
    risk = tmp_path / RISK_NAME
    risk.write_bytes(bundle_files("complete")[RISK_NAME])
    drafter.page.goto(f"/desk/dossiers/{dossier}")
    drafter.shot("dossier-returned-to-office")
    drafter.page.select_option("#attach-role", "risk_assessment")
    drafter.page.set_input_files("#attach-file", str(risk))
    drafter.go("button:has-text('补充 / 替换')")
    drafter.shot("attached")
    assert "risk_assessment_missing" not in drafter.page.content()
    approve_all(person, dossier)

    signer.page.goto(f"/desk/dossiers/{dossier}/sign")
    signer.shot("gate-open")
    signer.page.check("#confirm")
    signer.go("button:has-text('签发')")
    signer.shot("signed")
    assert "已签发" in signer.text(), signer.text()

    # The editor opens an issue, takes the item from the queue and releases both editions.
    editor = person("editor")
    editor.page.goto("/desk/gazette")
    editor.shot("gazette")
    editor.go("button:has-text('新建期次')")
    editor.shot("issue-opened")
    editor.page.check(f"input[name=dossier][value={dossier}]")
    editor.go("button:has-text('编入本期')")
    editor.shot("item-added")
    issue_page = editor.page.url
    editor.go("a:has-text('预览电子版样稿')")
    editor.shot("preview-electronic")
    assert TITLE_PART in editor.text()
    editor.page.goto(issue_page)
    editor.page.check("input[name=confirm]")          # 我已核对，确认出版: release is irreversible
    editor.go("button:has-text('出版本期')")
    editor.shot("released")
    assert "已出版" in editor.text(), editor.text()
    editor.go("a:has-text('电子版')")
    editor.shot("electronic-edition")
    assert TITLE_PART in editor.text()

    # The public register, with no sign-in, shows the entry.
    public = browser_context(person)
    public.goto("/register")
    public.screenshot(path=str(shots / "99-public-register.png"), full_page=True)
    assert TITLE_PART in public.inner_text("main") and "现行有效" in public.inner_text("main")

    # On a phone: the public pages and the review page fit the screen's width.
    phone = browser.new_context(base_url=public.url.split("/register")[0], locale="zh-CN", is_mobile=True,
                                viewport={"width": 390, "height": 844}, device_scale_factor=2)
    try:
        page = phone.new_page()
        entry = re.search(r'href="(/register/[^"]+)"', public.content()).group(1)
        for n, path in enumerate(("/register", entry, f"/site/policies/{dossier}.html",
                                  f"/site/interpretations/{dossier}.html", "/login")):
            page.goto(path)
            page.screenshot(path=str(shots / f"9{n}-phone-{path.strip('/').replace('/', '-')[:40]}.png"),
                            full_page=True)
            width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1] + 1, f"{path} is wider than the phone: {width}"
    finally:
        phone.close()


def test_a_declared_policy_kind_is_confirmed_by_the_legal_reviewer_in_chromium(person, sample_zip):
    """类别认定 (review/kinds.py) on the desk: the drafter is warned that a 办法 declared 政策性文件 looks
    normative; the legal reviewer finds it in the queue and confirms it on the review page."""
    drafter = person("drafter")
    drafter.page.goto("/desk/submit")
    drafter.page.set_input_files("#files", str(sample_zip(kind="政策性文件", doc_number="根政办发〔2019〕47号",
                                                          inner_title="根河市政务公开管理办法")))
    drafter.go("button:has-text('提交')")
    drafter.shot("kind-submitted")
    assert "kind_doubtful" in drafter.page.content() and "类别认定" in drafter.text(), drafter.text()
    dossier = re.search(r"/desk/dossiers/([^\"/]+)\"", drafter.page.content()).group(1)
    reviewer = person("reviewer")
    reviewer.page.goto("/desk/queue")
    assert dossier in reviewer.text()
    reviewer.page.goto(f"/desk/dossiers/{dossier}/review")
    reviewer.shot("kind-review")
    panel = reviewer.page.inner_text("#kind-check")
    assert "申报为政策性文件" in panel and "为办法、规定、细则类" in panel, panel
    form = reviewer.page.locator("form:has(input[name=stage][value=kind_check])")
    form.locator("textarea[name=comment]").fill("经认定不属于行政规范性文件")
    form.locator("input[name=verdict][value=approve]").check()
    with reviewer.page.expect_navigation():
        form.locator("button[type=submit]").click()
    reviewer.shot("kind-confirmed")
    assert "已通过" in reviewer.text(), reviewer.text()
