"""The scheduled check: bring 待施行 register entries into force on their 施行日期, expire those past their validity, find what is due or overdue
and record reminders (the schedule needs a Prefect server; `lockstep scheduler` serves it)."""
from __future__ import annotations

from pathlib import Path

from prefect import flow, task

from services.home.context import open_services
from services.review.deadlines import record_reminders
from services.home.folder import Home
from services.register.life import expire_due, take_effect_due
from services.review.actions import today


@task(retries=2, retry_delay_seconds=2)
def expire_entries(home: str) -> list[str]:
    svc = open_services(Home(Path(home)))
    return [e.registration_number for e in expire_due(svc, today(svc))]


@task(retries=2, retry_delay_seconds=2)
def take_effect(home: str) -> list[str]:
    svc = open_services(Home(Path(home)))
    return [e.registration_number for e in take_effect_due(svc, today(svc))]


@task(retries=2, retry_delay_seconds=2)
def check_deadlines(home: str) -> list[dict]:
    return [d.model_dump(mode="json") for d in record_reminders(open_services(Home(Path(home))))]


@task(retries=1, retry_delay_seconds=2)
def publish_waiting(home: str) -> dict:
    """The outbox's sweep: signed-off dossiers whose publication was left undone (a killed command,
    a desk that died) are published now."""
    from services.gazette.release import release_pending
    from services.publication.publish import publish_pending
    svc = open_services(Home(Path(home)))
    done = publish_pending(svc).model_dump(mode="json")
    # Gazette releases a killed run left, and scheduled issues whose moment has come (定时出版).
    return {**done, "gazette": release_pending(svc).results}


@task(retries=1, retry_delay_seconds=2)
def notify_next(home: str) -> dict:
    """Deadline notices (a stage due within 3 working days, or overdue: once per stage, person and day)
    for whoever acts on the stage, then every notification mail due (services/home/notifications.py)."""
    from services.home.notifications import sweep
    return sweep(open_services(Home(Path(home)))).model_dump(mode="json")


@flow(name="lockstep-deadlines")
def deadlines_flow(home: str) -> list[dict]:
    # Publications left waiting first: then the reminders below list only what still waits.
    publish_waiting(home)
    # 待施行 → 现行有效 on the day, then expiry: an entry that lapses today is no longer due for
    # evaluation or filing.
    take_effect(home)
    expire_entries(home)
    found = check_deadlines(home)
    notify_next(home)
    return found
