"""The `/play` match driver: sends a match's events, ticks it at its deadlines, and rescues stalled matches.

Every player joins the room of their own member id on connect; match events go to each player's
room, because with a message queue a process can emit to a room anywhere but can only put its own
clients into rooms. The process that starts a match drives its deadlines (a background task that
sleeps until the next tick the match needs); a tick of another process is harmless (the match lease
serialises them and a deadline closes a question once). An answer is acked as soon as the match
state is saved: the database writes of the question it closes (answer log, and the ledger at the
end) are left pending in the state and done by the driver, which then sends `match.end`.

Every process also runs a watchdog: the Store keeps every unfinished match on a schedule of its next
tick, and a match more than `STALL_MS` overdue has lost its driver (its process died), so the first
watchdog to take the match's rescue lease starts a new driver for it. The watchdog also forms the
contest queues' groups of colleagues who waited out the cross-org preference, and starts their matches.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import replace
from typing import Any

from flask import current_app

from pkarena import runtime
from pkarena.engine import match as engine
from pkarena.extensions import socketio
from pkarena.services.contests import matchmaking as contest_queues
from pkarena.services.play import matches as play
from pkarena.services.play import progress as play_progress
from pkarena.store import keys

NAMESPACE = "/play"
STALL_MS = 2000  # a live driver ticks within milliseconds of the schedule; this late, it is gone
WATCHDOG_EVERY_S = 1.0
RESCUE_LEASE_TTL = 10.0  # one process restarts a stalled match; if that driver dies too, another may in 10 s
DRIVER_RETRY_S = 1.0  # a failed tick (database hiccup) is tried again after this
log = logging.getLogger(__name__)


def member_room(member_id: int | str) -> str:
    """The room of one member's connections (all tabs, any process)."""
    return f"member:{member_id}"


# --- emitting engine events --------------------------------------------------------------------------
def messages(outcome: play.Outcome) -> list[tuple[str, dict[str, Any]]]:
    """(event name, payload) pairs for an outcome's events; awards ride on `match.end`."""
    out: list[tuple[str, dict[str, Any]]] = []
    for event in outcome.events:
        if isinstance(event, engine.MatchStarted):
            # Names so the phone can show who it plays against (ids alone mean nothing to a person).
            out.append(("match.start", {**event.payload(),
                                        "names": play_progress.display_names(runtime.session(), event.players),
                                        # Demo bots (陪练机器人) are marked, so the phone never passes one off as a colleague.
                                        "bots": [p for p in event.players if not p.isdigit()
                                                 or int(p) not in outcome.recipients]}))
        elif isinstance(event, engine.QuestionOpened):
            # The server's clock at send time lets the phone sync its countdown to `deadline`.
            out.append(("question", {**event.payload(), "server_now": play.now_ms(runtime.clock())}))
        elif isinstance(event, engine.QuestionClosed):
            out.append(("reveal", event.payload()))
        elif isinstance(event, engine.MatchEnded):
            awards = {str(m): {"points": a.points, "requested": a.requested, "reason": a.reason,
                               "message": a.message} for m, a in outcome.awards.items()}
            out.append(("match.end", {**event.payload(), "awards": awards}))
    return out


def publish(outcome: play.Outcome) -> None:
    """Send an outcome's events to every human player's room, in order."""
    for name, payload in messages(outcome):
        for member in outcome.recipients:
            socketio.emit(name, payload, to=member_room(member), namespace=NAMESPACE)


_wakers: dict[str, Any] = {}  # match id → event that cuts this process's driver's sleep short


def wake_driver(match_id: str) -> None:
    """An answer closed a question early: the next one opens after the reveal pause, not at the old deadline."""
    waker = _wakers.get(match_id)
    if waker is not None:
        waker.set()
    else:  # the driver sleeps in another process: one here too is harmless (ticks are leased and idempotent)
        start_driver(match_id)


def publish_resumed(outcome: play.Outcome, member_id: int) -> None:
    """After a reconnect: what time did to the match goes to everyone, the resumed question only to the returner.

    Sending the resumed question to every player would show the others a duplicate `question`.
    """
    events = outcome.events
    if events and isinstance(events[-1], engine.QuestionOpened):
        publish(replace(outcome, events=events[:-1]))
        if not any(isinstance(e, engine.QuestionOpened) for e in events[:-1]):  # else they just got it
            publish(replace(outcome, events=events[-1:], recipients=[member_id]))
    else:
        publish(outcome)


