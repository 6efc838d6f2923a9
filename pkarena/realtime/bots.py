"""Demo only: a per-process background sweep that seats bots beside members who waited too long.

Started by the first `queue.join` of a process when `DEMO` is on; every `SWEEP_EVERY_S` it runs
`services.bots.fill`, which claims timed-out queue entries atomically in the Store, so two processes
sweeping the same queues never seat a member twice. The started match is driven like any other.
"""

from __future__ import annotations

import logging
import threading

from flask import current_app

from pkarena import runtime
from pkarena.extensions import socketio
from pkarena.realtime import driver
from pkarena.services.play import bots

SWEEP_EVERY_S = 1.0  # a waiting member gets bots at most this long after the queue wait is over
log = logging.getLogger(__name__)
_started = threading.Event()


def sweep_and_publish() -> list[str]:
    """Fill timed-out queue entries with bots (demo only), send `match.start`, start their drivers (app context)."""
    if not current_app.config["DEMO"]:
        return []
    started = bots.fill(runtime.session(), runtime.store(), runtime.clock())
    for match, outcome in started:
        driver.launch(match, outcome)
    return [match.match_id for match, _outcome in started]


def _sweeper(app) -> None:
    while True:
        socketio.sleep(SWEEP_EVERY_S)
        with app.app_context():
            try:
                sweep_and_publish()
            except Exception:  # a failed sweep (database hiccup) must not end the loop; the next one retries
                log.exception("bot sweep failed")


def start_sweeper() -> None:
    """Start this process's sweep once, in the demo only (tests replace this and sweep by hand)."""
    if current_app.config["DEMO"] and not _started.is_set():
        _started.set()
        socketio.start_background_task(_sweeper, current_app._get_current_object())
