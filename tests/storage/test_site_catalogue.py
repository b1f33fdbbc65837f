"""索引号 and 主题分类 (issue 15, item 4): the topic from bundle.json checked against the [site] list (fail
closed), the 索引号 given at publication from a locking counter in the configured format, shown on the
public policy page, in the library list and on the released page, and given to earlier publications by
`reindex`."""
from __future__ import annotations

import json
import zipfile

import pytest
from sqlalchemy import delete, select, update

from documents.problems import Refused
from review.catalogue import DEFAULT_TOPICS, Site, index_number, index_serial, topic_problem
from services.dossiers.intake import intake_bundle
from services.publication.catalogue import reindex, set_topic
from services.publication.publish import INDEX_MARK, publish
from services.publication.site import policy_index, policy_view
from services.review.actions import record_sign_off
from storage.tables import CounterRow, DossierRow
from tests.storage.test_outbox import ready_dossier

PREFIX = "11150785MB0123456X"


def _with_prefix(toml: str) -> str:
    """lockstep.toml with the [site] 索引号 prefix set (the default file has the table, with it blank)."""
    if "\n[site]" in toml:
        return toml.replace('index_prefix = ""', f'index_prefix = "{PREFIX}"', 1)
    return toml + f'\n[site]\nindex_prefix = "{PREFIX}"\n'


def with_topic(path, topic):
    """The sample zip with `topic` in its bundle.json."""
    out = path.with_name(f"topic-{path.name}")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("bundle.json"):
                data = json.dumps({**json.loads(data), "topic": topic}, ensure_ascii=False).encode()
            dst.writestr(info, data)
    return out


@pytest.fixture
def site_svc(svc):
    """The home's config with a [site] index prefix (the organ's 统一社会信用代码)."""
    path = svc.home.path / "lockstep.toml"
    path.write_text(_with_prefix(path.read_text(encoding="utf-8")), encoding="utf-8")
    from services.home.context import open_services
    return open_services(svc.home)


def test_topic_check_fails_closed_and_takes_the_lists_spelling():
    assert topic_problem(None, DEFAULT_TOPICS) is None
    assert topic_problem("城乡建设 、 环境保护", DEFAULT_TOPICS) is None
    assert topic_problem("八卦", DEFAULT_TOPICS).code == "request_invalid"
    assert topic_problem(["综合政务"], DEFAULT_TOPICS).code == "request_invalid"
    assert topic_problem("  ", DEFAULT_TOPICS).code == "request_invalid"


def test_index_number_format_and_its_serial_read_back():
    site = Site(index_prefix=PREFIX)
    assert index_number(site, "GHDR", 2026, 7) == f"{PREFIX}/2026-00007"
    assert index_serial(site, "GHDR", 2026, f"{PREFIX}/2026-00042") == 42
    assert index_serial(site, "GHDR", 2025, f"{PREFIX}/2026-00042") is None
    assert index_number(Site(), "GHDR", 2026, 1) == "GHDR/2026-00001"      # blank prefix: the register's
    with pytest.raises(ValueError):
        Site(index_format="{prefix}-{year}")


def test_a_topic_the_list_does_not_name_is_refused_at_intake_and_nothing_is_stored(site_svc, sample_zip):
    result = intake_bundle([with_topic(sample_zip(), "娱乐八卦")], "drafter", site_svc)
    assert not result.accepted and result.dossier is None
    assert [p.code for p in result.problems] == ["manifest_invalid"] and "娱乐八卦" in result.problems[0].message
    with site_svc.session() as s:
        assert s.scalar(select(DossierRow.id)) is None


def test_topic_and_index_number_reach_the_public_page_the_list_and_the_released_page(site_svc, sample_zip):
    d = intake_bundle([with_topic(sample_zip(), "科技 、教育")], "drafter", site_svc).dossier
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        from services.review.actions import record_decision
        record_decision(site_svc, d, stage, "approve", "同意", who)
    record_sign_off(site_svc, d, "signer")
    done = publish(site_svc, d, "signer")
    year = site_svc.now().astimezone().year
    assert done.index_number == f"{PREFIX}/{year}-00001" and done.topic == "科技、教育"
    view = policy_view(site_svc, d)
    assert (view.index_number, view.topic) == (done.index_number, "科技、教育")
    assert [(p.index_number, p.topic) for p in policy_index(site_svc)] == [(done.index_number, "科技、教育")]
    page = (site_svc.home.site / f"policies/{d}.html").read_text(encoding="utf-8")
    assert done.index_number in page and "科技、教育" in page and INDEX_MARK not in page
    assert publish(site_svc, d, "signer").index_number == done.index_number      # a rerun gives no new one


def test_index_numbers_follow_each_other_and_reindex_numbers_earlier_publications(site_svc, sample_zip):
    ids = []
    for n in (1, 2):
        d = ready_dossier(site_svc, sample_zip(doc_number=f"根政办发〔2019〕{40 + n}号"))
        record_sign_off(site_svc, d, "signer")
        ids.append((d, publish(site_svc, d, "signer").index_number))
    year = site_svc.now().astimezone().year
    assert [n for _, n in ids] == [f"{PREFIX}/{year}-00001", f"{PREFIX}/{year}-00002"]
    # As a home published before the 索引号 existed: no numbers, no counter row.
    with site_svc.session() as s:
        s.execute(update(DossierRow).values(index_number=None))
        s.execute(delete(CounterRow).where(CounterRow.sequence == "index"))
        s.commit()
    assert policy_view(site_svc, ids[0][0]).index_number is None
    given = reindex(site_svc, "registrar")
    assert given == {ids[0][0]: f"{PREFIX}/{year}-00001", ids[1][0]: f"{PREFIX}/{year}-00002"}
    assert reindex(site_svc, "registrar") == {}
    assert policy_view(site_svc, ids[1][0]).index_number == f"{PREFIX}/{year}-00002"


def test_set_topic_by_the_drafting_office_while_open_checked_and_audited(site_svc, sample_zip):
    d = ready_dossier(site_svc, sample_zip())
    assert set_topic(site_svc, d, "卫生、体育", "drafter") == "卫生、体育"
    with pytest.raises(Refused) as r:
        set_topic(site_svc, d, "体育新闻", "drafter")
    assert r.value.problem.code == "request_invalid"
    with pytest.raises(Refused) as r:
        set_topic(site_svc, d, "综合政务", "reviewer")         # not the drafting office
    assert r.value.problem.code == "not_permitted"
    record_sign_off(site_svc, d, "signer")
    with pytest.raises(Refused) as r:
        set_topic(site_svc, d, "综合政务", "drafter")
    assert r.value.problem.code in ("invalid_state", "not_permitted")
    with site_svc.session() as s:
        assert s.scalar(select(DossierRow.topic).where(DossierRow.id == d)) == "卫生、体育"
