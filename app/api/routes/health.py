from __future__ import annotations

from fastapi import APIRouter, Response, status
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.api.deps import SessionDep
from app.api.schemas import Health
from app.repository import count_trials
from matching import native

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz(session: SessionDep, response: Response) -> Health:
    """Liveness plus a real database round trip (the schema revision and trial count)."""
    try:
        revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        trials = count_trials(session)
    except SQLAlchemyError as error:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Health(status="error", database="unavailable", detail=type(error).__name__)
    return Health(status="ok", database="ok", schema_revision=revision, trials=trials, matcher=native.build())
