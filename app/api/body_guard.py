"""Guards for JSON request bodies, applied before FastAPI parses them.

``GuardedJSONRoute`` is an ``APIRoute`` class for routers that take patient JSON:
- a body larger than ``settings.max_request_bytes`` is refused with 413, judged from
  ``Content-Length`` or, for a chunked body, while reading (never buffered past the limit);
- JSON nested deeper than ``settings.max_json_depth`` is refused with 422 before the
  ``json`` module could hit Python's recursion limit;
- validation errors come back as a concise 422: each error's ``loc``, ``msg`` and ``type``
  but never the submitted ``input`` (patient data; for a 10,000-item list, megabytes).

Nothing here logs bodies.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from typing import Any

import numpy as np
from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

MAX_ERRORS_SHOWN = 20
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')  # unrolled: linear on any input
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


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


async def read_limited_body(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def concise_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    shown = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
             for e in errors[:MAX_ERRORS_SHOWN]]
    if len(errors) > MAX_ERRORS_SHOWN:
        shown.append({"loc": ["body"], "msg": f"{len(errors) - MAX_ERRORS_SHOWN} more errors not shown",
                      "type": "too_many_errors"})
    return shown


def validation_error_response(errors: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": concise_errors(errors)})


class GuardedJSONRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            if request.method in _BODY_METHODS:
                settings = request.app.state.settings
                try:
                    body = await read_limited_body(request, settings.max_request_bytes)
                except BodyTooLarge:
                    return JSONResponse(status_code=413, content={"detail": [{
                        "loc": ["body"], "type": "body_too_large",
                        "msg": f"the request body is larger than {settings.max_request_bytes} bytes"}]})
                if json_nesting_depth(body) > settings.max_json_depth:
                    return validation_error_response([{
                        "loc": ("body",), "type": "json_too_deep",
                        "msg": f"JSON nested deeper than {settings.max_json_depth} levels"}])
                request._body = body  # FastAPI's handler reads the body from here
            try:
                return await handler(request)
            except RequestValidationError as error:
                return validation_error_response(list(error.errors()))

        return guarded
