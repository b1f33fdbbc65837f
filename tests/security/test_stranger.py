"""The hostile stranger, the busy clerk and the curious public against the rulebook (issue 11).

Each attack comes in by the surface a person would use (the HTTP API, the desk's pages, the public
routes, the command line) on a real SQLite home; the rule it proves names each test. Attacks that
the rulebook already held and that another file in tests/security/ covers are not repeated here."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from desk import auth
from desk.app import create_app
from services.intake import intake_bundle
from services.withhold import withheld_of

pytestmark = pytest.mark.usefixtures("prefect_harness")

# Ten characters that are no words: zero-width, invisible letters, emoji, punctuation.
INVISIBLE_REASONS = ("\u200b" * 10, "\u2060" * 10, "\ufeff" * 10, "\u3164" * 10, "😀" * 10, "。" * 10,
                     "\u200b" * 9 + "急")


def api(app, home, name: str) -> TestClient:
    return TestClient(app, base_url="http://testserver",
                      headers={"Authorization": f"Bearer {auth.issue_token(home.path, name)}"})


def test_an_emergency_or_withhold_reason_counts_only_written_characters(home, svc, sample_zip):
    """紧急签发 with ten zero-width spaces (or emoji, or 。) as its reason skipped 起草单位审核 and
    published; a reason is a sentence of at least ten written characters, on sign-off and withhold."""
    d = intake_bundle([sample_zip(kind="政策性文件", doc_number="根政办发〔2019〕44号")], "drafter", svc).dossier
    app = create_app(home.path, "test-token")
    signer, editor = api(app, home, "signer"), api(app, home, "editor")
    for reason in INVISIBLE_REASONS:
        r = signer.post(f"/api/v1/dossiers/{d}/sign-off", json={"emergency_reason": reason})
        assert r.status_code == 403 and r.json()["problems"][0]["code"] == "not_permitted", (reason, r.text)
    assert signer.get(f"/api/v1/dossiers/{d}").json()["state"] == "submitted"
    r = signer.post(f"/api/v1/dossiers/{d}/sign-off", json={"emergency_reason": "防汛紧急部署，须在汛期前公布施行"})
    assert r.status_code == 200, r.text
    for reason in INVISIBLE_REASONS:
        r = editor.post(f"/api/v1/dossiers/{d}/withhold", json={"reason": reason})
        assert r.status_code == 422 and r.json()["problems"][0]["code"] == "request_invalid", (reason, r.text)
    assert withheld_of(svc, d) is None
