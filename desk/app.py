"""The desk's HTTP API. Flow work runs here, warm; reads and decisions stay with the callers."""
from __future__ import annotations

import hmac
import threading
from pathlib import Path

from fastapi import Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel

from flows.run import run_deadlines, run_intake, run_publication


class IntakeRequest(BaseModel):
    requests: list[dict]


class PublicationRequest(BaseModel):
    dossier_ids: list[str]
    actor: str = "lockstep"


def create_app(home: Path, token: str) -> FastAPI:
    app = FastAPI(title="Lockstep desk", description="政策文件与解读同步流转：工作流服务接口")
    # One flow run at a time: runs batch their work, and SQLite has one writer anyway.
    engine_lock = threading.Lock()

    def authorised(authorization: str = Header("")) -> None:
        if not hmac.compare_digest(authorization, f"Bearer {token}"):
            raise HTTPException(status_code=401, detail={"code": "not_permitted", "message": "令牌无效"})

    @app.get("/api/health")
    def health() -> dict:
        return {"ok": True, "home": str(home.resolve())}

    @app.post("/api/flows/intake", dependencies=[Depends(authorised)])
    def intake(body: IntakeRequest) -> dict:
        with engine_lock:
            return {"results": run_intake(home, body.requests, here=True)}

    @app.post("/api/flows/publication", dependencies=[Depends(authorised)])
    def publication(body: PublicationRequest) -> dict:
        with engine_lock:
            return {"results": run_publication(home, body.dossier_ids, body.actor, here=True)}

    @app.post("/api/flows/deadlines", dependencies=[Depends(authorised)])
    def deadlines() -> dict:
        with engine_lock:
            return {"results": run_deadlines(home, here=True)}

    from desk import pages                 # the web pages: sign-in, submit, review, sign-off, register
    app.include_router(pages.router_for(home, engine_lock))
    from desk import api                   # the JSON API for other systems, /api/v1 (per-person tokens)
    app.include_router(api.routes(home, engine_lock))
    return app
