"""lockstep sign-off --publish-at (定时发布, issue 15): signed at once, the pages built and checked, nothing
public until the moment; the answer says when (exit 0). A moment passed is refused at the service
(tests/storage/test_scheduled_web_release.py)."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.storage.test_outbox import ready_dossier

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_sign_off_with_a_publication_moment(cli, svc, sample_zip):
    d = ready_dossier(svc, sample_zip())
    moment = (dt.datetime.now() + dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    r = cli("sign-off", d, "--as", "signer", "--publish-at", moment.strftime("%Y-%m-%d %H:%M"))
    assert r.exit_code == 0, r.output
    assert "已签发" in r.output and f"将于 {moment:%Y-%m-%d %H:%M} 公开" in r.output, r.output
    status = cli.json("status", d)
    assert status["state"] == "signed_off"
    assert not (svc.home.site / f"policies/{d}.html").exists()
    again = cli.json("publish", d, "--as", "signer")              # asked again before its moment: prepared, exit 0
    assert not again["published"] and again["scheduled_at"]
