"""The play pages: lobby progress and history from the ledger, the game page's start state, member-only access."""

from __future__ import annotations

import pytest
from factories import World

from pkarena import runtime
from pkarena.extensions import socketio
from pkarena.realtime import driver
from pkarena.services import ledger
from pkarena.services.play import matches as play
from question_bank.answers import record_answer

NS = "/play"


@pytest.fixture
def versions(world) -> list[int]:
    """Six active single-choice questions whose key is "A"; returns their version ids."""
    return world.questions(6, kinds=[("single", ["甲", "乙"], "A")])


@pytest.fixture
def people(world):
    """Two members of one branch."""
    branch = world.org("第一支部", world.org("测试公司"))
    return world.member(branch, "p1"), world.member(branch, "p2")


def award(session, clock, member, source: str, ref: str, **outcome):
    """One game award through the ledger, as the play service makes it."""
    return ledger.award(session, clock, member_id=member.id, source=source, source_ref=ref, outcome=outcome)


def test_the_lobby_shows_todays_progress_per_mode_from_the_ledger(client, login, session, clock, people,
                                                                  versions) -> None:
    me, other = people
    clock.advance(days=-1)
    award(session, clock, me, "daily", "yesterday", correct=5)  # yesterday's points are not today's progress
    clock.advance(days=1)
    award(session, clock, me, "daily", "d1", correct=3)
    award(session, clock, other, "daily", "d2", correct=5)
    for version in versions[:5]:  # a challenge run of five right answers: streak 5, 3 points
        record_answer(session, question_version_id=version, member_id=me.id, match_ref="c1", choice="A",
                      correct=True, elapsed_ms=900, answered_at=clock.now())
    session.commit()
    award(session, clock, me, "challenge", "c1", streak=5)
    award(session, clock, me, "pk1v1", "m1", won=True)
    award(session, clock, me, "pk1v1", "m2", won=False)  # over today's counted limit of one
    award(session, clock, me, "pk4", "q1", place=2)
    login(me)
    html = client.get("/play").get_data(as_text=True)
    assert 'data-testid="progress-daily">今日积分 3/5<' in html
    assert 'data-testid="progress-challenge">最佳连对 5 · 积分 3/6<' in html
    assert 'data-testid="progress-pk1v1">今日计分场次 1/1<' in html
    assert 'data-testid="progress-pk4">今日计分场次 1/2<' in html
    for mode in ("daily", "challenge", "pk1v1", "pk4"):
        assert f'href="/play/match?mode={mode}"' in html


def test_a_member_without_games_today_sees_zero_progress(client, login, people) -> None:
    login(people[0])
    html = client.get("/play").get_data(as_text=True)
    assert "今日积分 0/5" in html and "最佳连对 0 · 积分 0/6" in html and "今日计分场次 0/1" in html


def test_history_lists_my_last_twenty_games_with_points_and_cap_reasons(client, login, session, clock,
                                                                        people) -> None:
    me, other = people
    award(session, clock, me, "pk1v1", "first", won=True)
    clock.advance(minutes=5)
    award(session, clock, me, "pk1v1", "second", won=True)
    award(session, clock, other, "pk4", "theirs", place=1)
    ledger.manual_award(session, clock, actor_id=other.id, member_ids=[me.id], points=3, category="思想学习",
                        reason="学习", request_id="r1")
    login(me)
    html = client.get("/play/history").get_data(as_text=True)
    assert html.count('data-testid="history-pk1v1"') == 2 and "history-pk4" not in html
    # The second 1v1 of the day is over the counted limit; the page words it as match.end does (one wording:
    # engine/sources.py), so the former page-only text "今日对战积分已达上限" became this sentence.
    assert "今日计分的对战场次已满，本场不计分" in html
    assert html.index("+0") < html.index("+2")  # newest first
    for i in range(25):
        award(session, clock, me, "daily", f"run{i}", correct=0)
    html = client.get("/play/history").get_data(as_text=True)
    assert html.count('data-testid="history-') == 20


def test_history_of_a_new_member_says_there_is_nothing_yet(client, login, people) -> None:
    login(people[1])
    assert 'data-testid="play-history-empty"' in client.get("/play/history").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/play", "/play/match?mode=daily", "/play/history"])
def test_play_pages_send_guests_to_the_login_page(client, path) -> None:
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_game_page_carries_the_mode_and_scope_and_falls_back_to_daily(client, login, people) -> None:
    login(people[0])
    html = client.get("/play/match?mode=pk4&scope=open").get_data(as_text=True)
    assert 'data-mode="pk4"' in html and 'data-scope="open"' in html and 'data-seated="false"' in html
    html = client.get("/play/match?mode=chess&scope=galaxy").get_data(as_text=True)
    assert 'data-mode="daily"' in html and 'data-scope="company"' in html
    assert "vendor/socket.io.min.js" in html and 'type="module"' in html


def test_a_finished_daily_run_is_shown_as_done_and_a_seated_member_is_not_started_again(
        app, client, login, session, clock, people, versions) -> None:
    me = people[0]
    login(me)
    with app.app_context():
        match, _ = play.start_solo(runtime.session(), runtime.store(), clock, "daily", me.id)
    assert 'data-seated="true"' in client.get("/play/match?mode=daily").get_data(as_text=True)
    clock.advance(minutes=10)  # every deadline has passed: a tick ends the run
    with app.app_context():
        play.tick(runtime.session(), runtime.store(), clock, match.match_id)
    html = client.get("/play/match?mode=daily").get_data(as_text=True)
    assert 'data-done="true"' in html and 'data-seated="false"' in html
    assert 'data-done="false"' in client.get("/play/match?mode=challenge").get_data(as_text=True)
    clock.advance(days=1)
    assert 'data-done="false"' in client.get("/play/match?mode=daily").get_data(as_text=True)


def test_match_start_names_the_players_and_each_question_carries_the_server_time(
        app, clock, people, versions, monkeypatch) -> None:
    monkeypatch.setattr(driver, "start_driver", lambda _match_id: None)  # no background deadline driver
    socks = []
    for member in people:
        http = app.test_client()
        assert http.post("/api/v1/auth/login", json={"username": member.username,
                                                     "password": World.PASSWORD}).status_code == 200
        socks.append(socketio.test_client(app, namespace=NS, flask_test_client=http))
    assert socks[0].emit("queue.join", {"mode": "pk1v1"}, namespace=NS, callback=True)["status"] == "queued"
    assert socks[1].emit("queue.join", {"mode": "pk1v1"}, namespace=NS, callback=True)["status"] == "matched"
    received = socks[0].get_received(NS)
    start = next(m["args"][0] for m in received if m["name"] == "match.start")
    question = next(m["args"][0] for m in received if m["name"] == "question")
    assert start["names"] == {str(p.id): p.display_name for p in people}
    now_ms = play.now_ms(clock)
    assert question["server_now"] == now_ms and question["deadline"] == now_ms + question["limit_ms"]
