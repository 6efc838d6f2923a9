"""Two `pkarena serve` processes on one PostgreSQL database and one Redis: a 1v1 across them, and a reconnect.

Player A talks to process 1, player B to process 2; the match state lives in the Store and events
travel through the Socket.IO message queue, so both see every `question`, `reveal` and `match.end`.
A third process that starts a match and is killed mid-match leaves it to the others' watchdogs.
"""

from __future__ import annotations

import os
import queue
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import socketio
from support.servers import Server, console_script
from support.services import flushed_redis, scratch_database, worker_redis_url

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.postgres]

PASSWORD = "pk-two-processes-1"
NS = "/play"
STARTUP_SECONDS = 60
WAIT_S = 40  # the longest any one event may take: a 10 s question limit plus the reveal gap, with room
CSV = "题型,题干,选项A,选项B,选项C,答案,解析\n" + "".join(
    f"单选,两进程测试第{i}题：下列哪一项是正确的？,错误{i},正确{i},错误{i}乙,B,第{i}题选B\n" for i in range(1, 7))


def seed(url: str, usernames: list[str]) -> None:
    """Members of one company and a few active questions, through the services and the importer."""
    from pkarena import create_app
    from pkarena.clock import Clock
    from pkarena.config import Config
    from pkarena.extensions import db
    from pkarena.services.people import members, orgs
    from question_bank.importer import import_file

    app = create_app(Config(DATABASE_URL=url, PKARENA_STORE_URL="memory://", SECRET_KEY="seed"))
    with app.app_context(), db.new_session() as session:
        clock = Clock()
        branch = orgs.create_org(session, clock, "两进程支部", orgs.create_org(session, clock, "两进程公司"))
        for username in usernames:
            members.create_member(session, clock, username=username, display_name=f"测试{username}", org=branch,
                                  password=PASSWORD)
        session.commit()
        assert import_file(session, CSV.encode(), "bank.csv").ok
    db.engine.dispose()


def serve(env: dict[str, str], log: Path) -> Server:
    """One `pkarena serve` subprocess (wait for it with `.wait()`)."""
    return Server([str(console_script("pkarena")), "serve", "--port", "{port}"], log, env=env)


@pytest.fixture(scope="module")
def servers(tmp_path_factory) -> Iterator[tuple[Server, Server]]:
    """Two processes on one scratch PostgreSQL database, one Redis store and one Socket.IO message queue."""
    # Not the worker's own Redis database (15, 14, … counting down): other tests flush those before each
    # test, which would wipe this match's live state mid-game. Eight below, one per xdist worker.
    with scratch_database("pkarena_e2e") as url:
        store = flushed_redis(worker_redis_url(below=8))
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "DATABASE_URL": url, "PKARENA_STORE_URL": store,
               "SOCKETIO_MESSAGE_QUEUE": store, "SECRET_KEY": "two-processes-share-one-secret", "DEMO": "false"}
        upgraded = subprocess.run([str(console_script("pkarena")), "db", "upgrade"], env=env,
                                  capture_output=True, text=True, timeout=120)
        assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
        seed(url, ["pa", "pb", "ra", "rb", "ka", "kb"])
        workdir = tmp_path_factory.mktemp("two")
        pair = (serve(env, workdir / "one.log"), serve(env, workdir / "two.log"))
        try:
            for server in pair:
                server.wait(seconds=STARTUP_SECONDS)
            yield pair
        finally:
            for server in pair:
                server.stop()


