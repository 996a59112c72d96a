"""A service started with a broken configuration stops at once and says what is wrong:
it exits non-zero and names the file or value, in words rather than a traceback."""
import os
import subprocess
import sys

import pytest
import yaml

from lianxin.config import read_yaml
from tests.support.broker import free_port

pytestmark = pytest.mark.e2e

TRACEBACK = "Traceback (most recent call last)"
PORTS = {"intake": "INTAKE_PORT", "routing": "ROUTING_PORT", "departments": "DEPARTMENTS_PORT",
         "notify": "NOTIFY_PORT"}


@pytest.fixture
def lianxin(amqp_uri, tmp_path):
    """``lianxin(*args, **env)``: run the CLI on the test vhost and its own files until it
    exits; its exit code and everything it printed."""
    def run(*args, **env):
        environment = {**os.environ, "AMQP_URI": amqp_uri,
                       "NOTIFY_LOG_FILE": str(tmp_path / "notifications.log"), **env}
        for name, variable in PORTS.items():
            environment[variable] = str(free_port())
            environment[f"{name.upper()}_DATABASE_URL"] = f"sqlite:///{tmp_path}/{name}.db"
        try:
            done = subprocess.run([sys.executable, "-m", "lianxin", *args], env=environment,
                                  capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(f"`lianxin {' '.join(args)}` was still running after 60s with {env}")
        return done.returncode, done.stdout + done.stderr
    return run


def broken_file(tmp_path, name, source, change):
    data = read_yaml(source)
    change(data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def test_an_unknown_service_name_is_refused_naming_it(lianxin):
    code, output = lianxin("serve", "billing")
    assert code != 0
    assert "'billing' is not one of" in output and TRACEBACK not in output


@pytest.mark.parametrize("command", [("serve", "routing"), ("check",)])
def test_a_config_file_that_does_not_exist_is_named(lianxin, tmp_path, command):
    missing = str(tmp_path / "no-such-config.yml")
    code, output = lianxin("--config", missing, *command)
    assert code != 0 and missing in output
    assert TRACEBACK not in output, output[-2000:]


@pytest.mark.parametrize("service", ["routing", "departments", "notify"])
def test_a_missing_directory_file_is_named(lianxin, tmp_path, service):
    missing = str(tmp_path / "no-such-directory.yml")
    code, output = lianxin("serve", service, DIRECTORY_FILE=missing)
    assert code != 0 and missing in output
    assert TRACEBACK not in output, output[-2000:]


def test_a_keys_file_with_an_unknown_role_names_the_file_and_the_role(lianxin, tmp_path):
    def add_mayor(keys):
        keys["keys"].append({"key": "mayor-key", "role": "mayor", "id": "st-610902"})
    path = broken_file(tmp_path, "keys.yml", "data/keys.yml", add_mayor)
    code, output = lianxin("serve", "intake", API_KEYS_FILE=path)
    assert code != 0 and path in output and "'mayor'" in output
    assert TRACEBACK not in output, output[-2000:]


def test_a_category_mapped_to_an_unknown_department_names_the_file_and_department(
        lianxin, tmp_path):
    def map_roads_to_nasa(directory):
        next(c for c in directory["categories"] if c["code"] == "roads")["department"] = "nasa"
    path = broken_file(tmp_path, "directory.yml", "data/hanbin.yml", map_roads_to_nasa)
    code, output = lianxin("serve", "departments", DIRECTORY_FILE=path)
    assert code != 0 and "nasa" in output and "roads" in output and path in output
    assert TRACEBACK not in output, output[-2000:]


@pytest.mark.parametrize("service", ["intake", "routing", "departments"])
def test_a_rules_file_naming_an_unknown_category_names_the_file_and_line(lianxin, tmp_path,
                                                                         service):
    path = tmp_path / "rules.yml"
    path.write_text("start:\n  district: [funding]\ntime_limits:\n  categories:\n"
                    "    moon_landing: {town: 3}\n", encoding="utf-8")
    code, output = lianxin("serve", service, RULES_FILE=str(path))
    assert code != 0 and f"{path}:5:" in output and "moon_landing" in output, output[-2000:]
    assert TRACEBACK not in output, output[-2000:]


def test_a_calendar_file_with_a_day_that_does_not_exist_names_the_file_and_line(lianxin,
                                                                               tmp_path):
    path = tmp_path / "calendar.yml"
    path.write_text("years: {}\nholidays:\n  - 2027-02-05\n  - 2027-02-30\nworkdays: []\n",
                    encoding="utf-8")
    code, output = lianxin("serve", "notify", CALENDAR_FILE=str(path))
    assert code != 0 and f"{path}:4:" in output and "2027-02-30" in output, output[-2000:]
    assert TRACEBACK not in output, output[-2000:]


def test_a_deployment_refuses_to_start_with_the_test_clock(lianxin, tmp_path):
    code, output = lianxin("serve", "routing", ENVIRONMENT="production",
                           TEST_CLOCK_FILE=str(tmp_path / "clock"))
    assert code != 0 and "TEST_CLOCK_FILE" in output and "production" in output, output[-2000:]
    assert TRACEBACK not in output, output[-2000:]
