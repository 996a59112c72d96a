"""The web console's pure rules: accounts and keys, lockout, sessions, the forms each
issue and assignment offers, order, CSRF, and forms mapped to payloads and back."""
from datetime import datetime, timedelta, timezone

import pytest

from lianxin.contracts import EVENTS
from services.console import domain, forms, labels, security
from services.console.domain import User

NOW = datetime(2026, 11, 10, 1, 0, tzinfo=timezone.utc)
KEYS = {("district", None): "district-key", ("station", "st-1"): "station-1-key",
        ("department", "jtj"): "jtj-key"}
STATION = User(1, "baimiao", "李明", "station", "st-1")
DIRECTOR = User(2, "director", "吴国华", "director")


# accounts and the keys they call with ------------------------------------------------
@pytest.mark.parametrize("role, unit, errors", [
    ("station", "st-1", {}),
    ("department", "jtj", {}),
    ("district", None, {}),
    ("director", None, {}),
    ("station", None, {"unit": ["a station user needs a station"]}),
    ("station", "st-9", {"unit": ["unknown station 'st-9'"]}),
    ("department", "st-1", {"unit": ["unknown department 'st-1'"]}),
    ("district", "st-1", {"unit": ["a district user has no station or department"]}),
    ("mayor", None, {"role": ["must be one of station, department, district, director"]}),
])
def test_a_role_has_a_station_or_department_where_it_needs_one(role, unit, errors):
    assert domain.user_errors(role, unit, ["st-1"], ["jtj"]) == errors


def test_each_user_calls_with_the_key_of_their_own_station_department_or_the_district():
    assert domain.key_for(STATION, "POST", KEYS) == "station-1-key"
    assert domain.key_for(User(3, "jtj", "赵敏", "department", "jtj"), "POST", KEYS) == "jtj-key"
    assert domain.key_for(User(4, "district", "周静", "district"), "POST", KEYS) == "district-key"


def test_a_director_reads_with_the_district_key_and_changes_nothing():
    assert domain.key_for(DIRECTOR, "GET", KEYS) == "district-key"
    with pytest.raises(domain.ReadOnly):
        domain.key_for(DIRECTOR, "POST", KEYS)


def test_a_user_whose_station_has_no_key_is_refused_not_given_another():
    with pytest.raises(LookupError, match="station st-2"):
        domain.key_for(User(5, "x", "某", "station", "st-2"), "GET", KEYS)


def test_the_actor_header_refers_to_the_user_by_id_never_by_name():
    header = domain.actor_header(User(17, "u", "张某 / 七堰村", "station", "st-1"))
    assert header == {"X-Lianxin-Actor": "console:17"}
    assert domain.actor_id("console:17") == 17
    assert domain.actor_id("李明") is domain.actor_id("console:x") is domain.actor_id(None) is None


# lockout and sessions -----------------------------------------------------------
WINDOW = timedelta(minutes=15)


def test_five_failed_logins_within_fifteen_minutes_lock_until_fifteen_after_the_last():
    failures = [NOW - timedelta(minutes=m) for m in (14, 10, 5, 2, 0)]
    assert domain.locked_until(failures, NOW, 5, WINDOW) == NOW + WINDOW


def test_four_failures_do_not_lock():
    failures = [NOW - timedelta(minutes=m) for m in (10, 5, 2, 0)]
    assert domain.locked_until(failures, NOW, 5, WINDOW) is None


def test_failures_older_than_the_window_do_not_count():
    failures = [NOW - timedelta(minutes=m) for m in (40, 30, 16, 2, 0)]
    assert domain.locked_until(failures, NOW, 5, WINDOW) is None


def test_a_lockout_ends_a_window_after_the_newest_failure():
    failures = [NOW - timedelta(minutes=m) for m in (14, 10, 5, 2, 1)]
    later = NOW + timedelta(minutes=14)
    assert domain.locked_until(failures, later, 5, WINDOW) is None   # the oldest fell out


def test_a_lockout_lasts_its_whole_window_though_its_first_failure_grows_old():
    failures = [NOW + timedelta(minutes=m) for m in range(5)]
    later = NOW + timedelta(minutes=16)
    assert domain.locked_until(failures, later, 5, WINDOW) == NOW + timedelta(minutes=19)


def test_a_session_unused_for_its_lifetime_is_over():
    lifetime = timedelta(minutes=120)
    assert not domain.session_over(NOW, NOW + timedelta(minutes=119), lifetime)
    assert domain.session_over(NOW, NOW + timedelta(minutes=120), lifetime)


def test_a_session_last_use_is_written_at_most_once_a_minute():
    assert not domain.worth_refreshing(NOW, NOW + timedelta(seconds=59))
    assert domain.worth_refreshing(NOW, NOW + timedelta(seconds=60))


