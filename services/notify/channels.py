"""Delivery channels. Each takes an address, a subject and a body, and raises on failure."""
import json
import smtplib
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

import requests


class LogChannel:
    """Appends each message to a file (the default sink): recipient ids, never contacts."""

    def __init__(self, path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def send(self, address, subject, body, meta):
        line = json.dumps({"at": datetime.now(timezone.utc).isoformat(), **meta, "body": body},
                          ensure_ascii=False)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


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


def from_config(notify_config):
    return {
        "log": LogChannel(notify_config["log_file"]),
        "smtp": SmtpChannel(notify_config["smtp_host"], notify_config["smtp_port"],
                            notify_config["smtp_sender"]),
        "webhook": WebhookChannel(notify_config.get("webhook_timeout", 5)),
    }
