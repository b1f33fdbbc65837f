"""A disabled person acting is told they are disabled, not that nobody of that name exists (issue 14,
"Codes that fit"), whether they review, sign or submit; a name nobody has is still "没有人员"."""
from __future__ import annotations


def test_a_disabled_person_is_named_as_disabled_when_they_act(cli, sample_zip):
    d = cli.json("submit", sample_zip("complete"), "--as", "drafter")["dossier"]
    assert cli.json("users", "disable", "reviewer")["user"]["disabled"] is True
    assert cli.json("users", "disable", "drafter")["user"]["disabled"] is True

    for args in (("review", d, "--stage", "legality", "--approve", "--as", "reviewer"),
                 ("submit", sample_zip("complete", name="again.zip"), "--as", "drafter")):
        p = cli.json(*args, code=1)["problems"][0]
        assert p["code"] == "unknown_person" and "已停用" in p["message"] and "lockstep users enable" in p["message"], p
        assert "配置中没有该人员" not in p["message"]

    p = cli.json("review", d, "--stage", "legality", "--approve", "--as", "nobody", code=1)["problems"][0]
    assert p["code"] == "unknown_person" and "没有人员 nobody" in p["message"] and "已停用" not in p["message"]

    cli.json("users", "enable", "reviewer")
    cli.json("review", d, "--stage", "unit_check", "--approve", "--as", "director")          # exit 0
