"""The voter's lookup cannot be used to guess receipts, and cookies can be kept to HTTPS."""
from dataclasses import replace
from datetime import timedelta

from tests.support.console import Browser, make_console

RECEIPT = {"tracking_no": "HB202611000001", "access_code": "K7Q2M9"}


def test_too_many_receipts_not_found_from_one_address_wait_without_calling_intake(
        tmp_path, services, clock):
    browser = Browser(make_console(tmp_path, services, clock))
    browser.get("/track")
    for n in range(10):
        assert browser.post("/track", {**RECEIPT, "access_code": f"WRONG{n}"}).status_code == 404
    calls = len(services.calls)
    refused = browser.post("/track", RECEIPT)
    assert refused.status_code == 429 and "十五分钟后再试" in refused.get_data(as_text=True)
    assert browser.post("/track/feedback", {**RECEIPT, "rating": "satisfied"}).status_code == 429
    assert len(services.calls) == calls
    elsewhere = {"environ_overrides": {"REMOTE_ADDR": "10.0.0.9"}}
    other = Browser(browser.client.application)
    other.get("/track", **elsewhere)
    assert other.post("/track", RECEIPT, **elsewhere).status_code == 404   # another may look
    clock.now += timedelta(minutes=16)
    assert browser.post("/track", RECEIPT).status_code == 404    # and this one, later


def test_cookies_are_secure_only_when_the_console_is_served_over_https(tmp_path, services,
                                                                       clock):
    console = make_console(tmp_path, services, clock)
    assert "Secure" not in Browser(console).get("/track").headers["Set-Cookie"]
    console.settings = replace(console.settings, secure_cookies=True)
    assert "; Secure" in Browser(console).get("/track").headers["Set-Cookie"]
