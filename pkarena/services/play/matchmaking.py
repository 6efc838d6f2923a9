"""Matchmaking in the Store (works across processes): PK queues per scope, timeouts, 好友对战 invitations."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from pkarena.engine import sources
from pkarena.engine.modes import MODES
from pkarena.store import keys
from pkarena.store.base import Store

QUEUE_MODES = sources.of_kind("queue")  # pk1v1, pk4
OPEN_SCOPE = "open"
QUEUE_TIMEOUT_MS = 30_000  # after this a waiting member is told no match was found (the demo offers bots)

# Stable refusal codes; messages are Chinese (the realtime layer passes them through `_()`).
ALREADY_QUEUED = "ALREADY_QUEUED"
UNKNOWN_MODE = "UNKNOWN_MODE"
NOT_QUEUED = "NOT_QUEUED"
INVITE_UNKNOWN = "INVITE_UNKNOWN"
INVITE_TAKEN = "INVITE_TAKEN"
SELF_INVITE = "SELF_INVITE"
IN_MATCH = "IN_MATCH"
MESSAGES = {
    ALREADY_QUEUED: "你已在排队中，请先退出当前队列",
    UNKNOWN_MODE: "没有这种对战模式",
    NOT_QUEUED: "你不在排队中",
    INVITE_UNKNOWN: "邀请已失效或不存在",
    INVITE_TAKEN: "邀请已被其他同事接受",
    SELF_INVITE: "不能接受自己发出的邀请",
    IN_MATCH: "你或邀请你的同事正在对局中，请稍后再试",
}


class MatchmakingError(Exception):
    """A refused queue or invitation request: a stable code and a Chinese message."""

    def __init__(self, code: str) -> None:
        super().__init__(MESSAGES[code])
        self.code, self.message = code, MESSAGES[code]


@dataclass(frozen=True)
class Joined:
    """The result of joining: still waiting, or a full group (the joiner's process starts the match)."""

    queue: str
    group: list[str] | None = None
    mode: str = ""

    @property
    def matched(self) -> bool:
        """True when a group was formed."""
        return self.group is not None


@dataclass(frozen=True)
class TimedOut:
    """A member taken out of a queue after waiting too long."""

    member: str
    mode: str
    scope: str
    waited_ms: int


@dataclass(frozen=True)
class Invitation:
    """A 好友对战 invitation: the code to put in a link or QR."""

    code: str
    host: str
    expires_in_s: int = field(default=keys.DUEL_INVITE_TTL)


def company_scope(company_id: int) -> str:
    """Queue scope "my company": only members of the same org tree meet."""
    return f"company:{int(company_id)}"


def join(store: Store, member_id: int | str, mode: str, scope: str, now_ms: int) -> Joined:
    """Queue a member (one queue at a time) and form a group if enough wait; the group leaves the queue atomically."""
    if mode not in QUEUE_MODES:
        raise MatchmakingError(UNKNOWN_MODE)
    member = str(member_id)
    queue = keys.queue_key(mode, scope)
    entry = {"queue": queue, "mode": mode, "scope": scope, "at": int(now_ms)}
    if not store.state_set_if_absent(keys.queued_member_key(member), entry, keys.QUEUE_ENTRY_TTL):
        raise MatchmakingError(ALREADY_QUEUED)
    store.hash_set_if_absent(keys.queue_registry_key(), queue, "1")
    store.queue_push(queue, member)
    group = store.queue_pop_group(queue, MODES[mode].players)
    if group is None:
        return Joined(queue, mode=mode)
    # A member is in one queue at most once, so a group never holds anyone twice (no self-match).
    store.delete(*(keys.queued_member_key(m) for m in group))
    return Joined(queue, group, mode)


def leave(store: Store, member_id: int | str) -> str:
    """Take a member out of their queue; returns the queue key, or refuses NOT_QUEUED."""
    member = str(member_id)
    entry = store.state_get(keys.queued_member_key(member))
    if entry is None or not store.queue_remove(entry["queue"], member):
        # Not waiting (or just grouped by another process, which clears the mark itself).
        raise MatchmakingError(NOT_QUEUED)
    store.state_delete(keys.queued_member_key(member))
    return entry["queue"]


def queued(store: Store, member_id: int | str) -> dict | None:
    """Where a member waits (`{"queue","mode","scope","at"}`), or None."""
    return store.state_get(keys.queued_member_key(str(member_id)))


def sweep(store: Store, now_ms: int, timeout_ms: int = QUEUE_TIMEOUT_MS,
          contest_timeout_ms: int | None = None) -> list[TimedOut]:
    """Take every member who waited `timeout_ms` (in a contest queue: `contest_timeout_ms`, default the same)
    or longer out of their queue and return them."""
    gone: list[TimedOut] = []
    for queue in sorted(store.hash_get_all(keys.queue_registry_key())):
        for member in store.queue_members(queue):
            entry = store.state_get(keys.queued_member_key(member))
            limit = timeout_ms
            if entry is not None and contest_timeout_ms is not None and str(entry["scope"]).startswith("contest:"):
                limit = contest_timeout_ms
            if entry is not None and entry["queue"] == queue and now_ms - int(entry["at"]) < limit:
                continue
            # queue_remove is the atomic claim: if another process grouped or swept them first, skip.
            if not store.queue_remove(queue, member):
                continue
            if entry is not None:
                store.state_delete(keys.queued_member_key(member))
                gone.append(TimedOut(member, entry["mode"], entry["scope"], now_ms - int(entry["at"])))
    return gone


def invite(store: Store, host_id: int | str, now_ms: int) -> Invitation:
    """Create a 好友对战 invitation code that expires after `DUEL_INVITE_TTL`."""
    while True:
        code = secrets.token_urlsafe(8)
        if store.state_set_if_absent(keys.duel_invite_key(code), {"host": str(host_id), "at": int(now_ms)},
                                     keys.DUEL_INVITE_TTL):
            return Invitation(code, str(host_id))


def invitation(store: Store, code: str) -> dict | None:
    """An open invitation (`{"host","at"}`), or None when unknown, expired or accepted."""
    return store.state_get(keys.duel_invite_key(code))


def accept(store: Store, code: str, guest_id: int | str) -> list[str]:
    """Accept an invitation: the [host, guest] pair of a 1v1; only the first colleague gets it."""
    guest = str(guest_id)
    claim = keys.duel_claim_key(code)
    if store.hash_get(claim, "guest") is not None:  # accepted before (the offer itself is gone by now)
        raise MatchmakingError(INVITE_TAKEN)
    offer = invitation(store, code)
    if offer is None:
        raise MatchmakingError(INVITE_UNKNOWN)
    if offer["host"] == guest:
        raise MatchmakingError(SELF_INVITE)
    # Checked before the claim, so an invitation survives while its host finishes another match.
    if any(store.state_get(keys.playing_member_key(m)) is not None for m in (offer["host"], guest)):
        raise MatchmakingError(IN_MATCH)
    if not store.hash_set_if_absent(claim, "guest", guest):
        raise MatchmakingError(INVITE_TAKEN)
    store.expire(claim, keys.DUEL_INVITE_TTL)
    store.state_delete(keys.duel_invite_key(code))
    return [offer["host"], guest]
