"""Calls to another service's RPC that give up instead of waiting forever."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import amqp.exceptions
import eventlet
import kombu.exceptions

from lianxin.errors import Unavailable

RPC_TIMEOUT = 10


def call(method: Callable[..., Any], *args: Any, timeout: float = RPC_TIMEOUT,
         **kwargs: Any) -> Any:
    """An RPC call that gives up after ``timeout`` seconds with a 503."""
    try:
        with eventlet.Timeout(timeout):
            return method(*args, **kwargs)
    except (kombu.exceptions.KombuError, amqp.exceptions.AMQPError, OSError) as exc:
        raise Unavailable(f"{getattr(method, '__name__', 'a service')} could not be asked: "
                          f"the message broker failed ({type(exc).__name__})") from None
    except eventlet.Timeout:
        raise Unavailable(f"{getattr(method, '__name__', 'a service')} did not answer "
                          f"within {timeout}s") from None
