"""Store selection by URL (`memory://` or `redis://…`), like Flask-Limiter's storage URIs."""

from __future__ import annotations

from urllib.parse import urlsplit

from .base import BoardRow, Store

__all__ = ["BoardRow", "Store", "open_store"]

REDIS_SCHEMES = ("redis", "rediss")


def open_store(url: str) -> Store:
    """A Store for `url`: `memory://` → MemoryStore, `redis://` / `rediss://` → RedisStore (lazy connect)."""
    scheme = urlsplit(url or "").scheme.lower()
    if scheme == "memory":
        from .memory import MemoryStore

        return MemoryStore(url)
    if scheme in REDIS_SCHEMES:
        # Imported here so a memory-only process never needs redis-py loaded.
        from .redis_store import RedisStore

        return RedisStore(url)
    # Name only the scheme: the URL itself may carry a password.
    raise ValueError(
        f"unsupported PKARENA_STORE_URL (scheme {scheme!r}): use 'memory://' for one process "
        "or 'redis://host:port/db' / 'rediss://...' for many"
    )
