"""The site's own ASGI middleware: reading version, security headers, gzip policy."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import set_current_version, split_version


class LocaleMiddleware:
    """Strips the version prefix from the path and remembers the version for the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        version, canonical_path = split_version(scope["path"])
        set_current_version(version)
        scope = dict(scope)
        scope["path"] = canonical_path
        scope["raw_path"] = canonical_path.encode("utf-8")
        scope.setdefault("state", {})["version"] = version
        await self.app(scope, receive, send)


class TrailingSlashRedirect:
    """A path with a trailing slash (`/en/services/`) is sent, permanently, to the same
    address without it, in its own reading version and with its query.

    Starlette's own redirect ran after the version prefix was stripped, so it lost the
    reader's language (`/en/services/` went to the Finnish `/palvelut`), and it wrote the
    request's Host header into the address. This one gives a path only: the browser stays on
    the host it asked. A path starting `//` or `/\\` is left alone, as the address it
    would give names another host.
    """

    def __init__(self, app: ASGIApp, routes_with_slash: Iterable[str] = ()) -> None:
        self.app = app
        self.routes_with_slash = frozenset(routes_with_slash)  # theirs: no redirect

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.routes_with_slash:
            await self.app(scope, receive, send)
            return
        raw_path: bytes = scope.get("raw_path") or quote(scope["path"]).encode("ascii")
        if not raw_path.endswith(b"/") or raw_path[1:2] in (b"", b"/", b"\\"):
            await self.app(scope, receive, send)
            return
        location = raw_path.rstrip(b"/")
        if scope.get("query_string"):
            location += b"?" + scope["query_string"]
        await send(
            {
                "type": "http.response.start",
                "status": 308,  # permanent, and a form's POST stays a POST
                "headers": [(b"location", location), (b"content-length", b"0")],
            }
        )
        await send({"type": "http.response.body", "body": b""})


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)
HSTS_MAX_AGE_S = 63_072_000  # 2 years

BASELINE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeadersMiddleware:
    """Adds the baseline headers, and HSTS when the request came over HTTPS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in BASELINE_HEADERS.items():
                    headers.setdefault(name, value)
                if is_https:
                    headers.setdefault(
                        "Strict-Transport-Security", f"max-age={HSTS_MAX_AGE_S}; includeSubDomains"
                    )
            await send(message)

        await self.app(scope, receive, send_with_headers)


HEALTH_PATH = "/healthz"


class TrustedHostExceptHealth:
    """Starlette's Host check (other hosts get 400), except for the health check.

    Health probes ask a node by its address, never by the site's public name: Docker's
    HEALTHCHECK asks 127.0.0.1, Kubernetes the pod's address, a load balancer the node's.
    With TRUSTED_HOSTS set they would all get 400 and take every node out. The health report
    carries no links or other text that a forged Host header could change.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: list[str]) -> None:
        self.app = app
        self.checked = TrustedHostMiddleware(app, allowed_hosts=allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == HEALTH_PATH:
            await self.app(scope, receive, send)
        else:
            await self.checked(scope, receive, send)


class GZipExceptSecretPages:
    """gzip for text responses, except maintainer pages.

    Pages that carry a secret (the CSRF token) next to text an attacker can influence
    are left uncompressed, so that response sizes cannot leak the secret (BREACH).
    """

    def __init__(self, app: ASGIApp, minimum_size: int) -> None:
        self.app = app
        # Level 6, zlib's own default: Starlette's 9 takes almost twice as long on a search
        # page for 1 % fewer bytes.
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size, compresslevel=6)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and split_version(scope["path"])[1].startswith("/admin"):
            await self.app(scope, receive, send)
        else:
            await self.gzip(scope, receive, send)
