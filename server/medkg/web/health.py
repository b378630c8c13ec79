"""/health: liveness, and how busy the query workers are."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    workers: int
    busy_workers: int
    waiting_queries: int


@router.get("/health", response_model=Health, summary="Liveness of the server")
async def health(request: Request) -> Health:
    """`ok` while the server answers; the query workers' load for monitoring."""
    engine = request.app.state.engine
    return Health(status="ok", workers=len(engine.worker_pids), busy_workers=engine.busy,
                  waiting_queries=engine.waiting)
