"""A local SMS gateway in the shape of Alibaba Cloud's SendSms, for tests.

It listens on 127.0.0.1 (a free port), checks every request the way the real gateway
does — the account's key, the HMAC-SHA1 signature over the canonical query (computed here
byte by byte, independently of ``services.notify.sms``), a fresh nonce, a recent
timestamp, the registered signature name and template — and then answers each number as
its script says: ``answers={"13900000001": ["isv.MOBILE_NUMBER_ILLEGAL"], "13900000002":
["isv.BUSINESS_LIMIT_CONTROL", "OK"]}`` refuses the first for good and throttles the
second once; a number without a script is sent ("OK"), and the last answer of a script
repeats. An answer that is an int is a bare HTTP status with no JSON (a broken proxy).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
REQUIRED = ("AccessKeyId", "Action", "Format", "PhoneNumbers", "SignName", "SignatureMethod",
            "SignatureNonce", "SignatureVersion", "TemplateCode", "TemplateParam", "Timestamp",
            "Version", "Signature")
# what the gateway says, and with which HTTP status, when the request itself is wrong
STATUS = {"MissingParameter": 400, "InvalidAccessKeyId.NotFound": 404,
          "SignatureDoesNotMatch": 400, "SignatureNonceUsed": 400,
          "InvalidTimeStamp.Expired": 400}


def escape(text: str) -> str:
    return "".join(chr(b) if b in UNRESERVED else f"%{b:02X}" for b in text.encode("utf-8"))


def expected_signature(secret: str, method: str, params: dict[str, str]) -> str:
    query = "&".join(escape(k) + "=" + escape(v) for k, v in sorted(params.items()))
    message = "&".join([method, escape("/"), escape(query)])
    mac = hmac.new((secret + "&").encode("utf-8"), message.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


class FakeSmsGateway:
    """``with FakeSmsGateway(...) as gateway:`` serves at ``gateway.url``; ``gateway.sent``
    holds each message it accepted ``{phone, sign_name, template_code, params}``,
    ``gateway.answered`` each ``(phone or None, code or HTTP status)`` in order."""

    def __init__(self, access_key_id="test-key-id", access_key_secret="test-key-secret",
                 sign_name="汉滨人大", template_code="SMS_900001", param="content",
                 answers=None, max_chars=500):
        self.access_key_id, self.secret = access_key_id, access_key_secret
        self.sign_name, self.template_code, self.param = sign_name, template_code, param
        self.answers = {phone: list(script) for phone, script in (answers or {}).items()}
        self.max_chars = max_chars
        self.sent, self.answered, self.nonces = [], [], set()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}/"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def settings(self, **changes):
        """NOTIFY settings that point the SMS channel at this gateway."""
        return {"sms_gateway_url": self.url, "sms_access_key_id": self.access_key_id,
                "sms_access_key_secret": self.secret, "sms_sign_name": self.sign_name,
                "sms_template_code": self.template_code, "sms_template_param": self.param,
                "sms_template_chars": 0, "sms_max_parts": 3, "sms_timeout": 2, **changes}

    def tries(self, phone):
        return [answer for number, answer in self.answered if number == phone]

    # the gateway ---------------------------------------------------------------
    def answer(self, method, params):
        """(HTTP status, the code answered or None for a bare status, the number) for one
        request's parameters."""
        problem = self.check(method, params)
        if problem:
            return STATUS.get(problem, 200), problem, None
        phone = params["PhoneNumbers"]
        with self.lock:
            script = self.answers.get(phone) or ["OK"]
            code = script.pop(0) if len(script) > 1 else script[0]
        if isinstance(code, int):
            return code, None, phone
        if code == "OK":
            with self.lock:
                self.sent.append({"phone": phone, "sign_name": params["SignName"],
                                  "template_code": params["TemplateCode"],
                                  "params": json.loads(params["TemplateParam"])})
        return 200, code, phone

    def check(self, method, params):
        """The code of what is wrong with a request, or None."""
        if any(name not in params for name in REQUIRED):
            return "MissingParameter"
        if params["AccessKeyId"] != self.access_key_id:
            return "InvalidAccessKeyId.NotFound"
        unsigned = {k: v for k, v in params.items() if k != "Signature"}
        if not hmac.compare_digest(params["Signature"],
                                   expected_signature(self.secret, method, unsigned)):
            return "SignatureDoesNotMatch"
        with self.lock:
            if params["SignatureNonce"] in self.nonces:
                return "SignatureNonceUsed"
            self.nonces.add(params["SignatureNonce"])
        sent_at = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ")
        if abs(datetime.now(timezone.utc) - sent_at.replace(tzinfo=timezone.utc)) > \
                timedelta(minutes=15):
            return "InvalidTimeStamp.Expired"
        if (params["Action"], params["Version"], params["SignatureMethod"]) != \
                ("SendSms", "2017-05-25", "HMAC-SHA1"):
            return "InvalidParameter"
        if params["SignName"] != self.sign_name:
            return "isv.SMS_SIGNATURE_ILLEGAL"
        if params["TemplateCode"] != self.template_code:
            return "isv.SMS_TEMPLATE_ILLEGAL"
        values = json.loads(params["TemplateParam"])
        if set(values) != {self.param}:
            return "isv.TEMPLATE_MISSING_PARAMETERS"
        if len(values[self.param]) > self.max_chars:
            return "isv.PARAM_LENGTH_LIMIT"
        return None

    def _handler(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                size = int(self.headers.get("Content-Length") or 0)
                self.reply("POST", self.rfile.read(size).decode("ascii"))

            def do_GET(self):
                self.reply("GET", urlsplit(self.path).query)

            def reply(self, method, query):
                params = dict(parse_qsl(query, keep_blank_values=True))
                status, code, phone = gateway.answer(method, params)
                with gateway.lock:
                    gateway.answered.append((phone, code or status))
                body = b"" if code is None else json.dumps(
                    {"Code": code, "Message": code, "RequestId": str(uuid.uuid4()),
                     **({"BizId": uuid.uuid4().hex} if code == "OK" else {})}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if body else "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler
