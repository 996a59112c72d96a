"""The compose file, its Postgres init script and the Dockerfile agree with the code."""
import re
import shlex
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from lianxin import config as configuration
from lianxin.cli import main

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config.yml"
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
LIANXIN = [name for name, spec in SERVICES.items() if spec.get("build")]
CONFIG_VARS = set(re.findall(r"\$\{([A-Z0-9_]+):", CONFIG.read_text(encoding="utf-8")))
COMPOSE_DEFAULT = re.compile(r"\$\{[A-Z0-9_]+:-([^}]*)\}")


def environment(name):
    """The environment compose gives a service, with ``${VAR:-default}`` at its default."""
    env = SERVICES[name].get("environment") or {}
    return {key: COMPOSE_DEFAULT.sub(r"\1", str(value)) for key, value in env.items()}


def load_config(monkeypatch, env):
    """config.yml as the code reads it under exactly ``env``."""
    for var in CONFIG_VARS:
        monkeypatch.delenv(var, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return configuration.load(CONFIG)


def test_compose_has_the_broker_the_database_the_setup_step_and_every_service():
    assert {"rabbitmq", "postgres", "setup", *configuration.PROCESSES} <= set(SERVICES)
    assert sorted(LIANXIN) == sorted(["setup", *configuration.PROCESSES])


@pytest.mark.parametrize("name", LIANXIN)
def test_every_service_command_is_a_real_cli_command(name, monkeypatch):
    args = shlex.split(SERVICES[name]["command"])
    assert args[0] == "lianxin"
    monkeypatch.setenv("LIANXIN_CONFIG", str(CONFIG))  # the CLI sets it; restored afterwards
    result = CliRunner().invoke(main, ["--config", str(CONFIG), *args[1:], "--help"])
    assert result.exit_code == 0, result.output
    if name == "setup":
        assert args[1:] == ["setup"]
    else:
        assert args[1:] == ["serve", name] and name in configuration.PROCESSES


@pytest.mark.parametrize("name", LIANXIN)
def test_every_environment_variable_is_one_config_yml_reads(name):
    assert set(environment(name)) <= CONFIG_VARS


@pytest.mark.parametrize("name", configuration.SERVICES)
def test_each_service_database_variable_is_the_one_config_yml_uses_for_it(name, monkeypatch):
    env = environment(name)
    urls = {key: value for key, value in env.items() if key.endswith("_DATABASE_URL")}
    assert list(urls.values()) == [f"postgresql://lianxin:lianxin@postgres:5432/{name}"]
    config = load_config(monkeypatch, env)
    assert config["DATABASES"][name] == urls.popitem()[1]
    assert config["AMQP_URI"] == env["AMQP_URI"] and config["HOST"] == "0.0.0.0"
    others = [config["DATABASES"][other] for other in configuration.SERVICES if other != name]
    assert all(url.startswith("sqlite") for url in others)


@pytest.mark.parametrize("name", configuration.PROCESSES)
def test_published_port_and_healthcheck_use_the_config_yml_default_port(name, monkeypatch):
    port = int(load_config(monkeypatch, {})["PORTS"][name])
    assert SERVICES[name]["ports"] == [f"{port}:{port}"]
    health = " ".join(SERVICES[name]["healthcheck"]["test"])
    assert re.findall(r"http://127\.0\.0\.1:(\d+)/health", health) == [str(port)]


@pytest.mark.parametrize("name", configuration.SERVICES)
def test_every_service_waits_for_broker_database_and_queue_setup(name):
    depends = {dep: spec["condition"] for dep, spec in SERVICES[name]["depends_on"].items()}
    assert depends == {"rabbitmq": "service_healthy", "postgres": "service_healthy",
                       "setup": "service_completed_successfully"}
    assert SERVICES["setup"]["depends_on"]["rabbitmq"]["condition"] == "service_healthy"


def test_postgres_init_creates_one_database_per_service():
    mount = "./deploy/postgres-init.sql:/docker-entrypoint-initdb.d/"
    assert any(volume.startswith(mount) for volume in SERVICES["postgres"]["volumes"])
    sql = (ROOT / "deploy" / "postgres-init.sql").read_text(encoding="utf-8")
    created = re.findall(r"CREATE DATABASE (\w+)", sql, re.IGNORECASE)
    assert sorted(created) == sorted(configuration.PROCESSES)


def test_dockerfile_copies_every_path_the_services_read(monkeypatch):
    copied = set()
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY "):
            copied.update(source.rstrip("/") for source in line.split()[1:-1])
    config = load_config(monkeypatch, {})
    files = [value for key, value in config.items() if key.endswith("_FILE") and value]
    needed = {"pyproject.toml", "lianxin", "services", "config.yml"}
    needed |= {Path(path).parts[0] for path in files}
    assert needed <= copied


@pytest.mark.parametrize("name", ["rabbitmq", "postgres", *configuration.PROCESSES])
def test_every_long_running_service_is_restarted_unless_stopped(name):
    assert SERVICES[name]["restart"] == "unless-stopped"


def test_the_setup_step_migrates_every_service_database_before_the_services_start(monkeypatch):
    config = load_config(monkeypatch, environment("setup"))
    assert all(config["DATABASES"][name] == f"postgresql://lianxin:lianxin@postgres:5432/{name}"
               for name in configuration.PROCESSES)
    assert SERVICES["setup"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_console_has_its_own_database_and_reaches_each_service_by_its_compose_name(
        monkeypatch):
    env = environment("console")
    config = load_config(monkeypatch, env)
    assert config["DATABASES"]["console"] == "postgresql://lianxin:lianxin@postgres:5432/console"
    assert config["HOST"] == "0.0.0.0" and config["ENVIRONMENT"] == "production"
    for name in configuration.SERVICES:
        port = config["PORTS"][name]
        assert config["CONSOLE"]["urls"][name] == f"http://{name}:{port}"
        assert SERVICES[name]["ports"] == [f"{port}:{port}"]
    depends = {dep: spec["condition"] for dep, spec in SERVICES["console"]["depends_on"].items()}
    assert depends == {"postgres": "service_healthy",
                       "setup": "service_completed_successfully"}


def test_the_setup_step_and_every_service_declare_the_same_queue_type(monkeypatch):
    types = {name: SERVICES[name]["environment"].get("QUEUE_TYPE")
             for name in ["setup", *configuration.SERVICES]}
    assert set(types.values()) == {"${QUEUE_TYPE:-classic}"}, types
    assert load_config(monkeypatch, environment("setup"))["QUEUE_TYPE"] == "classic"
