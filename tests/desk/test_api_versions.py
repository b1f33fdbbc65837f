"""The API's sign-off and decisions bind to the version the caller checked (as the desk's forms do): a
version that came in since is refused (409 invalid_state) in the deciding transaction, never decided
or signed unseen. Without `version` they act on the current version, as before."""
from __future__ import annotations

import pytest

from tests.desk.test_api import STAGES, Api, approve_all, codes, submit
from desk.app import create_app

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def desk(home) -> Api:
    return Api(create_app(home.path, "test-token"), home)


def test_a_stale_version_is_neither_decided_nor_signed_through_the_api(desk, sample_zip):
    r = submit(desk("drafter"), sample_zip("complete"))
    assert r.status_code in (200, 201), r.text
    d = r.json()["dossier"]
    approve_all(desk, d)
    r = submit(desk("drafter"), sample_zip("complete", name="v2.zip", inner_title="根河市政务公开工作要点（修订）"),
               dossier=d)
    assert r.status_code in (200, 201), r.text
    assert desk("signer").get(f"/api/v1/dossiers/{d}/gate").json()["version"] == 2

    stage, who = STAGES[0]
    stale = desk(who).post(f"/api/v1/dossiers/{d}/decisions",
                           json={"stage": stage, "verdict": "approve", "comment": "同意", "version": 1})
    assert stale.status_code == 409 and codes(stale) == ["invalid_state"], stale.text
    for stage, who in STAGES:
        ok = desk(who).post(f"/api/v1/dossiers/{d}/decisions",
                            json={"stage": stage, "verdict": "approve", "comment": "同意", "version": 2})
        assert ok.status_code == 200, ok.text

    signer = desk("signer")
    r = signer.post(f"/api/v1/dossiers/{d}/sign-off", json={"version": 1})
    assert r.status_code == 409 and "invalid_state" in codes(r) and r.json()["signed"] is False, r.text
    assert "第 1 版" in r.json()["problems"][0]["message"]
    r = signer.post(f"/api/v1/dossiers/{d}/sign-off", json={"version": 2})
    assert r.status_code in (200, 202), r.text
