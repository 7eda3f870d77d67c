"""Calm HTML pages for errors on the pages; the JSON API keeps FastAPI's own responses.

A page that fails shows what happened in words and a way back, never a stack trace. Paths
under the API (``/v1``), the docs and the OpenAPI schema are passed to FastAPI's default
handlers unchanged.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.web.templating import templates

log = logging.getLogger(__name__)

API_PREFIXES = ("/v1", "/docs", "/redoc", "/openapi.json", "/healthz")

MESSAGES = {
    404: ("We could not find that page", "The address may be mistyped, or the trial may have been removed."),
    405: ("That did not work", "This page cannot be used that way. Please start again from the links above."),
    422: ("We could not read that", "Some of what was sent could not be understood. Please go back and check it."),
}


def is_page_request(request: Request) -> bool:
    return not request.url.path.startswith(API_PREFIXES)


def error_page(request: Request, status_code: int, title: str, message: str):
    return templates.TemplateResponse(
        request, "error.html", {"title": title, "message": message, "status_code": status_code},
        status_code=status_code)


async def page_http_exception(request: Request, exc: StarletteHTTPException):
    if not is_page_request(request):
        return await http_exception_handler(request, exc)
    title, message = MESSAGES.get(exc.status_code, ("Something went wrong", "Please try again."))
    if exc.status_code == 404 and isinstance(exc.detail, str) and exc.detail.startswith("no trial"):
        message = "There is no trial with that id in Eligo. Check the id, or search from the start page."
    return error_page(request, exc.status_code, title, message)


async def page_server_error(request: Request, exc: Exception):
    # The exception type only: a page's form carries patient data, which never goes to logs.
    log.error("page %s failed: %s", request.url.path, type(exc).__name__)
    if not is_page_request(request):
        return PlainTextResponse("Internal Server Error", status_code=500)
    return error_page(request, 500, "Something went wrong on our side",
                      "Nothing you entered was stored. Please try again in a moment; "
                      "if it keeps happening, the people running this service can look into it.")


def install_error_pages(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, page_http_exception)
    app.add_exception_handler(Exception, page_server_error)
