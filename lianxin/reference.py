"""Reference data a service reads at start: the directory, rules, keys, templates."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nameko.extensions import DependencyProvider


class Reference(DependencyProvider):
    """Builds ``loader(config)`` once at service start and hands it to every worker."""

    def __init__(self, loader: Callable[[dict[str, Any]], Any]) -> None:
        self.loader = loader

    def setup(self) -> None:
        self.value = self.loader(self.container.config)

    def get_dependency(self, worker_ctx: Any) -> Any:
        return self.value
