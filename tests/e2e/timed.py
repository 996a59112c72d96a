"""The four services as processes on one test clock that a test moves forward."""
from datetime import datetime

from lianxin import clock
from tests.support.broker import wait_until
from tests.support.processes import System


def timed_system(amqp_uri, workdir, start, **env):
    """The system with its clock set to ``start``; stop it when done."""
    clock_file = workdir / "clock"
    clock_file.write_text(f"{(start - datetime.now(start.tzinfo)).total_seconds()}\n")
    system = System(amqp_uri, workdir, env={"ENVIRONMENT": "test", "TIMER_INTERVAL": "0.3",
                                            "TEST_CLOCK_FILE": str(clock_file), **env})
    system.clock_file = clock_file
    system.start()
    return system


def move(system, to):
    """Move every process's clock to ``to`` and wait until routing and departments
    have each swept the timers due by then."""
    clock.move(system.clock_file, to=to)
    for name in ("routing", "departments"):
        wait_until(lambda name=name: _swept_since(system, name, to), timeout=20,
                   message=f"{name} swept after {to}")


def _swept_since(system, name, moment):
    swept = system.health(name)["events"]["last_timer_sweep"]
    return swept is not None and datetime.fromisoformat(swept) >= moment


def now(system):
    return datetime.fromisoformat(system.health("routing")["clock"]["now"])


def no_tracebacks(system, *names):
    for name in names:
        assert "Traceback" not in system.log(name), system.log(name)[-4000:]
