"""The web console's accounts on its own database: adding, logging in and the
lockout, sessions that run out, disabling and resetting, the sample users."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from services.console import accounts
from services.console.models import Base, LoginAttempt, UserRow
from tests.support.console import NOW
from tests.unit.conftest import migration_diff

STATIONS, DEPARTMENTS = ["st-610902101002", "st-610902101"], ["jtj"]
POLICY = accounts.Policy(session_lifetime=timedelta(minutes=120), lockout_failures=5,
                         lockout_window=timedelta(minutes=15))


@pytest.fixture
def store(tmp_path):
    made = accounts.Store(f"sqlite:///{tmp_path}/console.db")
    with made.transaction() as session:
        accounts.add_user(session, NOW, username="baimiao", display_name="李明", role="station",
                          unit="st-610902101002", password="baimiao-pass", stations=STATIONS,
                          departments=DEPARTMENTS)
    yield made
    made.close()


def log_in(store, password, at=NOW, username="baimiao"):
    with store.transaction() as session:
        return accounts.log_in(session, at, username, password, POLICY, "127.0.0.1")


def test_the_migrations_build_the_console_tables_as_the_models_declare_them(tmp_path):
    assert migration_diff(Base, "console", tmp_path) == []


def test_an_account_keeps_only_an_argon2_hash_of_its_password(store):
    with store.transaction() as session:
        row = session.execute(select(UserRow)).scalar_one()
    assert row.password_hash.startswith("$argon2id$") and "baimiao-pass" not in row.password_hash


def test_an_account_needs_a_known_unit_a_free_name_and_a_password_of_eight_characters(store):
    with store.transaction() as session, pytest.raises(accounts.AccountError) as refused:
        accounts.add_user(session, NOW, username="baimiao", display_name=" ", role="station",
                          unit="st-x", password="short", stations=STATIONS,
                          departments=DEPARTMENTS)
    assert set(refused.value.fields) == {"username", "display_name", "unit", "password"}


def test_the_right_password_logs_in_and_the_wrong_one_does_not(store):
    assert log_in(store, "baimiao-pass").user.display_name == "李明"
    refused = log_in(store, "wrong")
    assert refused.user is None and refused.locked_until is None


def test_an_unknown_user_is_refused_like_a_wrong_password(store):
    assert log_in(store, "anything", username="nobody") == accounts.Login()


def test_five_failures_lock_the_account_even_for_the_right_password(store):
    for minute in range(4):
        assert log_in(store, "wrong", NOW + timedelta(minutes=minute)).locked_until is None
    fifth = NOW + timedelta(minutes=4)
    assert log_in(store, "wrong", fifth).locked_until == fifth + timedelta(minutes=15)
    locked = log_in(store, "baimiao-pass", fifth + timedelta(minutes=10))
    assert locked.user is None and locked.locked_until == fifth + timedelta(minutes=15)
    assert log_in(store, "baimiao-pass", fifth + timedelta(minutes=15)).user is not None


def test_attempts_while_locked_are_not_counted_so_the_lock_ends_on_time(store):
    for minute in range(5):
        log_in(store, "wrong", NOW + timedelta(minutes=minute))
    for minute in range(5, 19):      # locked until minute 19: refused, and not counted
        assert log_in(store, "wrong", NOW + timedelta(minutes=minute)).locked_until
    with store.transaction() as session:
        assert len(session.execute(select(LoginAttempt)).scalars().all()) == 5
    assert log_in(store, "baimiao-pass", NOW + timedelta(minutes=19)).user is not None


def test_a_success_forgets_the_failures_before_it(store):
    for minute in range(4):
        log_in(store, "wrong", NOW + timedelta(minutes=minute))
    assert log_in(store, "baimiao-pass", NOW + timedelta(minutes=4)).user is not None
    assert log_in(store, "wrong", NOW + timedelta(minutes=5)).locked_until is None


def test_a_reset_password_ends_the_sessions_and_lifts_the_lockout(store):
    user = log_in(store, "baimiao-pass").user
    with store.transaction() as session:
        token = accounts.start_session(session, NOW, user)
    for minute in range(5):
        log_in(store, "wrong", NOW + timedelta(minutes=minute))
    later = NOW + timedelta(minutes=6)
    with store.transaction() as session:
        accounts.reset_password(session, later, "baimiao", "a-new-password")
    with store.transaction() as session:
        assert accounts.find_session(session, later, token, POLICY).expired
    assert log_in(store, "a-new-password", later).user is not None


def test_a_session_lasts_while_used_and_ends_after_its_lifetime_unused(store):
    user = log_in(store, "baimiao-pass").user
    with store.transaction() as session:
        token = accounts.start_session(session, NOW, user)
    for minutes in (100, 200, 300):   # each use within 120 minutes of the last
        with store.transaction() as session:
            assert accounts.find_session(session, NOW + timedelta(minutes=minutes), token,
                                         POLICY).user == user
    with store.transaction() as session:
        seen = accounts.find_session(session, NOW + timedelta(minutes=420), token, POLICY)
    assert seen.user is None and seen.expired
    with store.transaction() as session:   # and stays over
        assert accounts.find_session(session, NOW + timedelta(minutes=421), token, POLICY).expired


def test_a_disabled_account_cannot_log_in_and_its_sessions_end(store):
    user = log_in(store, "baimiao-pass").user
    with store.transaction() as session:
        token = accounts.start_session(session, NOW, user)
        accounts.set_disabled(session, NOW, "baimiao", True)
    assert log_in(store, "baimiao-pass").disabled
    with store.transaction() as session:
        assert accounts.find_session(session, NOW, token, POLICY).expired
        accounts.set_disabled(session, NOW, "baimiao", False)
    assert log_in(store, "baimiao-pass").user is not None


def test_a_logout_ends_the_session(store):
    user = log_in(store, "baimiao-pass").user
    with store.transaction() as session:
        token = accounts.start_session(session, NOW, user)
        accounts.end_session(session, NOW, token)
    with store.transaction() as session:
        assert accounts.find_session(session, NOW, token, POLICY).user is None
        assert accounts.find_session(session, NOW, "a forged token", POLICY) == accounts.Seen()


def test_the_sample_users_are_made_once_and_an_existing_one_is_kept(store, directory):
    stations = [f"st-{t['code']}" for t in directory["towns"]] + \
        [f"st-{v['code']}" for t in directory["towns"] for v in t["villages"]]
    departments = [d["code"] for d in directory["departments"]]
    with store.transaction() as session:
        first = accounts.add_samples(session, NOW, stations, departments)
    with store.transaction() as session:
        again = accounts.add_samples(session, NOW, stations, departments)
    assert [made for _, made in first] == [username != "baimiao"
                                           for username, *_ in accounts.SAMPLE_USERS]
    assert not any(made for _, made in again)
    roles = {row.role for row, _ in first}
    assert roles == {"station", "department", "district", "director"}
