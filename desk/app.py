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
    app = FastAPI(title="Lockstep desk", description="政策文件与解读同步流转：工作流服务接口")
    # One flow run at a time, intake batched (desk/flowwork.py): pages, API and hand-off share it.
    work = FlowWork(home)
    app.state.flow_work = work

    def authorised(authorization: str = Header("")) -> None:
        if not hmac.compare_digest(authorization, f"Bearer {token}"):
            raise HTTPException(status_code=401, detail={"code": "not_permitted", "message": "令牌无效"})

    @app.get("/api/health")
    def health() -> dict:
        return {"ok": True, "home": str(home.resolve())}

    @app.post("/api/flows/intake", dependencies=[Depends(authorised)])
    def intake(body: IntakeRequest) -> dict:
        return {"results": work.intake(body.requests)}

    @app.post("/api/flows/publication", dependencies=[Depends(authorised)])
    def publication(body: PublicationRequest) -> dict:
        return {"results": work.publish(body.dossier_ids, body.actor)}

    @app.post("/api/flows/deadlines", dependencies=[Depends(authorised)])
    def deadlines() -> dict:
        return {"results": work.deadlines()}

    from desk import pages                 # the web pages: sign-in, submit, review, sign-off, register
    app.include_router(pages.router_for(home, work))
    from desk import api                   # the JSON API for other systems, /api/v1 (per-person tokens)
    app.include_router(api.routes(home, work))
    return app
