"""The `/play` namespace's handlers: daily and challenge runs, PK queues, duels and answers.

Each handler validates its payload, calls one play or matchmaking service, and hands a started match
to the driver (pkarena/realtime/driver.py), which sends its events and ticks it at its deadlines.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from functools import wraps
from typing import Any, Literal

from flask_login import current_user
from flask_socketio import SocketIO, join_room
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError

from pkarena import runtime
from pkarena.authz import AccessDenied
from pkarena.engine import match as engine
from pkarena.realtime import driver, event_member, socket_user
from pkarena.services.contests import matchmaking as contest_queues
from pkarena.services.play import matches as play
from pkarena.services.play import matchmaking

NAMESPACE = driver.NAMESPACE
INVALID = "INVALID_PAYLOAD"
INVALID_MESSAGE = "请求格式不正确"

Choice = StrictStr | StrictBool | list[StrictStr]


class NoPayload(BaseModel):
    """Events without fields (`daily.start`, `challenge.start`, `queue.leave`)."""

    model_config = ConfigDict(extra="forbid")


class QueueJoin(BaseModel):
    """`queue.join`: a PK mode, and whom to meet: colleagues of my company, anyone, or a contest's sides."""

    model_config = ConfigDict(extra="forbid")
    mode: Literal[matchmaking.QUEUE_MODES]  # type: ignore[valid-type]  # the registry's queue sources
    scope: str = Field("company", pattern=r"^(company|open|contest:[1-9][0-9]{0,8})$")  # ids fit int4


class DuelAccept(BaseModel):
    """`duel.accept`: the code of a 好友对战 invitation (from its link or QR)."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=64)


class AnswerIn(BaseModel):
    """`answer`: a letter, letters, true/false or blank strings for question `index` of a match."""

    model_config = ConfigDict(extra="forbid")
    match_id: str = Field(min_length=1, max_length=64)
    index: int = Field(ge=0, le=1000)
    choice: Choice


def error(code: str, message: str) -> dict[str, Any]:
    """An error ack."""
    return {"ok": False, "error": {"code": code, "message": message}}


def acked(schema: type[BaseModel]) -> Callable:
    """Check the member, validate the payload, and turn refusals into error acks (never a traceback)."""

    def decorator(handler: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        @wraps(handler)
        def wrapped(data: Any = None) -> dict[str, Any]:
            try:
                user = event_member("member")
                payload = schema.model_validate(data if data is not None else {})
                return handler(user, payload)
            except AccessDenied as exc:
                return error(exc.code, exc.message)
            except ValidationError:
                return error(INVALID, INVALID_MESSAGE)
            except (play.PlayError, matchmaking.MatchmakingError) as exc:
                return error(exc.code, exc.message)

        return wrapped

    return decorator


def _started(match: engine.Match, outcome: play.Outcome) -> dict[str, Any]:
    driver.launch(match, outcome)
    return {"ok": True, "match_id": match.match_id, "mode": match.mode.name}


def _solo_start(mode_name: str) -> Callable[[Any, NoPayload], dict[str, Any]]:
    """The handler of `<mode>.start` for a solo mode: start (or resume today's) run and drive it."""

    def start(user, _payload: NoPayload) -> dict[str, Any]:
        match, outcome = play.start_solo(runtime.session(), runtime.store(), runtime.clock(), mode_name, user.id)
        return _started(match, outcome)

    return start


# --- handlers ----------------------------------------------------------------------------------------
def register_play_namespace(sio: SocketIO, on_queued: Callable[[], None] = lambda: None) -> None:
    """Attach `/play`: only logged-in, active members connect; each joins their own member room.

    `on_queued` runs when a member waits in a queue (the demo starts its bot sweep there).
    """

    @sio.on("connect", namespace=NAMESPACE)
    def _play_connect(auth=None):
        user = socket_user("member")
        join_room(driver.member_room(user.id))
        driver.start_watchdog()
        match_id = play.current_match_id(runtime.store(), user.id)
        if match_id is not None:  # back within the grace period: the open question, with its deadline
            with suppress(play.PlayError):  # the match expired meanwhile: nothing to resume
                resumed = play.reconnect(runtime.session(), runtime.store(), runtime.clock(), match_id, user.id,
                                         runtime.board_updater())
                driver.publish_resumed(resumed, user.id)

    @sio.on("disconnect", namespace=NAMESPACE)
    def _play_disconnect(*_reason):
        if not current_user.is_authenticated:
            return
        match_id = play.current_match_id(runtime.store(), current_user.id)
        if match_id is not None:
            with suppress(play.PlayError):  # expired or busy: the grace period simply does not start
                play.disconnect(runtime.store(), runtime.clock(), match_id, current_user.id)

    for mode_name in play.SOLO_MODES:  # `daily.start`, `challenge.start`
        sio.on(f"{mode_name}.start", namespace=NAMESPACE)(acked(NoPayload)(_solo_start(mode_name)))

    @sio.on("answer", namespace=NAMESPACE)
    @acked(AnswerIn)
    def _answer(user, payload: AnswerIn):
        # Acked before the database writes: the driver settles what this answer closed (and sends match.end).
        outcome = play.answer(runtime.session(), runtime.store(), runtime.clock(), payload.match_id, user.id,
                              payload.index, payload.choice, settle_now=False)
        driver.publish(outcome)
        if outcome.unsettled or any(isinstance(e, engine.QuestionClosed) for e in outcome.events):
            driver.wake_driver(payload.match_id)
        if not outcome.ok:
            return error(outcome.code, outcome.message)
        # No correctness here: the reveal tells everyone at once, after the question closes.
        return {"ok": True, "match_id": payload.match_id, "index": payload.index}

    @sio.on("queue.join", namespace=NAMESPACE)
    @acked(QueueJoin)
    def _queue_join(user, payload: QueueJoin):
        clock = runtime.clock()
        contest_id = contest_queues.contest_id_of(payload.scope)
        if contest_id is not None:  # a contest's sides meet first; the watchdog pairs colleagues after 10 s
            joined = contest_queues.join_contest_queue(runtime.session(), runtime.store(), clock, user.id,
                                                       contest_id, payload.mode)
        else:
            scope = (matchmaking.company_scope(user.company_id) if payload.scope == "company"
                     else matchmaking.OPEN_SCOPE)
            joined = matchmaking.join(runtime.store(), user.id, payload.mode, scope, play.now_ms(clock))
        if not joined.matched:
            on_queued()
            return {"ok": True, "status": "queued", "mode": payload.mode}
        match, outcome = play.start(runtime.session(), runtime.store(), clock, payload.mode,
                                    [int(m) for m in joined.group])
        return {**_started(match, outcome), "status": "matched"}

    @sio.on("queue.leave", namespace=NAMESPACE)
    @acked(NoPayload)
    def _queue_leave(user, _payload):
        matchmaking.leave(runtime.store(), user.id)
        return {"ok": True}

    @sio.on("duel.accept", namespace=NAMESPACE)
    @acked(DuelAccept)
    def _duel_accept(user, payload: DuelAccept):
        # The host waits on the duel page, connected to /play and so in their member room: `match.start`
        # reaches both players through `publish`, wherever each one is connected.
        pair = matchmaking.accept(runtime.store(), payload.code, user.id)
        match, outcome = play.start(runtime.session(), runtime.store(), runtime.clock(), "pk1v1",
                                    [int(m) for m in pair])
        return {**_started(match, outcome), "status": "matched"}