@pytest.mark.parametrize("target, back", [
    ("/station/issues/1?x=2", "/station/issues/1?x=2"),
    ("/", "/"),
    ("//evil.example/x", None),
    ("https://evil.example/", None),
    ("/\\evil.example", None),
    ("station", None),
    ("", None),
    (None, None),
])
def test_after_login_only_a_path_of_this_site_is_gone_back_to(target, back):
    assert domain.safe_next(target) == back


# what a page offers -------------------------------------------------------------
@pytest.mark.parametrize("issue, actions", [
    ({"station_id": "st-1", "status": "open", "tier": "village"}, ["resolve", "escalate"]),
    ({"station_id": "st-1", "status": "open", "tier": "district"}, ["resolve"]),
    ({"station_id": "st-2", "status": "open", "tier": "town"}, []),
    ({"station_id": "st-1", "status": "handled", "tier": "village"}, ["feedback"]),
    ({"station_id": "st-1", "status": "referred", "tier": "district"}, []),
    ({"station_id": "st-1", "status": "closed", "tier": "village"}, []),
])
def test_a_station_is_offered_the_steps_routing_allows_on_what_it_holds(issue, actions):
    assert domain.issue_actions(issue, "st-1") == actions


@pytest.mark.parametrize("status, actions", [
    ("assigned", ["accept", "return"]),
    ("accepted", ["progress", "complete", "return", "extension"]),
    ("completed", []),
    ("cancelled", []),
])
def test_a_department_is_offered_the_steps_of_the_assignment_lifecycle(status, actions):
    assert domain.assignment_actions(status) == actions


def test_a_station_sees_overdue_issues_first_then_the_soonest_due_then_those_without_a_limit():
    issues = [{"id": i, "received_at": f"2026-11-0{n}"} for n, i in enumerate("abcd", 1)]
    deadlines = [{"issue_id": "a", "due_at": "2026-11-20T16:00:00+00:00", "state": "pending"},
                 {"issue_id": "b", "due_at": "2026-11-12T16:00:00+00:00", "state": "reminded"},
                 {"issue_id": "c", "due_at": "2026-11-09T16:00:00+00:00", "state": "overdue"},
                 {"issue_id": None, "due_at": "2026-11-25T16:00:00+00:00", "state": "pending"}]
    rows = domain.by_deadline(issues, deadlines, NOW)
    assert [r["id"] for r in rows] == ["c", "b", "a", "d"]
    assert [r["overdue"] for r in rows] == [True, False, False, False]


def test_an_issue_past_its_due_moment_is_overdue_before_the_sweep_marks_it():
    rows = domain.by_deadline([{"id": "a"}], [{"issue_id": "a", "state": "pending",
                                               "due_at": (NOW - timedelta(seconds=1)).isoformat()}],
                              NOW)
    assert rows[0]["overdue"]


def test_the_station_load_counts_what_each_holds_by_status_and_its_limits_run_out():
    stations = [{"id": "st-1", "name": "一"}, {"id": "st-2", "name": "二"}]
    issues = {"st-1": [{"status": "open"}, {"status": "open"}, {"status": "handled"}]}
    deadlines = [{"holder": "st-1", "state": "overdue"}, {"holder": "st-1", "state": "pending"},
                 {"holder": "st-2", "state": "overdue"}]
    rows = domain.station_load(stations, issues, deadlines)
    assert [(r["id"], r["held"], r["by_status"], r["overdue"]) for r in rows] == [
        ("st-1", 3, {"open": 2, "handled": 1}, 1), ("st-2", 0, {}, 1)]


def test_a_department_lists_its_overdue_assignments_first_then_the_soonest_due():
    given = [{"id": "1", "status": "assigned", "due_at": "2026-11-12"},
             {"id": "2", "status": "accepted", "due_at": "2026-11-20", "overdue_since": "x"},
             {"id": "3", "status": "completed"},
             {"id": "4", "status": "accepted", "due_at": "2026-11-11"}]
    assert [a["id"] for a in domain.assignments_listed(given, "open")] == ["2", "4", "1"]
    assert [a["id"] for a in domain.assignments_listed(given, "overdue")] == ["2"]
    assert [a["id"] for a in domain.assignments_listed(given, "done")] == ["3"]


def test_the_timeline_names_who_took_each_step_and_why_from_routing():
    at = "2026-11-10T01:00:00+00:00"
    steps = [{"event_type": "issue_escalated", "occurred_at": at},
             {"event_type": "assignment_created", "occurred_at": at}]
    route = [{"event_type": "issue_escalated", "occurred_at": "2026-11-10T01:00:00Z",
              "actor": "console:1", "reason": "needs_funding"}]
    merged = domain.timeline(steps, route)
    assert (merged[0]["actor"], merged[0]["reason"]) == ("console:1", "needs_funding")
    assert (merged[1]["actor"], merged[1]["reason"]) == (None, None)


