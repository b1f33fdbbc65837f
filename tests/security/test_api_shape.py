"""The API's one error shape (issue 11, "How it is shown"): every failure schemathesis found against
the running desk (tests/security/test_schemathesis.py), kept as the exact request it sent, plus the
errors FastAPI and Starlette make themselves. Each answer is {"ok": false, "problems": [{code,
message (Chinese), severity, ...}]}, its status is one the OpenAPI document lists for the operation,
and its body is the documented schema (checked with schemathesis's own response validation).

FastAPI's TestClient against create_app on a real initialised home; intake runs on the session's
Prefect test server."""
from __future__ import annotations

import re

import pytest
import schemathesis
from fastapi.testclient import TestClient

from desk import auth
from desk.app import create_app

pytestmark = pytest.mark.usefixtures("prefect_harness")

CHINESE = re.compile(r"[\u4e00-\u9fff]")
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00:~\x9bU\x00\x00"
       b"\x00\nIDATx\x9cc`\x00\x00\x00\x02\x00\x01H\xaf\xa4q\x00\x00\x00\x00IEND\xaeB`\x82")


class Api:
    def __init__(self, home) -> None:
        self.app = create_app(home.path, "test-token")
        self.spec = self.app.openapi()
        self.schema = schemathesis.openapi.from_dict(self.spec)
        self.tokens = {name: auth.issue_token(home.path, name) for name in ("drafter", "signer")}

    def __call__(self, name: str | None = None) -> TestClient:
        headers = {"Authorization": f"Bearer {self.tokens[name]}"} if name else {}
        return TestClient(self.app, base_url="http://testserver", headers=headers)

    def documented(self, r, path: str, method: str) -> None:
        """The status is listed for the operation and the body is its documented schema."""
        listed = self.spec["paths"][path][method.lower()]["responses"]
        assert str(r.status_code) in listed, (r.status_code, sorted(listed), r.text)
        self.schema[path][method.upper()].validate_response(r)


@pytest.fixture
def api(home) -> Api:
    return Api(home)


@pytest.fixture
def dossier(api, sample_zip) -> str:
    path = sample_zip()
    r = api("drafter").post("/api/v1/dossiers", files=[("files", (path.name, path.read_bytes(), "application/zip"))])
    assert r.status_code == 200, r.text
    return r.json()["dossier"]


def problem_of(r, code: str) -> dict:
    body = r.json()
    assert body["ok"] is False and [p["code"] for p in body["problems"]] == [code], r.text
    p = body["problems"][0]
    assert p["severity"] == "error" and CHINESE.search(p["message"]), p
    return p


def multipart(boundary: str, *parts: bytes) -> tuple[dict, bytes]:
    return {"Content-Type": f"multipart/form-data; boundary={boundary}"}, b"".join(parts) + f"--{boundary}--\r\n".encode()


# ---------------------------------------------------------------- what schemathesis found

