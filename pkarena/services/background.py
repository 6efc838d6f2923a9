"""Background tasks whose progress and outcome live in the Store under a token (the imports' confirm pages).

Any process can read a task's progress (the result page may be served by another one); the task
itself runs in the process that started it, which keeps a handle so tests can wait for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pkarena.extensions import socketio
from pkarena.store.base import Store


class StoredTasks:
    """One kind of task: its progress under `key(token)` for `ttl` seconds, at most one task per token."""

    def __init__(self, key: Callable[[str], str], ttl: int) -> None:
        self.key, self.ttl = key, ttl
        self._running: dict[str, Any] = {}  # token → task (thread or greenlet) started by this process

    def progress(self, store: Store, token: str) -> dict[str, Any] | None:
        """The progress or outcome of the task started for `token` (None: unknown or expired)."""
        return store.state_get(self.key(token))

    def report(self, store: Store, token: str, state: dict[str, Any]) -> None:
        """Replace the task's progress or outcome."""
        store.state_set(self.key(token), state, self.ttl)

    def start(self, store: Store, token: str, first: dict[str, Any], function: Callable[..., None],
              *args: Any) -> bool:
        """Record `first` and run `function(*args)` in the background; False when `token` already has a task.

        `function` must call `finished(token)` when it is done, after reporting its outcome.
        """
        if not store.state_set_if_absent(self.key(token), first, self.ttl):
            return False
        self._running[token] = socketio.start_background_task(function, *args)
        if (self.progress(store, token) or {}).get("state") != "running":  # it finished before we remembered it
            self._running.pop(token, None)
        return True

    def finished(self, token: str) -> None:
        """Forget the handle of `token`'s task (called by the task itself at its end)."""
        self._running.pop(token, None)

    def wait(self, token: str, timeout: float | None = None) -> None:
        """Block until `token`'s task has finished (no-op when none is running in this process)."""
        task = self._running.get(token)
        if task is not None:
            task.join(timeout)
