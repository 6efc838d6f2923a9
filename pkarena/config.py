"""The one configuration object: the only place that reads the environment."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from typing import Any

from pkarena.engine import rules


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass
class Config:
    """Settings for one PK Arena process; `from_env()` reads them, tests pass overrides."""

    DATABASE_URL: str = "sqlite:///pkarena.sqlite3"
    PKARENA_STORE_URL: str = "memory://"
    SOCKETIO_MESSAGE_QUEUE: str | None = None
    SECRET_KEY: str = field(default_factory=lambda: secrets.token_hex(32))
    PKARENA_TIMEZONE: str = "Asia/Shanghai"
    # Members may self-register through invite links; an organizer approves them unless auto.
    INVITE_AUTO_APPROVE: bool = False
    LOGIN_RATE_LIMIT: str = "5 per minute;30 per hour"
    RUN_SCHEDULER_IN_PROCESS: bool = False
    # threading for the demo and tests; production runs gunicorn's gevent worker (see README).
    SOCKETIO_ASYNC_MODE: str = "threading"
    BABEL_DEFAULT_LOCALE: str = "zh_CN"
    BABEL_DEFAULT_TIMEZONE: str = "Asia/Shanghai"
    LANGUAGES: tuple[str, ...] = ("zh_CN", "en")
    # 积分制 categories organizers choose from (env: comma-separated); the default is the rule table's.
    MANUAL_CATEGORIES: tuple[str, ...] = rules.MANUAL_CATEGORIES
    WTF_CSRF_ENABLED: bool = True
    MAX_CONTENT_LENGTH: int = 16 * 1024 * 1024
    IMPORT_MAX_ROWS: int = 20000
    # Where uploaded member files wait between "validate" and "confirm" (per host: sticky sessions).
    IMPORT_STAGING_DIR: str | None = None
    INVITE_RATE_LIMIT: str = "30 per minute;300 per hour"
    # Reverse proxies in front of the app (nginx = 1): their X-Forwarded-For is trusted, so the
    # login rate limit counts the visitor's address, not the proxy's.
    TRUSTED_PROXIES: int = 0
    # scrypt hashes (login, registration, password change, member import) running at once per process:
    # each holds a 32 MiB buffer, so a login burst needs at most this many × 32 MiB.
    PASSWORD_HASH_CONCURRENCY: int = field(default_factory=lambda: os.cpu_count() or 1)
    TESTING: bool = False
    DEMO: bool = False

    @classmethod
    def from_env(cls, **overrides: Any) -> Config:
        """Build a Config from environment variables, then apply explicit overrides."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = _env(f.name)
            if raw is None:
                continue
            if f.type in ("bool",):
                values[f.name] = raw.lower() in ("1", "true", "yes", "on")
            elif f.type in ("int",):
                values[f.name] = int(raw)
            elif f.type.startswith("tuple"):
                values[f.name] = tuple(part.strip() for part in raw.replace("，", ",").split(",") if part.strip())
            else:
                values[f.name] = raw
        values.update(overrides)
        return cls(**values)

    def as_flask(self) -> dict[str, Any]:
        """The settings as a mapping for `app.config.from_mapping`."""
        mapping = {f.name: getattr(self, f.name) for f in fields(self)}
        mapping["BABEL_DEFAULT_TIMEZONE"] = self.PKARENA_TIMEZONE
        mapping["RATELIMIT_STORAGE_URI"] = self.PKARENA_STORE_URL
        mapping["RATELIMIT_HEADERS_ENABLED"] = True
        mapping["SESSION_COOKIE_SAMESITE"] = "Lax"
        return mapping