def test_an_upload_with_no_files_is_a_documented_400_and_the_schema_asks_for_one_file(api):
    # schemathesis ST202: an empty multipart body was schema-valid (files: []) and refused with 400.
    headers, body = multipart("c637e12e2b1a998d80d1b087531af51c")
    r = api("drafter").post("/api/v1/dossiers", headers=headers, content=body)
    assert r.status_code == 400
    problem_of(r, "bundle_empty")
    api.documented(r, "/api/v1/dossiers", "post")
    schema = api.spec["paths"]["/api/v1/dossiers"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["properties"]["files"]["minItems"] == 1


def test_an_attach_without_a_role_answers_the_one_problem_shape_as_documented(api, dossier):
    # schemathesis ST108: the 422 of an attach refused before intake was documented as SubmitOut only.
    headers, body = multipart("48404145e7e90014313fa0f8ebffc148",
                              b'--48404145e7e90014313fa0f8ebffc148\r\nContent-Disposition: form-data; name="file"; '
                              b'filename="file.png"\r\n\r\n' + PNG + b"\r\n")
    r = api("drafter").post(f"/api/v1/dossiers/{dossier}/files", headers=headers, content=body)
    assert r.status_code == 422
    problem_of(r, "manifest_invalid")
    api.documented(r, "/api/v1/dossiers/{dossier_id}/files", "post")
    r = api("drafter").post("/api/v1/dossiers/0/files", headers=headers, content=body)   # the exact request
    assert r.status_code == 404
    problem_of(r, "not_found")
    api.documented(r, "/api/v1/dossiers/{dossier_id}/files", "post")


@pytest.mark.parametrize(("path", "body"), [("/api/v1/dossiers/%C2%8C%C3%9Ex/sign-off", b" Qh\xff\xfe"),
                                            ("/api/v1/dossiers/%C3%B8%12y0%C2%BC%C3%AF/decisions", b"q\xff")])
def test_a_json_body_that_is_not_utf8_is_request_invalid_422_not_an_undocumented_400(api, path, body):
    # schemathesis ST103: FastAPI answered {"detail": "There was an error parsing the body"} with 400.
    r = api("signer").post(path, headers={"Content-Type": "application/json"}, content=body)
    assert r.status_code == 422
    assert "JSON" in problem_of(r, "request_invalid")["message"]
    template = "/api/v1/dossiers/{dossier_id}/" + path.rsplit("/", 1)[1]
    api.documented(r, template, "post")


def test_a_submit_naming_an_unknown_dossier_is_a_documented_404(api):
    # schemathesis ST103: dossier=false (no such dossier) answered 404, which submit did not list.
    headers, body = multipart("823d81f3749c7f1659ca5c9dc6f66d88",
                              b'--823d81f3749c7f1659ca5c9dc6f66d88\r\nContent-Disposition: form-data; name="dossier"'
                              b"\r\n\r\nfalse\r\n",
                              b'--823d81f3749c7f1659ca5c9dc6f66d88\r\nContent-Disposition: form-data; name="files"; '
                              b'filename="files.jpg"\r\n\r\n\xff\xd8\xff\xe0\x00\x10JFIF\x00\r\n')
    r = api("drafter").post("/api/v1/dossiers", headers=headers, content=body)
    assert r.status_code == 404
    problem_of(r, "not_found")
    api.documented(r, "/api/v1/dossiers", "post")


def test_sign_off_documents_every_status_it_can_answer(api):
    # A sign-off whose publication fails answers 500 with the sign-off and the publication's problems.
    listed = api.spec["paths"]["/api/v1/dossiers/{dossier_id}/sign-off"]["post"]["responses"]
    assert {"200", "401", "403", "404", "409", "413", "422", "500"} <= set(listed)
    assert listed["500"]["content"]["application/json"]["schema"]["$ref"].endswith("/SignOffOut")


# ---------------------------------------------------------------- FastAPI's and Starlette's own errors

@pytest.mark.parametrize("path", ["/api/nope", "/api/v1/nope", "/api/v1/dossiers/D2026-0001/nope", "/api"])
def test_an_unknown_api_address_is_not_found_in_the_one_shape(api, path):
    r = api("drafter").get(path)
    assert r.status_code == 404
    problem_of(r, "not_found")


def test_a_method_an_address_does_not_take_is_405_request_invalid_with_allow(api):
    r = api("drafter").delete("/api/v1/me")
    assert r.status_code == 405 and r.headers["allow"] == "GET"
    assert "DELETE" in problem_of(r, "request_invalid")["message"]


def test_a_validation_error_is_request_invalid_in_chinese_naming_the_field(api, dossier):
    r = api("signer").post(f"/api/v1/dossiers/{dossier}/decisions", json={"stage": "legality", "verdict": "maybe"})
    assert r.status_code == 422
    message = problem_of(r, "request_invalid")["message"]
    assert "verdict" in message and "取值不在允许的范围内" in message
    api.documented(r, "/api/v1/dossiers/{dossier_id}/decisions", "post")
    r = api("signer").post(f"/api/v1/dossiers/{dossier}/decisions", content=b'{"stage": ',
                           headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "不是有效的 JSON" in problem_of(r, "request_invalid")["message"]
    r = api("signer").post(f"/api/v1/dossiers/{dossier}/decisions", content=b'{"stage": "legality"}',
                           headers={"Content-Type": "text/plain"})
    assert r.status_code == 422
    problem_of(r, "request_invalid")
    r = api("signer").get("/api/v1/register", params={"status": "\x00"})
    assert r.status_code == 422
    problem_of(r, "request_invalid")
    api.documented(r, "/api/v1/register", "get")


def test_a_json_body_over_the_limit_is_413_before_it_is_read_whole(api, dossier):
    big = b'{"stage": "' + b"x" * (1024 * 1024 + 1) + b'", "verdict": "approve"}'
    for headers in ({"Content-Type": "application/json"}, {"Content-Type": "multipart/form-data; boundary=x"}):
        r = api("signer").post(f"/api/v1/dossiers/{dossier}/decisions", headers=headers, content=big)
        assert r.status_code == 413
        problem_of(r, "request_invalid")
        api.documented(r, "/api/v1/dossiers/{dossier_id}/decisions", "post")

    def chunks():                                   # no Content-Length: counted as it arrives
        yield b'{"emergency_reason": "'
        for _ in range(40):
            yield b"y" * 65536
        yield b'"}'
    r = api("signer").post(f"/api/v1/dossiers/{dossier}/sign-off", headers={"Content-Type": "application/json"},
                           content=chunks())
    assert r.status_code == 413
    problem_of(r, "request_invalid")


def test_the_hand_off_refuses_any_token_in_the_one_shape_never_a_500(api):
    c = TestClient(api.app, base_url="http://testserver")
    for token in ("", "Bearer nope", "Bearer ä", "Bearer 令牌"):
        r = c.post("/api/flows/deadlines", headers={"Authorization": token.encode("utf-8")})
        assert r.status_code == 401, (token, r.text)
        problem_of(r, "not_permitted")


def test_a_missing_token_is_401_not_permitted_as_documented(api):
    r = api().get("/api/v1/me")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    problem_of(r, "not_permitted")
    api.documented(r, "/api/v1/me", "get")


def test_the_pages_keep_their_own_answers(api):
    r = api().get("/no-such-page")
    assert r.status_code == 404 and "problems" not in r.text


# ---------------------------------------------------------------- the description says it

def test_every_documented_error_of_every_operation_is_the_one_problem_shape(api):
    components = api.spec["components"]["schemas"]

    def shapes(schema: dict) -> list[dict]:
        if "$ref" in schema:
            return [components[schema["$ref"].rsplit("/", 1)[-1]]]
        return [s for member in schema.get("anyOf", []) for s in shapes(member)] or [schema]

    seen = 0
    for path, ops in api.spec["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, op in ops.items():
            assert {"401", "403", "422", "503"} <= set(op["responses"]), (method, path)
            for status, answer in op["responses"].items():
                if status.startswith("2"):
                    continue
                for shape in shapes(answer["content"]["application/json"]["schema"]):
                    assert {"ok", "problems"} <= set(shape["properties"]), (method, path, status, shape.get("title"))
                    seen += 1
    assert seen > 40
