"""Real servers in subprocesses: a free port, start, wait until they answer, stop (tests and bench/pk.py).

Standard library only (no pytest): a server that exits or never answers raises `ServerFailed` with its
output, which pytest shows as the test's error and a bench script as its traceback.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

BIN = Path(sys.executable).parent  # the venv's console scripts: pkarena, gunicorn
STARTUP_SECONDS = 90
# Straight to 127.0.0.1 whatever http_proxy the developer's shell exports.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerFailed(RuntimeError):
    """The server exited, or did not answer in time; the message carries its output."""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def console_script(name: str) -> Path:
    """The venv's `name` executable (pkarena, gunicorn), which may not be installed."""
    return BIN / name


class Server:
    """A server subprocess on a free local port, its output in `log`.

    `command` may say `{port}` wherever the port goes, e.g. `["pkarena", "serve", "--port", "{port}"]`
    or `["gunicorn", "--bind", "127.0.0.1:{port}", ...]`.
    """

    def __init__(self, command: Sequence[str], log: Path, *, env: Mapping[str, str] | None = None,
                 cwd: Path | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ if env is None else env)
        self.log = log
        self.command = [str(part).replace("{port}", str(self.port)) for part in command]
        with log.open("wb") as sink:
            self.process = subprocess.Popen(self.command, env=self.env, cwd=cwd, stdout=sink,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def base_url(self) -> str:
        """The server's base URL, e.g. http://127.0.0.1:41234."""
        return self.url

    def output(self) -> str:
        """Everything the server printed so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait(self, path: str = "/healthz", *, seconds: float = STARTUP_SECONDS, any_status: bool = False) -> str:
        """Wait until `path` answers 200 (any HTTP status with `any_status`); returns the body."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerFailed(f"{self.command[0]} exited with {self.process.returncode}:\n{self.output()}")
            try:
                with _DIRECT.open(self.url + path, timeout=2) as response:
                    return response.read().decode("utf-8", errors="replace")
            except urllib.error.HTTPError as exc:  # it listens: enough when any status will do
                if any_status:
                    return ""
                exc.close()
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise ServerFailed(f"{self.command[0]} did not answer {path} within {seconds:.0f}s:\n{self.output()}")

    def stop(self) -> None:
        """Terminate the server (SIGTERM, then SIGKILL after 10 s)."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start(command: Sequence[str], log: Path, *, env: Mapping[str, str] | None = None, cwd: Path | None = None,
          path: str = "/healthz", seconds: float = STARTUP_SECONDS) -> Server:
    """Start a server and wait until `path` answers 200."""
    server = Server(command, log, env=env, cwd=cwd)
    server.wait(path, seconds=seconds)
    return server
