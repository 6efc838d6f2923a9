"""Socket.IO namespaces: thin handlers that validate, authorize with pkarena.authz, and emit to rooms."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from flask import session
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, SocketIO

from pkarena.authz import AccessDenied, check

# A socket's member is read from the database at connect and again at the first event after this many
# seconds: an answer must not cost three PostgreSQL round trips (pool ping, SELECT, rollback), and a
# member deactivated or demoted meanwhile loses access within this time. The role itself is checked
# on every event, against this snapshot.
MEMBER_RECHECK_S = 30.0
_SNAPSHOT = "pk_socket_member"


@dataclass(frozen=True)
class SocketMember:
    """What socket handlers need of the connected member, as checked at `checked_at` (monotonic s)."""

    id: int
    role: str
    company_id: int | None
    checked_at: float
    is_authenticated: bool = True
    is_active: bool = True  # a snapshot is only made of an active member


def event_member(role: str = "member") -> SocketMember:
    """The connection's member if allowed `role` (re-read from the database every MEMBER_RECHECK_S)."""
    cached = session.get(_SNAPSHOT)
    if cached is not None and time.monotonic() - cached["checked_at"] < MEMBER_RECHECK_S:
        return check(SocketMember(**cached), role)
    session.pop(_SNAPSHOT, None)
    user = check(current_user if current_user.is_authenticated else None, role)
    member = SocketMember(user.id, user.role, user.org.company_id if user.org is not None else None, time.monotonic())
    session[_SNAPSHOT] = asdict(member)
    return member


def socket_user(role: str = "member") -> SocketMember:
    """The session's member if allowed `role`, else refuse the connection with a Chinese message."""
    try:
        session.pop(_SNAPSHOT, None)  # a new connection always reads the member afresh
        return event_member(role)
    except AccessDenied as exc:
        raise ConnectionRefusedError({"code": exc.code, "message": exc.message}) from exc


def register_namespaces(socketio: SocketIO) -> None:
    """Attach the namespaces; `/play` only admits logged-in, active members."""

    from pkarena.realtime import bots
    from pkarena.realtime.play import register_play_namespace

    # Looked up at each call, so a test can replace `bots.start_sweeper`.
    register_play_namespace(socketio, on_queued=lambda: bots.start_sweeper())

    from pkarena.realtime.screen import register_screen_namespace

    register_screen_namespace(socketio)
