"""Text messages (短信): the gateway's rules as pure functions, the channel against a local
fake gateway that checks every signature (no broker), and the use cases that choose SMS
for voters, fall back when there is no mobile number, and end a message a gateway refused."""
import json
import logging
from urllib.parse import parse_qsl

import pytest
import requests
from sqlalchemy import select

from lianxin.errors import BadValue
from services.notify import app, channels, domain, sms
from services.notify.models import Base, NotificationRow
from services.notify.service import load_settings
from tests.support.broker import free_port
from tests.support.fake_sms import FakeSmsGateway
from tests.unit.conftest import NOW, VILLAGE_STATION, an_event

ISSUE = "3f2b8c1e-6a4d-4b7e-9c0f-2d1e5a6b7c8d"
MOBILE, REFUSED, THROTTLED, LANDLINE = "13900000000", "13900000001", "13900000002", "0915-3212345"

# Alibaba Cloud's documented RPC signature example (DescribeRegions) ...
DOCUMENTED = {"AccessKeyId": "testid", "Action": "DescribeRegions", "Format": "XML",
              "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
              "SignatureVersion": "1.0", "Timestamp": "2016-02-23T12:46:24Z", "Version": "2014-05-26"}
# ... and the SMS service's own SendSms example, with a Chinese sign name and JSON parameter
DOCUMENTED_SEND = {"AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
                   "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou",
                   "SignName": "阿里云短信测试专用", "SignatureMethod": "HMAC-SHA1",
                   "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466", "SignatureVersion": "1.0",
                   "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}',
                   "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25"}


# the signature --------------------------------------------------------------------
def test_the_string_to_sign_and_signature_are_alibabas_documented_example():
    assert sms.string_to_sign("GET", DOCUMENTED) == (
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML"
        "%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"
        "%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z"
        "%26Version%3D2014-05-26")
    assert sms.signature("testsecret", "GET", DOCUMENTED) == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_a_send_sms_request_signs_as_the_sms_service_documents():
    assert sms.signature("testSecret", "GET", DOCUMENTED_SEND) == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_percent_encoding_keeps_only_the_unreserved_characters():
    assert sms.percent_encode("a b*c~d-e_f.g+h/") == "a%20b%2Ac~d-e_f.g%2Bh%2F"
    assert sms.percent_encode("汉") == "%E6%B1%89"


def test_the_signed_body_carries_the_signature_of_everything_else():
    params = sms.request(access_key_id="id", sign_name="汉滨人大", template_code="SMS_1",
                         param="content", number=MOBILE, content="您好 {x}", nonce="n",
                         timestamp="2026-11-10T09:00:00Z")
    body = sms.signed_body("secret", "POST", params)
    sent = dict(parse_qsl(body, strict_parsing=True))
    assert sent.pop("Signature") == sms.signature("secret", "POST", params)
    assert sent == params and json.loads(sent["TemplateParam"]) == {"content": "您好 {x}"}
    assert "+" not in body and "TemplateParam=%7B%22content%22%3A%20%22%E6%82%A8" in body


# numbers, length, refusals ------------------------------------------------------------
@pytest.mark.parametrize("phone, number", [
    ("13900000000", "13900000000"), ("139-0000-0000", "13900000000"),
    ("+86 139 0000 0000", "13900000000"), ("008613900000000", "13900000000"),
    ("8613900000000", "13900000000"), ("0915-3212345", None), ("12900000000", None),
    ("1390000000", None), ("", None), (None, None)])
def test_only_a_mainland_mobile_number_is_sent_to(phone, number):
    assert sms.mobile_number(phone) == number


@pytest.mark.parametrize("characters, parts", [(1, 1), (64, 1), (65, 2), (128, 2), (129, 3)])
def test_one_sms_holds_70_characters_with_its_signature_and_a_long_one_67_a_part(characters, parts):
    # 【汉滨人大】 is six characters: 64 of text fill one SMS, 128 two parts of 67
    assert sms.parts("问" * characters, "汉滨人大") == parts


