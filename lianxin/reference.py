"""Reference data a service reads at start: the directory, rules, keys, templates."""
import eventlet
from nameko.extensions import DependencyProvider

from lianxin.errors import Unavailable

RPC_TIMEOUT = 10


class Reference(DependencyProvider):
    """Builds ``loader(config)`` once at service start and hands it to every worker."""

    def __init__(self, loader):
        self.loader = loader

    def setup(self):
        self.value = self.loader(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.value


def call(method, *args, timeout=RPC_TIMEOUT, **kwargs):
    """An RPC call that gives up after ``timeout`` seconds with a 503."""
    try:
        with eventlet.Timeout(timeout):
            return method(*args, **kwargs)
    except eventlet.Timeout:
        raise Unavailable(f"{method.__name__ if hasattr(method, '__name__') else 'a service'}"
                          " did not answer in time") from None
