"""The site's own ASGI middleware: reading version, security headers, gzip policy."""

from __future__ import annotations

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
