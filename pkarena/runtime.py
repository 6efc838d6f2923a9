"""Access to the per-app clock, store and database session from request or socket handlers."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.extensions import db
from pkarena.store.base import Store


def clock() -> Clock:
    """The app's clock."""
    return current_app.extensions["pkarena.clock"]


def store() -> Store:
    """The app's Store (memory or Redis)."""
    return current_app.extensions["pkarena.store"]


def board_updater():
    """The app's BoardUpdater: pass it as `on_commit` to ledger awards."""
    return current_app.extensions["pkarena.boards"]


def session() -> Session:
    """The request-scoped database session."""
    assert db.session is not None
    return db.session()
