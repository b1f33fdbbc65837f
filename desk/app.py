"""The desk's HTTP API. Flow work runs here, warm; reads and decisions stay with the callers."""
from __future__ import annotations

import hmac
from pathlib import Path

from fastapi import Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel

from desk.flowwork import FlowWork


class IntakeRequest(BaseModel):
    requests: list[dict]


class PublicationRequest(BaseModel):
    dossier_ids: list[str]
    actor: str = "lockstep"


def create_app(home: Path, token: str) -> FastAPI:
    # /docs is our own page (desk/api_docs.py): Swagger UI needs a CDN an office network may not reach.
    app = FastAPI(title="Lockstep desk", description="政策文件与解读同步流转：工作流服务接口",
                  docs_url="/docs/swagger", redoc_url=None)
    # One flow run at a time, intake batched (desk/flowwork.py): pages, API and hand-off share it.
    work = FlowWork(home)
    app.state.flow_work = work

    # /api/flows/*: the command line's hand-off (same user, token in desk.json), not for other systems.
    def authorised(authorization: str = Header("")) -> None:
        if not hmac.compare_digest(authorization, f"Bearer {token}"):
            raise HTTPException(status_code=401, detail={"code": "not_permitted", "message": "令牌无效"})

    @app.get("/api/health")
    def health() -> dict:
        return {"ok": True, "home": str(home.resolve())}

    @app.post("/api/flows/intake", dependencies=[Depends(authorised)], include_in_schema=False)
    def intake(body: IntakeRequest) -> dict:
        return {"results": work.intake(body.requests)}

    @app.post("/api/flows/publication", dependencies=[Depends(authorised)], include_in_schema=False)
    def publication(body: PublicationRequest) -> dict:
        return {"results": work.publish(body.dossier_ids, body.actor)}

    @app.post("/api/flows/deadlines", dependencies=[Depends(authorised)], include_in_schema=False)
    def deadlines() -> dict:
        return {"results": work.deadlines()}

    from desk import pages                 # the web pages: sign-in, submit, review, sign-off, register
    web = pages.router_for(home, work)
    app.include_router(web)
    from desk import api                   # the JSON API for other systems, /api/v1 (per-person tokens)
    app.include_router(api.routes(home, work))
    from desk import api_docs               # /docs: the API described on a plain page, no script
    app.include_router(api_docs.routes(web.kit, app))
    return app
