"""The server-rendered pages: patient questionnaire, clinician screening, trial page.

``install_pages(app)`` registers them with the app: the routes, the static files and the
calm HTML error pages (the JSON API keeps its own error responses).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles


def install_pages(app: FastAPI) -> None:
    from app.web.errors import install_error_pages
    from app.web.routes import router
    from app.web.templating import STATIC_DIR

    app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    install_error_pages(app)
