"""All API routers. Adding an area is one import and one line in ``ROUTERS``."""

from fastapi import APIRouter

from app.api.routes import health, match, trials

ROUTERS: list[APIRouter] = [
    health.router,
    trials.router,
    match.router,
]
