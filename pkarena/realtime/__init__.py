"""Socket.IO namespaces: thin handlers that validate, authorize with pkarena.authz, and emit to rooms."""

from __future__ import annotations

from flask_login import current_user
from flask_socketio import ConnectionRefusedError, SocketIO

from pkarena.authz import AccessDenied, check


def socket_user(role: str = "member"):
    """The session's member if allowed `role`, else refuse the connection with a Chinese message."""
    try:
        return check(current_user if current_user.is_authenticated else None, role)
    except AccessDenied as exc:
        raise ConnectionRefusedError({"code": exc.code, "message": exc.message}) from exc


def register_namespaces(socketio: SocketIO) -> None:
    """Attach the namespaces; `/play` only admits logged-in, active members."""

    from pkarena.realtime.play import register_play_namespace

    register_play_namespace(socketio)

    from pkarena.realtime.screen import register_screen_namespace

    register_screen_namespace(socketio)
