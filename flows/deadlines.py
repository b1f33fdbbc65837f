"""The scheduled check: find what is due or overdue and record reminders (needs a Prefect server
for the schedule; `lockstep scheduler` serves it)."""
from __future__ import annotations

from pathlib import Path

from prefect import flow, task

from services.context import open_services
from services.deadlines import record_reminders
from services.home import Home


@task(retries=2, retry_delay_seconds=2)
def check_deadlines(home: str) -> list[dict]:
    return [d.model_dump(mode="json") for d in record_reminders(open_services(Home(Path(home))))]


@flow(name="lockstep-deadlines")
def deadlines_flow(home: str) -> list[dict]:
    return check_deadlines(home)
