"""`lockstep publish D --as NAME` records NAME in the audit as who ran the publication: a name that is
no configured person (a typo, an invented one) is refused unknown_person, as every other command's
--as is; only the operator's own label (the default, lockstep) names no person."""
from __future__ import annotations

import pytest

from documents.problems import Refused
from services.publication.publish import publish
from services.review.actions import record_sign_off
from tests.storage.test_outbox import ready_dossier

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_publish_as_someone_who_does_not_exist_is_refused_and_the_operator_label_publishes(cli, svc, sample_zip):
    d = ready_dossier(svc, sample_zip())
    record_sign_off(svc, d, "signer")
    refused = cli.json("publish", d, "--as", "张三丰", code=1)
    assert refused["problems"][0]["code"] == "unknown_person" and "张三丰" in refused["problems"][0]["message"]
    with pytest.raises(Refused) as e:
        publish(svc, d, "不存在的人")
    assert e.value.problems[0].code == "unknown_person"
    with svc.unit() as uow:
        said = " ".join(str(ev.payload) + str(ev.actor) for ev in uow.audit.history(d))
    assert "张三丰" not in said and "不存在的人" not in said
    assert cli.json("publish", d)["published"]                  # the operator's own label
