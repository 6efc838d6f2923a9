"""CPU-heavy calls that must not stall a gevent process, and the gate that bounds password hashing.

Under gevent (production's `pkarena.wsgi` monkey-patches the standard library) a call runs in the
hub's pool of native threads; `hashlib.scrypt` releases the GIL, so the event loop keeps serving
sockets meanwhile. In a threading server (`pkarena serve`, the tests) the call simply runs in place.

Every scrypt hash takes a 32 MiB buffer (werkzeug's n=2**15, r=8): unbounded, a burst of N logins
needs N × 32 MiB at once (300 phones joining a live round: ≈9.6 GiB). `limited` lets at most
`PASSWORD_HASH_CONCURRENCY` hashes run per process; the others wait for a slot without spinning —
a blocked thread in threading mode, a parked greenlet under gevent, so the loop keeps serving.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

A = TypeVar("A")
T = TypeVar("T")

_limit = max(1, os.cpu_count() or 1)
_gate: object | None = None  # a semaphore, built at first use (after gevent has patched the process, if it does)
_building = threading.Lock()  # held only to assign `_gate`: never across a hash


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


def _new_gate(limit: int):
    if gevent_patched():
        import gevent
        import gevent.lock

        threads = gevent.get_hub().threadpool  # 10 native threads by default: let a larger bound use its slots
        threads.maxsize = max(threads.maxsize, limit)
        return gevent.lock.BoundedSemaphore(limit)  # waiters yield to the hub instead of blocking it
    return threading.BoundedSemaphore(limit)


def limit_hashing(limit: int) -> None:
    """Allow at most `limit` (≥ 1) `limited` calls at once in this process (create_app passes the config's)."""
    global _limit, _gate
    with _building:
        _limit, _gate = max(1, int(limit)), None  # calls in flight release the semaphore they acquired


def hashing_limit() -> int:
    """How many `limited` calls may run at once."""
    return _limit


def _current_gate():
    global _gate
    with _building:
        if _gate is None:
            _gate = _new_gate(_limit)
        return _gate


def limited(function: Callable[..., T], *args: object) -> T:
    """`off_loop(function, *args)` once one of the gate's `hashing_limit()` slots is free (FIFO enough)."""
    gate = _current_gate()
    gate.acquire()  # type: ignore[attr-defined]
    try:
        return off_loop(function, *args)
    finally:
        gate.release()  # type: ignore[attr-defined]


def limited_map(function: Callable[[A], T], items: Sequence[A]) -> list[T]:
    """`[limited(function, item) for item in items]`, up to `hashing_limit()` at once, in order.

    A bulk import's passwords share the gate with logins: together they never exceed the bound, and
    a login waits for one hash, not for the whole import.
    """
    workers = max(1, min(_limit, len(items)))
    if not gevent_patched():
        with ThreadPoolExecutor(max_workers=workers) as executor:
            return list(executor.map(lambda item: limited(function, item), items))
    import gevent.pool

    return gevent.pool.Pool(workers).map(lambda item: limited(function, item), items)
