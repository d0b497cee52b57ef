"""Request-body limits every service shares: size, how deeply a JSON body may nest, and U+0000.

The middleware reads a body before the app does, refusing it the moment it passes its size
limit (a declared Content-Length over the limit before a byte is read), so at most one
limit's worth is ever held; then it checks a JSON body's depth, so no parser (pydantic's,
graphql-core's) ever recurses through a hostile one, and hands the app the body it read.
JSON in a query parameter (GraphQL over GET) is held to the same depth. U+0000 in the path,
a query parameter, a JSON or form body is refused with the field named (`nul_characters`).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bridgework.common.contracts.nul import NUL, NUL_REFUSED
from bridgework.common.errors import DomainError, ErrorKind, FieldProblem
from bridgework.common.http_errors import problem_response
from bridgework.common.json_depth import nests_deeper_than
from bridgework.common.nul_characters import form_nul_field, json_nul_field


def body_too_large(limit: int) -> DomainError:
    """The refusal of a body over `limit` bytes: a 413 `body_too_large`."""
    detail = f"request bodies here are limited to {limit} bytes"
    return DomainError("body_too_large", detail, kind=ErrorKind.TOO_LARGE)


def body_too_deep(limit: int, field: str = "") -> DomainError:
    """The refusal of JSON nested over `limit` levels: a 422 naming the body (or parameter)."""
    reason = f"JSON nests deeper than {limit} levels"
    return DomainError.invalid_fields([FieldProblem(field, reason)])


def deep_parameter(query_string: bytes, limit: int) -> str | None:
    """The name of a query parameter holding JSON nested over `limit` (GraphQL's GET
    `variables`), or None; a query string without brackets costs one scan."""
    lowered = query_string.lower()
    if not any(mark in lowered for mark in (b"[", b"{", b"%5b", b"%7b")):
        return None
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if value.lstrip()[:1] in ("[", "{") and nests_deeper_than(value.encode(), limit):
            return name
    return None


def holds_nul(field: str, reason: str) -> DomainError:
    """The refusal of U+0000 in `field`: a 422 naming it."""
    return DomainError.invalid_fields([FieldProblem(field, reason)])


def _is_json(content_type: str | None) -> bool:
    # FastAPI reads a body without a content type as JSON too.
    return content_type is None or "json" in content_type.lower()


def _is_form(content_type: str | None) -> bool:
    return content_type is not None and "x-www-form-urlencoded" in content_type.lower()


def _nul_in_body(body: bytes, content_type: str | None) -> tuple[str, str] | None:
    if _is_json(content_type):
        return json_nul_field(body)
    return form_nul_field(body) if _is_form(content_type) else None


class BodyLimitMiddleware:
    """Refuse request bodies over a size limit, JSON bodies nested too deep, and U+0000 in the
    path, a query parameter or a JSON or form body.

    `limit_for` gives a request's size limit (intake lets batches be larger);
    `max_json_depth` 0 checks no depth.
    """

    def __init__(
        self, app: ASGIApp, *, limit_for: Callable[[Scope], int], max_json_depth: int = 0
    ) -> None:
        self.app = app
        self.limit_for = limit_for
        self.max_json_depth = max_json_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        depth = self.max_json_depth
        query_string = scope.get("query_string", b"")
        deep = deep_parameter(query_string, depth) if depth else None
        if deep is not None:
            await self._refuse(scope, receive, send, body_too_deep(depth, deep))
            return
        nul = ("(path)", NUL_REFUSED) if NUL in scope["path"] else form_nul_field(query_string)
        if nul is not None:
            await self._refuse(scope, receive, send, holds_nul(*nul))
            return
        limit = self.limit_for(scope)
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, body_too_large(limit))
            return
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before its body was complete
            chunk: bytes = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                await self._refuse(scope, receive, send, body_too_large(limit))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        content_type = headers.get("content-type")
        if depth and body and _is_json(content_type) and nests_deeper_than(body, depth):
            await self._refuse(scope, receive, send, body_too_deep(depth))
            return
        nul = _nul_in_body(body, content_type) if body else None
        if nul is not None:
            await self._refuse(scope, receive, send, holds_nul(*nul))
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # a later wait for the client to disconnect
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, error: DomainError) -> None:
        response: JSONResponse = problem_response(error)
        await response(scope, receive, send)
