"""The desk's queues never drop a dossier because many others came after it (issue 14, "Reviewers,
deliberation, signer": 待签发 and the review queue). They used to be cut from the newest 200/500 dossiers
of every unit and state: in a province sharing one database, an office's open dossier fell off its
reviewer's queue and its signer's 待签发 once enough other dossiers had been submitted anywhere."""
from __future__ import annotations

import datetime as dt
import zipfile

from samples.genhe import bundle_files
from services.dossiers.access import desk_lists, waiting_for
from services.dossiers.intake import intake_bundle
from services.review.actions import record_decision
from storage.tables import DossierRow


def _submit(svc, folder, n: int) -> str:
    path = folder / f"q-{n}.zip"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in bundle_files("complete", doc_number=f"根政办发〔2018〕{n}号",
                                       inner_title=f"根河市第{n}号队列测试办法").items():
            z.writestr(name, data)
    result = intake_bundle([path], "drafter", svc)
    assert result.accepted, result.problems
    return result.dossier


def _many_newer(svc, n: int) -> None:
    """n dossiers of other counties, all newer than the open ones (rows as another office's desk left them)."""
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    with svc.unit() as uow:
        for i in range(n):
            at = later + dt.timedelta(seconds=i)
            uow.add(DossierRow(id=f"D2026-9{i:04d}", kind="policy", title=f"其他县第{i}号文件", doc_number=None,
                               drafting_unit=f"某县{i % 7}局", state="registered",
                               current_version=1, created_at=at, updated_at=at))


def test_an_old_open_dossier_stays_in_every_queue_after_600_newer_dossiers(svc, tmp_path):
    tmp_path.joinpath("b").mkdir()
    ready = _submit(svc, tmp_path / "b", 1)
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        record_decision(svc, ready, stage, "approve", "同意", who)
    waiting = _submit(svc, tmp_path / "b", 2)
    _many_newer(svc, 600)
    people = {p.name: p for p in svc.config.people}

    assert waiting in {x["dossier"] for x in waiting_for(svc, people["director"])}
    mine, to_sign = desk_lists(svc, people["drafter"])
    assert {ready, waiting} <= {x["dossier"] for x in mine}
    assert all(x["drafting_unit"] == people["drafter"].unit for x in mine)
    _, to_sign = desk_lists(svc, people["signer"])
    assert [x["dossier"] for x in to_sign] == [ready]          # the one whose gate is open
