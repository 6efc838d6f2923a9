"""A bare python-socketio server for `bench/pk.py`: the stack's own limit, with no app behind it.

It speaks the bench clients' part of `/play`: `queue.join` puts four clients in a room, `answer` is
acked at once, and when the four have answered, a `reveal`-sized message goes to the room (the
fan-out the real server does); the next `question` follows `--gap` seconds later, five per match,
then `match.end`. Run: `python bench/pk_echo.py --port N --mode threading|gevent`.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import threading

import preflight  # bench/, the script's own folder

GROUP, QUESTIONS = 4, 5
STEM = "回声基准题：下列哪一项是正确的？" * 2


def build(mode: str, gap: float):
    """The Socket.IO server and its WSGI app."""
    import socketio

    sio = socketio.Server(async_mode=mode, cors_allowed_origins=[])
    lock = threading.Lock()
    waiting: list[str] = []
    rooms: dict[str, dict] = {}
    seat: dict[str, str] = {}
    numbers = itertools.count(1)  # a fresh room per match: a member's old room must not hear the next one

    def question(room: str) -> None:
        state = rooms[room]
        state["answered"] = 0
        sio.emit("question", {"match_id": room, "index": state["index"], "type": "single", "stem": STEM,
                              "options": ["甲", "乙", "丙", "丁"], "blanks": 0, "limit_ms": 10_000},
                 to=room, namespace="/play")

    def advance(room: str) -> None:
        sio.sleep(gap)
        state = rooms[room]
        state["index"] += 1
        if state["index"] >= QUESTIONS:
            sio.emit("match.end", {"match_id": room, "standings": []}, to=room, namespace="/play")
            rooms.pop(room, None)
            sio.close_room(room, namespace="/play")
        else:
            question(room)

    @sio.on("connect", namespace="/play")
    def _connect(sid, environ, auth=None):
        return True

    @sio.on("queue.join", namespace="/play")
    def _join(sid, data):
        with lock:
            waiting.append(sid)
            group = waiting[:GROUP] if len(waiting) >= GROUP else None
            if group:
                del waiting[:GROUP]
        if group is None:
            return {"ok": True, "status": "queued"}
        room = f"echo-{next(numbers)}"
        rooms[room] = {"index": 0, "answered": 0}
        for member in group:
            seat[member] = room
            sio.enter_room(member, room, namespace="/play")
        sio.emit("match.start", {"match_id": room, "players": group}, to=room, namespace="/play")
        question(room)
        return {"ok": True, "status": "matched"}

    @sio.on("answer", namespace="/play")
    def _answer(sid, data):
        room = seat.get(sid)
        with lock:
            state = rooms.get(room)
            done = state is not None and state["answered"] + 1 == GROUP
            if state is not None:
                state["answered"] += 1
        if done:
            sio.emit("reveal", {"match_id": room, "index": data.get("index"), "answer": "B", "explanation": STEM,
                                "results": {m: {"choice": "B", "correct": True, "elapsed_ms": 900, "score": 95}
                                            for m in range(GROUP)}}, to=room, namespace="/play")
            sio.start_background_task(advance, room)
        return {"ok": True, "match_id": room, "index": data.get("index")}

    return sio, socketio.WSGIApp(sio)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=("threading", "gevent"), default="threading")
    parser.add_argument("--gap", type=float, default=3.0)
    args = parser.parse_args()
    if args.mode == "gevent":
        preflight.modules("gevent", why="the gevent echo server")
        from gevent import monkey

        monkey.patch_all()  # before the check below imports socketio (and ssl, sockets)
    preflight.modules("socketio", why=f"the {args.mode} echo server")
    if args.mode == "gevent":
        from gevent import pywsgi

        _sio, app = build("gevent", args.gap)
        pywsgi.WSGIServer(("127.0.0.1", args.port), app, log=None).serve_forever()
    else:
        from werkzeug.serving import run_simple

        _sio, app = build("threading", args.gap)
        run_simple("127.0.0.1", args.port, app, threaded=True)


if __name__ == "__main__":
    sys.exit(main())
