"""Reference data a service reads at start: the directory, rules, keys, templates."""
from nameko.extensions import DependencyProvider



class Reference(DependencyProvider):
    """Builds ``loader(config)`` once at service start and hands it to every worker."""

    def __init__(self, loader):
        self.loader = loader

    def setup(self):
        self.value = self.loader(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.value
