"""Helpers of the /play socket tests (Flask-SocketIO's test client): connect, a table of clients, ticking."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from factories import World

from pkarena.extensions import socketio
from pkarena.realtime import driver

NS = "/play"
SECRET = "解析-秘密"


def connect(app, member):
    """A logged-in Socket.IO test client on /play."""
    http = app.test_client()
    assert http.post("/api/v1/auth/login", json={"username": member.username,
                                                 "password": World.PASSWORD}).status_code == 200
    sock = socketio.test_client(app, namespace=NS, flask_test_client=http)
    assert sock.is_connected(NS)
    return sock


def right(question: dict) -> object:
    """The correct choice for the test bank's question types."""
    return {"single": "B", "judge": True, "multiple": ["A", "C"]}[question["type"]]


class Table:
    """Everything the server sends to a set of clients, in order, plus the acks."""

    def __init__(self, socks: dict[int, object]) -> None:
        self.socks = socks
        self.log: dict[int, list[dict]] = {m: [] for m in socks}
        self.acks: list[dict] = []

    def pull(self) -> None:
        for member, sock in self.socks.items():
            self.log[member] += sock.get_received(NS)

    def last(self, member: int, name: str) -> dict | None:
        found = [m["args"][0] for m in self.log[member] if m["name"] == name]
        return found[-1] if found else None

    def emit(self, member: int, event: str, data=None) -> dict:
        ack = self.socks[member].emit(event, data, namespace=NS, callback=True)
        self.acks.append(ack)
        self.pull()
        return ack


def tick(app, table: Table, match_id: str) -> None:
    """What the deadline driver does at a wake-up."""
    with app.app_context():
        driver.tick_and_publish(match_id)
    table.pull()


def play_out(app, clock, table: Table, choose) -> dict:
    """Answer each open question with `choose(member, question)` until `match.end`; returns it."""
    first = next(iter(table.socks))
    for _ in range(40):
        end = table.last(first, "match.end")
        if end:
            return end
        question = table.last(first, "question")
        for member in table.socks:
            clock.advance(seconds=1)
            ack = table.emit(member, "answer", {"match_id": question["match_id"], "index": question["index"],
                                                "choice": choose(member, question)})
            assert ack["ok"] or ack["error"]["code"] in ("QUESTION_CLOSED", "MATCH_OVER", "ALREADY_ANSWERED"), ack
        revealed = table.last(first, "reveal")
        if not revealed or revealed["index"] != question["index"]:  # someone did not answer: wait it out
            clock.set(datetime.fromtimestamp((question["deadline"] + 1) / 1000, UTC))
            tick(app, table, question["match_id"])
        clock.advance(seconds=3)  # the reveal's pause, then the next question opens
        tick(app, table, question["match_id"])
    raise AssertionError("the match never ended")


def assert_no_leak(log: list[dict]) -> None:
    """No payload tells a secret of a question before its reveal (answer, explanation, correctness)."""
    revealed: set[str] = set()
    for message in log:
        name, payload = message["name"], message["args"][0]
        if name == "reveal":
            revealed.add(payload["explanation"])
        if name in ("question", "match.start"):
            assert not {"answer", "explanation", "correct", "results"} & set(payload), payload
        for marker in re.findall(SECRET + r"\d+", json.dumps(payload, ensure_ascii=False)):
            assert marker in revealed, f"{marker} sent in {name} before its question's reveal"
