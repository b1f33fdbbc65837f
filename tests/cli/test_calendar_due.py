"""`lockstep due` on the year's 调休 schedule from lockstep.toml (issue 14): a legality deadline
crossing into 2027 is an estimate, said so, until the operator enters 2027; then it is exact; a bad
date in the schedule is a coded refusal naming the key."""
from __future__ import annotations

import dataclasses
import datetime as dt

from services.dossiers.intake import intake_bundle
from services.home.context import open_services
from services.home.folder import Home
from services.review.actions import record_decision

SCHEDULE_2027 = '''
[calendar."2027"]
holidays = ["2027-01-01..2027-01-03", "2027-02-06..2027-02-13", "2027-04-05", "2027-05-01..2027-05-05",
            "2027-06-09", "2027-10-01..2027-10-07"]
workdays = ["2027-02-14", "2027-02-20"]
'''
# Noon UTC on Fri 2026-12-18 is the 18th in every office's time zone from UTC-11 to UTC+11.
FRIDAY = dt.datetime(2026, 12, 18, 12, 0, tzinfo=dt.timezone.utc)


def legality(doc: dict) -> dict:
    [d] = [x for x in doc["due"] if x["kind"] == "legality_review"]
    return d


def test_due_is_exact_once_the_years_schedule_is_configured_and_refuses_a_bad_date(home, cli, sample_zip):
    svc = dataclasses.replace(open_services(Home(home.path)), now=lambda: FRIDAY)
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    record_decision(svc, d, "unit_check", "approve", "同意", "director")   # the legality clock starts on the 18th

    before = legality(cli.json("due"))
    assert (before["start"], before["due"], before["estimated"]) == ("2026-12-18", "2027-01-08", True)
    assert "2027年的法定节假日安排尚未收录" in before["note"] and "估算" in before["note"]
    shown = cli("due").output
    assert "按周一至周五计算（估算）" in shown and 'lockstep.toml 中也未填写 calendar."2027"' in shown

    text = home.config_path.read_text(encoding="utf-8")
    home.config_path.write_text(text + SCHEDULE_2027, encoding="utf-8")
    after = legality(cli.json("due"))
    assert (after["due"], after["estimated"], after.get("note")) == ("2027-01-11", False, None)   # 元旦 not worked
    shown = cli("due").output
    assert "2027-01-11" in shown and "估算" not in shown and "周一至周五" not in shown

    home.config_path.write_text(text + SCHEDULE_2027.replace('"2027-02-20"', '"2027-02-31"'), encoding="utf-8")
    r = cli("due", "--json")
    assert r.exit_code == 1
    assert '"config_invalid"' in r.stdout and 'calendar.\\"2027\\".workdays[1]' in r.stdout
    r = cli("due")
    assert r.exit_code == 1 and "config_invalid" in r.output and "workdays[1]" in r.output and "Traceback" not in r.output
