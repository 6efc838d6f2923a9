"""Contest PK queues: members of a contest's sides meet each other first (DESIGN §8 scope `contest:<id>`).

Each side waits in a queue of its own; a join (or the watchdog's pass over waiting members) looks at
every side of the contest under a short lease, so two processes never form groups of one contest at
once, and `engine.contests.choose_group` decides who plays: another side's oldest waiter first, anyone in
the contest once the oldest has waited 10 s. The queued-member mark is the one of ordinary queues, so
`queue.leave`, the timeout sweep and "one queue at a time" work unchanged.
"""

from __future__ import annotations

import secrets

from pkarena.engine import contests as rules
from pkarena.engine.modes import MODES
from pkarena.services.play import matchmaking
from pkarena.services.play.matchmaking import Joined, MatchmakingError
from pkarena.store import keys
from pkarena.store.base import Store

MATCH_LEASE_TTL = 2.0  # seconds; forming a group is a handful of Store calls


def scope(contest_id: int) -> str:
    """The `queue.join` scope of a contest."""
    return f"contest:{int(contest_id)}"


def side_queue(mode: str, contest_id: int, side: int) -> str:
    """`pk:queue:{mode}:contest:{id}:side:{org}`: one side's waiting members."""
    return keys.queue_key(mode, f"contest:{int(contest_id)}:side:{int(side)}")


def join(store: Store, member_id: int | str, mode: str, contest_id: int, side: int, now_ms: int) -> Joined:
    """Queue a member of side `side`; a group is formed at once if the contest's queues allow one."""
    if mode not in matchmaking.QUEUE_MODES:
        raise MatchmakingError(matchmaking.UNKNOWN_MODE)
    member, queue = str(member_id), side_queue(mode, contest_id, side)
    entry = {"queue": queue, "mode": mode, "scope": scope(contest_id), "at": int(now_ms), "side": int(side)}
    if not store.state_set_if_absent(keys.queued_member_key(member), entry, keys.QUEUE_ENTRY_TTL):
        raise MatchmakingError(matchmaking.ALREADY_QUEUED)
    store.hash_set_if_absent(keys.queue_registry_key(), queue, "1")
    store.queue_push(queue, member)
    return Joined(queue, form_group(store, mode, contest_id, now_ms), mode)


def _side_queues(store: Store, mode: str, contest_id: int) -> dict[int, str]:
    prefix = keys.queue_key(mode, f"contest:{int(contest_id)}:side:")
    return {int(queue.removeprefix(prefix)): queue for queue in store.hash_get_all(keys.queue_registry_key())
            if queue.startswith(prefix) and queue.removeprefix(prefix).isdigit()}


def form_group(store: Store, mode: str, contest_id: int, now_ms: int) -> list[str] | None:
    """Take the next group of this contest's queues out of them (None: nobody fits yet, or busy)."""
    lease, owner = keys.lease_key(f"contestmatch:{int(contest_id)}:{mode}"), secrets.token_hex(8)
    if not store.lease_acquire(lease, owner, MATCH_LEASE_TTL):
        return None  # another process is forming a group here; the watchdog's next pass sees the rest
    try:
        queues = _side_queues(store, mode, contest_id)
        waiting: dict[int, list[tuple[str, int]]] = {}
        for side, queue in queues.items():
            members = []
            for member in store.queue_members(queue):
                entry = store.state_get(keys.queued_member_key(member))
                if entry is not None and entry.get("queue") == queue:
                    members.append((member, int(entry["at"])))
            waiting[side] = members
        group = rules.choose_group(waiting, MODES[mode].players, now_ms)
        if group is None:
            return None
        queue_of = {member: queues[side] for side, members in waiting.items() for member, _at in members}
        claimed = [m for m in group if store.queue_remove(queue_of[m], m)]
        if len(claimed) != len(group):  # someone left meanwhile: everyone else waits on
            for member in claimed:
                store.queue_push(queue_of[member], member)
            return None
        store.delete(*(keys.queued_member_key(m) for m in group))
        return group
    finally:
        store.lease_release(lease, owner)


def waiting_contests(store: Store) -> list[tuple[str, int]]:
    """(mode, contest id) of every contest queue that has had members (for the watchdog's pass)."""
    found = set()
    for queue in store.hash_get_all(keys.queue_registry_key()):
        for mode in matchmaking.QUEUE_MODES:
            prefix = keys.queue_key(mode, "contest:")
            rest = queue.removeprefix(prefix)
            if queue.startswith(prefix) and rest.split(":", 1)[0].isdigit() and store.queue_len(queue):
                found.add((mode, int(rest.split(":", 1)[0])))
    return sorted(found)


def form_waiting_groups(store: Store, now_ms: int) -> list[tuple[str, list[str]]]:
    """Every group the contest queues allow now (members who waited out the cross-org preference)."""
    formed = []
    for mode, contest_id in waiting_contests(store):
        while (group := form_group(store, mode, contest_id, now_ms)) is not None:
            formed.append((mode, group))
    return formed
