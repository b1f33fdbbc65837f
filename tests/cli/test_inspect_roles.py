"""`lockstep inspect` says which role it detected for each file, and from what (issue 14)."""
from __future__ import annotations

from tests.domain.docx_factory import policy_lines, build
from tests.domain.test_intake_reads import memo_like_policy, standard_cover


def test_inspect_says_which_role_it_detected_and_from_what(cli, tmp_path):
    (tmp_path / "关于印发工作要点的通知.docx").write_bytes(memo_like_policy())
    (tmp_path / "材料一.docx").write_bytes(build(policy_lines()))
    (tmp_path / "材料二.docx").write_bytes(standard_cover())
    files = [str(tmp_path / n) for n in ("关于印发工作要点的通知.docx", "材料一.docx", "材料二.docx")]
    doc = cli.json("inspect", *files, code=None)
    roles = [(f["role"], f["role_source"]) for f in doc["files"]]
    assert roles == [("policy", "file_name"), ("policy", "content"), ("other", "content")]
    assert "font_format" in [p["code"] for p in doc["files"][0]["problems"]]   # named a policy: form checked
    text = cli("inspect", *files).output
    assert "识别为：政策文件（按文件名），已检查公文格式" in text
    assert "识别为：政策文件（按内容），已检查公文格式" in text
    assert "识别为：其他材料（按内容）" in text
    assert "发文机关署名：内蒙古自治区市场监督管理局" in text


def test_inspect_json_is_the_one_shape_ok_and_problems_naming_their_files(tmp_path):
    from typer.testing import CliRunner
    from cli.main import app
    bad = tmp_path / "坏文件.docx"
    bad.write_bytes(b"not a docx")
    r = CliRunner().invoke(app, ["inspect", str(bad), "--json"])
    assert r.exit_code == 1
    import json
    doc = json.loads(r.stdout)
    assert doc["ok"] is False and doc["files"][0]["ok"] is False
    assert doc["problems"] and all(p["file"] for p in doc["problems"]), doc["problems"]
    assert {p["code"] for p in doc["problems"]} <= {p["code"] for p in doc["files"][0]["problems"]}