def test_a_character_beyond_the_bmp_counts_twice_and_the_template_counts_too():
    assert sms.length("问😀") == 3
    assert sms.parts("问" * 60, "汉滨人大", template_chars=4) == 1
    assert sms.parts("问" * 60, "汉滨人大", template_chars=5) == 2


def test_a_message_that_fits_is_sent_as_it_is_and_a_longer_one_is_cut_to_the_parts_allowed():
    assert sms.text("您反映的问题已受理。", "汉滨人大", max_parts=3) == "您反映的问题已受理。"
    assert sms.room("汉滨人大", 3) == 195 and sms.room("汉滨人大", 1) == 64
    long = "办" * 300
    for max_parts in (1, 2, 3):
        sent = sms.text(long, "汉滨人大", max_parts=max_parts)
        assert sent.endswith("…") and sms.length(sent) == sms.room("汉滨人大", max_parts)
        assert sms.parts(sent, "汉滨人大") == max_parts


def test_a_bracket_that_would_read_as_a_signature_is_not_sent():
    assert sms.text("【督办】问题已超期", "汉滨人大", 3) == "[督办]问题已超期"


@pytest.mark.parametrize("code, status, retry", [
    ("isv.BUSINESS_LIMIT_CONTROL", 200, True), ("Throttling.User", 400, True),
    ("isp.SYSTEM_ERROR", 200, True), ("ServiceUnavailable", 503, True),
    ("SignatureNonceUsed", 400, True), (None, 503, True), (None, 429, True), (None, None, True),
    ("isv.MOBILE_NUMBER_ILLEGAL", 200, False), ("isv.INVALID_PARAMETERS", 200, False),
    ("isv.AMOUNT_NOT_ENOUGH", 200, False), ("isv.DAY_LIMIT_CONTROL", 200, False),
    ("isv.SMS_TEMPLATE_ILLEGAL", 200, False), ("isv.SMS_SIGNATURE_ILLEGAL", 200, False),
    ("SignatureDoesNotMatch", 400, False), ("InvalidAccessKeyId.NotFound", 404, False),
    ("isv.SOMETHING_NEW", 200, False), ("isv.SOMETHING_NEW", 500, True),
    (None, 404, False), (None, 200, False)])
def test_only_refusals_another_try_can_cure_are_retried(code, status, retry):
    assert sms.retryable(code, status) is retry


def test_sms_reaches_a_recipient_only_through_a_mobile_number():
    assert domain.address("sms", {"phone": "139 0000 0000"}) == MOBILE
    assert domain.address("sms", {"phone": LANDLINE}) is None
    assert domain.address("sms", {"email": "v@example.org"}) is None
    assert domain.address("smtp", {"email": "v@example.org"}) == "v@example.org"


# configuration ------------------------------------------------------------------------
def notify_config(**changes):
    return {"default_channel": "log", "log_file": "var/unused.log", "max_attempts": 3,
            "smtp_host": "localhost", "smtp_port": 25, "smtp_sender": "lianxin@localhost",
            **changes}


def test_without_a_gateway_url_there_is_no_sms_channel_and_log_stays_the_default():
    assert "sms" not in channels.from_config(notify_config(sms_gateway_url=""))
    assert "sms" not in channels.from_config(notify_config())


def test_a_gateway_without_its_key_sign_name_or_template_stops_the_service_naming_them():
    with pytest.raises(ValueError) as stopped:
        channels.from_config(notify_config(sms_gateway_url="https://dysmsapi.aliyuncs.com/",
                                           sms_access_key_id="LTAI-id",
                                           sms_access_key_secret="s3cret"))
    assert str(stopped.value) == ("SMS_GATEWAY_URL is set but SMS_SIGN_NAME, SMS_TEMPLATE_CODE "
                                  "are empty")


