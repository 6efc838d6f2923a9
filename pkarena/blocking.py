"""CPU-heavy calls that must not stall a gevent process: one greenlet hashing a password for 50 ms
would hold every other player's answer in that process for as long.

Under gevent (production's `pkarena.wsgi` monkey-patches the standard library) the call runs in the
hub's pool of native threads; `hashlib.scrypt` releases the GIL, so the event loop keeps serving
sockets meanwhile. In a threading server (`pkarena serve`, the tests) the call simply runs in place.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

A = TypeVar("A")
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


def off_loop_map(function: Callable[[A], T], items: Sequence[A]) -> list[T]:
    """`[function(item) for item in items]` on one native thread per core, off the gevent loop too.

    For calls that release the GIL (scrypt): a bulk import's hundreds of passwords hash on every core
    at once. At most one call per core runs at a time, so other requests' hashing is not starved.
    """
    workers = max(1, min(os.cpu_count() or 1, len(items)))
    if not gevent_patched():
        with ThreadPoolExecutor(max_workers=workers) as executor:
            return list(executor.map(function, items))
    import gevent.pool

    threads = gevent.get_hub().threadpool
    return gevent.pool.Pool(workers).map(lambda item: threads.apply(function, (item,)), items)
