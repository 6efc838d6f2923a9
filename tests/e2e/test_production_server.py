"""The production entry point: `pkarena db upgrade`, then gunicorn's gevent worker serving HTTP and WebSocket."""

from __future__ import annotations

import os
import subprocess

import pytest
from support.servers import Server, console_script
from support.services import missing

pytestmark = pytest.mark.e2e


def test_gunicorn_gevent_serves_health_and_websockets(tmp_path):
    gunicorn = console_script("gunicorn")
    if not gunicorn.exists():
        missing("gunicorn", "not installed: pip install -e '.[test,prod]'")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}", "PKARENA_STORE_URL": "memory://",
           "SECRET_KEY": "e2e-secret", "PYTHONUNBUFFERED": "1"}
    env.pop("SOCKETIO_MESSAGE_QUEUE", None)
    upgrade = subprocess.run([str(console_script("pkarena")), "db", "upgrade"], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    assert "database at head" in upgrade.stdout

    server = Server([str(gunicorn), "-k", "gevent", "-w", "1", "--bind", "127.0.0.1:{port}", "pkarena.wsgi:app"],
                    tmp_path / "gunicorn.log", env=env, cwd=tmp_path)
    try:
        body = server.wait("/healthz", seconds=60)
        assert '"status":"ok"' in body.replace(" ", "")
        base = server.url

        import engineio

        client = engineio.Client()
        client.connect(base, transports=["websocket"], engineio_path="socket.io")
        try:
            assert client.transport() == "websocket"
        finally:
            client.disconnect()
    finally:
        server.stop()
    assert "Using worker: gevent" in server.output()
