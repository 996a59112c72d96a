"""Delivery channels. Each takes an address, a subject and a body, and raises on failure:
``Refused`` when the far end said no, with whether trying again can help."""
import json
import os
import smtplib
import uuid
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

import requests

from services.notify import sms


class Refused(Exception):
    """The far end refused the message. Recorded as its message (which never holds the
    address); ``retry`` is False when sending it again would be refused again."""

    def __init__(self, message, retry):
        super().__init__(message)
        self.retry = retry


class LogChannel:
    """Appends each message to a file (the default sink): recipient ids, never contacts.

    Each line is one ``write`` to a file opened for appending, so the lines of processes
    sharing the file never interleave, and a file moved away (rotated) is made again."""

    def __init__(self, path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def send(self, address, subject, body, meta):
        line = json.dumps({"at": datetime.now(timezone.utc).isoformat(), **meta, "body": body},
                          ensure_ascii=False)
        handle = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(handle, (line + "\n").encode("utf-8"))
        finally:
            os.close(handle)


class SmtpChannel:
    def __init__(self, host, port, sender, timeout=10):
        self.host, self.port, self.sender, self.timeout = host, int(port), sender, timeout

    def send(self, address, subject, body, meta):
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, address, subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)


class WebhookChannel:
    def __init__(self, timeout=5):
        self.timeout = float(timeout)

    def send(self, address, subject, body, meta):
        response = requests.post(address, json={**meta, "subject": subject, "body": body},
                                 timeout=self.timeout)
        response.raise_for_status()


class SmsChannel:
    """Text messages (短信) through an HTTP gateway in the shape of Alibaba Cloud's SendSms:
    one signed POST a message, the text carried by the registered template's one parameter."""

    def __init__(self, url, access_key_id, access_key_secret, sign_name, template_code, *,
                 template_param="content", template_chars=0, max_parts=3, timeout=5):
        self.url, self.timeout = url, float(timeout)
        self.access_key_id, self._secret = access_key_id, access_key_secret
        self.sign_name, self.template_code = sign_name, template_code
        self.template_param, self.template_chars = template_param, int(template_chars)
        self.max_parts = int(max_parts)

    def __repr__(self):                     # never the secret
        return f"SmsChannel({self.url!r}, access_key_id={self.access_key_id!r})"

    def send(self, address, subject, body, meta):
        number = sms.mobile_number(address)
        if number is None:
            raise Refused("sms refused: not a mobile number", retry=False)
        params = sms.request(
            access_key_id=self.access_key_id, sign_name=self.sign_name,
            template_code=self.template_code, param=self.template_param, number=number,
            content=sms.text(body, self.sign_name, self.max_parts, self.template_chars),
            nonce=uuid.uuid4().hex,
            timestamp=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
        # POST: the number travels in the body, never in a URL a proxy might log
        response = requests.post(
            self.url, data=sms.signed_body(self._secret, "POST", params).encode(),
            timeout=self.timeout, headers={"Content-Type": "application/x-www-form-urlencoded",
                                           "Accept": "application/json"})
        try:
            code = sms.answer_code(response.json())
        except ValueError:
            code = None
        if code == "OK":
            return
        raise Refused(f"sms refused: {code}" if code else
                      f"sms gateway answered HTTP {response.status_code} without a code",
                      retry=sms.retryable(code, response.status_code))


# the SMS settings an operator must give with SMS_GATEWAY_URL, by their variable
SMS_REQUIRED = {"sms_access_key_id": "SMS_ACCESS_KEY_ID",
                "sms_access_key_secret": "SMS_ACCESS_KEY_SECRET",
                "sms_sign_name": "SMS_SIGN_NAME", "sms_template_code": "SMS_TEMPLATE_CODE"}


def sms_from_config(notify_config):
    """The SMS channel, or None while ``SMS_GATEWAY_URL`` is empty. A ValueError names a
    missing or impossible setting (by its variable; never a value)."""
    if not notify_config.get("sms_gateway_url"):
        return None
    missing = [name for key, name in SMS_REQUIRED.items() if not notify_config.get(key)]
    if missing:
        raise ValueError(f"SMS_GATEWAY_URL is set but {', '.join(missing)} "
                         f"{'is' if len(missing) == 1 else 'are'} empty")
    def setting(key, default):              # an empty variable leaves the default
        value = notify_config.get(key)
        return default if value is None or value == "" else value

    channel = SmsChannel(
        str(notify_config["sms_gateway_url"]), str(notify_config["sms_access_key_id"]),
        str(notify_config["sms_access_key_secret"]), str(notify_config["sms_sign_name"]),
        str(notify_config["sms_template_code"]),
        template_param=str(setting("sms_template_param", "content")),
        template_chars=setting("sms_template_chars", 0),
        max_parts=setting("sms_max_parts", 3), timeout=setting("sms_timeout", 5))
    if channel.max_parts < 1 or sms.room(channel.sign_name, channel.max_parts,
                                         channel.template_chars) < 1:
        raise ValueError(f"SMS_MAX_PARTS {channel.max_parts} leaves no room for a message "
                         f"after the signature and SMS_TEMPLATE_CHARS {channel.template_chars}")
    return channel


def from_config(notify_config):
    """Every channel the configuration makes: log, smtp and webhook always, sms with a gateway."""
    channels = {
        "log": LogChannel(notify_config["log_file"]),
        "smtp": SmtpChannel(notify_config["smtp_host"], notify_config["smtp_port"],
                            notify_config["smtp_sender"]),
        "webhook": WebhookChannel(notify_config.get("webhook_timeout", 5)),
    }
    text_messages = sms_from_config(notify_config)
    if text_messages is not None:
        channels["sms"] = text_messages
    return channels
