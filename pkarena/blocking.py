"""CPU-heavy calls that must not stall a gevent process: one greenlet hashing a password for 50 ms
would hold every other player's answer in that process for as long.

Under gevent (production's `pkarena.wsgi` monkey-patches the standard library) the call runs in the
hub's pool of native threads; `hashlib.scrypt` releases the GIL, so the event loop keeps serving
sockets meanwhile. In a threading server (`pkarena serve`, the tests) the call simply runs in place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def gevent_patched() -> bool:
    """True when gevent has monkey-patched `threading` in this process."""
    try:
        from gevent import monkey
    except ImportError:  # gevent is a production extra
        return False
    return bool(monkey.is_module_patched("threading"))


def off_loop(function: Callable[..., T], *args: object) -> T:
    """`function(*args)`, on a native thread when the process runs gevent, else right here."""
    if not gevent_patched():
        return function(*args)
    import gevent

    return gevent.get_hub().threadpool.apply(function, args)