class Player:
    """A logged-in member with a real Socket.IO client (websocket transport) on one process."""

    def __init__(self, server: Server, username: str) -> None:
        self.http = requests.Session()
        response = self.http.post(server.url + "/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        self.id = str(response.json().get("member", {}).get("id") or self.http.get(server.url + "/api/v1/me").json()["member"]["id"])
        self.events: queue.Queue = queue.Queue()
        self.seen: list[tuple[str, dict]] = []
        self.connect(server)

    def connect(self, server: Server) -> None:
        self.sio = socketio.Client(reconnection=False)
        for name in ("match.start", "question", "reveal", "match.end"):
            self.sio.on(name, namespace=NS, handler=lambda data, name=name: self.events.put((name, data)))
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        self.sio.connect(server.url, namespaces=[NS], transports=["websocket"], headers={"Cookie": cookie},
                         wait_timeout=10)

    def next(self, name: str) -> dict:
        """The next event called `name` (earlier events of other names are kept in `seen`)."""
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            try:
                got, data = self.events.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                break
            self.seen.append((got, data))
            if got == name:
                return data
        raise AssertionError(f"no {name} within {WAIT_S}s; saw {[n for n, _ in self.seen]}")

    def call(self, event: str, data: dict) -> dict:
        return self.sio.call(event, data, namespace=NS, timeout=10)

    def close(self) -> None:
        self.sio.disconnect()


def test_players_on_two_processes_play_one_match_and_see_the_points_on_either(servers) -> None:
    one, two = servers
    a, b = Player(one, "pa"), Player(two, "pb")
    try:
        assert a.call("queue.join", {"mode": "pk1v1"}) == {"ok": True, "status": "queued", "mode": "pk1v1"}
        assert b.call("queue.join", {"mode": "pk1v1"})["status"] == "matched"
        start_a, start_b = a.next("match.start"), b.next("match.start")
        assert start_a["match_id"] == start_b["match_id"] and set(start_a["players"]) == {a.id, b.id}
        for index in range(start_a["questions"]):
            for player in (a, b):
                question = player.next("question")
                assert question["index"] == index and "answer" not in question
                ack = player.call("answer", {"match_id": question["match_id"], "index": index, "choice": "B"})
                assert ack["ok"], ack
            assert a.call("answer", {"match_id": start_a["match_id"], "index": index, "choice": "B"})["error"]["code"] \
                in ("ALREADY_ANSWERED", "QUESTION_CLOSED", "MATCH_OVER")
            for player in (a, b):
                reveal = player.next("reveal")
                assert reveal["index"] == index and reveal["results"][a.id]["correct"] \
                    and reveal["results"][b.id]["correct"]
        end_a, end_b = a.next("match.end"), b.next("match.end")
        assert end_a == end_b and not end_a["aborted"]
        awarded = {m: award["points"] for m, award in end_a["awards"].items()}
        assert set(awarded) == {a.id, b.id} and all(points > 0 for points in awarded.values())
        for player in (a, b):
            for server in (one, two):  # the ledger is shared: either process reports the same points
                me = player.http.get(server.url + "/api/v1/me").json()
                assert me["points"]["today"] == awarded[player.id], me
    finally:
        a.close()
        b.close()


def test_a_player_who_drops_mid_match_and_comes_back_gets_the_open_question_and_keeps_the_score(servers) -> None:
    one, two = servers
    a, b = Player(one, "ra"), Player(two, "rb")
    try:
        a.call("queue.join", {"mode": "pk1v1"})
        b.call("queue.join", {"mode": "pk1v1"})
        match_id = a.next("match.start")["match_id"]
        b.next("match.start")
        first = a.next("question")
        assert a.call("answer", {"match_id": match_id, "index": 0, "choice": "B"})["ok"]
        assert b.call("answer", {"match_id": match_id, "index": 0, "choice": "A"})["ok"]
        scored = a.next("reveal")["results"][a.id]["score"]
        assert scored > 0 and b.next("reveal")["index"] == first["index"]

        second = a.next("question")
        a.close()  # the phone drops while question 1 is open, before answering it
        b.next("question")
        assert b.call("answer", {"match_id": match_id, "index": 1, "choice": "B"})["ok"]
        a.events = queue.Queue()
        a.connect(two)  # back within the grace period, this time through the other process
        again = a.next("question")
        assert again["index"] == 1 and again["deadline"] == second["deadline"]
        assert again["deadline"] > again.get("server_now", 0)  # time is left on the clock
        assert a.call("answer", {"match_id": match_id, "index": 1, "choice": "B"})["ok"]
        for index in range(2, 5):
            for player, choice in ((a, "B"), (b, "C")):
                question = player.next("question")
                assert question["index"] == index
                assert player.call("answer", {"match_id": match_id, "index": index, "choice": choice})["ok"]
        end = a.next("match.end")
        mine = next(s for s in end["standings"] if s["player"] == a.id)
        assert mine["place"] == 1 and not mine["forfeited"] and mine["correct"] == 5 and mine["total"] >= scored
    finally:
        a.close()
        b.close()




def test_a_match_whose_process_is_killed_is_driven_on_by_another_process(servers, tmp_path) -> None:
    one, two = servers
    three = serve(two.env, tmp_path / "three.log")
    three.wait(seconds=STARTUP_SECONDS)
    a, b = Player(three, "ka"), Player(three, "kb")
    try:
        a.call("queue.join", {"mode": "pk1v1"})
        assert b.call("queue.join", {"mode": "pk1v1"})["status"] == "matched"  # started, and driven, on three
        match_id = a.next("match.start")["match_id"]
        for player, choice in ((a, "B"), (b, "A")):
            assert player.next("question")["index"] == 0
            assert player.call("answer", {"match_id": match_id, "index": 0, "choice": choice})["ok"]
        assert a.next("reveal")["index"] == 0 and b.next("reveal")["index"] == 0
        three.process.kill()  # in the reveal's pause: nothing but a driver can open question 1 now
        three.process.wait(timeout=10)
        for player in (a, b):
            player.events = queue.Queue()
            player.connect(two)
        for index in range(1, 5):
            for player in (a, b):
                question = player.next("question")  # opened by a driver the watchdog of one or two started
                assert question["index"] == index
                assert player.call("answer", {"match_id": match_id, "index": index, "choice": "B"})["ok"]
        end = a.next("match.end")
        assert not end["aborted"] and end["standings"][0]["player"] == a.id
        assert end["awards"][a.id]["points"] > 0 and end["awards"][b.id]["points"] > 0
        logs = one.log.read_text(errors="replace") + two.log.read_text(errors="replace")
        assert f"match {match_id} had no driver; driving it here" in logs
    finally:
        a.close()
        b.close()
        three.stop()
