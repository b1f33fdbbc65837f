"""The desk home lists publications waiting (the outbox) to those who sign off, since when."""
from __future__ import annotations

from services.home.context import open_services
from services.publication.publish import publish
from services.review.actions import record_sign_off
from tests.desk.test_pages import sign_in
from tests.storage.test_outbox import ready_dossier


def test_the_desk_home_lists_a_signed_dossier_waiting_for_publication_to_signers(desk, home, sample_zip):
    svc = open_services(home)
    d = ready_dossier(svc, sample_zip())
    record_sign_off(svc, d, "signer")                # its publication never ran
    page = sign_in(desk, "signer").get("/desk").text
    assert "待发布" in page and f'href="/desk/dossiers/{d}"' in page and "起等待" in page and "待执行" in page
    assert "待发布" not in sign_in(desk, "drafter").get("/desk").text
    publish(svc, d)
    assert "待发布" not in sign_in(desk, "signer").get("/desk").text
