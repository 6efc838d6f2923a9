"""What every bench checks before it starts: its packages are installed and its services answer.

A bench that lacks one exits at once, non-zero, saying what is missing and how to get it, instead of
failing (or hanging) minutes later inside a task. Standard library only, so it runs before anything else.
"""

from __future__ import annotations

import importlib
import socket
import sys
from pathlib import Path
from urllib.parse import urlsplit

INSTALL = "pip install -e '.[bench]'"
SERVICES = 'eval "$(bash .ci/services.sh)"'


def fail(reason: str) -> None:
    """Exit now with `reason` (status 2)."""
    print(f"{Path(sys.argv[0]).name}: {reason}", file=sys.stderr)
    raise SystemExit(2)


def importable(name: str) -> bool:
    """True when `name` imports (a broken or half-installed package counts as missing)."""
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


def modules(*names: str, why: str = "") -> None:
    """Fail unless every module in `names` imports."""
    absent = [name for name in names if not importable(name)]
    if absent:
        fail(f"missing Python package(s) {', '.join(absent)}{f' ({why})' if why else ''}; install the benches' "
             f"dependencies with: {INSTALL}")


def reachable(kind: str, url: str, default_port: int, seconds: float = 3.0) -> None:
    """Fail unless a TCP connection to `url`'s host and port opens within `seconds`."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or default_port
    try:
        socket.create_connection((host, port), timeout=seconds).close()
    except OSError as error:
        fail(f"{kind} does not answer at {host}:{port} ({error}); start the local services with {SERVICES} "
             f"or pass the URL of a running one")


def postgres(url: str) -> None:
    """Fail unless the PostgreSQL server of `url` accepts connections (and psycopg is installed)."""
    modules("psycopg", "sqlalchemy")
    reachable("PostgreSQL", url, 5432)


def redis(url: str) -> None:
    """Fail unless the Redis server of `url` accepts connections (and redis-py is installed)."""
    modules("redis")
    reachable("Redis", url, 6379)
