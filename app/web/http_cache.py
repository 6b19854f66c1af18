"""Conditional GET for public pages and the API: weak ETags and 304 Not Modified.

Runs inside the gzip middleware, so the ETag is computed on the uncompressed body and is
the same for the compressed and the plain response (hence weak). Pages are sent with
`Cache-Control: no-cache` unless a route chose its own: browsers keep them but ask every
time, and an unchanged page costs a 304 without a body. Maintainer pages, responses that
set cookies or say `no-store` (the questionnaire), and streamed responses are left alone.
"""

from __future__ import annotations

import hashlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import split_version

EXCLUDED_PREFIXES = ("/admin", "/static")  # static files carry their own ETags
TAGGED_MEDIA_TYPES = ("text/html", "application/json")
DEFAULT_CACHE_CONTROL = "no-cache"
# headers a 304 repeats (RFC 9110 § 15.4.5); the body's own headers are dropped
NOT_MODIFIED_HEADERS = frozenset(
    {"cache-control", "content-location", "date", "etag", "expires", "vary", "last-modified"}
)


def weak_etag(body: bytes) -> str:
    """A weak validator from the body's hash."""
    return f'W/"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison of an If-None-Match list with an ETag."""
    if if_none_match.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(
        candidate.strip().removeprefix("W/") == opaque for candidate in if_none_match.split(",")
    )


def _taggable(headers: Headers) -> bool:
    media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
    json_like = media_type in TAGGED_MEDIA_TYPES or media_type.endswith("+json")
    cache_control = headers.get("cache-control", "").lower()
    return (
        json_like
        and "etag" not in headers
        and "set-cookie" not in headers
        and "no-store" not in cache_control
    )


class ConditionalGetMiddleware:
    """Adds weak ETags to complete 200 GET responses and answers If-None-Match with 304."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"  # HEAD bodies are empty: nothing to hash
            or split_version(scope["path"])[1].startswith(EXCLUDED_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        if_none_match = Headers(scope=scope).get("if-none-match")
        start: Message | None = None
        passing_through = False

        async def send_tagged(message: Message) -> None:
            nonlocal start, passing_through
            if passing_through:
                await send(message)
            elif message["type"] == "http.response.start":
                if message["status"] == 200 and _taggable(Headers(raw=message["headers"])):
                    start = message  # held until the body shows whether it is complete
                else:
                    passing_through = True
                    await send(message)
            elif start is not None and message["type"] == "http.response.body":
                held, start = start, None
                passing_through = True
                if message.get("more_body", False):  # streamed: leave it alone
                    await send(held)
                    await send(message)
                    return
                etag = weak_etag(message.get("body", b""))
                headers = MutableHeaders(scope=held)
                headers["ETag"] = etag
                headers.setdefault("Cache-Control", DEFAULT_CACHE_CONTROL)
                if if_none_match is not None and etag_matches(if_none_match, etag):
                    await send(_not_modified(headers))
                    await send({"type": "http.response.body", "body": b""})
                    return
                await send(held)
                await send(message)
            elif start is not None:  # no body message (e.g. pathsend): nothing to hash
                held, start = start, None
                passing_through = True
                await send(held)
                await send(message)
            else:
                await send(message)

        await self.app(scope, receive, send_tagged)


def _not_modified(headers: MutableHeaders) -> Message:
    kept = MutableHeaders()
    for name, value in headers.raw:
        if name.decode("latin-1") in NOT_MODIFIED_HEADERS:
            kept.append(name.decode("latin-1"), value.decode("latin-1"))
    # gzip only marks bodies it could compress; the 304 says it for the full response
    if "accept-encoding" not in kept.get("vary", "").lower():
        kept.add_vary_header("Accept-Encoding")
    return {"type": "http.response.start", "status": 304, "headers": kept.raw}
