"""Passwords, signed cookies and CSRF tokens.

Passwords are hashed with Argon2id (argon2-cffi's defaults). A cookie carries a random
token signed with the console's secret; the database keeps only the token's SHA-256,
so that a copy of it opens no session. A form's CSRF token is an HMAC of the token
the browser's cookie carries (the session's, or before login the visitor's), so
that a page of another site cannot make one.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeSerializer

SAMPLE_SECRET = "console-sample-secret"
_hasher = PasswordHasher()
# checked against when the username is unknown, so that the answer takes as long
_NOBODY = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(stored: str | None, password: str) -> bool:
    """Whether ``password`` is the one ``stored`` was hashed from (an unknown user's
    None is checked against a hash of nothing, and fails)."""
    try:
        return _hasher.verify(stored or _NOBODY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A random token for a session or a visitor (256 bits)."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What the database keeps of a session's token."""
    return hashlib.sha256(token.encode()).hexdigest()


class Signer:
    """Signs the tokens cookies carry, and CSRF tokens, with the console's secret."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("CONSOLE_SECRET is empty: set a long random value")
        self._secret = secret.encode()
        self._cookies = URLSafeSerializer(secret, salt="lianxin-console-cookie")

    def sign(self, token: str) -> str:
        return str(self._cookies.dumps(token))

    def unsign(self, value: str | None) -> str | None:
        """The token a cookie carries, or None when it is missing or not ours."""
        if not value:
            return None
        try:
            token = self._cookies.loads(value)
        except BadSignature:
            return None
        return token if isinstance(token, str) else None

    def csrf(self, binding: str) -> str:
        """The CSRF token of forms shown to the browser whose cookie carries ``binding``."""
        return hmac.new(self._secret, b"csrf:" + binding.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, binding: str | None, token: str | None) -> bool:
        return bool(binding and token) and hmac.compare_digest(
            self.csrf(binding or ""), token or "")


def check_secret(secret: str, environment: str) -> None:
    """The public sample secret (or none) is refused in production, like the test clock."""
    if environment == "production" and secret in ("", SAMPLE_SECRET):
        raise ValueError("CONSOLE_SECRET is the public sample (or empty) and ENVIRONMENT is "
                         "production: set CONSOLE_SECRET to a long random value")
