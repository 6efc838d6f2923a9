"""Matchmaking queues and 好友对战 invitations on both Store backends, including a real thread race."""

from __future__ import annotations

import threading

import pytest

from pkarena.services.play import matchmaking as mm
from pkarena.store import keys

T0 = 5_000_000


@pytest.fixture(params=["memory_store", pytest.param("redis_store", marks=pytest.mark.redis)])
def store(request):
    """Each test runs on the in-process store and on real Redis."""
    return request.getfixturevalue(request.param)


def test_two_members_in_the_same_scope_make_a_1v1(store) -> None:
    first = mm.join(store, 1, "pk1v1", mm.OPEN_SCOPE, T0)
    second = mm.join(store, 2, "pk1v1", mm.OPEN_SCOPE, T0 + 10)
    assert not first.matched
    assert second.group == ["1", "2"] and second.mode == "pk1v1"
    assert store.queue_len(keys.queue_key("pk1v1", mm.OPEN_SCOPE)) == 0
    assert mm.queued(store, 1) is None and mm.queued(store, 2) is None


def test_members_of_different_companies_do_not_meet_in_company_queues(store) -> None:
    assert not mm.join(store, 1, "pk1v1", mm.company_scope(1), T0).matched
    assert not mm.join(store, 2, "pk1v1", mm.company_scope(2), T0).matched
    assert not mm.join(store, 3, "pk1v1", mm.OPEN_SCOPE, T0).matched
    assert mm.join(store, 4, "pk1v1", mm.company_scope(1), T0).group == ["1", "4"]


def test_a_member_waits_in_one_queue_at_a_time_and_cannot_meet_themself(store) -> None:
    mm.join(store, 1, "pk1v1", mm.OPEN_SCOPE, T0)
    for mode, scope in (("pk1v1", mm.OPEN_SCOPE), ("pk4", mm.OPEN_SCOPE), ("pk1v1", mm.company_scope(3))):
        with pytest.raises(mm.MatchmakingError) as refused:
            mm.join(store, 1, mode, scope, T0 + 1)
        assert refused.value.code == mm.ALREADY_QUEUED and refused.value.message
    assert store.queue_members(keys.queue_key("pk1v1", mm.OPEN_SCOPE)) == ["1"]
    assert store.queue_len(keys.queue_key("pk4", mm.OPEN_SCOPE)) == 0


def test_leaving_frees_the_member_for_another_queue(store) -> None:
    mm.join(store, 1, "pk4", mm.OPEN_SCOPE, T0)
    assert mm.leave(store, 1) == keys.queue_key("pk4", mm.OPEN_SCOPE)
    with pytest.raises(mm.MatchmakingError) as refused:
        mm.leave(store, 1)
    assert refused.value.code == mm.NOT_QUEUED
    assert not mm.join(store, 1, "pk1v1", mm.OPEN_SCOPE, T0 + 5).matched


def test_an_unknown_mode_is_refused(store) -> None:
    with pytest.raises(mm.MatchmakingError) as refused:
        mm.join(store, 1, "daily", mm.OPEN_SCOPE, T0)
    assert refused.value.code == mm.UNKNOWN_MODE


def test_sweep_takes_out_only_members_who_waited_too_long(store) -> None:
    mm.join(store, 1, "pk4", mm.OPEN_SCOPE, T0)
    mm.join(store, 2, "pk4", mm.company_scope(7), T0 + 20_000)
    gone = mm.sweep(store, T0 + 30_000, timeout_ms=30_000)
    assert gone == [mm.TimedOut("1", "pk4", mm.OPEN_SCOPE, 30_000)]
    assert mm.queued(store, 1) is None and mm.queued(store, 2)["at"] == T0 + 20_000
    assert store.queue_members(keys.queue_key("pk4", mm.company_scope(7))) == ["2"]
    assert mm.sweep(store, T0 + 30_001, timeout_ms=30_000) == []


def test_eight_members_joining_pk4_at_once_make_exactly_two_groups(store) -> None:
    barrier = threading.Barrier(8)
    results: list[mm.Joined] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def play(member: int) -> None:
        try:
            barrier.wait()
            joined = mm.join(store, member, "pk4", mm.OPEN_SCOPE, T0)
            with lock:
                results.append(joined)
        except BaseException as exc:  # surfaced below; a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=play, args=(i,)) for i in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    groups = [r.group for r in results if r.matched]
    assert len(groups) == 2 and all(len(g) == 4 for g in groups)
    everyone = [m for g in groups for m in g]
    assert sorted(everyone, key=int) == [str(i) for i in range(1, 9)]
    assert store.queue_len(keys.queue_key("pk4", mm.OPEN_SCOPE)) == 0


def test_an_accepted_invitation_pairs_host_and_guest_once(store) -> None:
    offer = mm.invite(store, 1, T0)
    assert 0 < store.ttl(keys.duel_invite_key(offer.code)) <= keys.DUEL_INVITE_TTL
    with pytest.raises(mm.MatchmakingError) as own:
        mm.accept(store, offer.code, 1)
    assert own.value.code == mm.SELF_INVITE
    assert mm.accept(store, offer.code, 2) == ["1", "2"]
    with pytest.raises(mm.MatchmakingError) as late:
        mm.accept(store, offer.code, 3)
    assert late.value.code == mm.INVITE_TAKEN  # the claim outlives the offer: "already accepted", not "unknown"


def test_two_colleagues_racing_for_one_invitation_get_one_match(store) -> None:
    offer = mm.invite(store, 1, T0)
    barrier = threading.Barrier(6)
    outcomes: list[object] = []

    def take(guest: int) -> None:
        barrier.wait()
        try:
            outcomes.append(mm.accept(store, offer.code, guest))
        except mm.MatchmakingError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=take, args=(g,)) for g in range(2, 8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    pairs = [o for o in outcomes if isinstance(o, list)]
    assert len(pairs) == 1 and pairs[0][0] == "1"
    assert set(o for o in outcomes if not isinstance(o, list)) <= {mm.INVITE_TAKEN, mm.INVITE_UNKNOWN}


def test_an_unknown_invitation_code_is_refused(store) -> None:
    with pytest.raises(mm.MatchmakingError) as refused:
        mm.accept(store, "nope", 2)
    assert refused.value.code == mm.INVITE_UNKNOWN
