"""Contest PK queues: members of a contest's sides meet each other first (DESIGN §8 scope `contest:<id>`).

Each side waits in a queue of its own; a join (or the watchdog's pass over waiting members) looks at
every side of the contest under a short lease, so two processes never form groups of one contest at
once, and `engine.contests.choose_group` decides who plays: another side's oldest waiter first, anyone in
the contest once the oldest has waited 10 s. The queued-member mark is the one of ordinary queues, so
`queue.leave`, the timeout sweep and "one queue at a time" work unchanged.

`join_contest_queue` is what `queue.join {"scope": "contest:<id>"}` calls: it checks the contest runs and
counts the mode, and finds the member's side (their org now) before queueing them on that side.
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.engine import contests as rules
from pkarena.engine.modes import MODES
from pkarena.models import Contest, Member
from pkarena.services.contests import views
from pkarena.services.contests.manage import can_view, status_of
from pkarena.services.play import matchmaking
from pkarena.services.play.matches import now_ms
from pkarena.services.play.matchmaking import Joined, MatchmakingError
from pkarena.store import keys
from pkarena.store.base import Store

MATCH_LEASE_TTL = 2.0  # seconds; forming a group is a handful of Store calls
SCOPE_PATTERN = r"^contest:[1-9][0-9]{0,8}$"  # ids fit a 32-bit integer column

# Stable refusal codes of contest queues, with Chinese messages.
CONTEST_NOT_FOUND = "CONTEST_NOT_FOUND"
CONTEST_NOT_RUNNING = "CONTEST_NOT_RUNNING"
NOT_IN_CONTEST = "NOT_IN_CONTEST"
MODE_NOT_COUNTED = "MODE_NOT_COUNTED"
MESSAGES = {
    CONTEST_NOT_FOUND: "竞赛不存在",
    CONTEST_NOT_RUNNING: "竞赛不在进行中，现在不能匹配",
    NOT_IN_CONTEST: "你所在的组织没有参加这个竞赛",
    MODE_NOT_COUNTED: "这个竞赛不计入该对战模式的积分",
}


class ContestQueueError(MatchmakingError):
    """A refused contest queue request (a MatchmakingError, so handlers ack it like any queue refusal)."""

    def __init__(self, code: str) -> None:
        Exception.__init__(self, MESSAGES[code])
        self.code, self.message = code, MESSAGES[code]


def contest_id_of(scope_text: str) -> int | None:
    """The contest id of a `contest:<id>` scope, or None for any other scope."""
    return int(scope_text.split(":", 1)[1]) if re.match(SCOPE_PATTERN, scope_text) else None


def queue_contest(session: Session, member: Member, scope_text: str) -> Contest | None:
    """The contest a `contest:<id>` scope names, if the member may see it (the waiting screen names it)."""
    contest_id = contest_id_of(scope_text)
    contest = session.get(Contest, contest_id) if contest_id is not None else None
    if contest is None or contest.status == "draft" or not can_view(session, member, contest):
        return None
    return contest


def join_contest_queue(session: Session, store: Store, clock: Clock, member_id: int, contest_id: int,
                       mode: str) -> Joined:
    """Queue a member for a PK mode of a running contest on their side (refusals: ContestQueueError)."""
    if mode not in matchmaking.QUEUE_MODES:
        raise MatchmakingError(matchmaking.UNKNOWN_MODE)
    contest = session.get(Contest, contest_id)
    member = session.get(Member, member_id)
    if contest is None or contest.status == "draft":  # members never see drafts (the page answers 404)
        session.rollback()
        raise ContestQueueError(CONTEST_NOT_FOUND)
    running = status_of(contest, clock) == "running"
    counted = mode in contest.sources
    # The side of the org the member belongs to now: the ledger credits that org for this match's points.
    side = views.side_of(contest, member.org.ancestor_ids) if member is not None and member.org else None
    session.rollback()  # read-only so far; the match (if any) is started by the caller
    if not running:
        raise ContestQueueError(CONTEST_NOT_RUNNING)
    if not counted:
        raise ContestQueueError(MODE_NOT_COUNTED)
    if side is None:
        raise ContestQueueError(NOT_IN_CONTEST)
    return join(store, member_id, mode, contest_id, side, now_ms(clock))


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
