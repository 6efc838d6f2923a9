"""Demo bots (陪练机器人): a lone PK player gets bots after the queue wait; bots are never awarded or ranked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from factories import World
from play_helpers import Table, connect, right, tick
from sqlalchemy import select

from pkarena.engine import bots as bot_rules
from pkarena.models import LedgerEntry, Member
from pkarena.realtime import bots as rt_bots


@pytest.fixture
def sweeps(monkeypatch) -> list[bool]:
    """The background sweep never starts; the tests sweep by hand with the frozen clock."""
    started: list[bool] = []
    monkeypatch.setattr(rt_bots, "start_sweeper", lambda: started.append(True))
    return started


@pytest.fixture
def lone(world):
    """One member of a company, with nobody to play against."""
    return world.member(world.org("第一支部", world.org("测试公司")), "solo")


def sweep(app) -> list[str]:
    """What the background sweep does at each wake-up."""
    with app.app_context():
        return rt_bots.sweep_and_publish()


def queue_alone(app, clock, member, sweeps) -> Table:
    table = Table({member.id: connect(app, member)})
    assert table.emit(member.id, "queue.join", {"mode": "pk1v1"})["status"] == "queued"
    assert sweeps, "queue.join starts the process's bot sweep"
    return table


def test_a_lone_demo_player_gets_a_bot_after_the_wait_and_finishes_the_match(
        app, clock, session, bank, lone, driven, sweeps) -> None:
    app.config["DEMO"] = True
    table = queue_alone(app, clock, lone, sweeps)
    clock.advance(milliseconds=bot_rules.QUEUE_WAIT_MS - 1)
    assert sweep(app) == []
    clock.advance(milliseconds=1)
    match_ids = sweep(app)
    assert match_ids == driven and len(match_ids) == 1
    table.pull()
    start = table.last(lone.id, "match.start")
    bot_id = next(p for p in start["players"] if p != str(lone.id))
    assert start["bots"] == [bot_id] and start["names"][bot_id].startswith("陪练机器人")
    bot = session.get(Member, int(bot_id))
    assert bot.is_bot and bot.username == "bot-1"

    for _ in range(10):
        if table.last(lone.id, "match.end"):
            break
        question = table.last(lone.id, "question")
        # A second later, but within the question's time: it may have opened before the clock's "now"
        # (the next question opens a gap after the close, and the close is when the bot answered).
        answer_ms = min(clock.now().timestamp() * 1000 + 1000, question["deadline"] - 1)
        clock.set(datetime.fromtimestamp(answer_ms / 1000, UTC))
        ack = table.emit(lone.id, "answer", {"match_id": question["match_id"], "index": question["index"],
                                             "choice": right(question)})
        assert ack["ok"], ack
        clock.set(datetime.fromtimestamp(question["deadline"] / 1000, UTC))  # the bot answers by then
        tick(app, table, question["match_id"])
        reveal = table.last(lone.id, "reveal")
        assert reveal["index"] == question["index"] and reveal["results"][bot_id]["choice"] is not None
        for _ in range(10):  # until the next question opens (or the match ends)
            if table.last(lone.id, "match.end") or table.last(lone.id, "question")["index"] > question["index"]:
                break
            clock.advance(seconds=1)
            tick(app, table, question["match_id"])
    end = table.last(lone.id, "match.end")
    assert end and not end["aborted"] and {s["player"] for s in end["standings"]} == {str(lone.id), bot_id}
    bot_line = next(s for s in end["standings"] if s["player"] == bot_id)
    assert bot_line["time_ms"] < 5 * 10_000  # the bot answered at its own seeded moments, not at the deadlines
    assert str(lone.id) in end["awards"] and bot_id not in end["awards"], end

    session.rollback()  # end the test session's read transaction: the ledger rows were written by the server
    points = dict(session.execute(select(LedgerEntry.member_id, LedgerEntry.points)).all())
    assert points.get(lone.id, 0) > 0 and points.get(bot.id, 0) == 0, (points, end)
    client = app.test_client()
    assert client.post("/api/v1/auth/login", json={"username": lone.username, "password": World.PASSWORD}).status_code == 200
    for period in ("all", f"day:{clock.day_key()}"):
        board = client.get(f"/api/v1/boards/members?period={period}").get_json()
        ids = {row["id"] for row in board["rows"]}
        assert lone.id in ids and bot.id not in ids, board


def test_without_demo_no_bot_ever_joins(app, clock, session, bank, lone, driven, sweeps) -> None:
    app.config["DEMO"] = False
    table = queue_alone(app, clock, lone, sweeps)
    clock.advance(minutes=5)
    assert sweep(app) == [] and driven == []
    table.pull()
    assert table.last(lone.id, "match.start") is None
    assert session.execute(select(Member).where(Member.is_bot.is_(True))).first() is None


def test_bot_moves_are_seeded_and_answer_before_the_deadline() -> None:
    from pkarena.engine.match import Match, Player, PublicQuestion, Secret
    from pkarena.engine.modes import MODES

    questions = [PublicQuestion(i, "single", f"q{i}", ["甲", "乙", "丙"], 0) for i in range(5)]
    secrets = [Secret("B", None)] * 5
    match = Match("m1", MODES["pk1v1"], [Player("1"), Player("9", bot=True)], questions, secrets)
    match.start(1_000)
    first, again = bot_rules.pending(match), bot_rules.pending(Match.from_state(match.to_state()))
    assert first == again and len(first) == 1
    assert 1_000 + bot_rules.MIN_DELAY_MS <= first[0].at < match.deadline
    assert bot_rules.due(match, first[0].at - 1) == [] and bot_rules.due(match, first[0].at) == first
