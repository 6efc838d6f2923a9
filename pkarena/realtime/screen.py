"""The `/screen` namespace: office screens connect with their token and receive `board.update` pushes.

Pushes are coalesced per room (`PushThrottle`): the first committed award of a quiet room is pushed
at once, and every further award within the next second is folded into one trailing push at the end
of that second, so a burst of a hundred awards gives two pushes, never a hundred, and the last one
always carries the final numbers. The window is kept in process memory: each web process (and the
worker) throttles the awards it commits itself, so with N processes a room gets at most N pushes a
second. That bound is fine for a screen and needs no shared lock on the award path.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable

from flask import Flask, current_app, request
from flask_socketio import ConnectionRefusedError, SocketIO, emit, join_room
from pydantic import BaseModel, Field, ValidationError

from pkarena import runtime
from pkarena.extensions import db, socketio
from pkarena.models import LedgerEntry
from pkarena.services.boards import screens

NAMESPACE = screens.NAMESPACE
PUSH_WINDOW_SECONDS = 1.0
SCOPES_TTL_S = 2.0  # how long one lookup of the screens an org's awards affect is reused
log = logging.getLogger("pkarena.screen")


class ScreenAuth(BaseModel):
    """The `auth` object a screen sends when it connects."""

    token: str = Field(min_length=1, max_length=128)


def refuse(code: str, message: str) -> ConnectionRefusedError:
    """A refusal the client sees as `connect_error`: `err.message` in Chinese, `err.data` = {code, message}."""
    # One argument would be stringified into `message`; the second one travels as `data`.
    return ConnectionRefusedError(message, {"code": code, "message": message})


def register_screen_namespace(sio: SocketIO) -> None:
    """Attach the `/screen` connect handler: resolve the token, join its rooms, send the current payload."""

    @sio.on("connect", namespace=NAMESPACE)
    def _screen_connect(auth=None):
        try:
            token = ScreenAuth.model_validate(auth or {}).token
        except ValidationError as exc:
            raise refuse("SCREEN_TOKEN_MISSING", "缺少大屏令牌") from exc
        session = runtime.session()
        row = screens.resolve(session, token)
        if row is None:
            raise refuse("SCREEN_TOKEN_INVALID", "大屏链接无效或已被收回")
        join_room(screens.room_for(row.scope_kind, row.scope_id))
        join_room(screens.token_room(row))
        remembered = current_app.extensions.get("pkarena.screen_scopes")
        if remembered is not None:  # a screen just started watching: the next award must look again
            remembered.clear()
        # A screen that reconnects after a network drop has missed pushes: give it the current state.
        emit("board.update", screens.screen_payload(session, runtime.store(), runtime.clock(), row),
             to=request.sid, namespace=NAMESPACE)


class AffectedScopes:
    """Which screen scopes an org's awards move, remembered for `ttl` seconds.

    A match's end awards all its players within milliseconds, and each award asked the database which
    screens it affects (two queries and a session): one lookup now serves them all. A screen that
    connects clears it; one created on another process is seen within `ttl`. The key is the org and,
    because a contest counts only some sources and days, the entry's source and day.
    """

    def __init__(self, ttl: float = SCOPES_TTL_S, now: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.now = ttl, now
        self._lock = threading.Lock()
        self._known: dict[Hashable, tuple[float, list[tuple[str, int]]]] = {}

    def get(self, key: Hashable, lookup: Callable[[], list[tuple[str, int]]]) -> list[tuple[str, int]]:
        """The scopes for `key`, from `lookup()` unless looked up less than `ttl` ago."""
        with self._lock:
            known = self._known.get(key)
        if known is not None and known[0] > self.now():
            return known[1]
        scopes = lookup()
        with self._lock:
            self._known[key] = (self.now() + self.ttl, scopes)
        return scopes

    def clear(self) -> None:
        """Forget everything (a screen connected)."""
        with self._lock:
            self._known.clear()


class PushThrottle:
    """Leading + trailing coalescing of pushes per room within a window (see the module docstring)."""

    def __init__(self, push: Callable[[str], None], window: float = PUSH_WINDOW_SECONDS,
                 spawn: Callable[..., object] | None = None, sleep: Callable[[float], object] | None = None) -> None:
        self.push, self.window = push, window
        # Socket.IO's own task helpers, so the timer is a greenlet under gevent and a thread otherwise.
        self.spawn = spawn or socketio.start_background_task
        self.sleep = sleep or socketio.sleep
        self._lock = threading.Lock()
        self._open: set[str] = set()
        self._pending: set[str] = set()

    def changed(self, room: str) -> None:
        """A room's boards moved: push now if its window is closed, else push once when it closes."""
        with self._lock:
            if room in self._open:
                self._pending.add(room)
                return
            self._open.add(room)
        self._push(room)
        self.spawn(self._close_window, room)

    def _close_window(self, room: str) -> None:
        while True:
            self.sleep(self.window)
            with self._lock:
                if room not in self._pending:
                    self._open.discard(room)
                    return
                self._pending.discard(room)
            self._push(room)

    def _push(self, room: str) -> None:
        try:
            self.push(room)
        except Exception:  # a screen push must never break an award or kill the timer
            log.exception("screen push to %s failed", room)


def register_screen_push(app: Flask) -> PushThrottle:
    """Push `board.update` to the screens an award affects, after every committed award of `app`.

    Contest screens are in the list when the contest counts the entry: `ContestBoardUpdater` is an
    earlier listener of the same award, so the payload built here already has the new standings.
    """
    store, clock = app.extensions["pkarena.store"], app.extensions["pkarena.clock"]

    def push(room: str) -> None:
        kind, _, scope_id = room.removeprefix("screen:").partition(":")
        with db.new_session() as session:
            scope = screens.load_scope(session, kind, int(scope_id))
            if scope is None:
                return
            payload = screens.scope_payload(session, store, clock, scope)
        socketio.emit("board.update", payload, to=room, namespace=NAMESPACE)

    throttle, remembered = PushThrottle(push), AffectedScopes()

    def lookup(entry: LedgerEntry) -> list[tuple[str, int]]:
        with db.new_session() as session:
            return screens.affected_scopes(session, entry)

    def on_entry(entry: LedgerEntry) -> None:
        for kind, scope_id in remembered.get((entry.org_id, entry.source, entry.day), lambda: lookup(entry)):
            throttle.changed(screens.room_for(kind, scope_id))

    app.extensions["pkarena.boards"].listeners.append(on_entry)
    app.extensions["pkarena.screen_push"] = throttle
    app.extensions["pkarena.screen_scopes"] = remembered
    return throttle
