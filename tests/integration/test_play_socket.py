"""The `/play` namespace with Flask-SocketIO's test client: acks, whole runs of every mode, and no leaks."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from play_helpers import NS, Table, assert_no_leak, connect, play_out, right, tick
from sqlalchemy import select

from pkarena.extensions import socketio
from pkarena.models import LedgerEntry
from pkarena.realtime import driver


def test_a_guest_cannot_connect_to_play(app) -> None:
    assert not socketio.test_client(app, namespace=NS).is_connected(NS)


def test_bad_payloads_and_unknown_matches_get_error_acks(app, bank, people, driven) -> None:
    sock = connect(app, people[0])
    for event, data in (("answer", {"match_id": "x"}), ("answer", "text"), ("queue.join", {"mode": "chess"}),
                        ("daily.start", {"extra": 1})):
        ack = sock.emit(event, data, namespace=NS, callback=True)
        assert ack == {"ok": False, "error": {"code": "INVALID_PAYLOAD", "message": "请求格式不正确"}}
    ack = sock.emit("answer", {"match_id": "nope", "index": 0, "choice": "A"}, namespace=NS, callback=True)
    assert ack["error"]["code"] == "NO_MATCH" and ack["error"]["message"]
    assert sock.emit("queue.leave", namespace=NS, callback=True)["error"]["code"] == "NOT_QUEUED"


def test_a_daily_run_over_sockets_awards_points_and_leaks_nothing(app, session, clock, bank, people, driven) -> None:
    member = people[0]
    table = Table({member.id: connect(app, member)})
    ack = table.emit(member.id, "daily.start")
    assert ack["ok"] and driven == [ack["match_id"]]
    assert [m["name"] for m in table.log[member.id]][:2] == ["match.start", "question"]
    end = play_out(app, clock, table, lambda _m, q: right(q))
    assert end["awards"][str(member.id)]["points"] == 5
    assert session.scalars(select(LedgerEntry.points).where(LedgerEntry.member_id == member.id)).all() == [5]
    assert_no_leak(table.log[member.id])
    assert all("correct" not in json.dumps(a) for a in table.acks)


def test_a_challenge_run_over_sockets_ends_on_the_second_miss(app, clock, bank, people, driven) -> None:
    member = people[0]
    table = Table({member.id: connect(app, member)})
    assert table.emit(member.id, "challenge.start")["ok"]
    end = play_out(app, clock, table, lambda _m, q: "Z" if q["index"] in (1, 3) else right(q))
    assert end["standings"][0]["outcome"]["streak"] == 2
    assert_no_leak(table.log[member.id])


def test_two_members_queue_for_1v1_play_it_and_a_second_answer_is_refused(app, clock, bank, people,
                                                                          driven) -> None:
    table = Table({p.id: connect(app, p) for p in people[:2]})
    a, b = (p.id for p in people[:2])
    assert table.emit(a, "queue.join", {"mode": "pk1v1"}) == {"ok": True, "status": "queued", "mode": "pk1v1"}
    matched = table.emit(b, "queue.join", {"mode": "pk1v1"})
    assert matched["ok"] and matched["status"] == "matched"
    question = table.last(a, "question")
    assert question == table.last(b, "question") and "answer" not in question
    first = table.emit(a, "answer", {"match_id": question["match_id"], "index": 0, "choice": "Z"})
    again = table.emit(a, "answer", {"match_id": question["match_id"], "index": 0, "choice": right(question)})
    assert first == {"ok": True, "match_id": question["match_id"], "index": 0}
    assert again["error"]["code"] == "ALREADY_ANSWERED"
    assert table.last(a, "reveal") is None  # b has not answered: the question is still open
    end = play_out(app, clock, table, lambda m, q: right(q) if m == a else "Z")
    assert end["awards"][str(a)]["points"] == 2 and end["awards"][str(b)]["points"] == 1
    for member in (a, b):
        assert_no_leak(table.log[member])


def test_four_members_play_pk4_and_every_payload_is_leak_free(app, clock, bank, people, driven) -> None:
    table = Table({p.id: connect(app, p) for p in people})
    acks = [table.emit(p.id, "queue.join", {"mode": "pk4", "scope": "open"}) for p in people]
    assert [a["status"] for a in acks] == ["queued", "queued", "queued", "matched"]
    end = play_out(app, clock, table, lambda m, q: right(q) if m == people[0].id else "Z")
    assert end["standings"][0]["player"] == str(people[0].id)
    assert end["awards"][str(people[0].id)]["points"] == 3
    for member in table.socks:
        assert_no_leak(table.log[member])


def start_1v1(table: Table, a: int, b: int) -> dict:
    table.emit(a, "queue.join", {"mode": "pk1v1"})
    assert table.emit(b, "queue.join", {"mode": "pk1v1"})["status"] == "matched"
    return table.last(a, "question")


def test_a_player_back_within_the_grace_period_gets_the_open_question_and_keeps_the_answer(
        app, clock, bank, people, driven) -> None:
    a, b = (p.id for p in people[:2])
    table = Table({a: connect(app, people[0]), b: connect(app, people[1])})
    question = start_1v1(table, a, b)
    assert table.emit(a, "answer", {"match_id": question["match_id"], "index": 0, "choice": right(question)})["ok"]
    table.socks[a].disconnect(namespace=NS)
    clock.advance(seconds=5)
    back = connect(app, people[0])
    resumed = back.get_received(NS)
    assert [m["name"] for m in resumed] == ["question"]
    assert {k: resumed[0]["args"][0][k] for k in ("match_id", "index", "deadline")} == {
        k: question[k] for k in ("match_id", "index", "deadline")}
    table.socks[a] = back
    table.emit(b, "answer", {"match_id": question["match_id"], "index": 0, "choice": "Z"})
    reveal = table.last(a, "reveal")
    assert reveal["index"] == 0 and reveal["results"][str(a)]["correct"] is True


def test_a_player_away_beyond_the_grace_period_forfeits_and_the_other_wins(app, clock, bank, people,
                                                                            driven) -> None:
    a, b = (p.id for p in people[:2])
    table = Table({a: connect(app, people[0]), b: connect(app, people[1])})
    question = start_1v1(table, a, b)
    table.socks[a].disconnect(namespace=NS)
    del table.socks[a]
    clock.advance(seconds=25)
    tick(app, table, question["match_id"])
    end = table.last(b, "match.end")
    assert end["awards"][str(b)]["points"] == 2
    assert end["awards"][str(a)] == {"points": 0, "requested": 0, "reason": "forfeited",
                                     "message": "中途退出，本场不计分"}
    assert not connect(app, people[0]).get_received(NS)  # the match is over: nothing to resume


def test_the_deadline_driver_closes_unanswered_questions_and_ends_the_run(app, clock, bank, people,
                                                                          driven) -> None:
    member = people[0]
    table = Table({member.id: connect(app, member)})
    match_id = table.emit(member.id, "daily.start")["match_id"]
    clock.advance(minutes=10)  # nobody answers: every deadline has passed when the driver wakes
    driver.drive(app, match_id)
    table.pull()
    names = [m["name"] for m in table.log[member.id]]
    assert names.count("reveal") == 5 and names[-1] == "match.end"
    assert table.last(member.id, "match.end")["awards"][str(member.id)]["points"] == 0


def test_the_closing_answer_is_acked_at_once_and_match_end_follows_from_the_driver(app, session, clock, bank,
                                                                                   people, driven) -> None:
    member = people[0]
    table = Table({member.id: connect(app, member)})
    match_id = table.emit(member.id, "daily.start")["match_id"]
    for index in range(5):
        question = table.last(member.id, "question")
        assert question["index"] == index
        clock.advance(seconds=1)
        ack = table.emit(member.id, "answer", {"match_id": match_id, "index": index, "choice": right(question)})
        assert ack == {"ok": True, "match_id": match_id, "index": index}
        assert table.last(member.id, "reveal")["index"] == index  # the reveal does not wait for the writes
        clock.advance(seconds=3)
        tick(app, table, match_id)
    assert table.last(member.id, "match.end")["awards"][str(member.id)]["points"] == 5
    names = [m["name"] for m in table.log[member.id]]
    assert names.count("match.end") == 1 and names[-1] == "match.end"


def test_a_match_whose_driver_died_is_taken_over_by_one_watchdog(app, clock, bank, people, driven) -> None:
    a, b = (p.id for p in people[:2])
    table = Table({a: connect(app, people[0]), b: connect(app, people[1])})
    question = start_1v1(table, a, b)
    driven.clear()  # the process that started it (and its driver) is gone
    with app.app_context():
        assert driver.rescue_stalled() == []  # not late yet
        clock.set(datetime.fromtimestamp(question["deadline"] / 1000 + 3, UTC))
        assert driver.rescue_stalled() == [question["match_id"]]
        assert driver.rescue_stalled() == []  # the rescue lease: one process takes it over, once
    assert driven == [question["match_id"]]
    tick(app, table, question["match_id"])  # what the new driver does first: close at the old deadline
    assert table.last(a, "reveal")["index"] == 0


def test_a_member_deactivated_while_connected_loses_the_socket_at_the_next_recheck(app, session, bank, people,
                                                                                    driven, monkeypatch) -> None:
    import pkarena.realtime as realtime

    member = people[0]
    sock = connect(app, member)
    assert sock.emit("queue.join", {"mode": "pk1v1"}, namespace=NS, callback=True)["status"] == "queued"
    session.get(type(member), member.id).status = "inactive"
    session.commit()
    # Within the recheck window the connection's snapshot answers without a database read ...
    assert sock.emit("queue.leave", {}, namespace=NS, callback=True) == {"ok": True}
    monkeypatch.setattr(realtime, "MEMBER_RECHECK_S", 0.0)
    # ... after it, the member is read again and refused.
    refused = sock.emit("queue.leave", {}, namespace=NS, callback=True)
    assert refused["ok"] is False and refused["error"]["code"] in ("AUTH_REQUIRED", "ACCOUNT_INACTIVE")
    assert refused["error"]["message"]
