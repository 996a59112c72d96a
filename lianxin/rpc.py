"""Calls to another service's RPC that give up instead of waiting forever."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import eventlet

from lianxin.errors import Unavailable

RPC_TIMEOUT = 10


def call(method: Callable[..., Any], *args: Any, timeout: float = RPC_TIMEOUT,
         **kwargs: Any) -> Any:
    """An RPC call that gives up after ``timeout`` seconds with a 503."""
    try:
        with eventlet.Timeout(timeout):
            return method(*args, **kwargs)
    except eventlet.Timeout:
        raise Unavailable(f"{getattr(method, '__name__', 'a service')} did not answer "
                          f"within {timeout}s") from None
