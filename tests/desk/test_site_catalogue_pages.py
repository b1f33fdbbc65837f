"""索引号 and 主题分类 in the public 规范性文件 library (/register) and on the policy page (issue 15 item 4);
a withheld document's numbers are not shown."""
from __future__ import annotations

from services.publication.catalogue import reindex
from storage.tables import DossierRow
from tests.desk.test_public_site import public
from tests.storage.test_gazette_storage import signed_dossier


def test_the_library_list_and_the_policy_page_show_index_number_and_topic(svc, home, tmp_path):
    d = signed_dossier(svc, tmp_path / "b", title="根河市甲项管理办法")
    with svc.session() as s:                       # as the drafting office gave it
        s.get(DossierRow, d).topic = "财政、金融、审计"
        number = s.get(DossierRow, d).index_number
        s.commit()
    assert number and number.startswith("GHDR/")  # the default prefix: the register's
    client = public(home)
    row = next(r for r in client.get("/register?status=all").text.split("<tr>") if "根河市甲项管理办法" in r)
    assert number in row and "财政、金融、审计" in row
    page = client.get(f"/site/policies/{d}.html").text
    assert f'id="index-number">{number}<' in page and 'id="topic">财政、金融、审计<' in page
    assert reindex(svc) == {}                      # numbered at publication already


def test_the_signers_waiting_list_says_when_a_scheduled_release_goes_public(svc, home, sample_zip):
    import datetime as dt

    from desk.kit import Kit
    from desk.pages_operator import publications_waiting
    from services.review.actions import record_sign_off
    from tests.storage.test_outbox import ready_dossier
    d = ready_dossier(svc, sample_zip())
    moment = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    record_sign_off(svc, d, "signer", publish_at=moment)
    kit = Kit.__new__(Kit)              # only its services are asked for
    kit.services = lambda: svc
    [row] = publications_waiting(kit, svc.config.person("signer"))
    assert row["dossier"] == d and row["status"] == f"定时发布：将于 {moment.astimezone():%Y-%m-%d %H:%M} 公开"