# passwords, cookies and CSRF ---------------------------------------------------------
def test_a_password_is_hashed_with_argon2id_and_checked():
    stored = security.hash_password("correct horse")
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert security.password_matches(stored, "correct horse")
    assert not security.password_matches(stored, "correct horsE")
    assert not security.password_matches(None, "anything")
    assert not security.password_matches("not a hash", "anything")


def test_a_cookie_is_signed_and_one_signed_with_another_secret_is_not_ours():
    ours, theirs = security.Signer("one"), security.Signer("two")
    cookie = ours.sign("token")
    assert ours.unsign(cookie) == "token"
    assert theirs.unsign(cookie) is None
    assert ours.unsign(cookie[:-2] + "xx") is None
    assert ours.unsign(None) is None


def test_a_csrf_token_is_bound_to_the_browser_cookie_and_the_secret():
    signer = security.Signer("one")
    token = signer.csrf("session-a")
    assert signer.csrf_ok("session-a", token)
    assert not signer.csrf_ok("session-b", token)
    assert not security.Signer("two").csrf_ok("session-a", token)
    assert not signer.csrf_ok("session-a", None)
    assert not signer.csrf_ok(None, token)


def test_the_database_keeps_only_a_digest_of_a_session_token():
    token = security.new_token()
    assert len(token) >= 40 and security.digest(token) != token
    assert len(security.digest(token)) == 64


@pytest.mark.parametrize("secret, environment, refused", [
    ("console-sample-secret", "production", True),
    ("", "production", True),
    ("a long random value", "production", False),
    ("console-sample-secret", "development", False),
    ("console-sample-secret", "test", False),
])
def test_the_public_sample_secret_is_refused_in_production(secret, environment, refused):
    if refused:
        with pytest.raises(ValueError, match="CONSOLE_SECRET"):
            security.check_secret(secret, environment)
    else:
        security.check_secret(secret, environment)


# forms and payloads -------------------------------------------------------------
def test_taking_an_issue_sends_the_voter_nested_and_leaves_out_what_was_not_filled_in():
    typed = {"channel": "reception", "village_code": "610902101002", "category": "roads",
             "title": " 村道塌方 ", "description": "三组村道塌方", "voter_name": "王五",
             "voter_phone": "13900000001", "representative_id": "", "resolution": "",
             "csrf_token": "x", "something": "else"}
    form = forms.FORMS["take"]
    values = form.values(typed)
    assert "csrf_token" not in values and "something" not in values
    assert form.payload(values) == {
        "channel": "reception", "village_code": "610902101002", "category": "roads",
        "title": "村道塌方", "description": "三组村道塌方",
        "voter": {"name": "王五", "phone": "13900000001"}}


def test_an_extension_sends_whole_days_as_a_number_and_anything_else_as_typed():
    form = forms.FORMS["extension"]
    assert form.payload({"days": " 5 ", "reason": "需招标"}) == {"days": 5, "reason": "需招标"}
    assert form.payload({"days": "五", "reason": "x"}) == {"days": "五", "reason": "x"}
    assert form.payload({"days": "", "reason": ""}) == {}


def test_a_service_refusal_is_shown_beside_the_input_it_concerns():
    refusal = {"voter": {"phone": ["must be a phone number"]},
               "title": ["Missing data for required field."],
               "station_id": ["unknown station 'st-x'"],
               "status": ["is handled; resolve needs open"]}
    assert forms.FORMS["take"].errors(refusal) == {
        "voter_phone": [forms.message_id("must be a phone number")],
        "title": ["This field is required."],
        "channel": ["Not a known choice."],
        "_form": ["Check this field."]}


@pytest.mark.parametrize("message, shown", [
    ("Missing data for required field.", "This field is required."),
    ("required for the visit channel", "This field is required."),
    ("Must be one of: beyond_authority, needs_funding.", "Choose one of the options."),
    ("Not a valid integer.", "Enter a whole number."),
    ("Length must be between 1 and 2000.", "Too long or too short."),
    ("unknown village '1'", "Not a known choice."),
    ("must not contain NUL or unpaired surrogates", "Contains characters that cannot be stored."),
    ("something no one expected", "Check this field."),
])
def test_each_kind_of_refusal_has_a_message_of_the_catalog(message, shown):
    assert forms.message_id(message) == shown


def test_every_event_and_status_has_a_label():
    assert set(labels.LABELS["event"]) == set(EVENTS)
    from lianxin.contracts import CHANNELS, ESCALATION_REASONS, ISSUE_STATUSES, RATINGS, TIERS
    for kind, codes in (("status", ISSUE_STATUSES), ("channel", CHANNELS), ("tier", TIERS),
                        ("reason", ESCALATION_REASONS), ("rating", RATINGS), ("role", domain.ROLES)):
        assert set(codes) <= set(labels.LABELS[kind]), kind
    assert labels.label("status", "unheard-of") == "unheard-of" and labels.label("status", None) == ""