@pytest.mark.parametrize("parts, template_chars", [(1, 64), (0, 0)])
def test_parts_that_leave_no_room_for_a_message_stop_the_service(parts, template_chars):
    with FakeSmsGateway() as gateway, pytest.raises(ValueError, match=f"SMS_MAX_PARTS {parts} "):
        channels.from_config(notify_config(**gateway.settings(
            sms_max_parts=parts, sms_template_chars=template_chars)))


def test_an_empty_setting_leaves_its_default():
    with FakeSmsGateway() as gateway:
        channel = channels.from_config(notify_config(**gateway.settings(
            sms_max_parts=None, sms_template_param="", sms_template_chars=None)))["sms"]
    assert (channel.max_parts, channel.template_param, channel.template_chars) == (3, "content", 0)


def settings_with(notify):
    return load_settings({"NOTIFY": notify, "DIRECTORY_FILE": "data/hanbin.yml",
                          "TEMPLATES_FILE": "data/templates.yml", "TIMEZONE": "Asia/Shanghai"})


def test_voters_are_told_by_sms_once_a_gateway_is_configured_and_others_by_the_default():
    assert (settings_with(notify_config())["voter_channel"],
            settings_with(notify_config())["fallback"]) == ("log", "log")
    with FakeSmsGateway() as gateway:
        configured = settings_with(notify_config(**gateway.settings()))
    assert (configured["voter_channel"], configured["default_channel"],
            configured["fallback"]) == ("sms", "log", "log")


def test_sms_as_the_default_without_a_gateway_stops_the_service():
    with pytest.raises(ValueError, match="NOTIFY_DEFAULT_CHANNEL 'sms'.*SMS_GATEWAY_URL"):
        settings_with(notify_config(default_channel="sms"))


# the channel against the fake gateway --------------------------------------------------
@pytest.fixture
def gateway():
    with FakeSmsGateway(answers={REFUSED: ["isv.MOBILE_NUMBER_ILLEGAL"],
                                 THROTTLED: ["isv.BUSINESS_LIMIT_CONTROL", "OK"],
                                 "13900000003": [503, "OK"]}) as running:
        yield running


def sms_channel(gateway, **changes):
    return channels.from_config(notify_config(**gateway.settings(**changes)))["sms"]


META = {"notification_id": 1, "issue_id": ISSUE, "event": "issue_submitted", "recipient": "voter:x"}


def test_a_message_goes_signed_to_the_gateway_with_the_template_and_the_text_as_its_parameter(gateway):
    sms_channel(gateway).send("+86 139-0000-0000", "subject", "您反映的问题已受理，跟踪编号 HB1。", META)
    assert gateway.sent == [{"phone": MOBILE, "sign_name": "汉滨人大", "template_code": "SMS_900001",
                             "params": {"content": "您反映的问题已受理，跟踪编号 HB1。"}}]
    assert gateway.answered == [(MOBILE, "OK")]


def test_a_long_message_reaches_the_gateway_cut_to_the_parts_allowed(gateway):
    sms_channel(gateway, sms_max_parts=2).send(MOBILE, "s", "已办结：" + "说明" * 200, META)
    [sent] = gateway.sent
    assert sms.parts(sent["params"]["content"], "汉滨人大") == 2
    assert sent["params"]["content"].startswith("已办结：说明") and sent["params"]["content"].endswith("…")


def test_a_number_the_gateway_refuses_is_refused_for_good_without_the_number(gateway):
    with pytest.raises(channels.Refused) as refused:
        sms_channel(gateway).send(REFUSED, "s", "正文", META)
    assert (str(refused.value), refused.value.retry) == ("sms refused: isv.MOBILE_NUMBER_ILLEGAL", False)
    assert gateway.sent == []


