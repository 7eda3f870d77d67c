"""Guards for request bodies, applied to every route before anything parses the body.

``BodyGuardMiddleware`` wraps the whole application, so a route added later is covered
without remembering to opt in:
- a body larger than ``settings.max_request_bytes`` is refused with 413, judged from
  ``Content-Length`` or, for a chunked body, while reading (never buffered past the limit);
- a JSON body nested deeper than ``settings.max_json_depth`` is refused with 422 before
  the ``json`` module could hit Python's recursion limit (form posts do not nest, and are
  only size-checked).

``install_body_guard`` also makes every validation error a concise 422: each error's
``loc``, ``msg`` and ``type`` but never the submitted ``input`` (patient data; for a
10,000-item list, megabytes).

Nothing here logs bodies.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_ERRORS_SHOWN = 20
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')  # unrolled: linear on any input
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class BodyTooLarge(Exception):
    pass


def json_nesting_depth(body: bytes) -> int:
    """Deepest ``{``/``[`` nesting in a JSON text (brackets inside strings ignored)."""
    structural = _JSON_STRING.sub(b'""', body)
    codes = np.frombuffer(structural, dtype=np.uint8)
    if codes.size == 0:
        return 0
    opens = (codes == ord("{")) | (codes == ord("["))
    closes = (codes == ord("}")) | (codes == ord("]"))
    depth = np.cumsum(opens.astype(np.int32) - closes.astype(np.int32))
    return int(depth.max(initial=0))


def concise_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    shown = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
             for e in errors[:MAX_ERRORS_SHOWN]]
    if len(errors) > MAX_ERRORS_SHOWN:
        shown.append({"loc": ["body"], "msg": f"{len(errors) - MAX_ERRORS_SHOWN} more errors not shown",
                      "type": "too_many_errors"})
    return shown


def validation_error_response(errors: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": concise_errors(errors)})


def too_large_response(max_bytes: int) -> JSONResponse:
    return JSONResponse(status_code=413, content={"detail": [{
        "loc": ["body"], "type": "body_too_large",
        "msg": f"the request body is larger than the limit of {max_bytes} bytes (max_request_bytes)"}]})


def too_deep_response(max_depth: int) -> JSONResponse:
    return validation_error_response([{
        "loc": ("body",), "type": "json_too_deep",
        "msg": f"JSON nested deeper than the limit of {max_depth} levels (max_json_depth)"}])


async def read_limited_body(receive: Receive, max_bytes: int) -> bytes:
    """The whole body from the ASGI ``receive`` channel, refused as soon as it passes ``max_bytes``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class BodyGuardMiddleware:
    """Size and depth limits for every request body (pure ASGI: the body is read once,
    checked, then handed on unchanged)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_depth: int):
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await too_large_response(self.max_bytes)(scope, receive, send)
            return
        try:
            body = await read_limited_body(receive, self.max_bytes)
        except BodyTooLarge:
            await too_large_response(self.max_bytes)(scope, receive, send)
            return
        content_type = (_header(scope, b"content-type") or "").lower()
        if not content_type.startswith(_FORM_TYPES) and json_nesting_depth(body) > self.max_depth:
            await too_deep_response(self.max_depth)(scope, receive, send)
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # later messages: the disconnect

        await self.app(scope, replay, send)


async def concise_validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    return validation_error_response(list(error.errors()))


def install_body_guard(app: FastAPI, *, max_bytes: int, max_depth: int) -> None:
    app.add_middleware(BodyGuardMiddleware, max_bytes=max_bytes, max_depth=max_depth)
    app.add_exception_handler(RequestValidationError, concise_validation_error)

