"""The API's description as a plain page at /docs, read from the same OpenAPI document.

FastAPI's own pages (Swagger UI, ReDoc) load an unpinned script from a public CDN, which a
government office's network often cannot reach and which would run on the desk's origin; the
desk's pages run no script at all, so neither is served. This page is server-rendered from
app.openapi(): every /api/v1 operation with its parameters, body fields and answers, in Chinese
where the API says it in Chinese. The machine-readable description stays at /openapi.json.
"""
from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from desk.kit import Kit

METHOD_ORDER = {"get": 0, "post": 1, "put": 2, "delete": 3}
PARAM_WORDS = {"dossier_id": "卷宗编号，如 D2026-0001", "number": "台帐登记号，如 GHDR-2019-0001"}


def _ref_name(schema: dict) -> str | None:
    ref = schema.get("$ref") or next((s.get("$ref") for s in schema.get("anyOf", []) if "$ref" in s), None)
    return ref.rsplit("/", 1)[-1] if ref else None


def _type(schema: dict) -> str:
    if name := _ref_name(schema):
        return name
    if "anyOf" in schema:
        return " | ".join(_type(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"{_type(schema.get('items', {}))}[]"
    if "enum" in schema:
        return " | ".join(map(str, schema["enum"]))
    return schema.get("format") or schema.get("type") or "object"


def _fields(spec: dict, schema: dict) -> list[dict]:
    """A body's fields: from the named model, or from the schema itself (an upload's form)."""
    name = _ref_name(schema)
    model = spec.get("components", {}).get("schemas", {}).get(name, {}) if name else schema
    required = set(model.get("required", ()))
    return [{"name": field, "type": _type(s), "required": field in required,
             "description": s.get("description") or s.get("title") or ""}
            for field, s in model.get("properties", {}).items()]


def operations(spec: dict) -> list[dict]:
    """The /api/v1 operations grouped by tag, in the order the API declares them."""
    groups: dict[str, list[dict]] = {}
    for path, ops in spec.get("paths", {}).items():
        if not path.startswith("/api/v1"):
            continue
        for method, op in sorted(ops.items(), key=lambda kv: METHOD_ORDER.get(kv[0], 9)):
            body = op.get("requestBody", {}).get("content", {})
            media, schema = next(iter(body.items()), (None, {}))
            schema = schema.get("schema", {}) if schema else {}
            answers = []
            for code, answer in op.get("responses", {}).items():
                shape = next(iter(answer.get("content", {}).values()), {}).get("schema", {})
                said = answer.get("description", "")
                answers.append({"code": code, "description": "成功" if said == "Successful Response" else said,
                                "model": _ref_name(shape) if shape else None})
            groups.setdefault((op.get("tags") or ["其他"])[0], []).append({
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "description": op.get("description", ""),
                "parameters": [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                                "type": _type(p.get("schema", {})),
                                "description": p.get("description") or p.get("schema", {}).get("description")
                                or PARAM_WORDS.get(p["name"], "")}
                               for p in op.get("parameters", []) if p["name"].lower() != "authorization"],
                "body_media": media, "body": _fields(spec, schema) if schema else [],
                "answers": answers})
    return [{"tag": tag, "operations": ops} for tag, ops in groups.items()]


def routes(kit: Kit, app: FastAPI) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/docs")
    async def docs(request: Request) -> Response:
        spec = app.openapi()
        return kit.page(request, "desk_api_docs.html.j2", groups=operations(spec),
                        title=spec.get("info", {}).get("title", ""))

    return router