def test_a_throttled_number_is_refused_for_now_and_sent_when_tried_again(gateway):
    channel = sms_channel(gateway)
    with pytest.raises(channels.Refused) as throttled:
        channel.send(THROTTLED, "s", "正文", META)
    assert (str(throttled.value), throttled.value.retry) == ("sms refused: isv.BUSINESS_LIMIT_CONTROL", True)
    channel.send(THROTTLED, "s", "正文", META)
    assert [s["phone"] for s in gateway.sent] == [THROTTLED]


def test_a_gateway_in_trouble_is_tried_again(gateway):
    with pytest.raises(channels.Refused) as unavailable:
        sms_channel(gateway).send("13900000003", "s", "正文", META)
    assert (str(unavailable.value), unavailable.value.retry) == (
        "sms gateway answered HTTP 503 without a code", True)


def test_a_wrong_secret_is_refused_by_the_gateway_and_not_retried(gateway):
    with pytest.raises(channels.Refused) as refused:
        sms_channel(gateway, sms_access_key_secret="not-the-secret").send(MOBILE, "s", "正文", META)
    assert (str(refused.value), refused.value.retry) == ("sms refused: SignatureDoesNotMatch", False)
    assert gateway.answered == [(None, "SignatureDoesNotMatch")] and gateway.sent == []


def test_a_template_or_sign_name_the_account_has_not_registered_is_refused_for_good(gateway):
    for changes, code in (({"sms_template_code": "SMS_1"}, "isv.SMS_TEMPLATE_ILLEGAL"),
                          ({"sms_sign_name": "别的签名"}, "isv.SMS_SIGNATURE_ILLEGAL")):
        with pytest.raises(channels.Refused) as refused:
            sms_channel(gateway, **changes).send(MOBILE, "s", "正文", META)
        assert (str(refused.value), refused.value.retry) == (f"sms refused: {code}", False)


def test_no_gateway_listening_is_a_failure_worth_retrying():
    with FakeSmsGateway() as gateway:
        channel = sms_channel(gateway, sms_gateway_url=f"http://127.0.0.1:{free_port()}/")
        with pytest.raises(requests.ConnectionError):
            channel.send(MOBILE, "s", "正文", META)


def test_a_landline_is_never_sent_to_the_gateway(gateway):
    with pytest.raises(channels.Refused) as refused:
        sms_channel(gateway).send(LANDLINE, "s", "正文", META)
    assert (str(refused.value), refused.value.retry) == ("sms refused: not a mobile number", False)
    assert gateway.answered == []


# the use cases -------------------------------------------------------------------------
@pytest.fixture
def db(unit_of):
    return unit_of(Base, "notify")


def queue(db, voter_channel):
    event = an_event("issue_routed", ISSUE, tracking_no="HB202611000001", title="村道塌方",
                     version=1, status="open", tier="village", station_id=VILLAGE_STATION)
    templates = {"issue_routed": {"voter": "问题 {tracking_no} 已转入联络站。",
                                  "station": "新问题 {tracking_no}"}}
    with db.unit() as unit:
        rows = app.queue_messages(unit, event, event_type="issue_routed", templates=templates,
                                  display_names={}, default_channel="log",
                                  voter_channel=voter_channel)
    return {r.recipient_kind: r for r in rows}


def test_a_voter_is_queued_for_sms_by_default_and_a_station_for_the_default_channel(db):
    queued = queue(db, "sms")
    assert (queued["voter"].channel, queued["station"].channel) == ("sms", "log")
    with db.unit() as unit:
        app.set_preference(unit, "voter", ISSUE, "smtp")
    assert queue(db, "sms")["voter"].channel == "smtp"


class Recorder:
    def __init__(self):
        self.sent = []

    def send(self, address, subject, body, meta):
        self.sent.append(address)


class Refusing:
    def send(self, address, subject, body, meta):
        raise channels.Refused("sms refused: isv.MOBILE_NUMBER_ILLEGAL", retry=False)