def drive(app, match_id: str) -> None:
    """Tick a match at its deadlines until it is over (a background task of the starting process)."""
    waker = _wakers.setdefault(match_id, socketio.server.eio.create_event())
    try:
        _drive(app, match_id, waker)
    finally:
        _wakers.pop(match_id, None)


def _drive(app, match_id: str, waker: Any) -> None:
    wake: int | None = None
    known = False  # a tick's outcome says when the next one is due: no second load of the state per wake
    while True:
        with app.app_context():
            if not known:
                try:
                    wake = play.next_tick(runtime.store(), runtime.clock(), match_id)
                except play.PlayError:
                    return
            if wake is None:
                return
            delay = (wake - play.now_ms(runtime.clock())) / 1000
        if delay > 0:
            waker.wait(delay)  # woken early when an answer closes the question
            waker.clear()
        with app.app_context():
            try:
                wake, known = tick_and_publish(match_id).next_at, True
            except play.PlayError as exc:
                if exc.code != play.BUSY:  # another process is mutating it right now: look again
                    return
                known = False
            except Exception:  # the database failed mid-settlement: nothing was saved, so retrying is safe
                log.exception("tick of match %s failed", match_id)
                known = False
                socketio.sleep(DRIVER_RETRY_S)


def tick_and_publish(match_id: str) -> play.Outcome:
    """Let server time act on a match and send what happened (needs an app context)."""
    outcome = play.tick(runtime.session(), runtime.store(), runtime.clock(), match_id, runtime.board_updater())
    publish(outcome)
    return outcome


def start_driver(match_id: str) -> None:
    """Start the deadline driver for a match (tests replace this to tick by hand)."""
    socketio.start_background_task(drive, current_app._get_current_object(), match_id)


def rescue_stalled() -> list[str]:
    """Start drivers here for matches nobody drives any more (needs an app context); the ids started."""
    store, rescued = runtime.store(), []
    for match_id in play.stalled(store, runtime.clock(), STALL_MS):
        if match_id in _wakers:  # driven here, just late (a busy process): a second driver would not help
            continue
        if store.lease_acquire(keys.match_rescue_key(match_id), uuid.uuid4().hex, RESCUE_LEASE_TTL):
            start_driver(match_id)
            rescued.append(match_id)
    return rescued


def form_contest_groups() -> list[str]:
    """Start the matches contest queues allow now (colleagues who waited out the cross-org preference).

    Every process's watchdog runs this; the per-contest lease lets one of them form each group. Needs an
    app context; returns the ids of the matches started here.
    """
    session, store, clock = runtime.session(), runtime.store(), runtime.clock()
    started = []
    for mode, group in contest_queues.form_waiting_groups(store, play.now_ms(clock)):
        try:
            match, outcome = play.start(session, store, clock, mode, [int(m) for m in group])
        except play.PlayError as exc:  # e.g. too few questions: the other groups still start
            log.warning("contest group %s of %s not started: %s", group, mode, exc.code)
            continue
        launch(match, outcome)
        started.append(match.match_id)
    return started


_watching = threading.Event()


def _watchdog(app) -> None:
    while True:
        socketio.sleep(WATCHDOG_EVERY_S)
        with app.app_context():
            try:
                for match_id in rescue_stalled():
                    log.warning("match %s had no driver; driving it here", match_id)
            except Exception:  # a Store hiccup must not end the loop; the next round retries
                log.exception("play watchdog failed")
            try:
                form_contest_groups()
            except Exception:
                log.exception("contest queue pass failed")


def start_watchdog() -> None:
    """Start this process's watchdog (stalled matches, contest queues' relaxed pass) once.

    Not under TESTING: tests call `rescue_stalled` and `form_contest_groups` by hand.
    """
    if not current_app.config["TESTING"] and not _watching.is_set():
        _watching.set()
        socketio.start_background_task(_watchdog, current_app._get_current_object())


def launch(match: engine.Match, outcome: play.Outcome) -> None:
    """Send a started match's first events and drive it (unless it is already over)."""
    publish(outcome)
    if not match.over:
        start_driver(match.match_id)
