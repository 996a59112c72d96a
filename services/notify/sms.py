"""Text messages (短信): the rules of a cloud SMS gateway in the shape of Alibaba Cloud's
SendSms (dysmsapi, RPC style), as pure functions. What a number must look like, how long a
message may be, how a request is signed, and which refusals are worth trying again.
``channels.SmsChannel`` sends with them (docs/configuration.md, "SMS")."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from urllib.parse import quote

SINGLE = 70       # characters (UCS-2) of one SMS, its signature 【…】 included
PART = 67         # characters of each part of a long (concatenated) SMS
ELLIPSIS = "…"
API = {"Action": "SendSms", "Version": "2017-05-25", "RegionId": "cn-hangzhou", "Format": "JSON",
       "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0"}

# Refusals that another try can cure: rate limits and the gateway's own trouble. Any other
# refusal the gateway names (a bad number, template or signature, an empty balance, a daily
# limit) is given again to the same request, so it ends the message.
RETRY_CODES = frozenset({
    "isv.BUSINESS_LIMIT_CONTROL",     # per-number flow control (minute / hour)
    "Throttling", "Throttling.User", "Throttling.Api",
    "ServiceUnavailable", "InternalError", "isp.SYSTEM_ERROR", "isp.GATEWAY_ERROR",
    "SignatureNonceUsed",             # each try is signed with a fresh nonce
})

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_PREFIX = re.compile(r"^(?:\+86|0086|86)(?=1[0-9]{10}$)")


def mobile_number(phone: str | None) -> str | None:
    """The 11 digits a mainland mobile number is sent to, or None for anything else (a
    landline, a number abroad, nothing): spaces and dashes dropped, +86 / 0086 / 86 too."""
    digits = _PREFIX.sub("", re.sub(r"[\s\-]", "", phone or ""))
    return digits if _MOBILE.fullmatch(digits) else None


def length(text: str) -> int:
    """Characters as an SMS counts them: UCS-2 units (a character beyond the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2


def parts(text: str, sign_name: str, template_chars: int = 0) -> int:
    """How many SMS the handset receives for ``text`` under the signature 【sign_name】 and a
    template adding ``template_chars`` characters around it: one up to 70, else 67 a part."""
    total = length(text) + length(sign_name) + 2 + template_chars
    return 1 if total <= SINGLE else -(-total // PART)


def room(sign_name: str, max_parts: int, template_chars: int = 0) -> int:
    """Characters of a message that fit in ``max_parts`` SMS with that signature and template."""
    limit = SINGLE if max_parts == 1 else PART * max_parts
    return limit - length(sign_name) - 2 - template_chars


def text(body: str, sign_name: str, max_parts: int, template_chars: int = 0) -> str:
    """What is sent for ``body``: as it is when it fits in ``max_parts`` SMS (one long message
    the gateway splits), else cut to fit and ending in "…". A 【 or 】 in the body becomes [ or ],
    since handsets and carriers read 【…】 as the sender's signature."""
    body = body.replace("【", "[").replace("】", "]")
    fits = room(sign_name, max_parts, template_chars)
    if length(body) <= fits:
        return body
    kept, used = [], length(ELLIPSIS)
    for char in body:
        used += length(char)
        if used > fits:
            break
        kept.append(char)
    return "".join(kept).rstrip() + ELLIPSIS


def retryable(code: str | None, status: int | None) -> bool:
    """Whether sending again can help after the gateway answered ``code`` with HTTP ``status``
    (both None when it did not answer at all: a timeout or a refused connection)."""
    if status is None or status >= 500 or status == 429:
        return True
    return bool(code) and (code in RETRY_CODES or str(code).startswith("Throttling"))


def percent_encode(value: str) -> str:
    """RFC 3986 as Alibaba signs: only A-Z a-z 0-9 - _ . ~ stay as they are; UTF-8 otherwise."""
    return quote(value, safe="")


def canonical_query(params: Mapping[str, str]) -> str:
    """The parameters sorted by name, each name and value percent-encoded, joined by &."""
    return "&".join(f"{percent_encode(k)}={percent_encode(params[k])}" for k in sorted(params))


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"


def signature(secret: str, method: str, params: Mapping[str, str]) -> str:
    """Base64 of HMAC-SHA1 keyed with the secret and "&" over the string to sign."""
    digest = hmac.new(f"{secret}&".encode(), string_to_sign(method, params).encode(),
                      hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def request(*, access_key_id: str, sign_name: str, template_code: str, param: str,
            number: str, content: str, nonce: str, timestamp: str) -> dict[str, str]:
    """The SendSms parameters, unsigned, of one message to one number."""
    return {**API, "AccessKeyId": access_key_id, "PhoneNumbers": number, "SignName": sign_name,
            "TemplateCode": template_code, "SignatureNonce": nonce, "Timestamp": timestamp,
            "TemplateParam": json.dumps({param: content}, ensure_ascii=False)}


def signed_body(secret: str, method: str, params: Mapping[str, str]) -> str:
    """The form body (or query) of a signed request."""
    return canonical_query({**params, "Signature": signature(secret, method, params)})


def answer_code(payload: object) -> str | None:
    """The gateway's ``Code`` in its JSON answer ("OK" when sent), or None if it gave none."""
    code = payload.get("Code") if isinstance(payload, dict) else None
    return str(code) if code else None