def send_to_voter(db, phone, sender, fallback="log"):
    """Queue a message to a voter who gave ``phone``, send it through ``sender`` as the SMS
    channel, record the outcome: the stored row."""
    row = queue(db, "sms")["voter"]
    log = Recorder()
    outcomes = app.send_all([row], {"sms": sender, "log": log},
                            lambda kind, id: {"name": "张三", "phone": phone, "email": None},
                            fallback)
    with db.unit() as unit:
        app.record_outcomes(unit, outcomes)
    with db.session() as session:
        return session.get(NotificationRow, row.id), log.sent


def test_an_sms_is_sent_to_the_voters_mobile_and_recorded_sent_by_sms(db):
    texts = Recorder()
    stored, logged = send_to_voter(db, "139-0000-0000", texts)
    assert (stored.status, stored.channel, stored.attempts) == ("sent", "sms", 1)
    assert texts.sent == [MOBILE] and logged == []


def test_a_voter_who_gave_no_mobile_number_is_told_by_the_default_channel_instead(db):
    texts = Recorder()
    stored, logged = send_to_voter(db, LANDLINE, texts)
    assert (stored.status, stored.channel) == ("sent", "log")
    assert texts.sent == [] and logged == [None]


def test_an_sms_queued_while_a_gateway_was_configured_goes_by_the_default_once_it_is_not(db):
    row = queue(db, "sms")["voter"]
    log = Recorder()
    asked = []
    outcomes = app.send_all([row], {"log": log}, lambda kind, id: asked.append(id), "log")
    assert outcomes[row.id] == app.Outcome("log") and log.sent == [None] and asked == []


def test_without_a_fallback_a_voter_with_no_mobile_number_fails_and_is_tried_again(db):
    stored, _ = send_to_voter(db, LANDLINE, Recorder(), fallback=None)
    assert (stored.status, stored.channel) == ("failed", "sms")
    assert stored.last_error == f"LookupError: voter {ISSUE} has no mobile number"


def test_a_refusal_for_good_ends_the_message_with_its_code_and_it_is_not_claimed_again(db):
    stored, _ = send_to_voter(db, MOBILE, Refusing())
    assert (stored.status, stored.attempts, stored.last_error) == (
        "refused", 1, "sms refused: isv.MOBILE_NUMBER_ILLEGAL")
    with db.unit(NOW.replace(year=2027)) as unit:
        assert app.claim_due(unit, max_attempts=5) == []
    with db.session() as session:
        everything = " ".join(f"{r.body} {r.last_error}" for r in
                              session.execute(select(NotificationRow)).scalars())
    assert MOBILE not in everything


def test_sms_is_chosen_only_where_it_is_configured_and_the_recipient_has_a_mobile_number():
    with pytest.raises(BadValue) as unconfigured:
        app.check_available("sms", {"log": None})
    assert set(unconfigured.value.fields) == {"channel"}
    app.check_available("sms", {"sms": None})
    with pytest.raises(BadValue) as landline:
        app.check_reachable("voter", ISSUE, "sms", {"phone": LANDLINE})
    assert "has no mobile number for sms" in landline.value.message
    app.check_reachable("representative", "R013", "sms", {"phone": MOBILE, "email": None})


def test_neither_the_secret_nor_a_number_is_ever_logged(gateway, db, caplog):
    caplog.set_level(logging.DEBUG)
    channel = sms_channel(gateway)
    for phone in (MOBILE, REFUSED):
        row = queue(db, "sms")["voter"]
        app.send_all([row], {"sms": channel, "log": Recorder()},
                     lambda kind, id, phone=phone: {"phone": phone})
    assert gateway.answered == [(MOBILE, "OK"), (REFUSED, "isv.MOBILE_NUMBER_ILLEGAL")]
    logged = caplog.text + repr(channel)
    assert "refused (sms refused: isv.MOBILE_NUMBER_ILLEGAL)" in logged
    assert gateway.secret not in logged and MOBILE not in logged and REFUSED not in logged
