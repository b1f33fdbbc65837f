"""lockstep publish schedule / cancel / reindex and sign-off's 定时发布 in the CLI (issue 15): Chinese text,
--json, exit codes 0 done / 1 refused / 2 usage."""
from __future__ import annotations

import datetime as dt

from services.review.actions import record_sign_off
from tests.storage.test_outbox import ready_dossier


def _at(hours: int) -> str:
    return (dt.datetime.now() + dt.timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M")


def test_publish_schedule_cancel_and_reindex_on_the_command_line(cli, svc, sample_zip):
    d = ready_dossier(svc, sample_zip())
    record_sign_off(svc, d, "signer")                    # signed; its publication not run yet
    done = cli.json("publish", "schedule", d, "--at", _at(2), "--as", "signer")
    assert done["ok"] and not done["published"] and done["scheduled_at"] and set(done["prepared"]) == {"policy", "interpretation"}
    moved = _at(3)                                       # once: a minute may turn between the two
    r = cli("publish", "schedule", d, "--at", moved, "--as", "signer")
    assert r.exit_code == 0 and "已定时发布" in r.output and "将于" in r.output, r.output
    assert f"定时发布：卷宗 {d} 将于 {moved} 公开" in cli("due").output.replace("\n", "")
    refused = cli.json("publish", "cancel", d, "--reason", "太短", "--as", "signer", code=1)
    assert refused["problems"][0]["code"] == "request_invalid"
    refused = cli.json("publish", "cancel", d, "--reason", "需要与新闻发布会同步发布", "--as", "drafter", code=1)
    assert refused["problems"][0]["code"] == "not_permitted"
    held = cli.json("publish", "cancel", d, "--reason", "需要与新闻发布会同步发布", "--as", "signer")
    assert held["state"] == "held" and "需要与新闻发布会同步发布" in held["note"]
    r = cli("publish", "cancel", d, "--reason", "需要与新闻发布会同步发布", "--as", "signer")
    assert r.exit_code == 1 and "取消定时发布" in r.output, r.output                 # nothing scheduled now
    r = cli("publish", "schedule", d, "--at", "明天", "--as", "signer")
    assert r.exit_code == 2
    for args in (("publish", "schedule", d, "--as", "signer"), ("publish", "cancel", d, "--as", "signer"),
                 ("publish", d, "--at", _at(2)), ("publish", "reindex", d)):
        assert cli(*args).exit_code == 2, args
    r = cli("publish", "schedule", d, "--at", "2020-01-01 09:00", "--as", "signer")
    assert r.exit_code == 1 and "已过" in r.output
    assert cli.json("publish", "reindex") == {"ok": True, "given": {}}
    assert "没有缺少索引号的已发布文件" in cli("publish", "reindex").output
