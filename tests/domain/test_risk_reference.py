"""A risk assessment names the policy it assesses, as an interpretation does (issue 11, item 7):
the extractor reads it (title in 《》, 评估对象：, or a document number) for the gate's
risk_assessment_mismatch check."""
from __future__ import annotations

import io

from docx import Document

from documents.extract import inspect_docx
from samples import genhe


def _risk(lines: list[str]) -> bytes:
    doc = Document()
    for line in lines:
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def test_a_risk_assessment_names_its_policy_by_title():
    meta = inspect_docx("风险评估.docx", genhe.risk_docx(policy_title="根河市2018年政务公开工作要点")).metadata
    assert meta.suggested_role == "risk_assessment"
    assert meta.refers_to_title == "根河市2018年政务公开工作要点" and meta.refers_to_number is None


def test_a_risk_assessment_names_its_policy_by_number():
    data = _risk(["舆情风险评估报告", "评估单位：根河市政务服务局", "评估对象：根政办发〔2019〕12号",
                  "经研判，风险等级为：低。"])
    meta = inspect_docx("风险评估.docx", data).metadata
    assert meta.refers_to_number is not None and meta.refers_to_number.canonical == "根政办发〔2019〕12号"


def test_a_risk_assessment_naming_nothing_has_no_reference():
    meta = inspect_docx("风险评估.docx", _risk(["舆情风险评估报告", "经研判，风险等级为：低。"])).metadata
    assert meta.refers_to_title is None and meta.refers_to_number is None
