"""Requests signed with a shared secret (HMAC-SHA256), as Lianxin and a partner system
(the 321 grid system) sign what they send each other.

The signature covers the time, a nonce (random, new for every request, a retry
included), the method, the path with its query and a digest of the body, so that
neither the body nor the target can be changed, and a request cannot be sent again: one
older than ``max_skew`` seconds (by the wall clock of both sides; the test clock of a
development system does not move it) is refused, and so is a signature the receiver has
seen before. docs/integrations.md has a worked example.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from lianxin.errors import Unauthenticated

TIMESTAMP = "X-Lianxin-Timestamp"
NONCE = "X-Lianxin-Nonce"
SIGNATURE = "X-Lianxin-Signature"


def string_to_sign(timestamp: str, nonce: str, method: str, path: str, body: bytes) -> str:
    """What is signed: timestamp, nonce, METHOD, /path?query and the body's SHA-256 in
    hex, one to a line."""
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join((timestamp, nonce, method.upper(), path, digest))


def signature(secret: str, timestamp: str, nonce: str, method: str, path: str,
              body: bytes) -> str:
    message = string_to_sign(timestamp, nonce, method, path, body).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def headers(secret: str, method: str, path: str, body: bytes = b"",
            now: float | None = None, nonce: str | None = None) -> dict[str, str]:
    """The headers that sign a request to ``path`` (with its query) carrying ``body``."""
    timestamp = str(int(time.time() if now is None else now))
    nonce = nonce or secrets.token_hex(16)
    return {TIMESTAMP: timestamp, NONCE: nonce,
            SIGNATURE: signature(secret, timestamp, nonce, method, path, body)}


def check(secret: str, given: dict[str, str], method: str, path: str, body: bytes,
          max_skew: float, now: float | None = None) -> str:
    """The request's signature if it is signed with ``secret`` and fresh, else
    ``Unauthenticated`` saying which header is wrong."""
    timestamp, nonce, sent = (given.get(name, "") for name in (TIMESTAMP, NONCE, SIGNATURE))
    missing = [name for name, value in ((TIMESTAMP, timestamp), (NONCE, nonce),
                                        (SIGNATURE, sent)) if not value]
    if missing:
        raise Unauthenticated("the request is not signed", {name: ["missing"] for name in missing})
    try:
        age = (time.time() if now is None else now) - int(timestamp)
    except ValueError:
        raise Unauthenticated("the timestamp is not a number of seconds",
                              {TIMESTAMP: ["not a Unix time in seconds"]}) from None
    if abs(age) > max_skew:
        raise Unauthenticated(f"the request is {int(abs(age))} s old (at most {int(max_skew)})",
                              {TIMESTAMP: ["too old or too far ahead: sign it again"]})
    if not hmac.compare_digest(signature(secret, timestamp, nonce, method, path, body),
                               sent.lower()):
        raise Unauthenticated("the signature does not match the request",
                              {SIGNATURE: ["does not match: check the secret and what is signed"]})
    return sent.lower()
