"""lockstep notify (issue 14): send the pending notification mail now; a person's inbox."""
from __future__ import annotations

from services.dossiers.intake import intake_bundle
from services.home.context import open_services
from services.home.folder import Home
from tests.storage.test_notifications import ADDRESSES, configure
from tests.support.smtp import mailbox


def test_notify_send_mails_what_is_pending_and_says_so_in_chinese_and_json(home, cli, sample_zip):
    with mailbox() as box:
        configure(home, box.port)
        svc = open_services(Home(home.path))
        d = intake_bundle([sample_zip()], "drafter", svc).dossier
        sent = cli.json("notify", "send")
        assert sent["ok"] and len(sent["sent"]) == 1 and sent["failed"] == []
        assert len(box.to(ADDRESSES["director"])) == 1
        assert cli.json("notify", "send")["sent"] == []               # nothing twice
        r = cli("notify", "send")
        assert r.exit_code == 0 and "已发送 0 封" in r.stdout
        listed = cli.json("notify", "list", "--as", "director")
        [n] = listed["notifications"]
        assert listed["unread"] == 1 and n["dossier"] == d and n["mail_status_name"] == "已发送"
        assert "【待审核】" in cli("notify", "list", "--as", "director").stdout


def test_notify_send_without_a_mail_server_skips_with_a_note_and_exits_zero(home, cli, sample_zip):
    configure(home, None)
    intake_bundle([sample_zip()], "drafter", open_services(Home(home.path)))
    r = cli("notify", "send")
    assert r.exit_code == 0 and "未配置邮件服务器" in r.stdout and "不发送 1 封" in r.stdout
    assert cli("notify", "list", "--as", "nobody", "--json").exit_code == 1
