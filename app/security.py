"""Security headers for every response: one place, applied outside all other middleware."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import astuple, dataclass, replace

from itsdangerous import BadSignature, TimestampSigner, URLSafeSerializer
from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import split_version

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


PRIVATE_PATH_PREFIXES = ("/polku", "/api/v1/pathway")  # questionnaire answers live in the query


class StripPrivateQueryStrings(logging.Filter):
    """Removes the query string of questionnaire requests from uvicorn's access log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            path, _, _query = args[2].partition("?")
            if split_version(path)[1].startswith(PRIVATE_PATH_PREFIXES):
                record.args = (args[0], args[1], path, args[3], args[4])
        return True


def install_access_log_privacy_filter() -> None:
    """Attach the filter once to uvicorn's access logger."""
    access_logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, StripPrivateQueryStrings) for f in access_logger.filters):
        access_logger.addFilter(StripPrivateQueryStrings())


# --- Maintainer sessions and CSRF -------------------------------------------------------

SESSION_COOKIE = "polku_admin"
SESSION_IDLE_S = 30 * 60  # 30 minutes without a request ends the session
SESSION_ABSOLUTE_S = 8 * 60 * 60  # a working day at most, however active
FORM_MAX_AGE_S = 2 * 60 * 60


@dataclass(frozen=True)
class AdminSession:
    """What the signed session cookie carries."""

    user_id: int
    version: int
    started: int
    last_seen: int
    nonce: str


class SessionSigner:
    """Signs and checks session cookies and CSRF tokens with the site's secret key."""

    def __init__(self, secret_key: str) -> None:
        self._secret = secret_key.encode()
        self._sessions = URLSafeSerializer(secret_key, salt="polku-admin-session")
        self._forms = TimestampSigner(secret_key, salt="polku-public-form")

    def issue(self, user_id: int, version: int, now: int | None = None) -> str:
        """A new session cookie value."""
        now = now or int(time.time())
        return self._dump(AdminSession(user_id, version, now, now, secrets.token_urlsafe(16)))

    def _dump(self, session: AdminSession) -> str:
        return str(self._sessions.dumps(list(astuple(session))))

    def read(self, value: str | None, now: int | None = None) -> AdminSession | None:
        """The session, or None when the cookie is missing, forged, idle or too old."""
        if not value:
            return None
        try:
            session = AdminSession(*self._sessions.loads(value))
        except (BadSignature, TypeError, ValueError):
            return None
        now = now or int(time.time())
        if now - session.started > SESSION_ABSOLUTE_S or now - session.last_seen > SESSION_IDLE_S:
            return None
        return session

    def refreshed(self, session: AdminSession, now: int | None = None) -> str:
        """The same session with the idle timer restarted."""
        return self._dump(replace(session, last_seen=now or int(time.time())))

    def csrf_token(self, session: AdminSession) -> str:
        """The token every state-changing form of this session must carry."""
        return hmac.new(self._secret, f"csrf:{session.nonce}".encode(), hashlib.sha256).hexdigest()

    def csrf_valid(self, session: AdminSession, token: str) -> bool:
        """Constant-time check of a submitted CSRF token."""
        return hmac.compare_digest(self.csrf_token(session), token or "")

    def form_token(self) -> str:
        """A signed, dated token for forms used without a session (sign-in, public reports)."""
        return self._forms.sign(secrets.token_urlsafe(8)).decode()

    def form_token_valid(self, token: str) -> bool:
        """True for a token this site issued in the last two hours."""
        try:
            self._forms.unsign(token or "", max_age=FORM_MAX_AGE_S)
        except BadSignature:
            return False
        return True


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
