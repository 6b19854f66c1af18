"""Maintainer sessions, CSRF tokens and signed anonymous form tokens."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import astuple, dataclass, replace

from itsdangerous import BadSignature, TimestampSigner, URLSafeSerializer

SESSION_COOKIE = "polku_admin"
# A random pre-session value the sign-in form's token is bound to (CS-04): another
# client's token is worthless without this browser's cookie.
SIGN_IN_COOKIE = "polku_sign_in"
_BINDING = re.compile(r"[A-Za-z0-9_-]{24}")  # secrets.token_urlsafe(18)
SESSION_IDLE_S = 30 * 60  # 30 minutes without a request ends the session
SESSION_ABSOLUTE_S = 8 * 60 * 60  # a working day at most, however active
FORM_MAX_AGE_S = 2 * 60 * 60
SIGN_IN_FORM_MAX_AGE_S = 15 * 60  # a sign-in form token is short-lived (CS-04)


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
        self._sign_ins = TimestampSigner(secret_key, salt="polku-sign-in-form")

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
        """A signed, dated token for forms used without a session (sign-in, public submissions)."""
        return self._forms.sign(secrets.token_urlsafe(8)).decode()

    def form_token_valid(self, token: str) -> bool:
        """True for a token this site issued in the last two hours."""
        try:
            self._forms.unsign(token or "", max_age=FORM_MAX_AGE_S)
        except BadSignature:
            return False
        return True

    @staticmethod
    def new_sign_in_binding() -> str:
        """A fresh value for the pre-session cookie of the sign-in form."""
        return secrets.token_urlsafe(18)

    @staticmethod
    def sign_in_binding_ok(value: str | None) -> bool:
        """Whether a cookie's value looks like one `new_sign_in_binding` made."""
        return value is not None and _BINDING.fullmatch(value) is not None

    def _bound(self, binding: str) -> str:
        return hmac.new(self._secret, f"sign-in:{binding}".encode(), hashlib.sha256).hexdigest()

    def sign_in_token(self, binding: str) -> str:
        """A signed, dated token for the sign-in form, bound to the browser's pre-session
        cookie `binding` and valid for 15 minutes (CS-04); a public form's token is not one."""
        return self._sign_ins.sign(self._bound(binding)).decode()

    def sign_in_token_valid(self, token: str, binding: str | None) -> bool:
        """True for a sign-in token this site issued in the last 15 minutes for the same
        pre-session cookie."""
        if not self.sign_in_binding_ok(binding):
            return False
        try:
            value = self._sign_ins.unsign(token or "", max_age=SIGN_IN_FORM_MAX_AGE_S)
        except BadSignature:
            return False
        return hmac.compare_digest(value, self._bound(str(binding)).encode())
