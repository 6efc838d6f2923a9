"""Contest PK queues on both stores: cross-org first, anyone in the contest after 10 s, one queue at a time."""

from __future__ import annotations

import pytest

from pkarena.services.contests import matchmaking as queues
from pkarena.services.play import matchmaking
from pkarena.services.play.matchmaking import MatchmakingError

A, B = 2, 11  # the two sides (org ids) of contest 7


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def store(request):
    return request.getfixturevalue(f"{request.param}_store")


def test_a_1v1_meets_the_other_side_before_a_colleague(store):
    assert not queues.join(store, 1, "pk1v1", 7, A, now_ms=0).matched
    assert not queues.join(store, 2, "pk1v1", 7, A, now_ms=100).matched  # a colleague: keeps waiting
    joined = queues.join(store, 3, "pk1v1", 7, B, now_ms=200)
    assert joined.group == ["1", "3"]
    assert matchmaking.queued(store, 1) is None and matchmaking.queued(store, 3) is None
    assert matchmaking.queued(store, 2)["scope"] == "contest:7"


def test_colleagues_meet_after_ten_seconds_in_the_watchdog_pass(store):
    queues.join(store, 1, "pk1v1", 7, A, now_ms=0)
    queues.join(store, 2, "pk1v1", 7, A, now_ms=500)
    assert queues.form_waiting_groups(store, now_ms=9_000) == []
    assert queues.form_waiting_groups(store, now_ms=10_000) == [("pk1v1", ["1", "2"])]
    assert queues.form_waiting_groups(store, now_ms=20_000) == []


def test_four_player_takes_two_of_each_side(store):
    for member, side, at in ((1, A, 0), (2, A, 10), (3, A, 20), (4, B, 30)):
        assert not queues.join(store, member, "pk4", 7, side, now_ms=at).matched
    assert queues.join(store, 5, "pk4", 7, B, now_ms=40).group == ["1", "2", "4", "5"]
    assert matchmaking.queued(store, 3) is not None


def test_one_queue_at_a_time_and_leave_works_for_contest_queues(store):
    queues.join(store, 1, "pk1v1", 7, A, now_ms=0)
    with pytest.raises(MatchmakingError) as refused:
        matchmaking.join(store, 1, "pk1v1", "open", now_ms=1)
    assert refused.value.code == matchmaking.ALREADY_QUEUED
    assert matchmaking.leave(store, 1) == queues.side_queue("pk1v1", 7, A)
    assert queues.join(store, 2, "pk1v1", 7, B, now_ms=2).group is None
    with pytest.raises(MatchmakingError):
        queues.join(store, 3, "duel", 7, B, now_ms=3)


def test_contests_do_not_mix(store):
    queues.join(store, 1, "pk1v1", 7, A, now_ms=0)
    assert queues.join(store, 2, "pk1v1", 8, B, now_ms=1).group is None
    assert queues.form_waiting_groups(store, now_ms=60_000) == []


def test_the_demo_bots_wait_for_the_contest_queue_to_give_up_on_people_first(store):
    queues.join(store, 1, "pk1v1", 7, A, now_ms=0)
    matchmaking.join(store, 2, "pk1v1", "open", now_ms=0)
    # After the bots' usual wait only the ordinary queue is swept; the contest waiter holds out longer.
    gone = matchmaking.sweep(store, 8_000, 8_000, contest_timeout_ms=18_000)
    assert [g.member for g in gone] == ["2"]
    assert [g.member for g in matchmaking.sweep(store, 18_000, 8_000, contest_timeout_ms=18_000)] == ["1"]
