"""The production entry point: `pkarena db upgrade`, then gunicorn's gevent worker serving HTTP and WebSocket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_gevent_serves_health_and_websockets(tmp_path):
    gunicorn = BIN / "gunicorn"
    if not gunicorn.exists():
        message = "gunicorn not installed: pip install -e '.[test,prod]'"
        pytest.fail(message) if os.environ.get("CI") == "true" else pytest.skip(message)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}", "PKARENA_STORE_URL": "memory://",
           "SECRET_KEY": "e2e-secret", "PYTHONUNBUFFERED": "1"}
    env.pop("SOCKETIO_MESSAGE_QUEUE", None)
    upgrade = subprocess.run([str(BIN / "pkarena"), "db", "upgrade"], env=env, cwd=tmp_path, capture_output=True,
                             text=True, timeout=120)
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    assert "database at head" in upgrade.stdout

    port = free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as sink:
        server = subprocess.Popen([str(gunicorn), "-k", "gevent", "-w", "1", "--bind", f"127.0.0.1:{port}",
                                   "pkarena.wsgi:app"],
                                  env=env, cwd=tmp_path, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline, body = time.monotonic() + 60, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    body = response.read().decode()
                    break
            except OSError:
                time.sleep(0.2)
        assert body is not None, log.read_text(errors="replace")
        assert '"status":"ok"' in body.replace(" ", "")

        import engineio

        client = engineio.Client()
        client.connect(base, transports=["websocket"], engineio_path="socket.io")
        try:
            assert client.transport() == "websocket"
        finally:
            client.disconnect()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
    assert "Using worker: gevent" in log.read_text(errors="replace")
