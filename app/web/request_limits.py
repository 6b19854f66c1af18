"""Limits on what a request may carry, checked before any route parses or stores it.

- Body size (RE-05): public forms take 64 kB, maintainer forms 1 MB (settings). A larger
  Content-Length, or a body that grows past the limit, is answered 413 before the body is
  kept anywhere: FastAPI would otherwise spool any multipart part, files included, to disk.
- Multipart (RE-05): no form of Polku takes files, so no route expects multipart bodies;
  they are refused with 415 before they are parsed.
- Body time (RE-06): a body that stops arriving for BODY_TIMEOUT_S is answered 408.
- NUL bytes and other control characters (PG-01, IM-03): PostgreSQL cannot store NUL in
  text, and no field of Polku means a control character. A NUL or a C0 control character
  (other than tab, line feed and carriage return) in the path, the query, a cookie or a
  form body is answered 400 in the reader's language, instead of a 500 from the database.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from urllib.parse import unquote_to_bytes

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import split_version

ErrorPage = Callable[[Request, Exception], Awaitable[Response]]
# C0 controls and DEL, except tab, line feed and carriage return (multi-line text).
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# In the path every control character is refused: none belongs in an address (IN-09).
_PATH_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def has_control_bytes(raw: bytes) -> bool:
    """Whether URL-encoded text (a query string, a form body) decodes to a control byte."""
    return bool(_CONTROL_BYTES.search(unquote_to_bytes(raw.replace(b"+", b" "))))


class RequestLimitsMiddleware:
    """413 for oversize bodies, 408 for stalled ones, 415 for multipart, 400 for control
    characters."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        error_page: ErrorPage,
        max_public_body_bytes: int,
        max_maintainer_body_bytes: int,
        body_timeout_s: float,
    ) -> None:
        self.app = app
        self.body_timeout_s = body_timeout_s
        self.error_page = error_page
        self.max_public = max_public_body_bytes
        self.max_maintainer = max_maintainer_body_bytes

    def _limit(self, path: str) -> int:
        canonical = split_version(path)[1]
        return self.max_maintainer if canonical.startswith("/admin") else self.max_public

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, status: int) -> None:
        response = await self.error_page(Request(scope, receive), HTTPException(status))
        response.headers["Connection"] = "close"  # the rest of the body is never read
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {name.lower(): value for name, value in scope["headers"]}
        if (
            _PATH_CONTROL.search(scope["path"])
            or has_control_bytes(scope.get("query_string", b""))
            or any(_CONTROL_BYTES.search(value) for value in headers.values())
            or has_control_bytes(headers.get(b"cookie", b""))
        ):
            await self._refuse(scope, receive, send, 400)
            return
        if scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type.startswith(b"multipart/"):
            await self._refuse(scope, receive, send, 415)
            return
        limit = self._limit(scope["path"])
        declared = headers.get(b"content-length", b"")
        if declared.strip().isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, 413)
            return
        body = bytearray()
        more = True
        while more:
            try:
                message = await asyncio.wait_for(receive(), self.body_timeout_s)
            except TimeoutError:  # a stalled upload holds no worker for long (RE-06)
                await self._refuse(scope, receive, send, 408)
                return
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > limit:
                await self._refuse(scope, receive, send, 413)
                return
        if content_type == b"application/x-www-form-urlencoded" and has_control_bytes(bytes(body)):
            await self._refuse(scope, receive, send, 400)
            return
        if content_type != b"application/x-www-form-urlencoded" and b"\x00" in body:
            await self._refuse(scope, receive, send, 400)
            return
        await self.app(scope, _replay(bytes(body), receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive channel that gives the app the body already read, then waits as before."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
