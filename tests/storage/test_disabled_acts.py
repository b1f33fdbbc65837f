"""A person disabled (`lockstep users disable`) after a process read its people can record no act,
whichever service records it (storage/audit.py asks, in the act's own transaction): the check no
longer depends on each service remembering it. Acts no service re-checked before: 公开属性 and 补充材料;
and every kind of event a person's act records."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from documents.problems import Refused
from review import model
from services.dossiers.intake import intake_bundle
from services.home.context import open_services
from services.home.accounts import disable_person


def _refused_as_disabled(excinfo, name: str) -> None:
    assert excinfo.value.problem.code == "unknown_person", excinfo.value.problem
    assert f"人员 {name} 已停用" in excinfo.value.problem.message


def test_setting_disclosure_and_attaching_by_someone_disabled_meanwhile_are_refused(svc, sample_zip, tmp_path):
    from samples.genhe import bundle_files
    from services.dossiers.attach import attach
    from services.dossiers.disclosure import set_disclosure
    d = intake_bundle([sample_zip(disclosure="")], "drafter", svc).dossier       # 公开属性 left to a person
    warm = open_services(svc.home)                       # read its people now: both enabled
    assert warm.config.person("director") and warm.config.person("drafter")
    disable_person(open_services(svc.home), "director", "admin")
    disable_person(open_services(svc.home), "drafter", "admin")
    with svc.unit() as uow:
        events = uow.audit.count()

    with pytest.raises(Refused) as set_:
        set_disclosure(warm, d, "依申请公开", "director")
    _refused_as_disabled(set_, "director")
    files = bundle_files(disclosure="", inner_title="根河市2019年政务公开工作要点（修订）")   # another policy text
    name = next(n for n in files if n.endswith("号.docx"))
    path = tmp_path / name
    path.write_bytes(files[name])
    with pytest.raises(Refused) as attached:
        attach(warm, d, path, "policy", "drafter")
    _refused_as_disabled(attached, "drafter")
    with svc.unit() as uow:
        assert uow.audit.count() == events                # nothing recorded
        assert uow.dossiers.get(d).disclosure_by is None
        assert uow.audit.verify() == []


PERSON_EVENTS = [c for c in vars(model).values()
                 if isinstance(c, type) and issubclass(c, model.Event) and c is not model.Event
                 and c.name not in ("config.changed",)]


@pytest.fixture(scope="module")
def scratch():
    from tests.support.homes import scratch_home
    with scratch_home("lockstep-disabled-") as (home, _):
        yield home


@settings(max_examples=len(PERSON_EVENTS) * 2, deadline=None)
@given(event=st.sampled_from(PERSON_EVENTS), who=st.sampled_from(["director", "reviewer", "signer", "editor"]))
def test_no_event_of_a_disabled_person_is_ever_recorded_and_the_operators_own_changes_are(scratch, event, who):
    """Whatever the event, the audit log refuses it for a disabled actor; config.changed is the operator's."""
    svc = open_services(scratch)
    with svc.unit() as uow:
        enabled = uow.accounts.person(who).disabled_at is None
    if enabled:
        disable_person(svc, who, "admin")
    fields = {n: f for n, f in event.model_fields.items() if f.is_required()}
    sample = {"dossier_id": None, "actor": who, "at": dt.datetime.now(dt.timezone.utc)}
    missing = [n for n in fields if n not in sample]
    with svc.unit() as uow:
        e = event.model_construct(**sample, **{n: None for n in missing})
        with pytest.raises(Refused) as refused:
            uow.audit.append(e)
        _refused_as_disabled(refused, who)
        with pytest.raises(Refused):
            uow.audit.append_all([e])
    with svc.unit() as uow:         # the operator's change by an OS user of the same name is recorded
        uow.audit.append(model.ConfigChanged(dossier_id=None, actor=who, at=dt.datetime.now(dt.timezone.utc),
                                             change="test", detail={}))
